"""One storage suite, run on SQLite and on PostgreSQL (``db_url``)."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import sqlalchemy

from ledger.errors import ConflictError, InvalidEvent, LedgerError, NoLedger
from ledger.events import Draft, Envelope
from ledger.store import EVENTS_TABLE, STREAM_NAMESPACE, Ledger, resolve_url, stream_id

from helpers import PID, founding, jsonl, line, record_commitments


def _raw(url: str, sql: str) -> None:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def _rows(url: str) -> list[tuple[object, ...]]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.exec_driver_sql(
                    "SELECT originator_id, originator_version, topic FROM pledger_events "
                    "ORDER BY originator_id, originator_version"
                )
            ]
    finally:
        engine.dispose()


def test_one_stream_per_partnership_with_uuid5_ids_and_explicit_topics(db_url: str) -> None:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding("alpha"), *founding("beta")[:2]))
        assert ledger.partnerships() == ["alpha", "beta"]
        assert [e.seq for e in ledger.stream("alpha")] == [1, 2, 3, 4]
        assert [e.seq for e in ledger.stream("beta")] == [1, 2]
    rows = _rows(db_url)
    assert len(rows) == 6
    ids = {r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(bytes=bytes(r[0])) for r in rows}
    assert ids == {uuid.uuid5(STREAM_NAMESPACE, "alpha"), uuid.uuid5(STREAM_NAMESPACE, "beta")}
    assert stream_id("alpha") == uuid.uuid5(STREAM_NAMESPACE, "alpha")
    assert {r[2] for r in rows} == {"pledger:PartnershipFounded", "pledger:PartnerJoined"}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE pledger_events SET topic = 'pledger:Forged'",
        "DELETE FROM pledger_events",
        "DELETE FROM pledger_events WHERE originator_version = 2",
    ],
)
def test_triggers_reject_update_and_delete(db_url: str, statement: str) -> None:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
        before = list(ledger.export_lines())
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
        _raw(db_url, statement)
    with Ledger(db_url) as ledger:
        assert list(ledger.export_lines()) == before


def test_truncate_is_rejected_on_postgresql(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no TRUNCATE")
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
        _raw(db_url, "TRUNCATE pledger_events")


def test_opening_twice_is_idempotent_and_keeps_events(db_url: str) -> None:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
    for _ in range(2):
        with Ledger(db_url) as ledger:
            assert len(ledger.stream(PID)) == 4


def test_a_refused_write_leaves_nothing(db_url: str) -> None:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
        good = line(
            "CommitmentMade",
            {
                "commitment": "c-1",
                "partner": "telco-x",
                "kind": "money",
                "description": "Funds",
                "value": 10,
                "currency": "EUR",
            },
            actor="telco-x",
        )
        bad = line(
            "VoteCast",
            {"decision": "nope", "partner": "telco-x", "position": "for"},
            actor="telco-x",
        )
        with pytest.raises(InvalidEvent, match="line 2"):
            ledger.import_jsonl(jsonl(good, bad))
        assert len(ledger.stream(PID)) == 4


def _race(url: str, jobs: list[tuple[str, str, int]]) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(len(jobs)) as pool:
        results = [pool.apply_async(record_commitments, (url, *job)) for job in jobs]
        assert [r.get(timeout=300) for r in results] == [job[2] for job in jobs]


@pytest.mark.slow
def test_racing_writers_on_one_partnership_lose_and_duplicate_nothing(db_url: str) -> None:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
    jobs = [(PID, partner, 20) for partner in ("ngo-sonar", "telco-x", "ministry")]
    _race(db_url, jobs)
    with Ledger(db_url) as ledger:
        stream = ledger.stream(PID)
    assert [e.seq for e in stream] == list(range(1, 4 + 60 + 1))
    made = [e.data["commitment"] for e in stream if e.type == "CommitmentMade"]
    assert len(made) == len(set(made)) == 60


@pytest.mark.slow
def test_racing_writers_on_different_partnerships(db_url: str) -> None:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding("p-1"), *founding("p-2"), *founding("p-3")))
    _race(db_url, [("p-1", "telco-x", 10), ("p-2", "telco-x", 10), ("p-3", "ministry", 10)])
    with Ledger(db_url) as ledger:
        for pid in ("p-1", "p-2", "p-3"):
            assert [e.seq for e in ledger.stream(pid)] == list(range(1, 15))


def test_a_lost_race_is_retried_after_re_reading(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the unique (stream, version) index refuses a write, the writer re-reads the
    stream and tries again: the event lands once, at the next free seq."""
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
        insert = ledger._insert
        reads = {"n": 0}
        real_stream = ledger.stream

        def counting_stream(pid: str, session: Any = None) -> list[Envelope]:
            reads["n"] += 1
            return real_stream(pid, session)

        def lose_once(session, rows):  # type: ignore[no-untyped-def]
            monkeypatch.setattr(ledger, "_insert", insert)
            raise sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))

        monkeypatch.setattr(ledger, "_insert", lose_once)
        monkeypatch.setattr(ledger, "stream", counting_stream)
        event = ledger.record(
            Draft(partnership=PID, type="PhaseChanged", actor="broker", data={"phase": "planning"})
        )
        assert reads["n"] == 2
        assert event.seq == 5
        assert [e.type for e in ledger.stream(PID)].count("PhaseChanged") == 1


def test_a_writer_that_exhausts_its_retries_writes_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))

        def always_lose(session, rows):  # type: ignore[no-untyped-def]
            raise sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))

        monkeypatch.setattr(ledger, "_insert", always_lose)
        monkeypatch.setattr("ledger.store.time.sleep", lambda _s: None)
        with pytest.raises(ConflictError, match="nothing was written"):
            ledger.record(
                Draft(
                    partnership=PID, type="PhaseChanged", actor="broker", data={"phase": "planning"}
                )
            )
        monkeypatch.undo()
        assert len(ledger.stream(PID)) == 4


def test_read_commands_do_not_create_a_missing_sqlite_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "missing.db"
    with pytest.raises(NoLedger, match="no ledger at"):
        Ledger(str(path), create=False)
    assert not path.exists()


def test_resolve_url() -> None:
    assert resolve_url("ledger.db") == "sqlite:///ledger.db"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url(None) == "sqlite:///pledger.db"


def test_events_read_back_are_immutable_all_the_way_down(sqlite_url: str) -> None:
    import dataclasses

    with Ledger(sqlite_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
        ledger.import_jsonl(
            jsonl(line("MeetingHeld", {"meeting": "m-1", "purpose": "Kick-off",
                                       "attendees": ["telco-x", "ministry"]}))
        )  # fmt: skip
        event = ledger.stream(PID)[-1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.actor = "someone"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.data["purpose"] = "Rewritten"  # type: ignore[index]
    with pytest.raises(AttributeError):
        event.data["attendees"].append("ngo-sonar")
    assert event.as_dict()["data"]["attendees"] == ["telco-x", "ministry"]


def test_rows_written_in_bulk_are_the_applications_own(db_url: str) -> None:
    """The write path inserts rows through SQLAlchemy Core and the audit reads them back
    directly: each row must be byte for byte what eventsourcing's mapper writes for that
    event, and the eventsourcing application must read every one back as the same event."""
    from ledger.application import to_domain, to_envelope
    from ledger.store import envelope_from_state

    objs = founding() + [
        line("PrincipleAdopted", {"principle": f"p{i}", "text": "é — €"}) for i in range(5)
    ]
    objs.append(
        line(
            "MeetingHeld",
            {"meeting": "m-1", "purpose": "Kick-off", "attendees": ["ngo-sonar", "telco-x"]},
        )
    )
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*objs))
        ours = ledger.stream(PID)
        assert len(ours) == len(objs)
        theirs = [to_envelope(e) for e in ledger._app.events.get(stream_id(PID))]  # type: ignore[arg-type]
        assert theirs == ours
        mapper = ledger._app.mapper
        for row, event in zip(ledger.stored_rows(PID), ours, strict=True):
            stored = mapper.to_stored_event(to_domain(event))
            assert (row.stream, row.version, row.topic, row.state) == (
                stored.originator_id,
                stored.originator_version,
                stored.topic,
                stored.state,
            )
            assert envelope_from_state(row.version, row.topic, row.state) == event
        # a whole second's recording time (no fraction in isoformat) survives the round trip
        whole = Draft(
            partnership=PID,
            type="PhaseChanged",
            actor="broker",
            data={"phase": "planning"},
            recorded_at="2026-06-01T12:00:00.000000Z",
        )
        event = ledger.record(whole)
        row = ledger.stored_rows(PID)[-1]
        assert b'"2026-06-01T12:00:00+00:00"' in row.state
        assert mapper.to_stored_event(to_domain(event)).state == row.state
        last = list(ledger._app.events.get(stream_id(PID)))[-1]
        assert to_envelope(last) == event  # type: ignore[arg-type]


# -- reading a SQLite file without the application ------------------------------------------

READ_WITHOUT_THE_APPLICATION = """
import sys
from ledger.cli.main import main
from ledger.store import Ledger

ledger = Ledger(sys.argv[1], create=False)
assert ledger.partnerships() == ["alpha", "beta"] and ledger.count_partnerships() == 2
assert ledger.has_partnership("alpha") and not ledger.has_partnership("gamma")
assert sorted(pid for pid, _ in ledger.streams()) == ["alpha", "beta"]
assert len(ledger.stream("alpha")) == 4 and len(ledger.stored_rows()) == 6
assert [head.size for head in ledger.tree_heads("alpha")] == [4]
sys.argv = ["pledger", "--db", sys.argv[1], "audit", "--all", "--format", "json", "-o", sys.argv[2]]
try:
    main()
except SystemExit:
    pass
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "eventsourcing",
      "eventsourcing_sqlalchemy", "ledger.application"))))
"""


def test_reading_a_sqlite_file_loads_neither_sqlalchemy_nor_eventsourcing(tmp_path: Path) -> None:
    """Read commands on a SQLite file read it with ``sqlite3`` itself: importing SQLAlchemy
    and eventsourcing-sqlalchemy took about 0.35 s of every read command's start-up."""
    db = tmp_path / "ledger.db"
    with Ledger(str(db)) as ledger:
        ledger.import_jsonl(jsonl(*founding("alpha"), *founding("beta")[:2]))
    report = tmp_path / "audit.json"
    script = tmp_path / "read.py"
    script.write_text(READ_WITHOUT_THE_APPLICATION, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(db), str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""  # not one of those modules was loaded
    audited = json.loads(report.read_text(encoding="utf-8"))
    assert [(p["id"], p["events"]) for p in audited["partnerships"]] == [("alpha", 4), ("beta", 2)]


def test_the_events_table_is_the_applications(db_url: str) -> None:
    """Reads name the table themselves; it must be the one eventsourcing-sqlalchemy writes."""
    with Ledger(db_url) as ledger:
        assert ledger._app.recorder.events_table_name == EVENTS_TABLE  # type: ignore[attr-defined]


def test_a_file_that_is_not_a_database_is_refused_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(b"minutes of the partnership meeting, not a database\n" * 20)
    with pytest.raises(LedgerError) as caught:
        Ledger(str(db), create=False)
    assert str(caught.value) == f"cannot open the ledger at sqlite:///{db}: file is not a database"
    assert db.read_bytes() == b"minutes of the partnership meeting, not a database\n" * 20


def test_each_thread_reads_through_its_own_connection(tmp_path: Path) -> None:
    """``sqlite3`` connections belong to a thread: a ledger shared by threads opens one for
    each, and closing the ledger closes them all (the next read opens a new one)."""
    with Ledger(str(tmp_path / "ledger.db")) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
        here = ledger.stream(PID)
        there: list[list[Envelope]] = []
        worker = threading.Thread(target=lambda: there.append(ledger.stream(PID)))
        worker.start()
        worker.join()
        assert there == [here]
        assert len(ledger._readers) == 2
        ledger.close()
        assert ledger._readers == {}
        assert ledger.stream(PID) == here


def test_a_reader_sees_what_another_ledger_wrote_since(tmp_path: Path) -> None:
    """Reads hold no transaction open between queries: each sees what was committed."""
    path = str(tmp_path / "ledger.db")
    with Ledger(path) as reader, Ledger(path) as writer:
        writer.import_jsonl(jsonl(*founding()[:2]))
        assert len(reader.stream(PID)) == 2
        streams = reader.streams()
        assert len(next(streams)[1]) == 2  # a read left unfinished
        writer.import_jsonl(jsonl(*founding()[2:]))
        streams.close()
        assert len(reader.stream(PID)) == len(founding())


def test_new_event_ids_are_random_version_4_uuids_never_shared_with_a_forked_child() -> None:
    """Ids are made ahead in blocks; a forked child must not hand out its parent's."""
    from ledger import store

    made = [store.new_event_id() for _ in range(3 * 512 + 7)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)
    spare = list(store._spare_ids)
    assert spare  # the parent holds ids made ahead
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        child = pool.apply(store.new_event_id)
    assert child not in spare and child not in made


def _frozen_deep(value: Any) -> bool:
    if isinstance(value, dict | list):
        return False
    if isinstance(value, MappingProxyType):
        return all(_frozen_deep(v) for v in value.values())
    if isinstance(value, tuple):
        return all(_frozen_deep(v) for v in value)
    return True


@pytest.mark.parametrize(
    "data",
    [
        {"phase": "planning"},  # flat: a read-only view of what orjson read
        {"text": "a { brace [", "n": 3},  # braces in a text: still flat
        {"attendees": ["ngo-sonar", "telco-x"]},  # a list: frozen by a walk
        {"ratings": {"worth": "red", "trust": "green"}},  # a map inside
        {"deep": [{"a": [1, {"b": []}]}, ["x"]], "n": None},  # maps and lists in lists
        {"big": 2**70, "x": 1.5, "u": "é — € \U0001f600"},  # past 64 bits: read by json
    ],
)
def test_stored_rows_read_back_as_the_same_event_frozen_deep(data: dict[str, Any]) -> None:
    from ledger.events import thaw
    from ledger.store import envelope_from_state, stored_state

    event = Envelope(
        id="e-1", partnership=PID, seq=4, type="PhaseChanged", occurred_on="2026-03-01",
        recorded_at="2026-03-01T10:00:00.123456Z", actor="broker", data=data, hash="ab" * 32,
    )  # fmt: skip
    read = envelope_from_state(4, "pledger:PhaseChanged", stored_state(event))
    assert read == event and thaw(read.data) == data
    assert _frozen_deep(read.data)

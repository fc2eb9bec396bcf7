"""The JSON Lines interchange format (EVENTS.md, "Interchange format: JSON Lines"; DESIGN.md,
Integrity): what export writes, how import restores and records, how input is refused, the
CLI around both, and a property test that export -> import -> export is the identity."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledger.cli.main import cli
from ledger.errors import LedgerError
from ledger.store import Ledger, Written

from helpers import PID, founding, jsonl, line, reset_postgres

NOW = "2026-06-01T12:00:00.000000Z"  # the autouse fixed clock, as export writes it
TODAY = "2026-06-01"
LATER = "2026-06-01T12:34:56.789012Z"
LIMIT = 1_048_576  # 1 MiB: the longest line import accepts, newline excluded
ALPHA = "alpha-fund"
UNICODE = "Café Ünïcode ✓ 𝄞"
ENVELOPE_KEYS = {
    "id",
    "partnership",
    "seq",
    "type",
    "occurred_on",
    "recorded_at",
    "actor",
    "data",
    "hash",
}
TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
PLAIN_DECIMAL_RE = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]*[1-9])?")


# -- independent re-implementations of the contract -----------------------------------------


def canonical(value: Any) -> str:
    """Canonical JSON (DESIGN.md, Integrity): keys sorted, no spaces, text as UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def jcs(value: Any) -> str:
    """Canonical JSON with RFC 8785 key order (UTF-16 code units); equals ``canonical`` for
    BMP keys below U+D800, and also handles arbitrary text keys such as review aspects."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: item[0].encode("utf-16-be"))
        return "{" + ",".join(f"{jcs(k)}:{jcs(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def leaf_hash_of(obj: dict[str, Any], dumps: Any = canonical) -> str:
    """SHA-256(0x00 || leaf), leaf = the exported object without ``hash``, canonical, UTF-8."""
    leaf = {k: v for k, v in obj.items() if k != "hash"}
    return hashlib.sha256(b"\x00" + dumps(leaf).encode("utf-8")).hexdigest()


def restore_line(**envelope: Any) -> dict[str, Any]:
    """A restore line written by hand, with its hash computed here."""
    return {**envelope, "hash": leaf_hash_of(envelope)}


# -- small helpers ---------------------------------------------------------------------------


def empty_like(url: str, folder: Path, name: str) -> str:
    """An empty database of the same kind as ``url`` (PostgreSQL has one test database, so it
    is emptied and reused)."""
    if url.startswith("sqlite"):
        return f"sqlite:///{folder / name}"
    reset_postgres(url)
    return url


def import_bytes(url: str, data: bytes) -> Written:
    with Ledger(url) as ledger:
        return ledger.import_jsonl(io.BytesIO(data))


def export_bytes(url: str, partnership: str | None = None) -> bytes:
    with Ledger(url) as ledger:
        return "".join(ledger.export_lines(partnership)).encode("utf-8")


def lines_of(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def objects(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in lines_of(data)]


def as_jsonl(*objs: dict[str, Any]) -> bytes:
    return jsonl(*objs).getvalue()


def names_line(message: str, number: int) -> bool:
    return re.search(rf"\bline {number}\b", message) is not None


def assert_refused(url: str, data: bytes, line_no: int) -> LedgerError:
    """The import fails naming ``line_no`` and writes nothing at all."""
    before = export_bytes(url)
    with pytest.raises(LedgerError) as caught:
        import_bytes(url, data)
    assert names_line(str(caught.value), line_no), str(caught.value)
    assert export_bytes(url) == before
    return caught.value


def run(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def assert_cli_error(result: Result) -> str:
    """Exit code 2, nothing on stdout, exactly one line on stderr."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    return result.stderr


def sample_batches() -> list[tuple[str, list[dict[str, Any]]]]:
    """Two partnerships, interleaved, recorded in two batches at two clock times."""
    music_first = [
        *founding(),
        line(
            "CommitmentMade",
            {
                "commitment": "c-7",
                "partner": "ngo-sonar",
                "kind": "people",
                "description": f"Two trainers — {UNICODE}",
                "quantity": 2,
                "unit": "trainers",
                "value": "18000.00",
                "currency": "EUR",
                "due": "2026-09-30",
            },
            actor="ngo-sonar",
            on="2026-03-02",
        ),
    ]
    music_then = [
        line(
            "CommitmentFulfilled",
            {"commitment": "c-7", "delivered": "4.50", "evidence": "Workshop\tlog\nsigned"},
            actor="ngo-sonar",
            on="2026-04-01",
        ),
        line(
            "FulfilmentConfirmed",
            {"commitment": "c-7", "partner": "telco-x"},
            actor="telco-x",
            on="2026-04-02",
        ),
        line(
            "DecisionProposed",
            {"decision": "d-1", "title": "Adopt the budget", "proposer": "ministry"},
            on=None,
        ),
    ]
    later = [
        line(
            "VoteCast",
            {"decision": "d-1", "partner": "telco-x", "position": "for"},
            actor="telco-x",
            on=None,
        ),
        line(
            "VoteCast",
            {
                "decision": "d-1",
                "partner": "ministry",
                "position": "abstain",
                "comment": "ça dépend",
            },
            actor="ministry",
            on=None,
        ),
        line("DecisionTaken", {"decision": "d-1", "outcome": "adopted"}),
    ]
    later[-1]["occurred_on"] = TODAY
    return [("2026-06-01T12:00:00Z", [*music_first, *founding(ALPHA), *music_then]), (LATER, later)]


SAMPLE_SIZES = {ALPHA: 4, PID: 11}


def build_sample(url: str) -> None:
    for clock, batch in sample_batches():
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PLEDGER_NOW", clock)
            import_bytes(url, as_jsonl(*batch))


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    url: str = request.getfixturevalue("postgres_database")  # skips without PostgreSQL
    reset_postgres(url)
    yield url
    reset_postgres(url)


@pytest.fixture
def exported(tmp_path: Path) -> bytes:
    """The export of the sample, made in a scratch SQLite ledger."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    build_sample(url)
    return export_bytes(url)


@pytest.fixture
def seeded(sqlite_url: str) -> str:
    """A SQLite ledger holding the founding of music-chain (seq 1-4)."""
    import_bytes(sqlite_url, as_jsonl(*founding()))
    return sqlite_url


# -- 1. export format ------------------------------------------------------------------------


def test_export_lines_are_canonical_with_every_envelope_field(db_url: str) -> None:
    build_sample(db_url)
    data = export_bytes(db_url)
    assert data.endswith(b"\n")
    raw_lines = lines_of(data)
    assert len(raw_lines) == sum(SAMPLE_SIZES.values())
    for raw in raw_lines:
        text = raw.decode("utf-8")
        assert text.count("\n") == 1 and text.endswith("\n") and "\r" not in text
        obj = json.loads(text)
        assert set(obj) == ENVELOPE_KEYS
        assert text[:-1] == canonical(obj)  # keys sorted, no spaces, no escapes
        assert str(uuid.UUID(obj["id"])) == obj["id"]
        assert type(obj["seq"]) is int
        assert TIME_RE.fullmatch(obj["recorded_at"]), obj["recorded_at"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", obj["occurred_on"])
        assert obj["hash"] == leaf_hash_of(obj)
    recorded = [json.loads(raw)["recorded_at"] for raw in raw_lines]
    assert set(recorded) == {NOW, LATER}


def test_export_orders_partnerships_by_id_and_events_by_seq(db_url: str) -> None:
    ids = ["zeta", "a0", "a.z", "b", "a-z"]
    batches = [founding(pid) for pid in ids]
    interleaved = [obj for group in zip(*batches, strict=True) for obj in group]
    import_bytes(db_url, as_jsonl(*interleaved))
    with Ledger(db_url) as ledger:
        assert ledger.partnerships() == ["a-z", "a.z", "a0", "b", "zeta"]
    order = [(obj["partnership"], obj["seq"]) for obj in objects(export_bytes(db_url))]
    assert order == [(pid, seq) for pid in sorted(ids) for seq in (1, 2, 3, 4)]
    assert [o["seq"] for o in objects(export_bytes(db_url, "b"))] == [1, 2, 3, 4]


def _raw_line(type_: str, data: str) -> str:
    """A line whose data is given as JSON text, so numbers keep the notation written."""
    return (
        '{"partnership": "music-chain", "actor": "ngo-sonar", "occurred_on": "2026-03-02", '
        f'"type": "{type_}", "data": {{{data}}}}}\n'
    )


def test_export_writes_amounts_as_plain_decimal_strings(sqlite_url: str) -> None:
    made = '"partner": "ngo-sonar", "currency": "EUR", "description": "Cash", "kind": "money"'
    raw = [
        _raw_line("CommitmentMade", f'"commitment": "c-1", {made}, "quantity": 4.50, '
                  '"value": 18000.000'),
        _raw_line("CommitmentMade", f'"commitment": "c-2", {made}, "quantity": "0.000", '
                  '"value": "1.80E+4"'),
        _raw_line("CommitmentRevised", '"commitment": "c-1", "reason": "more", "value": 1.5e3, '
                  '"quantity": "12.3400"'),
        _raw_line("CommitmentFulfilled", '"commitment": "c-2", "evidence": "ok", '
                  '"delivered": 1E+2'),
    ]  # fmt: skip
    import_bytes(sqlite_url, as_jsonl(*founding()) + "".join(raw).encode())
    data = [obj["data"] for obj in objects(export_bytes(sqlite_url))[4:]]
    assert (data[0]["quantity"], data[0]["value"]) == ("4.5", "18000")
    assert (data[1]["quantity"], data[1]["value"]) == ("0", "18000")
    assert (data[2]["value"], data[2]["quantity"]) == ("1500", "12.34")
    assert data[3]["delivered"] == "100"
    assert b'"quantity":"4.5"' in export_bytes(sqlite_url)


def test_export_keeps_every_digit_of_an_amount_within_the_bounds(sqlite_url: str) -> None:
    big = "123456789012345678901.123456789012"  # 21 integer digits, 12 places: 33 digits
    commit = line(
        "CommitmentMade",
        {"commitment": "c-1", "partner": "ngo-sonar", "kind": "money", "description": "Cash",
         "value": big, "currency": "EUR"},
        actor="ngo-sonar",
    )  # fmt: skip
    import_bytes(sqlite_url, as_jsonl(*founding(), commit))
    assert objects(export_bytes(sqlite_url))[-1]["data"]["value"] == big


def test_export_writes_non_ascii_text_as_utf8(db_url: str) -> None:
    founded = founding()
    founded[0]["data"]["purpose"] = UNICODE  # helpers.jsonl sends it as \u escapes
    import_bytes(db_url, as_jsonl(*founded))
    data = export_bytes(db_url)
    assert UNICODE.encode("utf-8") in data
    assert b"\\u" not in data
    first = json.loads(lines_of(data)[0])
    assert first["data"]["purpose"] == UNICODE
    assert first["hash"] == leaf_hash_of(first)


def test_export_omits_absent_optional_fields_and_never_writes_null(sqlite_url: str) -> None:
    import_bytes(sqlite_url, as_jsonl(*founding()))

    def no_null(value: Any) -> bool:
        if isinstance(value, dict):
            return all(no_null(v) for v in value.values())
        if isinstance(value, list):
            return all(no_null(v) for v in value)
        return value is not None

    for obj in objects(export_bytes(sqlite_url)):
        assert "signer" not in obj and "signature" not in obj
        assert no_null(obj)
    assert "vision" not in objects(export_bytes(sqlite_url))[0]["data"]


def test_export_orders_text_keys_as_rfc8785(sqlite_url: str) -> None:
    """DESIGN.md: canonical JSON is a subset of RFC 8785, whose keys sort by UTF-16 code
    units: U+1F600 (D83D DE00) comes before U+E000, unlike a sort by code points."""
    review = [
        line("ReviewOpened", {"review": "r-1", "lenses": ["project"]}),
        line(
            "ReviewSubmitted",
            {
                "review": "r-1",
                "partner": "telco-x",
                "ratings": {"\ue000": "red", "b": "amber", "😀": "green", "a": "green"},
            },
            actor="telco-x",
        ),
    ]
    import_bytes(sqlite_url, as_jsonl(*founding(), *review))
    last = export_bytes(sqlite_url).decode("utf-8").splitlines()[-1]
    assert '"ratings":{"a":"green","b":"amber","😀":"green","\ue000":"red"}' in last
    obj = json.loads(last)
    assert last == jcs(obj)
    assert obj["hash"] == leaf_hash_of(obj, jcs)


# -- 2. restore ------------------------------------------------------------------------------


def test_restore_into_an_empty_database_gives_the_same_export(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_sample(db_url)
    original = export_bytes(db_url)
    target = empty_like(db_url, tmp_path, "restored.db")
    monkeypatch.setenv("PLEDGER_NOW", "2027-01-01T00:00:00Z")  # a restore keeps recorded_at
    written = import_bytes(target, original)
    assert written.ranges() == {pid: (1, n) for pid, n in SAMPLE_SIZES.items()}
    assert len(written.events) == len(lines_of(original))
    assert export_bytes(target) == original
    with Ledger(target) as ledger:
        assert ledger.partnerships() == [ALPHA, PID]
        assert [e.hash for e in ledger.stream(PID)] == [
            o["hash"] for o in objects(original) if o["partnership"] == PID
        ]


def test_restore_through_the_cli_gives_the_same_export(db_url: str, tmp_path: Path) -> None:
    build_sample(db_url)
    original = run("--db", db_url, "export")
    assert original.exit_code == 0, original.output
    assert original.stdout_bytes == export_bytes(db_url)
    target = empty_like(db_url, tmp_path, "restored.db")
    imported = run("--db", target, "import", "-", input=original.stdout_bytes)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout == f"imported 15 events ({ALPHA} 1-4, {PID} 1-11)\n"
    again = run("--db", target, "export")
    assert again.exit_code == 0
    assert again.stdout_bytes == original.stdout_bytes


@pytest.mark.postgres
def test_restore_across_sqlite_and_postgresql(sqlite_url: str, postgres_url: str) -> None:
    build_sample(sqlite_url)
    from_sqlite = export_bytes(sqlite_url)
    import_bytes(postgres_url, from_sqlite)
    assert export_bytes(postgres_url) == from_sqlite


@pytest.mark.postgres
def test_restore_across_postgresql_and_sqlite(tmp_path: Path, postgres_url: str) -> None:
    build_sample(postgres_url)
    from_postgres = export_bytes(postgres_url)
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    import_bytes(target, from_postgres)
    assert export_bytes(target) == from_postgres


def test_restore_may_continue_a_stream_at_its_next_seq(
    db_url: str, exported: bytes, tmp_path: Path
) -> None:
    head, tail = lines_of(exported)[:6], lines_of(exported)[6:]  # alpha 1-4, music 1-2 | rest
    import_bytes(db_url, b"".join(head))
    written = import_bytes(db_url, b"".join(tail))
    assert written.ranges() == {PID: (3, 11)}
    assert export_bytes(db_url) == exported


def test_importing_the_same_export_twice_is_refused(db_url: str, exported: bytes) -> None:
    import_bytes(db_url, exported)
    assert_refused(db_url, exported, 1)
    assert export_bytes(db_url) == exported


def test_restore_of_a_new_partnership_must_start_at_seq_1(db_url: str, exported: bytes) -> None:
    music = [raw for raw in lines_of(exported) if json.loads(raw)["partnership"] == PID]
    assert_refused(db_url, b"".join(music[1:]), 1)
    founded = json.loads(music[0])
    founded_at_2 = restore_line(**{k: v for k, v in founded.items() if k != "hash"} | {"seq": 2})
    assert_refused(db_url, as_jsonl(founded_at_2), 1)  # valid content, wrong place
    assert export_bytes(db_url) == b""


def test_restore_with_a_gap_is_refused(db_url: str, exported: bytes) -> None:
    music = [raw for raw in lines_of(exported) if json.loads(raw)["partnership"] == PID]
    del music[3]  # seq 4 missing: line 4 holds seq 5
    assert_refused(db_url, b"".join(music), 4)
    assert export_bytes(db_url) == b""


def _principle_at(seq: int) -> dict[str, Any]:
    """A hand-made restore line, valid in content wherever it lands (only its seq matters)."""
    return restore_line(
        id=str(uuid.uuid4()),
        partnership=PID,
        seq=seq,
        type="PrincipleAdopted",
        occurred_on="2026-05-01",
        recorded_at=LATER,
        actor="broker",
        data={"principle": "equity"},
    )


@pytest.mark.parametrize(
    ("seqs", "bad_line"),
    [((1,), 1), ((4,), 1), ((6,), 1), ((5, 5), 2), ((5, 7), 2), ((5, 4), 2)],
    ids=["restart", "repeat", "gap", "repeat-in-file", "gap-in-file", "back-in-file"],
)
def test_restore_must_continue_an_existing_stream_exactly(
    db_url: str, exported: bytes, seqs: tuple[int, ...], bad_line: int
) -> None:
    music = [raw for raw in lines_of(exported) if json.loads(raw)["partnership"] == PID]
    import_bytes(db_url, b"".join(music[:4]))
    assert_refused(db_url, as_jsonl(*[_principle_at(seq) for seq in seqs]), bad_line)
    assert import_bytes(db_url, as_jsonl(_principle_at(5))).ranges() == {PID: (5, 5)}  # control


def test_restore_and_new_facts_of_one_partnership_cannot_be_mixed(
    db_url: str, exported: bytes
) -> None:
    music = [raw for raw in lines_of(exported) if json.loads(raw)["partnership"] == PID]
    new_fact = as_jsonl(line("PrincipleAdopted", {"principle": "equity"}))
    # Would be a valid stream (restore 1-4, then seq 5) if mixing were allowed.
    assert_refused(db_url, b"".join(music[:4]) + new_fact, 5)
    assert export_bytes(db_url) == b""


def test_new_facts_then_restore_of_one_partnership_cannot_be_mixed(
    db_url: str, exported: bytes
) -> None:
    music = [raw for raw in lines_of(exported) if json.loads(raw)["partnership"] == PID]
    import_bytes(db_url, b"".join(music[:4]))
    before = export_bytes(db_url)
    # The new fact would take seq 5, and the restore line is a valid seq 6.
    data = as_jsonl(line("PrincipleAdopted", {"principle": "equity"}), _principle_at(6))
    assert_refused(db_url, data, 2)
    assert export_bytes(db_url) == before


def test_restore_and_new_facts_of_different_partnerships_may_share_a_file(
    db_url: str, exported: bytes
) -> None:
    alpha = [raw for raw in lines_of(exported) if json.loads(raw)["partnership"] == ALPHA]
    written = import_bytes(db_url, b"".join(alpha) + as_jsonl(*founding()))
    assert written.ranges() == {ALPHA: (1, 4), PID: (1, 4)}
    assert export_bytes(db_url, ALPHA) == b"".join(alpha)


def _mutate(obj: dict[str, Any], what: str) -> None:
    if what == "hash":
        obj["hash"] = obj["hash"][:-1] + ("0" if obj["hash"][-1] != "0" else "1")
    elif what == "data":
        obj["data"]["name"] = obj["data"]["name"] + " changed"
    elif what == "occurred_on":
        obj["occurred_on"] = "2026-02-28"
    elif what == "recorded_at":
        obj["recorded_at"] = NOW.replace("00.000000Z", "00.000001Z")
    elif what == "id":
        obj["id"] = str(uuid.uuid4())
    elif what == "actor":
        obj["actor"] = "ngo-sonar"
    else:  # pragma: no cover
        raise AssertionError(what)


@pytest.mark.parametrize("what", ["hash", "data", "occurred_on", "recorded_at", "id", "actor"])
def test_a_line_that_does_not_match_its_hash_refuses_the_whole_file(
    db_url: str, exported: bytes, what: str
) -> None:
    music = [json.loads(raw) for raw in lines_of(exported) if json.loads(raw)["partnership"] == PID]
    _mutate(music[3], what)  # line 4: PartnerJoined ministry, recorded by broker
    error = assert_refused(db_url, as_jsonl(*music), 4)
    assert "hash" in str(error)
    assert export_bytes(db_url) == b""


def test_a_mismatching_hash_refuses_lines_of_other_partnerships_too(
    db_url: str, exported: bytes
) -> None:
    objs = objects(exported)
    objs[-1]["data"]["outcome"] = "rejected"  # last line: music-chain DecisionTaken
    assert_refused(db_url, as_jsonl(*objs), len(objs))
    assert export_bytes(db_url) == b""


# -- 3. new facts ----------------------------------------------------------------------------


def test_new_facts_get_id_seq_recorded_at_and_hash(db_url: str) -> None:
    founded = founding()
    del founded[2]["occurred_on"]
    written = import_bytes(db_url, as_jsonl(*founded))
    assert [e.seq for e in written.events] == [1, 2, 3, 4]
    assert written.ranges() == {PID: (1, 4)}
    exported = objects(export_bytes(db_url))
    assert [o["seq"] for o in exported] == [1, 2, 3, 4]
    assert [o["occurred_on"] for o in exported] == ["2026-03-01", "2026-03-01", TODAY, "2026-03-01"]
    assert {o["recorded_at"] for o in exported} == {NOW}
    assert len({o["id"] for o in exported}) == 4
    for obj, event in zip(exported, written.events, strict=True):
        assert str(uuid.UUID(obj["id"])) == obj["id"] == event.id
        assert obj["hash"] == leaf_hash_of(obj) == event.hash


def test_new_facts_continue_the_stream(db_url: str) -> None:
    import_bytes(db_url, as_jsonl(*founding()))
    written = import_bytes(db_url, as_jsonl(line("PrincipleAdopted", {"principle": "equity"})))
    assert written.ranges() == {PID: (5, 5)}
    assert [o["seq"] for o in objects(export_bytes(db_url))] == [1, 2, 3, 4, 5]


def test_recorded_at_follows_pledger_now(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import_bytes(db_url, as_jsonl(*founding()))
    monkeypatch.setenv("PLEDGER_NOW", "2026-06-03T08:30:15.123456+02:00")
    import_bytes(db_url, as_jsonl(line("PrincipleAdopted", {"principle": "equity"}, on=None)))
    last = objects(export_bytes(db_url))[-1]
    assert last["recorded_at"] == "2026-06-03T06:30:15.123456Z"
    assert last["occurred_on"] == "2026-06-03"
    assert last["hash"] == leaf_hash_of(last)


def test_default_occurred_on_is_the_utc_day(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLEDGER_NOW", "2026-06-02T01:30:00+03:00")  # 2026-06-01T22:30Z
    import_bytes(sqlite_url, as_jsonl(*[{**o, "occurred_on": "2026-05-01"} for o in founding()]))
    import_bytes(sqlite_url, as_jsonl(line("PrincipleAdopted", {"principle": "equity"}, on=None)))
    last = objects(export_bytes(sqlite_url))[-1]
    assert (last["occurred_on"], last["recorded_at"]) == (TODAY, "2026-06-01T22:30:00.000000Z")


def test_a_new_fact_dated_after_the_recording_day_is_refused(seeded: str) -> None:
    early = line("PrincipleAdopted", {"principle": "equity"}, on=TODAY)
    late = line("PrincipleAdopted", {"principle": "transparency"}, on="2026-06-02")
    assert_refused(seeded, as_jsonl(early, late), 2)


# -- 4. input handling -----------------------------------------------------------------------

GOOD = json.dumps(line("PrincipleAdopted", {"principle": "equity"})).encode()
OTHER = "other-pact"


def _restore_seq5() -> dict[str, Any]:
    """A valid restore line for seq 5 of the seeded music-chain (recorded at the fixed clock)."""
    return restore_line(
        id="0b8e0a7e-2f4c-4c2e-9a53-6a0b3b1c9d11",
        partnership=PID,
        seq=5,
        type="PrincipleAdopted",
        occurred_on="2026-05-01",
        recorded_at=NOW,
        actor="broker",
        data={"principle": UNICODE},
    )


def _without(key: str) -> bytes:
    obj = _restore_seq5()
    del obj[key]
    return json.dumps(obj).encode()


def _padded(size: int) -> bytes:
    """A valid new-fact line of exactly ``size`` bytes (JSON whitespace before the brace)."""
    body = json.dumps(line("PrincipleAdopted", {"principle": "transparency"}))
    return (body[:-1] + " " * (size - len(body.encode()))).encode() + b"}"


BAD_LINES = {
    "too-long": _padded(LIMIT + 1),
    "too-long-in-bytes-not-characters": json.dumps(
        {"partnership": PID, "data": "é" * (LIMIT // 2)}, ensure_ascii=False
    ).encode(),
    "invalid-utf8": GOOD.replace(b"equity", b"\xe9quit\xff"),
    "utf8-encoded-surrogate": GOOD.replace(b"equity", b"\xed\xa0\x80"),
    "invalid-json": GOOD[:-1],
    "trailing-garbage": GOOD + b" x",
    "json-array": b"[" + GOOD + b"]",
    "json-string": b'"PrincipleAdopted"',
    "duplicate-key": GOOD.replace(b'"type"', b'"actor": "broker", "type"'),
    "duplicate-key-in-data": GOOD.replace(b'"principle"', b'"principle": "x", "principle"'),
    "nan": b'{"partnership": "music-chain", "type": "ResourceNeeded", "actor": "broker", '
    b'"data": {"need": "n-1", "kind": "money", "description": "d", "quantity": NaN}}',
    "infinity": b'{"partnership": "music-chain", "type": "ResourceNeeded", "actor": "broker", '
    b'"data": {"need": "n-1", "kind": "money", "description": "d", "quantity": Infinity}}',
    "minus-infinity": b'{"partnership": "music-chain", "type": "ResourceNeeded", '
    b'"actor": "broker", "data": {"need": "n-1", "kind": "money", "description": "d", '
    b'"quantity": -Infinity}}',
    "nan-as-string": b'{"partnership": "music-chain", "type": "ResourceNeeded", '
    b'"actor": "broker", "data": {"need": "n-1", "kind": "money", "description": "d", '
    b'"quantity": "NaN"}}',
    "unknown-envelope-field": GOOD.replace(b'"type"', b'"note": "hi", "type"'),
    **{f"restore-without-{key}": _without(key) for key in ("id", "seq", "recorded_at", "hash")},
}


def _file_around(bad: bytes) -> bytes:
    """Line 1: a valid new fact founding another partnership; line 2 blank; line 3 ``bad``;
    line 4: valid again."""
    return as_jsonl(*founding(OTHER)[:1]) + b"\n" + bad + b"\n" + as_jsonl(founding(OTHER)[1])


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_cli_refuses_a_bad_line_naming_it_and_writes_nothing(seeded: str, case: str) -> None:
    before = export_bytes(seeded)
    result = run("--db", seeded, "import", "-", input=_file_around(BAD_LINES[case]))
    message = assert_cli_error(result)
    assert names_line(message, 3), message
    assert export_bytes(seeded) == before


def test_cli_accepts_a_complete_restore_line_in_that_file(seeded: str) -> None:
    """The control for the restore-without-* cases: with all four fields, the file imports."""
    result = run(
        "--db", seeded, "import", "-", input=_file_around(json.dumps(_restore_seq5()).encode())
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"imported 3 events ({OTHER} 1-2, {PID} 5-5)\n"
    assert objects(export_bytes(seeded, PID))[-1] == _restore_seq5()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("too-long", "1 MiB"),
        ("too-long-in-bytes-not-characters", "1 MiB"),
        ("invalid-utf8", "UTF-8"),
        ("json-array", "object"),
        ("duplicate-key", "duplicate"),
        ("nan", "NaN"),
    ],
)
def test_the_refusal_says_why(seeded: str, case: str, message: str) -> None:
    with pytest.raises(LedgerError, match=re.escape(message)):
        import_bytes(seeded, _file_around(BAD_LINES[case]))


@pytest.mark.parametrize("end", [b"\n", b""], ids=["newline", "eof"])
def test_a_line_of_exactly_one_mib_is_not_refused_for_its_length(
    seeded: str, tmp_path: Path, end: bytes
) -> None:
    exact = _padded(LIMIT)
    assert len(exact) == LIMIT
    path = tmp_path / "big.jsonl"
    path.write_bytes(GOOD + b"\n" + exact + end)
    result = run("--db", seeded, "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"imported 2 events ({PID} 5-6)\n"
    assert objects(export_bytes(seeded))[-1]["data"] == {"principle": "transparency"}


@pytest.mark.parametrize("end", [b"\n", b""], ids=["newline", "eof"])
def test_a_line_one_byte_over_one_mib_is_refused(seeded: str, tmp_path: Path, end: bytes) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(GOOD + b"\n" + _padded(LIMIT + 1) + end)
    before = export_bytes(seeded)
    message = assert_cli_error(run("--db", seeded, "import", str(path)))
    assert names_line(message, 2) and "1 MiB" in message, message
    assert export_bytes(seeded) == before


def test_blank_lines_are_skipped_and_still_counted(seeded: str) -> None:
    data = b"\n" + GOOD + b"\n  \t \n\r\n" + as_jsonl(*founding(OTHER)[:2]) + b"\n\n"
    result = run("--db", seeded, "import", "-", input=data)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"imported 3 events ({PID} 5-5, {OTHER} 1-2)\n"
    bad = b"\n\n\n" + b"[]\n"
    assert names_line(assert_cli_error(run("--db", seeded, "import", "-", input=bad)), 4)


def test_import_dash_reads_standard_input(sqlite_url: str) -> None:
    result = run("--db", sqlite_url, "import", "-", input=as_jsonl(*founding()))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"imported 4 events ({PID} 1-4)\n"
    assert len(lines_of(export_bytes(sqlite_url))) == 4


def test_import_of_a_missing_file_is_an_error(seeded: str, tmp_path: Path) -> None:
    before = export_bytes(seeded)
    assert_cli_error(run("--db", seeded, "import", str(tmp_path / "nope.jsonl")))
    assert export_bytes(seeded) == before


# -- 5. export to a file, unknown partnership, missing ledger ---------------------------------


def _seed_sample(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    build_sample(url)
    return url


def test_export_to_a_file_replaces_it_atomically(tmp_path: Path) -> None:
    url = _seed_sample(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "backup.jsonl"
    target.write_text("old\n")
    old_inode = target.stat().st_ino
    stdout = run("--db", url, "export")
    result = run("--db", url, "export", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert target.read_bytes() == stdout.stdout_bytes == export_bytes(url)
    assert target.stat().st_ino != old_inode  # a new file renamed over the old one
    assert os.listdir(out_dir) == ["backup.jsonl"]
    one = run("--db", url, "export", "-P", ALPHA, "-o", str(target))
    assert one.exit_code == 0
    assert target.read_bytes() == export_bytes(url, ALPHA)
    assert os.listdir(out_dir) == ["backup.jsonl"]


def test_failed_export_to_a_file_leaves_it_alone(tmp_path: Path) -> None:
    url = _seed_sample(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "backup.jsonl"
    target.write_text("old\n")
    message = assert_cli_error(run("--db", url, "export", "-P", "unknown", "-o", str(target)))
    assert "unknown" in message
    assert target.read_text() == "old\n"
    assert os.listdir(out_dir) == ["backup.jsonl"]


def test_export_of_an_unknown_partnership_fails(tmp_path: Path) -> None:
    url = _seed_sample(tmp_path)
    message = assert_cli_error(run("--db", url, "export", "-P", "unknown"))
    assert "unknown" in message
    one = run("--db", url, "export", "-P", PID)
    assert one.exit_code == 0
    assert {o["partnership"] for o in objects(one.stdout_bytes)} == {PID}


@pytest.mark.parametrize(
    "args",
    [["export"], ["export", "-P", PID], ["export", "-o", "{out}"], ["log"]],
    ids=["export", "export-P", "export-o", "log"],
)
@pytest.mark.parametrize("form", ["url", "path"])
def test_read_commands_on_a_missing_sqlite_file_create_nothing(
    tmp_path: Path, args: list[str], form: str
) -> None:
    path = tmp_path / "missing.db"
    out = tmp_path / "out.jsonl"
    db = f"sqlite:///{path}" if form == "url" else str(path)
    message = assert_cli_error(run("--db", db, *[a.format(out=out) for a in args]))
    assert "no ledger at" in message
    assert str(path) in message
    assert not path.exists()
    assert os.listdir(tmp_path) == []


def test_export_to_stdout_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    url = _seed_sample(tmp_path)
    # As on Windows, where pipes use the ANSI code page, or any non-UTF-8 locale.
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PLEDGER_NOW": "2026-06-01T12:00:00Z"}
    done = subprocess.run(
        [sys.executable, "-c", "from ledger.cli.main import main; main()", "--db", url, "export"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == export_bytes(url)


# -- 6. property: export -> import -> export is the identity --------------------------------

FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2026, 6, 1)  # the day of every generated recording time: no date is later
ID_HEAD = "abcdefghijklmnopqrstuvwxyz0123456789"
TEXT = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), include_characters="\n\t"),
    min_size=1,
    max_size=20,
)
IDS = st.builds(lambda a, b: a + b, st.sampled_from(ID_HEAD), st.text(ID_HEAD + "._-", max_size=8))
SECTORS = ["public", "private", "civil-society", "academic", "intergovernmental", "other"]
ENGAGEMENTS = ["key", "active", "pilot", "advisory"]
KINDS = ["money", "people", "skills", "facilities", "logistics", "information", "other"]


@dataclass(frozen=True)
class Amount:
    """A generated amount and the JSON text it is sent as (number or string, any notation)."""

    value: Decimal
    text: str


@st.composite
def amounts(draw: st.DrawFn) -> Amount:
    places = draw(st.integers(0, 4))
    value = draw(st.decimals(min_value=0, max_value=10**9, places=places))
    notation = draw(st.sampled_from(["plain", "E", "e"]))
    text = str(value) if notation == "plain" else format(value, notation)
    quoted = draw(st.booleans())
    return Amount(value, json.dumps(text) if quoted else text)


def to_json(value: Any, ascii_only: bool) -> str:
    if isinstance(value, Amount):
        return value.text
    if isinstance(value, dict):
        items = (
            f"{json.dumps(k, ensure_ascii=ascii_only)}: {to_json(v, ascii_only)}"
            for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    return json.dumps(value, ensure_ascii=ascii_only)


@dataclass
class Partner:
    member: bool
    joined: date  # first join: the day references to the partner may not precede


@dataclass
class Commitment:
    owner: str
    currency: str | None
    made: date
    withdrawn: bool = False
    fulfilled: date | None = None


@dataclass
class Decision:
    proposed: date
    taken: bool = False
    last_vote: date | None = None


@dataclass
class Builder:
    """One partnership's stream, valid by construction: it tracks what EVENTS.md checks."""

    draw: st.DrawFn
    pid: str
    convenor: str
    events: list[dict[str, Any]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    partners: dict[str, Partner] = field(default_factory=dict)
    commitments: dict[str, Commitment] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    reviews: dict[str, date] = field(default_factory=dict)
    agreements: list[date] = field(default_factory=list)
    signatures: set[tuple[int, str]] = field(default_factory=set)
    latest: date = FIRST_DAY

    def new_id(self) -> str:
        ident = self.draw(IDS)
        while ident in self.used:
            ident = f"{ident[:40]}-{len(self.used)}"
        self.used.add(ident)
        return ident

    def day(self, *after: date | None) -> date | None:
        """A business date no earlier than ``after`` (None: left out, so today)."""
        low = max([FIRST_DAY, *(d for d in after if d is not None)])
        if self.draw(st.integers(0, 5)) == 0:
            return None
        return self.draw(st.dates(min_value=low, max_value=LAST_DAY))

    def emit(self, type_: str, actor: str, data: dict[str, Any], on: date | None) -> date:
        obj: dict[str, Any] = {"partnership": self.pid, "type": type_, "actor": actor, "data": data}
        if on is not None:
            obj["occurred_on"] = on.isoformat()
        self.events.append(obj)
        effective = on or LAST_DAY
        self.latest = max(self.latest, effective)
        return effective

    def optional(self, data: dict[str, Any], key: str, strategy: st.SearchStrategy[Any]) -> None:
        if self.draw(st.booleans()):
            data[key] = self.draw(strategy)

    def members(self) -> list[str]:
        return sorted(p for p, s in self.partners.items() if s.member)

    def any_actor(self) -> str:
        return self.draw(st.sampled_from([self.convenor, *self.members()]))

    # -- acts ---------------------------------------------------------------------------------

    def found(self) -> None:
        data = {
            "name": self.draw(TEXT),
            "purpose": self.draw(TEXT),
            "scope": self.draw(st.sampled_from(["local", "national", "regional"])),
        }
        self.optional(data, "vision", TEXT)
        self.emit("PartnershipFounded", self.convenor, data, self.day())

    def join(self) -> None:
        partner = self.new_id()
        data = {
            "partner": partner,
            "engagement": self.draw(st.sampled_from(ENGAGEMENTS)),
            "name": self.draw(TEXT),
            "sector": self.draw(st.sampled_from(SECTORS)),
        }
        self.optional(data, "representative", TEXT)
        joined = self.emit("PartnerJoined", self.any_actor(), data, self.day())
        self.partners[partner] = Partner(True, joined)

    def leave(self) -> None:
        partner = self.draw(st.sampled_from(self.members()))
        data = {"partner": partner, "reason": self.draw(TEXT)}
        self.optional(data, "handover", TEXT)
        self.emit("PartnerLeft", self.any_actor(), data, self.day(self.partners[partner].joined))
        self.partners[partner].member = False

    def rejoin(self) -> None:
        partner = self.draw(
            st.sampled_from(sorted(p for p, s in self.partners.items() if not s.member))
        )
        data = {"partner": partner, "engagement": self.draw(st.sampled_from(ENGAGEMENTS))}
        self.emit("PartnerJoined", self.any_actor(), data, self.day(self.partners[partner].joined))
        self.partners[partner].member = True

    def commit(self) -> None:
        partner = self.draw(st.sampled_from(self.members()))
        data: dict[str, Any] = {
            "commitment": self.new_id(),
            "partner": partner,
            "kind": self.draw(st.sampled_from(KINDS)),
            "description": self.draw(TEXT),
        }
        self.optional(data, "quantity", amounts())
        self.optional(data, "unit", TEXT)
        if self.draw(st.booleans()):
            data["value"] = self.draw(amounts())
            data["currency"] = self.draw(
                st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
            )
        self.optional(data, "due", st.dates(FIRST_DAY, date(2028, 12, 31)).map(date.isoformat))
        made = self.emit("CommitmentMade", partner, data, self.day(self.partners[partner].joined))
        self.commitments[data["commitment"]] = Commitment(partner, data.get("currency"), made)

    def live_commitments(self) -> list[str]:
        return sorted(c for c, s in self.commitments.items() if not s.withdrawn)

    def revise(self) -> None:
        ident = self.draw(st.sampled_from(self.live_commitments()))
        state = self.commitments[ident]
        data: dict[str, Any] = {"commitment": ident, "reason": self.draw(TEXT)}
        self.optional(data, "quantity", amounts())
        if state.currency is not None:
            self.optional(data, "value", amounts())
        self.emit("CommitmentRevised", state.owner, data, self.day(state.made))

    def withdraw(self) -> None:
        ident = self.draw(st.sampled_from(self.live_commitments()))
        state = self.commitments[ident]
        data = {"commitment": ident, "reason": self.draw(TEXT)}
        self.emit("CommitmentWithdrawn", state.owner, data, self.day(state.made))
        state.withdrawn = True

    def fulfil(self) -> None:
        ident = self.draw(st.sampled_from(self.live_commitments()))
        state = self.commitments[ident]
        data: dict[str, Any] = {"commitment": ident, "evidence": self.draw(TEXT)}
        self.optional(data, "delivered", amounts())
        on = self.emit("CommitmentFulfilled", state.owner, data, self.day(state.made))
        state.fulfilled = on if state.fulfilled is None else min(state.fulfilled, on)

    def confirmable(self) -> list[tuple[str, str]]:
        return [
            (c, p)
            for c, s in sorted(self.commitments.items())
            if s.fulfilled
            for p in self.members()
            if p != s.owner
        ]

    def confirm(self) -> None:
        ident, partner = self.draw(st.sampled_from(self.confirmable()))
        state = self.commitments[ident]
        on = self.day(state.made, state.fulfilled, self.partners[partner].joined)
        self.emit("FulfilmentConfirmed", partner, {"commitment": ident, "partner": partner}, on)

    def propose(self) -> None:
        proposer = self.draw(st.sampled_from(self.members()))
        data = {"decision": self.new_id(), "title": self.draw(TEXT), "proposer": proposer}
        self.optional(data, "rationale", TEXT)
        on = self.emit(
            "DecisionProposed", self.any_actor(), data, self.day(self.partners[proposer].joined)
        )
        self.decisions[data["decision"]] = Decision(on)

    def open_decisions(self) -> list[str]:
        return sorted(d for d, s in self.decisions.items() if not s.taken)

    def vote(self) -> None:
        ident = self.draw(st.sampled_from(self.open_decisions()))
        partner = self.draw(st.sampled_from(self.members()))
        state = self.decisions[ident]
        data = {
            "decision": ident,
            "partner": partner,
            "position": self.draw(st.sampled_from(["for", "against", "abstain", "block"])),
        }
        self.optional(data, "comment", TEXT)
        on = self.emit(
            "VoteCast", partner, data, self.day(state.proposed, self.partners[partner].joined)
        )
        state.last_vote = on if state.last_vote is None else max(state.last_vote, on)

    def decide(self) -> None:
        ident = self.draw(st.sampled_from(self.open_decisions()))
        state = self.decisions[ident]
        data = {"decision": ident, "outcome": self.draw(st.sampled_from(["adopted", "rejected"]))}
        self.optional(data, "rationale", TEXT)
        self.emit(
            "DecisionTaken", self.any_actor(), data, self.day(state.proposed, state.last_vote)
        )
        state.taken = True

    def draft(self) -> None:
        data: dict[str, Any] = {"version": len(self.agreements) + 1, "summary": self.draw(TEXT)}
        self.optional(
            data, "document_sha256", st.text("0123456789abcdef", min_size=64, max_size=64)
        )
        self.agreements.append(self.emit("AgreementDrafted", self.any_actor(), data, self.day()))

    def signable(self) -> list[tuple[int, str]]:
        return [
            (v, p)
            for v in range(1, len(self.agreements) + 1)
            for p in self.members()
            if (v, p) not in self.signatures
        ]

    def sign(self) -> None:
        version, partner = self.draw(st.sampled_from(self.signable()))
        data = {"version": version, "partner": partner, "signatory": self.draw(TEXT)}
        on = self.day(self.agreements[version - 1], self.partners[partner].joined)
        self.emit("AgreementSigned", partner, data, on)
        self.signatures.add((version, partner))

    def open_review(self) -> None:
        lenses = st.lists(
            st.sampled_from(["project", "partnership", "value"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
        data = {"review": self.new_id(), "lenses": self.draw(lenses)}
        self.reviews[data["review"]] = self.emit("ReviewOpened", self.any_actor(), data, self.day())

    def submit(self) -> None:
        review = self.draw(st.sampled_from(sorted(self.reviews)))
        partner = self.draw(st.sampled_from(self.members()))
        ratings = st.dictionaries(
            TEXT, st.sampled_from(["green", "amber", "red"]), min_size=1, max_size=3
        )
        data = {"review": review, "partner": partner, "ratings": self.draw(ratings)}
        self.optional(data, "comments", TEXT)
        on = self.day(self.reviews[review], self.partners[partner].joined)
        self.emit("ReviewSubmitted", partner, data, on)

    def adopt(self) -> None:
        data = {"principle": self.draw(TEXT)}
        self.optional(data, "text", TEXT)
        self.emit("PrincipleAdopted", self.any_actor(), data, self.day())

    def close(self) -> None:
        data = {
            "reason": self.draw(st.sampled_from(["completed", "other"])),
            "learning": self.draw(TEXT),
        }
        self.emit("PartnershipClosed", self.convenor, data, self.day(self.latest))
        if self.draw(st.booleans()):
            self.emit("LearningShared", self.convenor, {"summary": self.draw(TEXT)}, self.day())

    def possible(self) -> list[str]:
        """The acts valid now, the richer ones repeated so that they are drawn more often."""
        members = self.members()
        acts = ["join", "draft", "open_review", "adopt"]
        if len(members) > 1:
            acts += ["leave"]
        if members:
            acts += ["commit"] * 3 + ["propose"] * 2
        if any(not s.member for s in self.partners.values()):
            acts += ["rejoin"] * 2
        if self.live_commitments():
            acts += ["revise", "withdraw"] + ["fulfil"] * 3
        if self.confirmable():
            acts += ["confirm"] * 3
        if self.open_decisions() and members:
            acts += ["vote"] * 3 + ["decide"] * 2
        if self.signable():
            acts += ["sign"] * 2
        if self.reviews and members:
            acts += ["submit"] * 2
        return acts


@dataclass
class Generated:
    lines: list[bytes]  # one per event, in the order they are imported
    events: list[dict[str, Any]]  # the same events, as generated
    batches: list[tuple[str, int]]  # (PLEDGER_NOW, number of lines) per import


@st.composite
def valid_streams(draw: st.DrawFn) -> Generated:
    pids = draw(st.lists(IDS, min_size=1, max_size=3, unique=True))
    streams = []
    for pid in pids:
        builder = Builder(draw, pid, draw(IDS))
        builder.used.add(builder.convenor)
        builder.found()
        for _ in range(draw(st.integers(1, 3))):
            builder.join()
        for _ in range(draw(st.integers(0, 16))):
            getattr(builder, draw(st.sampled_from(builder.possible())))()
        if draw(st.integers(0, 4)) == 0:
            builder.close()
        streams.append(builder.events)
    # Interleave the partnerships, keeping each one's order.
    order = draw(st.permutations([i for i, events in enumerate(streams) for _ in events]))
    cursors = [0] * len(streams)
    events = []
    for i in order:
        events.append(streams[i][cursors[i]])
        cursors[i] += 1
    ascii_only = draw(st.booleans())
    lines = [to_json(obj, ascii_only).encode("utf-8") + b"\n" for obj in events]
    # Import in one to three batches at increasing times of the day (recorded_at varies).
    cuts = sorted(draw(st.lists(st.integers(1, len(events)), max_size=2, unique=True)))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True) if b > a]
    micros = sorted(
        draw(
            st.lists(
                st.integers(0, 12 * 3600 * 10**6),
                min_size=len(sizes),
                max_size=len(sizes),
                unique=True,
            )
        )
    )
    clocks = [
        f"{LAST_DAY.isoformat()}T{m // 3_600_000_000:02}:{m // 60_000_000 % 60:02}:"
        f"{m // 1_000_000 % 60:02}.{m % 1_000_000:06}Z"
        for m in micros
    ]
    return Generated(lines, events, list(zip(clocks, sizes, strict=True)))


def expected_data(data: dict[str, Any], exported: dict[str, Any]) -> dict[str, Any]:
    """The generated data with each amount replaced by its exported text, once that text is
    checked: plain notation, equal in value."""
    out = {}
    for key, value in data.items():
        if isinstance(value, Amount):
            text = exported[key]
            assert isinstance(text, str) and PLAIN_DECIMAL_RE.fullmatch(text), text
            assert Decimal(text) == value.value
            out[key] = text
        else:
            out[key] = value
    return out


def record_generated(url: str, generated: Generated) -> None:
    pending = list(generated.lines)
    total = 0
    for clock, size in generated.batches:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PLEDGER_NOW", clock)
            written = import_bytes(url, b"".join(pending[:size]))
        del pending[:size]
        assert len(written.events) == size
        total += size
    assert total == len(generated.events)


def check_export(data: bytes, generated: Generated) -> None:
    """The export holds every generated event, canonically, in partnership then seq order."""
    exported = objects(data)
    assert len(exported) == len(generated.events)
    by_pid: dict[str, list[dict[str, Any]]] = {}
    for obj in generated.events:
        by_pid.setdefault(obj["partnership"], []).append(obj)
    expected_order = [(pid, n) for pid in sorted(by_pid) for n in range(1, len(by_pid[pid]) + 1)]
    assert [(o["partnership"], o["seq"]) for o in exported] == expected_order
    wanted = [obj for pid in sorted(by_pid) for obj in by_pid[pid]]
    clocks = {clock for clock, _ in generated.batches}
    for raw, obj, gen in zip(lines_of(data), exported, wanted, strict=True):
        assert raw.decode("utf-8") == jcs(obj) + "\n"
        assert obj["hash"] == leaf_hash_of(obj, jcs)
        assert (obj["type"], obj["actor"]) == (gen["type"], gen["actor"])
        assert obj["occurred_on"] == gen.get("occurred_on", LAST_DAY.isoformat())
        assert obj["recorded_at"] in clocks
        assert obj["data"] == expected_data(gen["data"], obj["data"])


def roundtrip(generated: Generated, source: str, make_target: Callable[[], str]) -> bytes:
    """Record the generated lines as new facts, export, restore elsewhere, export again."""
    record_generated(source, generated)
    first = export_bytes(source)
    check_export(first, generated)
    target = make_target()
    written = import_bytes(target, first)
    assert len(written.events) == len(generated.events)
    second = export_bytes(target)
    assert second == first
    return first


# Databases live in a temporary folder per example; the only function-scoped fixture is the
# autouse clock, which each example overrides while it records.
PROPERTY_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
}


@settings(max_examples=25, **PROPERTY_SETTINGS)
@given(generated=valid_streams())
def test_export_import_export_is_the_identity(generated: Generated) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = f"sqlite:///{Path(folder) / 'source.db'}"
        roundtrip(generated, source, lambda: f"sqlite:///{Path(folder) / 'restored.db'}")


@pytest.mark.postgres
@settings(max_examples=5, **PROPERTY_SETTINGS)
@given(generated=valid_streams())
def test_export_import_export_is_the_identity_on_postgresql(
    postgres_database: str, generated: Generated
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        reset_postgres(postgres_database)
        try:
            sqlite_copy = f"sqlite:///{Path(folder) / 'copy.db'}"
            first = roundtrip(generated, postgres_database, lambda: sqlite_copy)
            reset_postgres(postgres_database)
            import_bytes(postgres_database, export_bytes(sqlite_copy))
            assert export_bytes(postgres_database) == first
        finally:
            reset_postgres(postgres_database)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**6), max_value=10**6)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False, places=4),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(_json_values)
@example({"\ue000": 1, "\U0001f600": 2, "a": [Decimal("1.50"), "x:1.5,"]})
@settings(max_examples=400, deadline=None)
def test_the_fast_canonical_encoder_writes_what_the_exact_one_writes(value: Any) -> None:
    """Hashes and exports use the C JSON encoder, which orders keys by code point; JCS orders
    them by UTF-16 unit. Any text, any keys (astral and private-use characters included), any
    nesting: the two must write the same bytes."""
    from ledger.canonical import dumps, fast_dumps

    assert fast_dumps({"data": value}) == dumps({"data": value})


@pytest.mark.parametrize("value", [1.5, [1e16], {"a": -2.5e-07}, float("nan"), float("inf")])
def test_the_fast_canonical_encoder_refuses_binary_floats(value: Any) -> None:
    from ledger.canonical import fast_dumps

    with pytest.raises(TypeError, match="binary floats"):
        fast_dumps({"data": value})


_texts = st.text(min_size=1, max_size=12)


@given(
    data=st.dictionaries(st.text(max_size=6), _json_values, max_size=5),
    texts=st.lists(_texts, min_size=6, max_size=6),
    seq=st.integers(min_value=1, max_value=10**9),
    signed=st.booleans(),
    whole_second=st.booleans(),
)
@settings(max_examples=300, deadline=None)
@example(  # a map inside a list, its keys out of order: the data's own text is not canonical
    data={"": [{"0": None, "": None}]},
    texts=["0"] * 6,
    seq=1,
    signed=False,
    whole_second=False,
)
def test_the_write_paths_leaf_and_row_are_the_exact_ones(
    data: dict[str, Any], texts: list[str], seq: int, signed: bool, whole_second: bool
) -> None:
    """The write path encodes an event's data once for both its leaf and its stored row; both
    must be byte for byte what the general encoders (and eventsourcing's mapper) write."""
    from ledger.canonical import envelope_leaf, leaf_bytes
    from ledger.events import Envelope
    from ledger.store import stored_row_state, stored_state

    recorded = "2026-06-01T12:00:00.000000Z" if whole_second else "2026-06-01T12:00:00.123456Z"
    fields: dict[str, Any] = {
        "id": texts[0],
        "partnership": texts[1],
        "seq": seq,
        "type": texts[2],
        "occurred_on": texts[3],
        "recorded_at": recorded,
        "actor": texts[4],
        "data": data,
        "signer": "ab" * 32 if signed else None,
        "signature": texts[5] if signed else None,
    }
    leaf, data_json = envelope_leaf(fields)
    assert leaf == leaf_bytes(fields)
    if data_json:  # else the row is written the long way
        envelope = Envelope(hash="cd" * 32, **fields)
        assert stored_row_state(envelope, data_json) == stored_state(envelope)


def test_a_new_fact_draft_is_the_dataclasss_own() -> None:
    """``Draft.new_fact`` skips the frozen ``__init__``; it must make the very same draft."""
    import dataclasses

    from ledger.events import Draft

    made = Draft.new_fact("river", "PhaseChanged", "broker", {"phase": "planning"}, None)
    built = Draft("river", "PhaseChanged", "broker", {"phase": "planning"}, None)
    assert vars(made) == vars(built) and made == built and not made.is_restore
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.actor = "someone"  # type: ignore[misc]

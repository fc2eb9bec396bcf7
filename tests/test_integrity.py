"""Tampering behind the application's back is caught, on SQLite and on PostgreSQL.

Each test drops the append-only triggers (as an intruder with database access would), changes
the stored events directly, and checks that ``verify`` names the partnership and the first
bad seq (or the checkpoint), exit code 1; an honest ledger verifies, also after export and
restore.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from click.testing import CliRunner, Result

from ledger.canonical import format_time, leaf_bytes, leaf_hash
from ledger.cli.main import cli
from ledger.errors import NotIntact
from ledger.events import Draft
from ledger.integrity import Checkpoint, verify_ledger
from ledger.merkle import Frontier
from ledger.store import Ledger, stream_id

from helpers import PID, founding, jsonl, line


def history() -> list[dict[str, Any]]:
    return [
        *founding(),
        line("CommitmentMade", {"commitment": "c-1", "partner": "telco-x", "kind": "money",
                                "description": "Seed funding", "value": 30000,
                                "currency": "EUR"}, actor="telco-x"),
        line("CommitmentMade", {"commitment": "c-2", "partner": "ngo-sonar", "kind": "people",
                                "description": "Two trainers", "quantity": 2},
             actor="ngo-sonar"),
        line("DecisionProposed", {"decision": "d-1", "title": "Weekends",
                                  "proposer": "ministry"}),
        line("VoteCast", {"decision": "d-1", "partner": "telco-x", "position": "for"},
             actor="telco-x"),
    ]  # fmt: skip


class Intruder:
    """Direct database access, triggers dropped: what someone with the database can do."""

    def __init__(self, url: str) -> None:
        self.engine = sqlalchemy.create_engine(url)
        self.dialect = self.engine.dialect.name

    def disarm(self, conn: Any) -> None:
        """Drop (SQLite) or disable (PostgreSQL) the append-only triggers; every time, since
        opening a ledger puts them back."""
        if self.dialect == "sqlite":
            for name in ("events_no_update", "events_no_delete", "tree_heads_no_update",
                         "tree_heads_no_delete"):  # fmt: skip
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS pledger_{name}")
        else:
            conn.exec_driver_sql("ALTER TABLE pledger_events DISABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE pledger_tree_heads DISABLE TRIGGER USER")

    def close(self) -> None:
        self.engine.dispose()

    def rows(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.exec_driver_sql(
                "SELECT id, originator_id, originator_version, topic, state FROM pledger_events "
                "ORDER BY originator_version"))  # fmt: skip

    def row(self, seq: int) -> Any:
        return next(r for r in self.rows() if r[2] == seq)

    def sql(self, statement: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            self.disarm(conn)
            conn.execute(sqlalchemy.text(statement), params)

    def set_state(self, seq: int, state: bytes) -> None:
        self.sql("UPDATE pledger_events SET state = :s WHERE originator_version = :v",
                 s=state, v=seq)  # fmt: skip

    def insert(self, seq: int, topic: str, state: bytes) -> None:
        stream = self.row(1)[1]
        self.sql("INSERT INTO pledger_events (originator_id, originator_version, topic, state) "
                 "VALUES (:o, :v, :t, :s)", o=stream, v=seq, t=topic, s=state)  # fmt: skip

    def rewrite_heads(self, leaves: list[str]) -> None:
        """A thorough intruder: replace the tree heads with ones matching the new content."""
        self.sql("DELETE FROM pledger_tree_heads")
        frontier = Frontier()
        for leaf in leaves:
            frontier.append(bytes.fromhex(leaf))
        self.sql("INSERT INTO pledger_tree_heads VALUES (:p, :s, :r, :f, :t)", p=PID,
                 s=frontier.size, r=frontier.root().hex(), f=json.dumps(frontier.to_json()),
                 t="2026-06-01T12:00:00.000000Z")  # fmt: skip


def decode(state: Any) -> dict[str, Any]:
    return json.loads(bytes(state))


def encode(state: dict[str, Any]) -> bytes:
    return json.dumps(state, separators=(",", ":")).encode()


def rehash(seq: int, topic: str, state: dict[str, Any]) -> dict[str, Any]:
    """What a thorough intruder does: recompute the event's hash after changing it."""
    recorded = datetime.fromisoformat(state["timestamp"]["_data_"])
    envelope = {
        "id": state["event_id"], "partnership": state["partnership"], "seq": seq,
        "type": topic.split(":", 1)[1], "occurred_on": state["occurred_on"],
        "recorded_at": format_time(recorded), "actor": state["actor"], "data": state["data"],
    }  # fmt: skip
    return {**state, "hash": leaf_hash(leaf_bytes(envelope))}


@pytest.fixture
def ledger_url(db_url: str) -> Iterator[str]:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*history()))
    yield db_url


@pytest.fixture
def kept(ledger_url: str) -> Checkpoint:
    """The checkpoint a partner kept after the last honest write."""
    with Ledger(ledger_url) as ledger:
        (report,) = verify_ledger(ledger, [PID])
    assert report.intact
    return report.checkpoint


@pytest.fixture
def intruder(ledger_url: str, kept: Checkpoint) -> Iterator[Intruder]:
    intruder = Intruder(ledger_url)
    yield intruder
    intruder.close()


def problems(url: str, *checkpoints: Checkpoint) -> list[Any]:
    with Ledger(url) as ledger:
        reports = verify_ledger(ledger, None, checkpoints)
    assert [r.partnership for r in reports] == [PID]
    return reports[0].problems


def cli_verify(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, "verify", *args])


def test_an_honest_ledger_verifies_and_keeps_extending_its_checkpoints(ledger_url, kept) -> None:  # type: ignore[no-untyped-def]
    assert problems(ledger_url, kept) == []
    with Ledger(ledger_url) as ledger:
        ledger.record(Draft(partnership=PID, type="DecisionTaken", actor="broker",
                            data={"decision": "d-1", "outcome": "adopted"}))  # fmt: skip
    assert problems(ledger_url, kept) == []
    result = cli_verify(ledger_url, "--checkpoint", str(kept))
    assert result.exit_code == 0, result.output
    assert f"{PID}: intact (9 events" in result.output


def test_export_and_restore_keep_the_checkpoints(ledger_url: str, kept, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Ledger(ledger_url) as ledger:
        exported = "".join(ledger.export_lines())
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    with Ledger(restored) as ledger:
        ledger.import_jsonl(jsonl(*[json.loads(x) for x in exported.splitlines()]))
        (report,) = verify_ledger(ledger, [PID], [kept])
    assert report.intact and report.checkpoint == kept


def test_a_changed_byte_of_content_is_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    state = bytes(intruder.row(6)[4])
    assert b"Two trainers" in state
    intruder.set_state(6, state.replace(b"Two trainers", b"Two trainees"))
    found = problems(ledger_url)
    assert (found[0].kind, found[0].seq) == ("hash", 6)
    result = cli_verify(ledger_url)
    assert result.exit_code == 1
    assert "music-chain: NOT INTACT" in result.output and "seq 6" in result.output


def test_a_changed_stored_hash_is_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    state = decode(intruder.row(3)[4])
    state["hash"] = "0" * 64
    intruder.set_state(3, encode(state))
    assert [(p.kind, p.seq) for p in problems(ledger_url)][:1] == [("hash", 3)]


def test_a_changed_type_is_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    intruder.sql("UPDATE pledger_events SET topic = 'pledger:CommitmentWithdrawn' "
                 "WHERE originator_version = 5")  # fmt: skip
    assert problems(ledger_url)[0].seq == 5


def test_a_deleted_row_is_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    intruder.sql("DELETE FROM pledger_events WHERE originator_version = 4")
    found = problems(ledger_url)
    assert (found[0].kind, found[0].seq) == ("seq", 4)


def test_two_swapped_rows_are_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    five, six = bytes(intruder.row(5)[4]), bytes(intruder.row(6)[4])
    intruder.set_state(5, six)
    intruder.set_state(6, five)
    found = problems(ledger_url)
    assert (found[0].kind, found[0].seq) == ("hash", 5)


def test_rows_swapped_by_renumbering_are_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    intruder.sql("UPDATE pledger_events SET originator_version = 100 WHERE originator_version = 5")
    intruder.sql("UPDATE pledger_events SET originator_version = 5 WHERE originator_version = 6")
    intruder.sql("UPDATE pledger_events SET originator_version = 6 WHERE originator_version = 100")
    assert problems(ledger_url)[0].seq == 5


def test_a_copied_row_appended_out_of_band_is_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    last = intruder.row(8)
    intruder.insert(9, last[3], bytes(last[4]))
    found = problems(ledger_url)
    assert (found[0].kind, found[0].seq) == ("hash", 9)


def test_a_well_formed_row_appended_out_of_band_is_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    """Even a row with a correct hash and valid content: no tree head covers it."""
    state = decode(intruder.row(8)[4])
    state = rehash(9, "pledger:VoteCast", {
        **state, "event_id": "0b0e4a8e-9d8a-4f52-9d35-2a4f4b1c7e10",
        "actor": "ministry", "data": {"decision": "d-1", "partner": "ministry",
                                      "position": "for"}})  # fmt: skip
    intruder.insert(9, "pledger:VoteCast", encode(state))
    found = problems(ledger_url)
    assert [(p.kind, p.seq) for p in found] == [("head", 9)]
    assert "appended outside Pledger" in found[0].message


def test_a_row_that_breaks_validation_is_caught_even_with_its_hash_fixed(
    ledger_url, intruder
) -> None:  # type: ignore[no-untyped-def]
    state = decode(intruder.row(8)[4])
    state["data"] = {"decision": "d-404", "partner": "telco-x", "position": "block"}
    intruder.set_state(8, encode(rehash(8, "pledger:VoteCast", state)))
    found = problems(ledger_url)
    assert (found[0].kind, found[0].seq) == ("validation", 8)


def test_a_truncated_stream_is_caught_against_a_checkpoint(ledger_url, intruder, kept) -> None:  # type: ignore[no-untyped-def]
    intruder.sql("DELETE FROM pledger_events WHERE originator_version > 7")
    # Pledger's own tree heads notice it...
    assert [p.kind for p in problems(ledger_url)] == ["head"]
    # ...so a thorough intruder also removes the heads that recorded the longer tree:
    intruder.sql("DELETE FROM pledger_tree_heads")
    stored = [decode(r[4])["hash"] for r in intruder.rows()]
    intruder.rewrite_heads(stored)
    assert problems(ledger_url) == []  # no checkpoint: nothing left to compare with
    found = problems(ledger_url, kept)
    assert [(p.kind, p.seq, p.checkpoint) for p in found] == [("checkpoint", 8, str(kept))]
    result = cli_verify(ledger_url, "--checkpoint", str(kept))
    assert result.exit_code == 1 and "truncated" in result.output and str(kept) in result.output


def test_a_consistent_rewrite_is_caught_against_a_checkpoint(
    ledger_url, intruder, kept, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    rows = intruder.rows()
    state = decode(rows[4][4])  # seq 5: telco-x's 30,000 EUR
    state["data"] = {**state["data"], "value": "3000"}
    intruder.set_state(5, encode(rehash(5, rows[4][3], state)))
    assert [p.kind for p in problems(ledger_url)] == ["head"]  # the heads remember
    intruder.rewrite_heads([decode(r[4])["hash"] for r in intruder.rows()])
    assert problems(ledger_url) == []
    found = problems(ledger_url, kept)
    assert [(p.kind, p.checkpoint) for p in found] == [("checkpoint", str(kept))]
    kept_file = tmp_path / "checkpoints.txt"
    kept_file.write_text(f"# kept by telco-x\n{kept}\n")
    result = cli_verify(ledger_url, "--checkpoint", str(kept_file), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["intact"] is False
    assert report["partnerships"][0]["problems"][0]["checkpoint"] == str(kept)


def test_a_deleted_stream_is_caught_against_a_checkpoint(ledger_url, intruder, kept) -> None:  # type: ignore[no-untyped-def]
    intruder.sql("DELETE FROM pledger_events")
    intruder.sql("DELETE FROM pledger_tree_heads")
    found = problems(ledger_url, kept)
    assert [(p.kind, p.seq) for p in found] == [("checkpoint", 1)]


def test_garbage_in_a_row_is_reported_not_a_crash(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    intruder.set_state(2, b"\xff\x00not json")
    found = problems(ledger_url)
    assert (found[0].kind, found[0].seq) == ("decode", 2)


def test_reading_a_row_that_cannot_be_read_names_it(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    """Replays (show, audit, export) stop at an unreadable row with one line naming it."""
    intruder.set_state(2, b"\xff\x00not json")
    message = f"seq 2 of {PID} cannot be read"
    with Ledger(ledger_url) as ledger:
        with pytest.raises(NotIntact, match=f"^{message} .*; run `pledger verify -P {PID}`$"):
            ledger.stream(PID)
        with pytest.raises(NotIntact, match=f"^{message} .*; run `pledger verify -P {PID}`$"):
            list(ledger.streams())
    intruder.set_state(1, b"{}")  # the first row names no partnership: the stream is named
    with Ledger(ledger_url) as ledger:
        with pytest.raises(NotIntact, match=f"^seq 1 of {PID} cannot be read"):
            ledger.stream(PID)
        stream = stream_id(PID)
        with pytest.raises(NotIntact, match=f"^seq 1 of stream {stream} .*; run `pledger verify`$"):
            list(ledger.streams())


def test_writes_refuse_to_build_on_a_tampered_stream(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    intruder.sql("DELETE FROM pledger_events WHERE originator_version = 8")
    with Ledger(ledger_url) as ledger, pytest.raises(NotIntact, match="verify"):
        ledger.record(Draft(partnership=PID, type="PhaseChanged", actor="broker",
                            data={"phase": "planning"}))  # fmt: skip


def test_checkpoint_command(ledger_url: str, kept: Checkpoint) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", ledger_url, "checkpoint"])
    assert result.exit_code == 0
    assert result.output == f"{kept}\n"
    assert result.output.startswith(f"pledger-checkpoint/v1 {PID} 8 ")
    as_json = json.loads(runner.invoke(cli, ["--db", ledger_url, "checkpoint", "--all",
                                             "--format", "json"]).output)  # fmt: skip
    assert as_json == [{"partnership": PID, "size": 8, "root": kept.root,
                        "checkpoint": str(kept)}]  # fmt: skip


def test_no_checkpoint_for_a_tampered_stream(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    intruder.sql("DELETE FROM pledger_events WHERE originator_version = 2")
    result = CliRunner().invoke(cli, ["--db", ledger_url, "checkpoint"])
    assert result.exit_code == 1 and "does not verify" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--checkpoint", "pledger-checkpoint/v1 music-chain nine abc"], "checkpoint"),
        (["--checkpoint", "/no/such/file"], "/no/such/file"),
        (["-P", "unknown"], "unknown"),
        (["-P", PID, "--all"], "not both"),
    ],
)
def test_verify_bad_usage_exits_2(ledger_url: str, args: list[str], needle: str) -> None:
    result = cli_verify(ledger_url, *args)
    assert result.exit_code == 2
    assert needle in result.output


def test_prove_and_verify_proof_offline(ledger_url: str, kept: Checkpoint, tmp_path: Path) -> None:
    runner = CliRunner()
    proof = json.loads(runner.invoke(cli, ["--db", ledger_url, "prove", "5"]).output)
    assert set(proof) == {"partnership", "seq", "leaf_hash", "tree_size", "root", "path"}
    assert (proof["partnership"], proof["seq"], proof["tree_size"], proof["root"]) == (
        PID, 5, 8, kept.root)  # fmt: skip
    with Ledger(ledger_url) as ledger:
        event_line = ledger.stream(PID)[4].to_line()
    assert proof["leaf_hash"] == json.loads(event_line)["hash"]
    proof_file, event_file = tmp_path / "proof.json", tmp_path / "event.jsonl"
    proof_file.write_text(json.dumps(proof))
    event_file.write_text(event_line + "\n")

    def check(*args: str) -> Result:  # offline: no --db at all
        return runner.invoke(cli, ["verify-proof", str(proof_file), *args])

    ok = check("--checkpoint", str(kept), "--event", str(event_file))
    assert ok.exit_code == 0, ok.output
    assert check("--checkpoint", str(Checkpoint(PID, 8, "0" * 64))).exit_code == 1
    assert check("--checkpoint", str(Checkpoint(PID, 7, kept.root))).exit_code == 1
    forged = {**proof, "path": [("1" if proof["path"][0][0] == "0" else "0")
                                + proof["path"][0][1:], *proof["path"][1:]]}  # fmt: skip
    proof_file.write_text(json.dumps(forged))
    assert check("--checkpoint", str(kept)).exit_code == 1
    proof_file.write_text(json.dumps(proof))
    other = tmp_path / "other.jsonl"
    other.write_text(event_line.replace("30000", "3000") + "\n")
    assert check("--checkpoint", str(kept), "--event", str(other)).exit_code == 1
    proof_file.write_text("{not json")
    bad = check("--checkpoint", str(kept))
    assert bad.exit_code == 2 and "not JSON" in bad.output


def test_prove_against_an_older_tree_size(ledger_url: str) -> None:
    runner = CliRunner()
    old = json.loads(runner.invoke(cli, ["--db", ledger_url, "prove", "2", "--size", "4"]).output)
    with Ledger(ledger_url) as ledger:
        hashes = [bytes.fromhex(e.hash) for e in ledger.stream(PID)[:4]]
    frontier = Frontier()
    for leaf in hashes:
        frontier.append(leaf)
    assert (old["tree_size"], old["root"]) == (4, frontier.root().hex())
    assert runner.invoke(cli, ["--db", ledger_url, "prove", "5", "--size", "4"]).exit_code == 2
    assert runner.invoke(cli, ["--db", ledger_url, "prove", "99"]).exit_code == 2


def test_stream_ids_are_what_verify_expects(ledger_url: str, intruder: Intruder) -> None:
    stored = intruder.row(1)[1]
    expected = stream_id(PID)
    assert stored == expected or bytes(stored) == expected.bytes


def test_opening_a_ledger_puts_dropped_or_disabled_triggers_back(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    with intruder.engine.begin() as conn:
        intruder.disarm(conn)
    Ledger(ledger_url).close()
    with (
        pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"),
        intruder.engine.begin() as conn,
    ):
        conn.exec_driver_sql("DELETE FROM pledger_events")
    with (
        pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"),
        intruder.engine.begin() as conn,
    ):
        conn.exec_driver_sql("DELETE FROM pledger_tree_heads")


def test_a_field_slipped_into_the_stored_state_is_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    state = decode(intruder.row(3)[4])
    state["approved"] = True
    intruder.set_state(3, encode(state))
    found = problems(ledger_url)
    assert (found[0].kind, found[0].seq) == ("decode", 3)


def test_reformatted_bytes_with_the_same_meaning_are_caught(ledger_url, intruder) -> None:  # type: ignore[no-untyped-def]
    state = bytes(intruder.row(4)[4])
    intruder.set_state(4, json.dumps(json.loads(state), indent=1).encode())
    found = problems(ledger_url)
    assert [(p.kind, p.seq) for p in found] == [("bytes", 4)]


def test_events_of_a_plugin_that_is_not_installed_still_verify(tmp_path: Path) -> None:
    from ledger.catalogue import Catalogue, EventType, Field

    url = f"sqlite:///{tmp_path / 'plugin.db'}"
    extra = EventType("SiteVisited", (Field("site", "text"),))
    with Ledger(url, catalogue=Catalogue([extra])) as ledger:
        ledger.import_jsonl(jsonl(*founding(), line("SiteVisited", {"site": "Studio 3"})))
    with Ledger(url) as ledger:  # the plugin is gone
        (report,) = verify_ledger(ledger, [PID])
        assert report.intact, report.problems
        assert ledger.stream(PID)[-1].type == "SiteVisited"
        assert '"type":"SiteVisited"' in "".join(ledger.export_lines())

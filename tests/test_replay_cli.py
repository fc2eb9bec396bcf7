"""``pledger show``, ``pledger diff`` and ``pledger log --as-of/--known-at`` on a history with
facts recorded late, through the command line."""

from __future__ import annotations

import json
import shlex
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli.main import cli


@pytest.fixture
def run(sqlite_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str, now: str = "2026-06-01T12:00:00Z") -> Result:
        return runner.invoke(cli, ["--db", sqlite_url, *args], env={"PLEDGER_NOW": now})

    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def refused(result: Result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


@pytest.fixture
def history(run):  # type: ignore[no-untyped-def]
    """Each act recorded the day it happened, except the fulfilment of c1 (20 February,
    recorded 1 April) and b's leaving (10 March, recorded 2 April)."""

    def act(now: str, *args: str) -> None:
        ok(run(*args, now=f"{now}T10:00:00Z"))

    act(
        "2026-01-10",
        "new",
        "pact",
        "--name",
        "Pact",
        "--purpose",
        "Test",
        "--scope",
        "local",
        "--actor",
        "broker",
    )
    for partner in ("a", "b"):
        act(
            "2026-01-10",
            "partner",
            "add",
            partner,
            "--engagement",
            "key",
            "--name",
            partner.upper(),
            "--sector",
            "public",
            "--actor",
            "broker",
        )
    act(
        "2026-02-01",
        "commit",
        "c1",
        "--partner",
        "a",
        "--kind",
        "money",
        "--description",
        "Funds",
        "--value",
        "100",
        "--currency",
        "EUR",
        "--due",
        "2026-03-01",
    )
    act(
        "2026-02-05",
        "propose",
        "d1",
        "--title",
        "Saturdays",
        "--proposer",
        "a",
        "--actor",
        "broker",
    )
    act("2026-02-06", "vote", "d1", "--partner", "a", "--position", "for")
    act(
        "2026-02-07",
        "decide",
        "d1",
        "--outcome",
        "adopted",
        "--rationale",
        "Weekends",
        "--actor",
        "broker",
    )
    act("2026-04-01", "fulfil", "c1", "--evidence", "Transfer", "--on", "2026-02-20")
    act(
        "2026-04-02",
        "record",
        "PartnerLeft",
        "partner=b",
        "reason=Moved on",
        "--actor",
        "broker",
        "--on",
        "2026-03-10",
    )
    return run


def view_json(run, *args: str):  # type: ignore[no-untyped-def]
    return json.loads(ok(run("show", "--format", "json", *args)))


def test_show_as_of_and_known_at(history) -> None:  # type: ignore[no-untyped-def]
    then = view_json(history, "--as-of", "2026-03-05", "--known-at", "2026-03-31")
    assert then["version"] == 1
    assert (then["as_of"], then["known_at"]) == ("2026-03-05", "2026-03-31T23:59:59.999999Z")
    c1 = then["commitments"]["c1"]
    assert (c1["status"], c1["days_overdue"], c1["fulfilments"]) == ("overdue", 4, [])
    now = view_json(history, "--as-of", "2026-03-05")
    assert now["known_at"] == "2026-06-01T12:00:00.000000Z"
    assert now["commitments"]["c1"]["status"] == "fulfilled"
    assert now["partners"]["b"]["engagement"] == "key"
    later = view_json(history, "--as-of", "2026-03-15")
    assert later["partners"]["b"]["engagement"] is None
    assert [e["kind"] for e in later["partners"]["b"]["history"]] == ["joined", "left"]
    before_late_leave = view_json(history, "--as-of", "2026-03-15", "--known-at", "2026-04-01")
    assert before_late_leave["partners"]["b"]["engagement"] == "key"
    default = view_json(history)
    assert default["as_of"] == "2026-06-01" and default["event_count"] == 9
    decision = default["decisions"]["d1"]
    assert decision["status"] == "adopted" and decision["latest_votes"]["a"]["position"] == "for"


def test_show_json_is_the_views_own_form(history, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    from ledger.store import Ledger
    from ledger.view import load_view, parse_known_at

    shown = view_json(history, "-P", "pact", "--as-of", "2026-02-25", "--known-at", "2026-04-01")
    with Ledger(sqlite_url) as ledger:
        view = load_view(
            ledger, "pact", as_of=date(2026, 2, 25), known_at=parse_known_at("2026-04-01")
        )
    assert shown == json.loads(json.dumps(view.to_json()))


def test_show_as_text(history) -> None:  # type: ignore[no-untyped-def]
    text = ok(history("show", "--as-of", "2026-03-05", "--known-at", "2026-03-31"))
    for needle in (
        "Pact (pact)",
        "as of 2026-03-05",
        "Partners",
        "Commitments",
        "overdue 4 days",
        "Decisions",
        "a for",
        "adopted 2026-02-07",
    ):
        assert needle in text, needle
    assert "fulfilled" not in text
    assert "Reviews" not in text  # parts with nothing in them are left out
    assert "fulfilled" in ok(history("show"))


def test_show_refuses_bad_input(history, tmp_path) -> None:  # type: ignore[no-untyped-def]
    refused(history("show", "--as-of", "2026-02-30"), "as-of", "2026-02-30")
    refused(history("show", "--known-at", "tomorrow"), "known-at", "tomorrow")
    refused(history("show", "-P", "nope"), "no partnership", "nope")
    missing = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "show"])
    refused(missing, "no ledger at")
    assert not (tmp_path / "none.db").exists()


def test_log_as_of_and_known_at(history) -> None:  # type: ignore[no-untyped-def]
    def types(*args: str) -> list[str]:
        return [e["type"] for e in json.loads(ok(history("log", "--format", "json", *args)))]

    assert len(types()) == 9
    assert types("--known-at", "2026-03-31")[-1] == "DecisionTaken"
    assert "CommitmentFulfilled" in types("--known-at", "2026-04-01")
    assert "PartnerLeft" not in types("--known-at", "2026-04-01T23:00:00Z")
    assert types("--as-of", "2026-02-06") == [
        "PartnershipFounded",
        "PartnerJoined",
        "PartnerJoined",
        "CommitmentMade",
        "DecisionProposed",
        "VoteCast",
    ]
    assert types("--as-of", "2026-02-25", "--type", "CommitmentFulfilled") == [
        "CommitmentFulfilled"
    ]
    assert types("--as-of", "2026-02-25", "--known-at", "2026-03-31", "--partner", "a") == [
        "PartnerJoined",
        "CommitmentMade",
        "DecisionProposed",
        "VoteCast",
    ]
    refused(history("log", "--known-at", "later"), "known-at")
    assert "events" in ok(history("log", "--as-of", "2026-02-06"))


def test_diff_between_two_dates(history) -> None:  # type: ignore[no-untyped-def]
    def diff(*args: str):  # type: ignore[no-untyped-def]
        return json.loads(ok(history("diff", "--format", "json", *args)))

    then = diff("--from", "2026-02-01", "--to", "2026-03-05", "--known-at", "2026-03-31")
    assert (then["from"], then["to"], then["version"]) == ("2026-02-01", "2026-03-05", 1)
    assert [c["type"] for c in then["changes"]] == ["DecisionProposed", "VoteCast", "DecisionTaken"]
    assert then["statuses"] == [{"commitment": "c1", "owner": "a", "from": "open", "to": "overdue"}]
    now = diff("-P", "pact", "--from", "2026-02-01", "--to", "2026-03-15")
    assert [c["type"] for c in now["changes"]] == [
        "DecisionProposed",
        "VoteCast",
        "DecisionTaken",
        "CommitmentFulfilled",
        "PartnerLeft",
    ]
    assert now["changes"][-1]["subject"] == "partner:b"
    assert now["statuses"][0]["to"] == "fulfilled"
    assert diff("--from", "2026-01-01")["to"] == "2026-06-01"  # --to defaults to today
    text = ok(
        history("diff", "--from", "2026-02-01", "--to", "2026-03-05", "--known-at", "2026-03-31")
    )
    for needle in ("pact", "Changes", "a voted for", "Commitment status", "overdue", "3 changes"):
        assert needle in text, needle
    assert "nothing changed" in ok(history("diff", "--from", "2026-05-01", "--to", "2026-05-02"))
    refused(history("diff", "--from", "2026-03-05", "--to", "2026-02-01"), "after")
    assert history("diff").exit_code == 2  # --from is required


def test_the_readme_replay_commands_run_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Replay", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]
    assert len(commands) >= 5 and all(c[0] == "pledger" for c in commands)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLEDGER_NOW", "2026-12-01T09:00:00Z")
    runner = CliRunner()
    ok(runner.invoke(cli, ["demo"]))
    for words in commands:
        out = ok(runner.invoke(cli, words[1:]))
        assert out.strip(), words

"""No partner can rewrite another's terminal or report: user text is shown literally."""

from __future__ import annotations

from click.testing import CliRunner

from ledger.cli.common import printable, safe
from ledger.cli.main import cli
from ledger.store import Ledger

from helpers import founding, jsonl, line

MARKUP = "[bold red]URGENT[/bold red] [link=https://evil.example]click[/link]"


def test_rich_markup_in_user_text_is_shown_literally(sqlite_url: str) -> None:
    with Ledger(sqlite_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
        ledger.import_jsonl(
            jsonl(
                line("CommitmentMade", {"commitment": "c-1", "partner": "telco-x", "kind": "money",
                                        "description": MARKUP, "value": 5, "currency": "EUR",
                                        "due": "2026-02-01"}, actor="telco-x"),
                line("DecisionProposed", {"decision": "d-1", "title": MARKUP,
                                          "proposer": "ministry"}),
                line("DecisionTaken", {"decision": "d-1", "outcome": "adopted"}),
            )
        )  # fmt: skip
    runner = CliRunner()
    for args in (["log"], ["show"], ["audit", "--fail-on", "never"]):
        result = runner.invoke(cli, ["--db", sqlite_url, *args], env={"COLUMNS": "400"})
        assert result.exit_code == 0, (args, result.output)
        assert "[bold red]URGENT[/bold red]" in result.output, args
        assert "\x1b" not in result.output  # no escape sequences at all in captured output


def test_control_characters_and_bidi_overrides_are_made_visible() -> None:
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert printable("line one\nline two\tcol") == "line one\nline two\tcol"
    assert safe("[red]x\x07") == "\\[red]x\\x07"


def test_a_database_password_is_never_printed() -> None:
    url = "postgresql+psycopg://pledger:s3cret-pw@127.0.0.1:1/nowhere"
    result = CliRunner().invoke(cli, ["--db", url, "log"])
    assert result.exit_code == 2
    assert "s3cret-pw" not in result.output and "pledger:***@" in result.output
    assert "s3cret-pw" not in CliRunner().invoke(cli, ["--help"], env={"PLEDGER_DB": url}).output


def test_a_new_sqlite_ledger_is_readable_only_by_its_owner(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "private.db"
    assert CliRunner().invoke(cli, ["--db", str(path), "init"]).exit_code == 0
    assert path.stat().st_mode & 0o777 == 0o600

"""Docs stay honest: the README's tour runs as written, and every command is documented."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ledger.cli.main import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(section: str) -> list[list[str]]:
    """The ``pledger ...`` commands of the first sh block after a README heading."""
    block = README.split(section, 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    joined = block.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "pledger":
            commands.append(words[1:])
    return commands


def test_the_readme_tour_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    tour = _commands("## A short tour")
    assert len(tour) >= 10
    for args in tour:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
    log = runner.invoke(cli, ["log", "--format", "json"])
    assert log.stdout.count('"type"') == 14


def test_the_readme_error_example_is_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in _commands("## A short tour")[:3]:
        runner.invoke(cli, args)
    example = re.search(r"```console\n\$ pledger (.+)\n(error: .+)\n```", README)
    assert example is not None
    result = runner.invoke(cli, shlex.split(example.group(1)))
    assert result.exit_code == 2
    assert result.stderr.strip() == example.group(2)


def test_import_export_round_trip_in_readme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in _commands("## A short tour"):
        runner.invoke(cli, args)
    for args in _commands("### Import and export")[:2]:
        assert runner.invoke(cli, args).exit_code == 0, args
    exported = (tmp_path / "river-care.jsonl").read_text(encoding="utf-8")
    again = runner.invoke(cli, ["--db", "restored.db", "export"])
    assert again.stdout == exported


def _all_commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            names += _all_commands(command, full + " ")
        else:
            names.append(full)
    return names


@pytest.mark.parametrize("command", _all_commands(cli))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"pledger {command}" in README or f"`{command}`" in README, command


def test_the_readme_spreadsheet_and_export_examples_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV, IATI and Kumu examples, as written, after the tour (the template is filled in
    with one row, as a user would in a spreadsheet)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in _commands("## A short tour"):
        runner.invoke(cli, args)
    template, *rest = _commands("**Spreadsheets**")
    assert template[-2] == ">"
    result = runner.invoke(cli, template[:-2])
    assert result.exit_code == 0, result.output
    header = result.stdout.strip().split(",")
    row = {"partner": "ngo-green", "commitment": "c-guides", "kind": "people"}
    row |= {"description": "Two guides", "quantity": "2", "unit": "guides"}
    cells = [row.get(name, "") for name in header]
    Path(template[-1]).write_text(",".join(header) + "\n" + ",".join(cells) + "\n")
    for args in rest + _commands("**Funders and maps**"):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
    assert "c-guides" in Path("commitments.csv").read_text(encoding="utf-8")
    assert "<iati-activities" in Path("river-care.xml").read_text(encoding="utf-8")
    assert '"elements"' in Path("river-care-map.json").read_text(encoding="utf-8")


def test_the_readme_signing_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in _commands("## A short tour"):
        runner.invoke(cli, args)
    block = README.split("### Signed events", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    passphrase = re.search(r"PLEDGER_KEY_PASSPHRASE='([^']+)'", block)
    assert passphrase is not None
    monkeypatch.setenv("PLEDGER_KEY_PASSPHRASE", passphrase.group(1))
    for args in _commands("### Signed events"):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
    assert (tmp_path / "water-co.key").stat().st_mode & 0o777 == 0o600
    log = json.loads(runner.invoke(cli, ["log", "--format", "json"]).stdout)
    signed = [e for e in log if e.get("signer")]
    assert [e["type"] for e in signed] == ["PartnerKeyRegistered", "CommitmentMade"]
    assert runner.invoke(cli, ["verify"]).exit_code == 0

"""The command line: recording, reading, the catalogue, errors (one line, exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.catalogue import CORE_TYPES
from ledger.cli.main import cli


@pytest.fixture
def run(sqlite_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(
        *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
    ) -> Result:
        return runner.invoke(cli, ["--db", sqlite_url, *args], input=input, env=env)

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
def founded(run):  # type: ignore[no-untyped-def]
    ok(
        run(
            "new",
            "music-chain",
            "--name",
            "Music chain",
            "--purpose",
            "Train engineers",
            "--scope",
            "national",
            "--actor",
            "broker",
            "--on",
            "2026-01-10",
        )
    )
    for partner, sector in (("ngo-sonar", "civil-society"), ("telco-x", "private")):
        ok(
            run(
                "partner",
                "add",
                partner,
                "--engagement",
                "key",
                "--name",
                partner.title(),
                "--sector",
                sector,
                "--actor",
                "broker",
                "--on",
                "2026-01-12",
            )
        )
    return run


def events(run) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(ok(run("log", "--format", "json")))


def test_short_commands_record_and_confirm(founded) -> None:  # type: ignore[no-untyped-def]
    out = ok(
        founded(
            "commit",
            "c-1",
            "--partner",
            "telco-x",
            "--kind",
            "money",
            "--description",
            "Seed funding",
            "--value",
            "30000.50",
            "--currency",
            "EUR",
            "--due",
            "2026-09-30",
            "--on",
            "2026-02-01",
        )
    )
    # the own act's actor defaults to the partner it speaks for
    assert out.strip() == (
        "recorded CommitmentMade in music-chain as seq 4 (occurred 2026-02-01, by telco-x)"
    )
    ok(founded("fulfil", "c-1", "--evidence", "Transfer TX-1", "--delivered", "30000.5"))
    ok(
        founded(
            "propose",
            "d-1",
            "--title",
            "Weekend workshops",
            "--proposer",
            "ngo-sonar",
            "--actor",
            "broker",
        )
    )
    ok(founded("vote", "d-1", "--partner", "ngo-sonar", "--position", "for"))
    ok(founded("decide", "d-1", "--outcome", "adopted", "--actor", "broker"))
    ok(founded("share", "decision:d-1", "--with", "ngo-sonar;telco-x", "--actor", "broker"))
    ok(founded("review", "open", "rv-1", "--lenses", "project;partnership", "--actor", "broker"))
    ok(
        founded(
            "review",
            "submit",
            "rv-1",
            "--partner",
            "telco-x",
            "--ratings",
            "delivery=green;trust=amber",
            "--worth",
            "green",
        )
    )
    ok(founded("review", "conclude", "rv-1", "--findings", "Works", "--actor", "broker"))
    log = events(founded)
    assert [e["type"] for e in log[3:]] == [
        "CommitmentMade",
        "CommitmentFulfilled",
        "DecisionProposed",
        "VoteCast",
        "DecisionTaken",
        "InformationShared",
        "ReviewOpened",
        "ReviewSubmitted",
        "ReviewConcluded",
    ]
    assert log[3]["data"]["value"] == "30000.5"
    assert log[4]["actor"] == "telco-x"
    assert log[8]["data"]["with"] == ["ngo-sonar", "telco-x"]
    assert log[10]["data"]["ratings"] == {"delivery": "green", "trust": "amber"}
    # PLEDGER_NOW fixes the clock: default business date and recording time
    assert log[5]["occurred_on"] == "2026-06-01"
    assert log[5]["recorded_at"] == "2026-06-01T12:00:00.000000Z"


def test_record_any_type_with_assignments_json_and_data(founded) -> None:  # type: ignore[no-untyped-def]
    ok(
        founded(
            "record",
            "MeetingHeld",
            "-P",
            "music-chain",
            "--actor",
            "broker",
            "meeting=m-1",
            "purpose=Kick-off",
            "attendees=ngo-sonar;telco-x",
        )
    )
    ok(
        founded(
            "record",
            "CommunicationProtocolAgreed",
            "--actor",
            "broker",
            "audience=partners",
            'channels:=["call"]',
            "share_within_days=7",
        )
    )
    ok(
        founded(
            "record",
            "AgreementDrafted",
            "--actor",
            "broker",
            "--data",
            '{"version": 1, "summary": "Roles"}',
        )
    )
    ok(
        founded("record", "AgreementSigned", "version=1", "partner=ngo-sonar", "signatory=Ana"),
    )
    log = events(founded)
    assert log[3]["data"]["attendees"] == ["ngo-sonar", "telco-x"]
    assert log[4]["data"]["share_within_days"] == 7
    assert log[5]["data"] == {"version": 1, "summary": "Roles"}
    assert log[6]["actor"] == "ngo-sonar"


def test_pledger_actor_stands_in_for_actor(founded) -> None:  # type: ignore[no-untyped-def]
    ok(founded("record", "PhaseChanged", "phase=planning", env={"PLEDGER_ACTOR": "broker"}))
    assert events(founded)[-1]["actor"] == "broker"


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            [
                "commit",
                "c-1",
                "--partner",
                "telco-x",
                "--kind",
                "money",
                "--description",
                "x",
                "--value",
                "-5",
                "--currency",
                "EUR",
            ],
            ["CommitmentMade", "'value'", '"-5"'],
        ),
        (["record", "Nope", "a=b", "--actor", "broker"], ["unknown event type", "Nope"]),
        (["record", "PhaseChanged", "phase=done", "--actor", "broker"], ["'phase'", '"done"']),
        (["record", "PhaseChanged", "phase=planning"], ["actor", "--actor"]),
        (
            ["record", "PhaseChanged", "phase=planning", "--actor", "stranger"],
            ["'actor'", '"stranger"'],
        ),
        (
            ["record", "PhaseChanged", "phase=planning", "--actor", "broker", "--on", "2026-02-30"],
            ["occurred_on", "2026-02-30"],
        ),
        (["vote", "d-9", "--partner", "telco-x", "--position", "for"], ["'decision'", '"d-9"']),
        (["record", "PhaseChanged", "--actor", "broker", "--data", '{"phase": NaN}'], ["NaN"]),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(founded, args, needles) -> None:  # type: ignore[no-untyped-def]
    before = events(founded)
    refused(founded(*args), *needles)
    assert events(founded) == before


def test_partnership_must_be_chosen_when_there_are_several(founded) -> None:  # type: ignore[no-untyped-def]
    ok(
        founded(
            "new",
            "second",
            "--name",
            "Second",
            "--purpose",
            "More",
            "--scope",
            "local",
            "--actor",
            "broker",
        )
    )
    refused(
        founded("record", "PhaseChanged", "phase=planning", "--actor", "broker"),
        "2 partnerships",
        "-P",
    )
    ok(founded("record", "PhaseChanged", "-P", "second", "phase=planning", "--actor", "broker"))
    assert [e["partnership"] for e in events(founded)].count("second") == 2


def test_log_filters(founded) -> None:  # type: ignore[no-untyped-def]
    ok(
        founded(
            "commit",
            "c-1",
            "--partner",
            "telco-x",
            "--kind",
            "skills",
            "--description",
            "Mentoring",
            "--on",
            "2026-03-01",
        )
    )

    def types(*args: str) -> list[str]:
        return [e["type"] for e in json.loads(ok(founded("log", "--format", "json", *args)))]

    assert types("--type", "PartnerJoined") == ["PartnerJoined", "PartnerJoined"]
    assert types("--partner", "telco-x") == ["PartnerJoined", "CommitmentMade"]
    assert types("--since", "2026-01-11") == ["PartnerJoined", "PartnerJoined", "CommitmentMade"]
    assert types("--until", "2026-01-10") == ["PartnershipFounded"]
    assert types("-P", "music-chain", "--since", "2026-02-01", "--until", "2026-03-01") == [
        "CommitmentMade"
    ]
    refused(founded("log", "--since", "yesterday"), "since")
    table = ok(founded("log"))
    assert "CommitmentMade" in table and "4 events" in table


def test_events_lists_the_whole_catalogue_from_the_declaration(run) -> None:  # type: ignore[no-untyped-def]
    catalogue = json.loads(ok(run("events", "--format", "json")))
    assert [t["type"] for t in catalogue] == list(CORE_TYPES)
    assert len(catalogue) == 52  # EVENTS.md's 50, and the 2 key types of docs/signing.md
    made = next(t for t in catalogue if t["type"] == "CommitmentMade")
    assert made["own"] == "partner"
    kind = next(f for f in made["fields"] if f["name"] == "kind")
    assert kind["required"] and "money" in kind["values"]
    assert "FindingWaived" in ok(run("events"))


def test_init_is_idempotent_and_read_commands_need_a_ledger(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "fresh.db"
    result = runner.invoke(cli, ["--db", str(db), "log"])
    refused(result, "no ledger at")
    assert not db.exists()
    for _ in range(2):
        assert "ledger ready" in ok(runner.invoke(cli, ["--db", str(db), "init"]))
    assert "0 events" in ok(runner.invoke(cli, ["--db", str(db), "log"]))


def test_demo_records_once(run) -> None:  # type: ignore[no-untyped-def]
    first = ok(run("demo", env={"PLEDGER_NOW": "2026-12-01T09:00:00Z"}))
    assert "recorded 123 events of music-chain" in first
    again = ok(run("demo", env={"PLEDGER_NOW": "2026-12-02T09:00:00Z"}))
    assert "already in" in again
    assert len(events(run)) == 123


def test_pledger_db_environment_variable(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    result = CliRunner().invoke(cli, ["init"], env={"PLEDGER_DB": str(db)})
    ok(result)
    assert db.exists()


def test_bad_pledger_now_is_refused(run) -> None:  # type: ignore[no-untyped-def]
    refused(
        run(
            "new",
            "p",
            "--name",
            "P",
            "--purpose",
            "P",
            "--scope",
            "local",
            "--actor",
            "broker",
            env={"PLEDGER_NOW": "soon"},
        ),
        "PLEDGER_NOW",
    )


def test_the_lazy_command_table_names_every_command_of_every_module() -> None:
    """``pledger`` imports a command's module only when it is needed; the table it uses must
    list exactly the commands the modules define, each under its own module."""
    import importlib
    import pkgutil

    import ledger.cli
    from ledger.cli.main import COMMAND_MODULES

    defined = {}
    for info in pkgutil.iter_modules(ledger.cli.__path__):
        module = importlib.import_module(f"ledger.cli.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            defined[command.name] = info.name
    assert defined == COMMAND_MODULES


def test_version_and_help_load_only_what_they_need() -> None:
    """``--version`` imports no command module and none of the storage stack; ``--help``
    lists every command with its summary."""
    import subprocess
    import sys

    code = (
        "import sys; from ledger.cli.main import cli\n"
        "try:\n    cli(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.startswith(('ledger.cli.', 'sqlalchemy', "
        "'eventsourcing', 'rich', 'ledger.catalogue'))]\n"
        "print(sorted(m for m in heavy if m != 'ledger.cli.main'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]", out.stdout
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    from ledger.cli.main import COMMAND_MODULES

    for name in COMMAND_MODULES:
        assert f"  {name} " in result.output, name

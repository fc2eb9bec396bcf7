"""Spreadsheets (issue #7): `pledger import FILE.csv --type TYPE`, `pledger export --format csv`
and `pledger template TYPE` (docs/csv.md). Hand-made files, wrong cells named by row and
column, Excel's habits, and export -> import giving the same facts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.catalogue import CORE_TYPES, NUMBER_RE
from ledger.cli.main import cli
from ledger.events import Envelope
from ledger.tabular import FORMULA_START, export_csv, read_sheet, template_columns

from helpers import PID, founding, line

Run = Callable[..., Result]
TODAY = "2026-06-01"  # the autouse fixed clock


def runner_for(url: str) -> Run:
    runner = CliRunner()

    def invoke(
        *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
    ) -> Result:
        return runner.invoke(cli, ["--db", url, *args], input=input, env=env)

    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def refused(result: Result, *needles: str) -> str:
    """Exit code 2, nothing on stdout, one line on stderr holding every needle."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def jsonl_text(*objs: dict[str, Any]) -> str:
    return "".join(json.dumps(o) + "\n" for o in objs)


def log(run: Run) -> list[dict[str, Any]]:
    return json.loads(ok(run("log", "--format", "json")))  # type: ignore[no-any-return]


@pytest.fixture
def run(sqlite_url: str) -> Run:
    return runner_for(sqlite_url)


@pytest.fixture
def founded(run: Run) -> Run:
    """music-chain, convened by broker, with key partners ngo-sonar, telco-x and ministry."""
    ok(run("import", "-", input=jsonl_text(*founding())))
    return run


def sheet_file(tmp_path: Path, text: str | bytes, name: str = "sheet.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


# -- import: every kind of field ------------------------------------------------------------

COMMITMENTS = (
    "commitment,partner,kind,description,quantity,unit,value,currency,due\n"
    "c-1,ngo-sonar,people,Two trainers,2,trainers,18000.50,EUR,2026-09-30\n"
    "c-2,telco-x,facilities,A studio,,,,,\n"
)


def test_commitments_import_with_amounts_dates_enums_and_optional_fields(
    founded: Run, tmp_path: Path
) -> None:
    out = ok(founded("import", sheet_file(tmp_path, COMMITMENTS), "--type", "CommitmentMade"))
    assert out.strip() == "imported 2 events (music-chain 5-6)"
    first, second = log(founded)[-2:]
    assert first["data"] == {
        "commitment": "c-1",
        "partner": "ngo-sonar",
        "kind": "people",
        "description": "Two trainers",
        "quantity": "2",
        "unit": "trainers",
        "value": "18000.5",  # a decimal, canonical
        "currency": "EUR",
        "due": "2026-09-30",
    }
    # empty cells leave optional fields out; an own act's actor is the partner it speaks for
    assert second["data"] == {
        "commitment": "c-2",
        "partner": "telco-x",
        "kind": "facilities",
        "description": "A studio",
    }
    assert (first["actor"], second["actor"]) == ("ngo-sonar", "telco-x")
    assert first["occurred_on"] == TODAY


@pytest.mark.parametrize(
    ("event_type", "text", "expected"),
    [
        (
            "StakeholderMapped",
            "stakeholder,name,sector,needs,interests\n"
            's-1,Youth club,civil-society,"studio time; mentors ;transport",:=[]\n',
            {
                "stakeholder": "s-1",
                "name": "Youth club",
                "sector": "civil-society",
                "needs": ["studio time", "mentors", "transport"],
                "interests": [],
            },
        ),
        (
            "PartnerIdentified",
            "partner,name,sector,value_added,international\n"
            "uni-y,University Y,academic,Research,TRUE\n",  # Excel writes booleans in capitals
            {
                "partner": "uni-y",
                "name": "University Y",
                "sector": "academic",
                "value_added": "Research",
                "international": True,
            },
        ),
        (
            "CommunicationProtocolAgreed",
            "audience,channels,every_days\npartners,email;video call,30\n",
            {"audience": "partners", "channels": ["email", "video call"], "every_days": 30},
        ),
        (
            "MeetingHeld",
            'meeting,purpose,attendees\nm-1,"Kick-off\nand planning",ngo-sonar;telco-x\n',
            {
                "meeting": "m-1",
                "purpose": "Kick-off\nand planning",
                "attendees": ["ngo-sonar", "telco-x"],
            },
        ),
        (
            "IndicatorDefined",
            "indicator,name,lens,method,owner,baseline,target\n"
            "i-1,Engineers trained,project,Count,ngo-sonar,-5,12.750\n",
            {
                "indicator": "i-1",
                "name": "Engineers trained",
                "lens": "project",
                "method": "Count",
                "owner": "ngo-sonar",
                "baseline": "-5",
                "target": "12.75",
            },
        ),
        (
            "InformationShared",
            "subject,with\ndocument:minutes-1,all\n",
            {"subject": "document:minutes-1", "with": ["all"]},
        ),
        (
            "RiskIdentified",
            'risk,description,likelihood,owner\nr-1,":=""=1+1 is not 3""",high,telco-x\n',
            {
                "risk": "r-1",
                "description": "=1+1 is not 3",
                "likelihood": "high",
                "owner": "telco-x",
            },
        ),
    ],
)
def test_each_kind_of_field_reads_as_record_reads_it(
    founded: Run, tmp_path: Path, event_type: str, text: str, expected: dict[str, Any]
) -> None:
    path = sheet_file(tmp_path, text)
    ok(founded("import", path, "--type", event_type, "--actor", "broker"))
    event = log(founded)[-1]
    assert (event["type"], event["actor"], event["data"]) == (event_type, "broker", expected)


def test_ratings_booleans_and_own_acts(founded: Run, tmp_path: Path) -> None:
    ok(
        founded(
            "record",
            "ReviewOpened",
            "review=rv-1",
            "lenses=project;partnership",
            "--actor",
            "broker",
        )
    )
    ratings = "review,partner,ratings,worth\nrv-1,ngo-sonar,delivery=green;trust=amber,green\n"
    ok(founded("import", sheet_file(tmp_path, ratings), "--type", "ReviewSubmitted"))
    breakers = "partner,none\ntelco-x,true\n"
    ok(founded("import", sheet_file(tmp_path, breakers, "b.csv"), "--type", "DealBreakerDeclared"))
    submitted, breaker = log(founded)[-2:]
    assert submitted["data"]["ratings"] == {"delivery": "green", "trust": "amber"}
    assert submitted["actor"] == "ngo-sonar"
    assert breaker["data"] == {"partner": "telco-x", "none": True}


def test_envelope_columns_and_their_defaults(founded: Run, tmp_path: Path) -> None:
    """Cells win over -P/--actor/--on; empty cells take them."""
    text = (
        "partnership,occurred_on,actor,phase,reason\n"
        "music-chain,2026-04-02,ngo-sonar,planning,Plan agreed\n"
        ",,,implementing,\n"
    )
    path = sheet_file(tmp_path, text)
    ok(
        founded(
            "import",
            path,
            "--type",
            "PhaseChanged",
            "-P",
            PID,
            "--actor",
            "broker",
            "--on",
            "2026-05-05",
        )
    )
    planning, implementing = log(founded)[-2:]
    assert (planning["occurred_on"], planning["actor"]) == ("2026-04-02", "ngo-sonar")
    assert (implementing["occurred_on"], implementing["actor"]) == ("2026-05-05", "broker")
    assert implementing["data"] == {"phase": "implementing"}


def test_pledger_actor_stands_in_for_actor(founded: Run, tmp_path: Path) -> None:
    path = sheet_file(tmp_path, "phase\nplanning\n")
    ok(founded("import", path, "--type", "PhaseChanged", env={"PLEDGER_ACTOR": "ministry"}))
    assert log(founded)[-1]["actor"] == "ministry"


def test_a_sheet_of_new_partnerships(run: Run, tmp_path: Path) -> None:
    text = (
        "partnership,actor,name,purpose,scope\n"
        "river-care,city,River Care,Clean the banks,local\n"
        "sea-watch,coast,Sea Watch,Count the birds,regional\n"
    )
    out = ok(run("import", sheet_file(tmp_path, text), "--type", "PartnershipFounded"))
    assert out.strip() == "imported 2 events (river-care 1-1, sea-watch 1-1)"
    assert [(e["partnership"], e["actor"]) for e in log(run)] == [
        ("river-care", "city"),
        ("sea-watch", "coast"),
    ]


# -- import: hand-made files with wrong cells -----------------------------------------------

HEADER = "commitment,partner,kind,description,value,currency,due\n"
GOOD = "c-1,ngo-sonar,money,Seed funds,100,EUR,2026-09-30\n"


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        pytest.param(
            HEADER + GOOD + "c-2,telco-x,money,More,5,EUR,2026-09-01\n"
            "c-3,ministry,money,Grant,7,EUR,2026-02-30\n",
            ["row 4, column due:", '"2026-02-30"', "calendar date"],
            id="bad-date-row-4",
        ),
        pytest.param(
            HEADER + GOOD + "c-2,telco-x,cash,More,5,EUR,\n",
            ["row 3, column kind:", '"cash"', "must be one of money"],
            id="unknown-enum",
        ),
        pytest.param(
            "commitment,partner,description\n" + "c-1,ngo-sonar,Funds\n",
            ["row 1, column kind:", "missing from the header", "required field"],
            id="missing-required-column",
        ),
        pytest.param(
            "commitment,partner,kind,description,amount\n" + "c-1,ngo-sonar,money,Funds,5\n",
            ["row 1, column amount:", "not a field of CommitmentMade", "pledger template"],
            id="unknown-column",
        ),
        pytest.param(
            "commitment,Partner,kind,description\n",
            ["row 1, column Partner:", "did you mean partner?"],
            id="misspelt-column",
        ),
        pytest.param(
            "commitment,partner,kind,description,partner\n",
            ["row 1, column partner:", "named twice"],
            id="duplicate-column",
        ),
        pytest.param(
            HEADER + GOOD + "c-2,telco-x,money,More,5,EUR,2026-09-01,oops\n",
            ["row 3, column 8 (H):", 'extra cell "oops"', "7 columns"],
            id="extra-cell",
        ),
        pytest.param(
            HEADER + GOOD + "c-2,telco-x,money,,5,EUR,\n",
            ["row 3, column description:", "required but the cell is empty"],
            id="empty-required-cell",
        ),
        pytest.param(
            HEADER + GOOD + "c-2,telco-x,money,More,-5,EUR,\n",
            ["row 3, column value:", '"-5"', "never negative"],
            id="negative-amount",
        ),
        pytest.param(
            HEADER + "c-1,nobody,money,Funds,5,EUR,\n",
            ["row 2, column partner:", '"nobody"'],
            id="unknown-partner-found-by-the-ledger",
        ),
        pytest.param(
            HEADER + GOOD + GOOD,
            ["row 3, column commitment:", '"c-1"'],
            id="duplicate-id-on-a-later-row",
        ),
        pytest.param(
            "actor," + HEADER + "broker," + GOOD,
            ["row 2, column actor:", "broker"],
            id="own-act-by-someone-else",
        ),
        pytest.param(
            HEADER + 'c-1,ngo-sonar,money,"Funds,5,EUR,\n',
            ["row 2:", "not valid CSV"],
            id="unterminated-quote",
        ),
        pytest.param(
            HEADER.encode() + "c-1,ngo-sonar,money,Café,5,EUR,\n".encode("latin-1"),
            ["row 2, column description:", "not valid UTF-8", "CSV UTF-8"],
            id="latin-1",
        ),
        pytest.param(
            "partnership," + HEADER + "other," + GOOD,
            ["row 2, column partnership:", '"other"', "-P says music-chain"],
            id="partnership-cell-against-P",
        ),
        pytest.param(
            HEADER + "c-1,ngo-sonar,money,Funds,5,EUR,:=[2026\n",
            ["row 2, column due:", "not valid JSON"],
            id="bad-json-cell",
        ),
        pytest.param("", ["row 1:", "the file is empty"], id="empty-file"),
        pytest.param(
            "\ufeffcommitment\n".encode("utf-16"),
            ["row 1:", "UTF-16"],
            id="utf-16",
        ),
    ],
)
def test_wrong_cells_are_named_by_row_and_column_and_nothing_is_written(
    founded: Run, tmp_path: Path, text: str | bytes, needles: list[str]
) -> None:
    before = ok(founded("export"))
    path = sheet_file(tmp_path, text)
    refused(founded("import", path, "--type", "CommitmentMade", "-P", PID), *needles)
    assert ok(founded("export")) == before


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--type", "Commitment"], ["'type'", '"Commitment"', "unknown event type"]),
        ([], ["--type TYPE"]),
        (["--type", "CommitmentMade", "--on", "2026-13-01"], ["occurred_on", "2026-13-01"]),
        (["--type", "CommitmentMade", "-P", "nope"], ["no partnership 'nope'"]),
    ],
)
def test_bad_options_are_refused(
    founded: Run, tmp_path: Path, args: list[str], needles: list[str]
) -> None:
    before = ok(founded("export"))
    refused(founded("import", sheet_file(tmp_path, HEADER + GOOD), *args), *needles)
    assert ok(founded("export")) == before


def test_json_lines_import_refuses_csv_options_but_not_pledger_actor(founded: Run) -> None:
    more = jsonl_text(line("PhaseChanged", {"phase": "planning"}))
    refused(founded("import", "-", "--type", "PhaseChanged", input=more), "apply to CSV import")
    ok(founded("import", "-", input=more, env={"PLEDGER_ACTOR": "broker"}))


# -- import: what spreadsheets write --------------------------------------------------------


def test_excel_bom_crlf_semicolons_multiline_cells_and_trailing_rows(
    founded: Run, tmp_path: Path
) -> None:
    """European Excel: a byte order mark, CRLF, ';' between cells (so lists are quoted),
    a cell over two lines, and empty rows at the end."""
    text = (
        "\ufeffmeeting;purpose;attendees\r\n"
        'm-1;"Kick-off\r\nwith everyone";"ngo-sonar;telco-x"\r\n'
        ";;\r\n"
        "m-2;Budget;ministry\r\n"
        ";;\r\n"
        "\r\n"
    )
    path = sheet_file(tmp_path, text)
    ok(founded("import", path, "--type", "MeetingHeld", "--actor", "broker"))
    first, second = log(founded)[-2:]
    assert first["data"] == {
        "meeting": "m-1",
        "purpose": "Kick-off\nwith everyone",  # a line break in a cell is stored as \n
        "attendees": ["ngo-sonar", "telco-x"],
    }
    assert second["data"]["meeting"] == "m-2"


def test_rows_are_counted_as_a_spreadsheet_shows_them(founded: Run, tmp_path: Path) -> None:
    """A cell over three lines is one row, and an empty row still counts."""
    text = 'meeting,purpose,attendees\nm-1,"one\ntwo\nthree",ngo-sonar\n,,\nm-2,Budget,stranger\n'
    refused(
        founded("import", sheet_file(tmp_path, text), "--type", "MeetingHeld", "--actor", "broker"),
        "row 4, column attendees:",
        '"stranger"',
    )


def test_format_csv_for_any_name_and_for_standard_input(founded: Run, tmp_path: Path) -> None:
    path = sheet_file(tmp_path, "phase\nplanning\n", name="phases.txt")
    refused(founded("import", path, "--type", "PhaseChanged"), "apply to CSV import")
    ok(founded("import", path, "--format", "csv", "--type", "PhaseChanged", "--actor", "broker"))
    out = ok(
        founded(
            "import",
            "-",
            "--format",
            "csv",
            "--type",
            "PhaseChanged",
            "--actor",
            "broker",
            input="phase\r\nimplementing\r\n",
        )
    )
    assert out.strip() == "imported 1 event (music-chain 6-6)"
    upper = sheet_file(tmp_path, "phase\nreviewing\n", name="PHASES.CSV")
    ok(founded("import", upper, "--type", "PhaseChanged", "--actor", "broker"))
    assert [e["data"]["phase"] for e in log(founded)[-3:]] == [
        "planning",
        "implementing",
        "reviewing",
    ]


# -- export ---------------------------------------------------------------------------------

TRICKY = [
    *founding(),
    line(
        "PartnerIdentified",
        {
            "partner": "uni-y",
            "name": "Uni Y",
            "sector": "academic",
            "value_added": "Research",
            "international": True,
        },
    ),
    line(
        "StakeholderMapped",
        {
            "stakeholder": "s-1",
            "name": "  Youth club  ",
            "sector": "civil-society",
            "needs": ["time; and space", "mentors", " padded "],
            "interests": [],
        },
    ),
    line(
        "CommitmentMade",
        {
            "commitment": "c-1",
            "partner": "ngo-sonar",
            "kind": "money",
            "description": '=HYPERLINK("http://evil.example","click")',
            "value": "18000.5",
            "currency": "EUR",
            "due": "2026-09-30",
        },
        actor="ngo-sonar",
    ),
    line(
        "CommitmentMade",
        {
            "commitment": "c-2",
            "partner": "telco-x",
            "kind": "people",
            "description": ":=not json",
            "quantity": "2",
            "unit": "@engineers",
        },
        actor="telco-x",
        on="2026-03-02",
    ),
    line(
        "CommitmentMade",
        {
            "commitment": "c-3",
            "partner": "ministry",
            "kind": "other",
            "description": "Line one\nLine two\n",
        },
        actor="ministry",
    ),
    line(
        "IndicatorDefined",
        {
            "indicator": "i-1",
            "name": "+10% reach",
            "lens": "project",
            "method": "-count",
            "owner": "ngo-sonar",
            "baseline": "-5",
            "target": "1000000.25",
        },
    ),
    line(
        "CommunicationProtocolAgreed",
        {"audience": "partners", "channels": ["@team chat", "e-mail"], "every_days": 30},
    ),
    line("ReviewOpened", {"review": "rv-1", "lenses": ["project", "partnership"]}),
    line(
        "ReviewSubmitted",
        {
            "review": "rv-1",
            "partner": "telco-x",
            "ratings": {"delivery": "green", "trust=level": "amber"},
            "worth": "red",
            "comments": "Tab\tinside",
        },
        actor="telco-x",
    ),
    line(
        "InformationShared",
        {"subject": "review:rv-1", "with": ["all"], "channel": "Newsletter, issue 3"},
    ),
    line("DealBreakerDeclared", {"partner": "telco-x", "none": True}, actor="telco-x"),
    line(
        "DecisionProposed", {"decision": "d-1", "title": "Studio, or not?", "proposer": "ngo-sonar"}
    ),
    line(
        "VoteCast",
        {"decision": "d-1", "partner": "ngo-sonar", "position": "for", "comment": "-1 is a joke"},
        actor="ngo-sonar",
    ),
    line("AgreementDrafted", {"version": 1, "summary": "Roles", "document_sha256": "a" * 64}),
    line(
        "PartnershipFounded",
        {"name": "Café Ünïcode ✓ 𝄞", "purpose": "Second", "scope": "local"},
        partnership="alpha-fund",
    ),
]


def facts(run: Run) -> dict[str, list[str]]:
    """The facts of a ledger by type: everything but the ids, seqs and times it assigns."""
    out: dict[str, list[str]] = {}
    for text in ok(run("export")).splitlines():
        event = json.loads(text)
        fact = {k: event[k] for k in ("partnership", "type", "occurred_on", "actor", "data")}
        out.setdefault(event["type"], []).append(json.dumps(fact, sort_keys=True))
    return out


def test_export_then_import_gives_the_same_facts(db_url: str, tmp_path: Path) -> None:
    """Every type exported to CSV from one ledger and imported into another (SQLite, and
    PostgreSQL when configured), type by type in the order they first appear."""
    source = runner_for(f"sqlite:///{tmp_path / 'source.db'}")
    ok(source("import", "-", input=jsonl_text(*TRICKY)))
    target = runner_for(db_url)
    types = list(dict.fromkeys(e["type"] for e in TRICKY))
    for event_type in types:
        path = tmp_path / f"{event_type}.csv"
        ok(source("export", "--format", "csv", "--type", event_type, "-o", str(path)))
        result = target("import", str(path), "--type", event_type)
        ok(result)
        assert "note: columns seq, id, recorded_at are not imported" in result.stderr
    assert facts(target) == facts(source)


def test_export_layout_quoting_and_formula_safety(run: Run) -> None:
    ok(run("import", "-", input=jsonl_text(*TRICKY)))
    result = run("export", "--format", "csv", "--type", "CommitmentMade", "-P", PID)
    ok(result)
    raw = result.stdout_bytes.decode("utf-8")  # (Result.stdout turns CRLF into LF)
    assert raw.startswith("partnership,seq,id,occurred_on,recorded_at,actor,commitment,")
    assert raw.count("\r\n") == 4  # the header and three rows, RFC 4180 line ends
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert [r["seq"] for r in rows] == ["7", "8", "9"]
    first, second, third = rows
    assert first["value"] == "18000.5" and first["due"] == "2026-09-30"
    assert first["recorded_at"] == "2026-06-01T12:00:00.000000Z"
    # text a spreadsheet would run as a formula, or that would not read back, goes as JSON
    assert first["description"] == ':="=HYPERLINK(\\"http://evil.example\\",\\"click\\")"'
    assert second["description"] == ':=":=not json"'
    assert second["unit"] == ':="@engineers"'
    assert second["quantity"] == "2"
    assert third["description"] == ':="Line one\\nLine two\\n"'
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_START) or NUMBER_RE.fullmatch(cell)


def test_export_of_lists_maps_numbers_and_the_whole_ledger(run: Run) -> None:
    ok(run("import", "-", input=jsonl_text(*TRICKY)))

    def rows(event_type: str, *args: str) -> list[dict[str, str]]:
        raw = ok(run("export", "--format", "csv", "--type", event_type, *args))
        return list(csv.DictReader(io.StringIO(raw, newline="")))

    (mapped,) = rows("StakeholderMapped")
    assert mapped["name"] == ':="  Youth club  "'
    assert mapped["needs"] == ':=["time; and space", "mentors", " padded "]'
    assert mapped["interests"] == ":=[]"
    (indicator,) = rows("IndicatorDefined")
    assert (indicator["baseline"], indicator["target"]) == ("-5", "1000000.25")  # numbers stay
    assert (indicator["name"], indicator["method"]) == (':="+10% reach"', ':="-count"')
    (submitted,) = rows("ReviewSubmitted")
    assert submitted["ratings"] == ':={"delivery": "green", "trust=level": "amber"}'
    (protocol,) = rows("CommunicationProtocolAgreed")
    assert protocol["channels"] == ':=["@team chat", "e-mail"]'
    assert protocol["every_days"] == "30"
    (identified,) = rows("PartnerIdentified")
    assert identified["international"] == "true"
    (shared,) = rows("InformationShared")
    assert (shared["with"], shared["channel"]) == ("all", "Newsletter, issue 3")
    founded = rows("PartnershipFounded")  # no -P: every partnership, in id order
    assert [(r["partnership"], r["name"]) for r in founded] == [
        ("alpha-fund", "Café Ünïcode ✓ 𝄞"),
        (PID, "Music chain"),
    ]
    assert rows("ActionAgreed") == []  # a header and nothing else


def test_export_options_bom_delimiter_and_output_file(run: Run, tmp_path: Path) -> None:
    ok(run("import", "-", input=jsonl_text(*TRICKY)))
    target = tmp_path / "c.csv"
    assert (
        ok(
            run(
                "export",
                "--format",
                "csv",
                "--type",
                "DecisionProposed",
                "--bom",
                "--delimiter",
                ";",
                "-o",
                str(target),
            )
        )
        == ""
    )
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfpartnership;seq;id;")
    assert '"Studio, or not?"' not in data.decode("utf-8-sig")  # ',' needs no quotes here
    assert ";Studio, or not?;" in data.decode("utf-8-sig")
    tabbed = ok(
        run("export", "--format", "csv", "--type", "DecisionProposed", "--delimiter", "tab")
    )
    assert tabbed.startswith("partnership\tseq\tid\t")
    # and the ';' file, BOM and all, imports back
    fresh = runner_for(f"sqlite:///{tmp_path / 'fresh.db'}")
    ok(fresh("import", "-", input=jsonl_text(*founding())))
    ok(fresh("import", str(target), "--type", "DecisionProposed"))
    assert log(fresh)[-1]["data"] == {
        "decision": "d-1",
        "title": "Studio, or not?",
        "proposer": "ngo-sonar",
    }


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--format", "csv"], ["--type TYPE"]),
        (["--format", "csv", "--type", "Nope"], ['"Nope"', "unknown event type"]),
        (["--type", "VoteCast"], ["apply to --format csv"]),
        (["--bom"], ["apply to --format csv"]),
        (["--format", "csv", "--type", "VoteCast", "--reporting-org", "XM-1"], ["--reporting-org"]),
        (["--format", "csv", "--type", "VoteCast", "-P", "nope"], ["no partnership 'nope'"]),
    ],
)
def test_export_refuses_bad_options(
    run: Run, tmp_path: Path, args: list[str], needles: list[str]
) -> None:
    ok(run("import", "-", input=jsonl_text(*founding())))
    target = tmp_path / "out.csv"
    refused(run("export", *args, "-o", str(target)), *needles)
    assert not target.exists()


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(
        st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t"),
        min_size=1,
        max_size=20,
    ),
    needs=st.lists(
        st.text(
            st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(";=:+-@ \n"),
            min_size=1,
            max_size=12,
        ),
        max_size=4,
    ),
)
def test_any_text_survives_export_and_import(name: str, needs: list[str]) -> None:
    """Whatever the text, the cell export writes reads back to it, through real CSV quoting,
    and never opens as a formula."""
    etype = CORE_TYPES["StakeholderMapped"]
    data = etype.parse_data({"stakeholder": "s-1", "name": name, "sector": "other", "needs": needs})
    event = Envelope(
        id="0" * 8 + "-0000-4000-8000-" + "0" * 12,
        partnership=PID,
        seq=1,
        type=etype.name,
        occurred_on=TODAY,
        recorded_at="2026-06-01T12:00:00.000000Z",
        actor="broker",
        data=data,
        hash="0" * 64,
    )
    for delimiter in (",", ";"):
        raw = export_csv([event], etype, delimiter=delimiter)
        (row,) = read_sheet(raw, etype).rows
        assert dict(row.data) == data
        for cells in csv.reader(io.StringIO(raw.decode("utf-8"), newline=""), delimiter=delimiter):
            for cell in cells:
                assert not cell.startswith(FORMULA_START) or NUMBER_RE.fullmatch(cell)


# -- template -------------------------------------------------------------------------------

FILLED: dict[str, dict[str, str]] = {
    "PartnerJoined": {
        "partner": "uni-y",
        "engagement": "advisory",
        "name": "Uni Y",
        "sector": "academic",
    },
    "CommitmentMade": {
        "commitment": "c-9",
        "partner": "telco-x",
        "kind": "money",
        "description": "Funds",
        "value": "10.5",
        "currency": "EUR",
        "due": "2026-12-31",
    },
    "DecisionProposed": {"decision": "d-1", "title": "A studio", "proposer": "ngo-sonar"},
    "VoteCast": {"decision": "d-1", "partner": "ministry", "position": "abstain"},
    "ReviewOpened": {"review": "rv-1", "lenses": "project;value"},
    "ReviewSubmitted": {"review": "rv-1", "partner": "telco-x", "ratings": "delivery=red"},
}


def test_template_fill_import(founded: Run, tmp_path: Path) -> None:
    for event_type, values in FILLED.items():
        header = ok(founded("template", event_type)).rstrip("\n")
        assert header.split(",") == list(template_columns(CORE_TYPES[event_type]))
        assert header.startswith("occurred_on,actor,")
        columns = header.split(",")
        actor = {"actor": "broker"} if CORE_TYPES[event_type].own is None else {}
        cells = {"occurred_on": "2026-04-01", **actor, **values}
        row = ",".join(cells.get(c, "") for c in columns)
        path = sheet_file(tmp_path, f"{header}\n{row}\n", name=f"{event_type}.csv")
        ok(founded("import", path, "--type", event_type))
        event = log(founded)[-1]
        assert (event["type"], event["occurred_on"]) == (event_type, "2026-04-01")
    assert ok(founded("template", "VoteCast", "--delimiter", ";")) == (
        "occurred_on;actor;decision;partner;position;comment\n"
    )


def test_template_of_an_unknown_type(run: Run) -> None:
    refused(run("template", "Nope"), '"Nope"', "unknown event type")

"""The audit engine, the plugin API and ``pledger audit`` (issue #5; RULES.md: Findings,
Waivers, Exit codes, PL001/PL002, TR001, FT001; DESIGN.md: Rules and plugins, Configuration,
CLI).

Two partnerships are used throughout, written with the ``ledger_builder`` fixture:
``river`` (three key partners, one civil-society) gives exactly one TR001 error (decision d-1)
and one FT001 warning (commitment c-late, 12 days late on the audit date 2026-06-01);
``lake`` (no civil-society partner) gives exactly one CIV001 warning from the example plugin.
"""

from __future__ import annotations

import json
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import rule
from ledger.cli.main import cli
from ledger.rules import Finding, Rule
from ledger.testing import LedgerBuilder, PartnershipBuilder

from helpers import shared_vector

AS_OF = "2026-06-01"  # the date of PLEDGER_NOW, so the default audit date
REPORT_KEYS = {
    "version",
    "as_of",
    "known_at",
    "config_sha256",
    "plugins",
    "partnerships",
    "findings",
    "summary",
}
FINDING_KEYS = {
    "rule",
    "name",
    "principle",
    "severity",
    "partnership",
    "subject",
    "partner",
    "message",
    "evidence",
    "waived",
}
RULE_JSON_KEYS = {
    "id",
    "name",
    "principle",
    "severity",
    "summary",
    "description",
    "example",
    "plugin",
    "options",
    "configured",
}

FORMATS = ("text", "json", "markdown", "sarif", "junit")

Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def _two_builtin_rules(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine is tested with two built-in rules only (tests/engine_rules.py)."""
    if request.node.get_closest_marker("all_builtins") is None:
        monkeypatch.setattr("ledger.manager.BUILTIN_PLUGINS", ("engine_rules",))


# -- helpers ---------------------------------------------------------------------------------


def founded(book: LedgerBuilder, pid: str, partners: dict[str, str]) -> PartnershipBuilder:
    """A partnership founded on 2026-01-10 whose key partners (id -> sector) join on the 12th."""
    p = book.partnership(pid, on="2026-01-10")
    for partner, sector in partners.items():
        p.partner(partner, sector=sector, on="2026-01-12")
    return p


def commit(p: PartnershipBuilder, cid: str, owner: str, *, due: str | None, **data: Any) -> int:
    """A money commitment made on 2026-01-20; returns its seq."""
    if due is not None:
        data["due"] = due
    event = p.record(
        "CommitmentMade",
        on="2026-01-20",
        commitment=cid,
        partner=owner,
        kind="money",
        description=f"Funding {cid}",
        value="1000",
        currency="EUR",
        **data,
    )
    return event.seq


def decide(
    p: PartnershipBuilder,
    did: str,
    *,
    proposed: str | None = None,
    taken: str | None = None,
    on: str = "2026-02-10",
) -> tuple[int, int]:
    """A decision proposed on 2026-02-01 and adopted ``on``, with the rationales given; returns
    the seqs of its DecisionProposed and DecisionTaken."""
    extra = {"rationale": proposed} if proposed else {}
    first = p.record(
        "DecisionProposed",
        on="2026-02-01",
        decision=did,
        title=f"Decision {did}",
        proposer="ngo",
        **extra,
    )
    extra = {"rationale": taken} if taken else {}
    second = p.record("DecisionTaken", on=on, decision=did, outcome="adopted", **extra)
    return first.seq, second.seq


def waiver(
    p: PartnershipBuilder, rule_id: str, subject: str, *, on: str = "2026-05-01", **data: Any
) -> int:
    """A FindingWaived approved by the city; returns its seq."""
    data.setdefault("approved_by", ["city"])
    event = p.record(
        "FindingWaived", on=on, rule=rule_id, subject=subject, reason="Accepted by all", **data
    )
    return event.seq


def build_river(book: LedgerBuilder) -> PartnershipBuilder:
    """One TR001 error (d-1) and one FT001 warning (c-late, due 2026-05-20) as of 2026-06-01;
    a fulfilled commitment and an explained decision that must stay silent."""
    p = founded(book, "river", {"ngo": "civil-society", "city": "public", "water-co": "private"})
    commit(p, "c-late", "ngo", due="2026-05-20")
    commit(p, "c-done", "city", due="2026-03-01")
    p.record("CommitmentFulfilled", on="2026-02-25", commitment="c-done", evidence="Receipt 1")
    decide(p, "d-1")
    decide(p, "d-2", proposed="Cheaper than renting", on="2026-02-11")
    return p


def build_lake(book: LedgerBuilder) -> PartnershipBuilder:
    """No civil-society partner: one CIV001 warning once its grace period has passed."""
    return founded(book, "lake", {"port": "private", "town": "public"})


def refused(result: Result, *needles: str) -> str:
    """Exit 2 with one line on stderr naming every needle."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def report_of(result: Result, code: int | None = None) -> dict[str, Any]:
    """The JSON report a command printed (checking its exit code when given)."""
    if code is not None:
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return json.loads(result.stdout)


def found(report: dict[str, Any]) -> list[tuple[str, str, str | None, str, bool]]:
    """(rule, subject, partner, severity, waived) of each finding of a JSON report."""
    return [
        (f["rule"], f["subject"], f["partner"], f["severity"], f["waived"])
        for f in report["findings"]
    ]


def split_sections(lines: list[str], titles: set[str]) -> dict[str, str]:
    """The text under each title line (in order), up to the next title."""
    sections: dict[str, str] = {}
    current = None
    for line in lines:
        if line.strip() in titles:
            current = line.strip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def rule_ids(report: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in report["findings"]}


def write_plugin(folder: Path, name: str, body: str) -> Path:
    """A plugin module ``name``.py in ``folder`` (its body is dedented; ``hookimpl``, ``rule``
    and ``Finding`` are imported for it)."""
    path = folder / f"{name}.py"
    header = "from ledger import hookimpl, rule\nfrom ledger.rules import Finding\n\n"
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


MY_RULES = """
    __version__ = "2.5.0"


    @rule("MY001", name="no-civil-society", principle="equity", severity="warning",
          example="A partnership of a port and a town.")
    def no_civil_society(view, ctx):
        '''The partnership has no current civil-society partner.

        Civil society keeps a partnership honest.'''
        current = [p for p in view.partners.values() if p.is_partner_at(ctx.audit_date)]
        if not any(p.sector == "civil-society" for p in current):
            yield ctx.finding(
                f"partnership:{view.partnership}",
                f"{view.partnership} has no civil-society partner among its "
                f"{len(current)} partners.",
                evidence=[view.founding.seq],
            )


    @hookimpl
    def pledger_rules():
        return [no_civil_society]
"""

# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def river(ledger_builder: LedgerBuilder) -> PartnershipBuilder:
    return build_river(ledger_builder)


@pytest.fixture
def lake(ledger_builder: LedgerBuilder) -> PartnershipBuilder:
    return build_lake(ledger_builder)


@pytest.fixture
def pledger(ledger_builder: LedgerBuilder) -> Invoke:
    """Run ``pledger --db <the builder's ledger> ARGS...``; ``plugins`` go before the command."""
    runner = CliRunner()

    def invoke(*args: str, plugins: tuple[str | Path, ...] = ()) -> Result:
        loads = [a for p in plugins for a in ("-p", str(p))]
        return runner.invoke(cli, ["--db", ledger_builder.url, *loads, *args])

    return invoke


@pytest.fixture
def my_rules(tmp_path: Path) -> Path:
    return write_plugin(tmp_path, "my_rules", MY_RULES)


# -- 1. the builder, TR001 and FT001 -----------------------------------------------------------


def test_the_builder_fixture_comes_from_the_pytest11_entry_point(
    request: pytest.FixtureRequest, ledger_builder: LedgerBuilder
) -> None:
    import ledger.testing

    assert request.config.pluginmanager.get_plugin("pledger") is ledger.testing
    assert isinstance(ledger_builder, LedgerBuilder)
    p = ledger_builder.partnership("river", on="2026-01-10")
    event = p.partner("ngo", on="2026-01-12")
    assert event.seq == 2
    # recorded at noon of its business date unless told otherwise
    assert [e.recorded_at for e in p.events()] == [
        "2026-01-10T12:00:00.000000Z",
        "2026-01-12T12:00:00.000000Z",
    ]


@pytest.mark.parametrize(
    ("proposed", "taken", "fires"),
    [
        (None, None, True),
        ("Cheaper than renting", None, False),
        (None, "Cheaper than renting", False),
        ("Cheaper", "Than renting", False),
    ],
)
def test_tr001_fires_only_without_any_rationale(
    ledger_builder: LedgerBuilder, proposed: str | None, taken: str | None, fires: bool
) -> None:
    p = founded(ledger_builder, "river", {"ngo": "civil-society", "city": "public"})
    proposal, decision = decide(p, "d-1", proposed=proposed, taken=taken)
    findings = p.audit("TR001", as_of=AS_OF)
    if not fires:
        assert findings == []
        return
    (f,) = findings
    assert (f.rule, f.name, f.principle, f.severity) == (
        "TR001",
        "decision-without-rationale",
        "transparency",
        "error",
    )
    assert (f.partnership, f.subject, f.partner, f.waived) == ("river", "decision:d-1", None, False)
    assert f.evidence == (decision, proposal)
    assert "d-1" in f.message and "2026-02-10" in f.message


def test_tr001_ignores_decisions_not_taken_by_the_audit_date(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder, "river", {"ngo": "civil-society", "city": "public"})
    p.record("DecisionProposed", on="2026-02-01", decision="d-0", title="Open", proposer="ngo")
    decide(p, "d-1", on="2026-03-01")
    assert p.audit("TR001", as_of="2026-02-28") == []
    assert [f.subject for f in p.audit("TR001", as_of="2026-03-01")] == ["decision:d-1"]


@pytest.fixture
def due_march(ledger_builder: LedgerBuilder) -> tuple[PartnershipBuilder, int]:
    """Commitment c-1 of ngo, due 2026-03-01, never fulfilled."""
    p = founded(ledger_builder, "river", {"ngo": "civil-society", "city": "public"})
    return p, commit(p, "c-1", "ngo", due="2026-03-01")


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2026-02-28", None),
        ("2026-03-01", None),  # due on the audit date: not before it
        ("2026-03-02", ("warning", "1 day late")),
        ("2026-03-31", ("warning", "30 days late")),  # exactly error_after_days: still a warning
        ("2026-04-01", ("error", "31 days late")),  # more than 30 days late
    ],
)
def test_ft001_warning_then_error_after_30_days(
    due_march: tuple[PartnershipBuilder, int], as_of: str, expected: tuple[str, str] | None
) -> None:
    p, made = due_march
    findings = p.audit("FT001", as_of=as_of)
    if expected is None:
        assert findings == []
        return
    (f,) = findings
    assert (f.severity, f.subject, f.partner) == (expected[0], "commitment:c-1", "ngo")
    assert (f.name, f.principle) == ("overdue-commitment", "follow-through")
    assert expected[1] in f.message and "2026-03-01" in f.message
    assert f.evidence == (made,)


@pytest.mark.parametrize(
    ("as_of", "severity"), [("2026-03-06", "warning"), ("2026-03-07", "error")]
)
def test_ft001_error_after_days_option(
    due_march: tuple[PartnershipBuilder, int], as_of: str, severity: str
) -> None:
    p, _ = due_march
    (f,) = p.audit("FT001", as_of=as_of, options={"error_after_days": 5})
    assert f.severity == severity


def test_ft001_follows_the_revised_due_date(due_march: tuple[PartnershipBuilder, int]) -> None:
    p, made = due_march
    revised = p.record(
        "CommitmentRevised", on="2026-03-10", commitment="c-1", reason="Slow", due="2026-04-15"
    ).seq
    # before the revision occurred, the original due date is the one in force
    (before,) = p.audit("FT001", as_of="2026-03-05")
    assert "2026-03-01" in before.message and before.evidence == (made,)
    assert p.audit("FT001", as_of="2026-04-15") == []
    (after,) = p.audit("FT001", as_of="2026-04-16")
    assert after.severity == "warning" and "2026-04-15" in after.message
    assert after.evidence == (revised, made)
    # a revision that sets no due date leaves it alone
    p.record("CommitmentRevised", on="2026-04-20", commitment="c-1", reason="More", value="9")
    (latest,) = p.audit("FT001", as_of="2026-04-21")
    assert "2026-04-15" in latest.message


def test_ft001_silent_for_fulfilled_withdrawn_and_undated_commitments(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder, "river", {"ngo": "civil-society", "city": "public"})
    commit(p, "c-paid", "ngo", due="2026-03-01")
    commit(p, "c-gone", "city", due="2026-03-01")
    commit(p, "c-open", "city", due=None)
    p.record("CommitmentFulfilled", on="2026-03-10", commitment="c-paid", evidence="Receipt")
    p.record("CommitmentWithdrawn", on="2026-02-15", commitment="c-gone", reason="No budget")
    assert p.audit("FT001", as_of="2026-06-01") == []
    # before the late fulfilment occurred, c-paid was overdue
    assert [f.subject for f in p.audit("FT001", as_of="2026-03-05")] == ["commitment:c-paid"]


def test_the_builder_raises_a_crashing_rule_s_own_error(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "river", {"ngo": "civil-society"})
    with pytest.raises(AssertionError, match="the rule fell over"):
        p.audit(crashes, as_of=AS_OF)
    with pytest.raises(LookupError, match="NOPE001"):
        p.audit("NOPE001", as_of=AS_OF)


# -- 2. plugins --------------------------------------------------------------------------------


def test_a_rule_in_a_file_loaded_with_p(
    pledger: Invoke, river: PartnershipBuilder, lake: PartnershipBuilder, my_rules: Path
) -> None:
    report = report_of(
        pledger("audit", "--all", "--select", "MY001", "--format", "json", plugins=(my_rules,)),
        code=0,  # a warning does not fail at the default fail-on
    )
    assert found(report) == [("MY001", "partnership:lake", None, "warning", False)]
    (f,) = report["findings"]
    assert f["message"] == "lake has no civil-society partner among its 2 partners."
    assert f["evidence"] == [1] and f["principle"] == "equity"
    assert {"name": str(my_rules), "version": "2.5.0"} in report["plugins"]
    shown = pledger("rule", "MY001", plugins=(my_rules,))
    assert shown.exit_code == 0, shown.stderr
    assert "The partnership has no current civil-society partner." in shown.stdout
    assert "Civil society keeps a partnership honest." in shown.stdout
    assert "A partnership of a port and a town." in shown.stdout


def test_a_module_plugin(
    pledger: Invoke, lake: PartnershipBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "pledger_test_module_rules"
    write_plugin(tmp_path, name, MY_RULES)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        report = report_of(pledger("audit", "--format", "json", plugins=(name,)), code=0)
        assert ("MY001", "partnership:lake", None, "warning", False) in found(report)
        listed = json.loads(pledger("plugins", "--format", "json", plugins=(name,)).stdout)
        (info,) = [i for i in listed if i["name"] == name]
        assert info == {
            "name": name,
            "version": "2.5.0",
            "source": f"module {name}",
            "rules": ["MY001"],
        }
    finally:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("command", [["audit"], ["plugins"], ["rules"], ["rule", "TR001"]])
def test_a_misspelt_hook_is_an_error_naming_it(
    pledger: Invoke, river: PartnershipBuilder, tmp_path: Path, command: list[str]
) -> None:
    plugin = write_plugin(
        tmp_path,
        "typo",
        """
        @hookimpl
        def pledger_rulez():
            return []
        """,
    )
    refused(pledger(*command, plugins=(plugin,)), "pledger_rulez")


@pytest.mark.parametrize(
    ("returned", "needle"),
    [
        ('["TR001"]', "TR001"),
        ("[plain]", "not a Rule"),
        ("[{'id': 'XY001'}]", "not a Rule"),
    ],
)
def test_a_plugin_returning_a_non_rule_is_an_error(
    pledger: Invoke, river: PartnershipBuilder, tmp_path: Path, returned: str, needle: str
) -> None:
    plugin = write_plugin(
        tmp_path,
        "not_rules",
        f"""
        def plain(view, ctx):
            return []


        @hookimpl
        def pledger_rules():
            return {returned}
        """,
    )
    line = refused(pledger("audit", plugins=(plugin,)), needle, "pledger_rules")
    assert "not a Rule" in line
    refused(pledger("rules", plugins=(plugin,)), "not a Rule")


def one_rule_plugin(folder: Path, name: str, rule_id: str) -> Path:
    return write_plugin(
        folder,
        name,
        f"""
        @rule("{rule_id}", name="copy", principle="equity", severity="info")
        def copy(view, ctx):
            return []


        @hookimpl
        def pledger_rules():
            return [copy]
        """,
    )


@pytest.mark.parametrize(
    ("ids", "needles"),
    [
        (("TR001",), ("TR001", "ledger.plugins.transparency")),
        (("PL001",), ("PL001", "engine")),
        (("XD001", "XD001"), ("XD001", "plugin0.py", "plugin1.py")),
    ],
)
@pytest.mark.all_builtins
def test_a_duplicate_rule_id_is_an_error(
    pledger: Invoke,
    river: PartnershipBuilder,
    tmp_path: Path,
    ids: tuple[str, ...],
    needles: tuple[str, ...],
) -> None:
    plugins = tuple(one_rule_plugin(tmp_path, f"plugin{i}", rid) for i, rid in enumerate(ids))
    refused(pledger("audit", plugins=plugins), *needles)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (None, "missing.py"),
        ("raise ImportError('half-written plugin')", "half-written plugin"),
        (
            '@rule("bad-id", name="x", principle="equity", severity="info")\n'
            "def bad(view, ctx):\n    return []\n",
            "bad-id",
        ),
        (
            '@rule("XY001", name="x", principle="equity", severity="fatal")\n'
            "def bad(view, ctx):\n    return []\n",
            "severity",
        ),
    ],
)
def test_a_plugin_that_cannot_load_is_an_error(
    pledger: Invoke, river: PartnershipBuilder, tmp_path: Path, body: str | None, needle: str
) -> None:
    path = tmp_path / "missing.py" if body is None else write_plugin(tmp_path, "broken", body)
    refused(pledger("audit", plugins=(path,)), needle)


@pytest.mark.all_builtins
def test_pledger_plugins_lists_builtins_entry_points_and_files(
    pledger: Invoke, river: PartnershipBuilder, my_rules: Path
) -> None:
    from importlib import metadata

    version = metadata.version("pledger")
    listed = json.loads(pledger("plugins", "--format", "json", plugins=(my_rules,)).stdout)
    builtins = [p for p in listed if p["source"] == "built-in"]
    assert [p["name"] for p in builtins] == [
        f"ledger.plugins.{m}"
        for m in ("equity", "transparency", "follow_through", "governance", "mutual_benefit")
    ]
    assert {p["version"] for p in builtins} == {version}
    rules_of = {p["name"]: p["rules"] for p in listed}
    assert "TR001" in rules_of["ledger.plugins.transparency"]
    assert "FT001" in rules_of["ledger.plugins.follow_through"]
    assert listed[len(builtins) :] == [
        {
            "name": "civil_society",
            "version": metadata.version("pledger-civil-society"),
            "source": "entry point pledger-civil-society",
            "rules": ["CIV001"],
        },
        {
            "name": str(my_rules),
            "version": "2.5.0",
            "source": f"file {my_rules}",
            "rules": ["MY001"],
        },
    ]
    text = pledger("plugins")
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert any(
        line.startswith(f"ledger.plugins.transparency {version} (built-in): ") and "TR001" in line
        for line in lines
    )
    assert any(
        line.startswith(f"ledger.plugins.follow_through {version} (built-in): ") and "FT001" in line
        for line in lines
    )
    assert "civil_society 1.0.0 (entry point pledger-civil-society): CIV001" in lines


def test_p_naming_an_installed_plugin_loads_it_once(
    pledger: Invoke, river: PartnershipBuilder
) -> None:
    result = pledger("plugins", "--format", "json", plugins=("pledger_civil_society",))
    assert result.exit_code == 0, result.stderr
    rules = [r for info in json.loads(result.stdout) for r in info["rules"]]
    assert rules.count("CIV001") == 1


def test_pledger_rules_json_lists_every_rule_with_its_fields(
    pledger: Invoke, river: PartnershipBuilder
) -> None:
    result = pledger("rules", "--format", "json")
    assert result.exit_code == 0, result.stderr
    listed = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(listed) == {"TR001", "FT001", "CIV001", "PL001", "PL002"}
    assert all(set(r) == RULE_JSON_KEYS for r in listed.values())
    assert listed["FT001"] | {"summary": "", "description": "", "example": ""} == {
        "id": "FT001",
        "name": "overdue-commitment",
        "principle": "follow-through",
        "severity": "warning",
        "summary": "",
        "description": "",
        "example": "",
        "plugin": "engine_rules",
        "options": {"error_after_days": 30},
        "configured": {"error_after_days": 30},
    }
    assert listed["FT001"]["example"] and listed["FT001"]["summary"]
    assert (listed["TR001"]["severity"], listed["TR001"]["principle"]) == (
        "error",
        "transparency",
    )
    assert (listed["CIV001"]["plugin"], listed["CIV001"]["options"]) == (
        "civil_society",
        {"grace_days": 30},
    )
    for engine, severity in (("PL001", "error"), ("PL002", "info")):
        assert (listed[engine]["principle"], listed[engine]["plugin"]) == ("engine", "engine")
        assert listed[engine]["severity"] == severity
    text = pledger("rules")
    assert text.exit_code == 0
    for rid in listed:
        assert rid in text.stdout
    assert "error_after_days=30" in text.stdout


def test_pledger_rule_shows_definition_options_and_example(
    pledger: Invoke, river: PartnershipBuilder
) -> None:
    result = pledger("rule", "FT001")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("FT001 overdue-commitment (follow-through, warning")
    assert "A live commitment's due date is before the audit date" in out
    assert "error_after_days = 30" in out
    assert "Example:" in out and "CommitmentMade c-1 due 2026-04-30" in out
    as_json = json.loads(pledger("rule", "FT001", "--format", "json").stdout)
    assert as_json["options"] == {"error_after_days": 30}


def test_pledger_rule_unknown_exits_2(pledger: Invoke, river: PartnershipBuilder) -> None:
    refused(pledger("rule", "NOPE"), "NOPE")


# -- 3. isolation: PL001 -------------------------------------------------------------------


@rule("XT001", name="counts-the-view", principle="equity", severity="info")
def counts_the_view(view: Any, ctx: Any) -> Iterator[Finding]:
    """Reports what it sees, so a change made by an earlier rule would show."""
    yield ctx.finding(
        f"partnership:{view.partnership}",
        f"{view.partnership}: {len(view.commitments)} commitments, {len(view.events)} events, "
        f"first partner {next(iter(view.partners))}.",
        evidence=[1],
    )


@rule("XB001", name="crashes", principle="equity", severity="warning")
def crashes(view: Any, ctx: Any) -> list[Finding]:
    """Raises."""
    raise RuntimeError("the rule fell over")


@rule("XB002", name="crashes-midway", principle="equity", severity="warning")
def crashes_midway(view: Any, ctx: Any) -> Iterator[Finding]:
    """Yields a finding, then raises."""
    yield ctx.finding(f"partnership:{view.partnership}", "First finding.")
    raise KeyError("missing-key")


@rule("XB003", name="returns-a-string", principle="equity", severity="warning")
def returns_a_string(view: Any, ctx: Any) -> Any:
    """Returns a string."""
    return "everything is fine"


@rule("XB004", name="returns-a-dict", principle="equity", severity="warning")
def returns_a_dict(view: Any, ctx: Any) -> Any:
    """Returns a dict."""
    return {"subject": f"partnership:{view.partnership}", "message": "A finding, sort of."}


@rule("XB005", name="returns-a-number", principle="equity", severity="warning")
def returns_a_number(view: Any, ctx: Any) -> Any:
    """Returns a number."""
    return 42


@rule("XB006", name="returns-other-findings", principle="equity", severity="warning")
def returns_other_findings(view: Any, ctx: Any) -> list[Finding]:
    """Returns a finding of another rule."""
    fake = Finding(
        "TR001", "x", "transparency", "error", view.partnership, "decision:d-9", None, "Fake."
    )
    return [fake]


@rule("XB007", name="bad-subject", principle="equity", severity="warning")
def bad_subject(view: Any, ctx: Any) -> Iterator[Finding]:
    """Yields a finding whose subject is not kind:id."""
    yield ctx.finding("the whole partnership", "Bad subject.")


@rule("XB008", name="sets-an-attribute", principle="equity", severity="warning")
def sets_an_attribute(view: Any, ctx: Any) -> list[Finding]:
    """Tries to rename the partnership."""
    view.partnership = "renamed"
    return []


@rule("XB009", name="appends-to-a-tuple", principle="equity", severity="warning")
def appends_to_a_tuple(view: Any, ctx: Any) -> list[Finding]:
    """Tries to add an event."""
    view.events.append(view.events[0])
    return []


@rule("XB010", name="sets-a-key", principle="equity", severity="warning")
def sets_a_key(view: Any, ctx: Any) -> list[Finding]:
    """Tries to drop the commitments."""
    view.commitments["c-late"] = None
    return []


@rule("XB011", name="sets-a-record-field", principle="equity", severity="warning")
def sets_a_record_field(view: Any, ctx: Any) -> list[Finding]:
    """Tries to hand a commitment to someone else."""
    view.commitments["c-late"].owner = "city"
    return []


@rule("XB012", name="edits-event-data", principle="equity", severity="warning")
def edits_event_data(view: Any, ctx: Any) -> list[Finding]:
    """Tries to edit a raw event."""
    view.events[0].data["name"] = "renamed"
    return []


BAD_RULES = [
    pytest.param(crashes, "raised RuntimeError: the rule fell over", id="raises"),
    pytest.param(crashes_midway, "missing-key", id="raises-midway"),
    pytest.param(returns_a_string, "not a Finding", id="string"),
    pytest.param(returns_a_dict, "not a Finding", id="dict"),
    pytest.param(returns_a_number, "int", id="number"),
    pytest.param(returns_other_findings, "another rule", id="another-rule-s-finding"),
    pytest.param(bad_subject, "the whole partnership", id="bad-subject"),
    pytest.param(sets_an_attribute, "partnership", id="set-view-attribute"),
    pytest.param(appends_to_a_tuple, "append", id="append-to-view-tuple"),
    pytest.param(sets_a_key, "item assignment", id="set-view-mapping-key"),
    pytest.param(sets_a_record_field, "owner", id="set-record-field"),
    pytest.param(edits_event_data, "item assignment", id="edit-event-data"),
]


@pytest.mark.parametrize(("bad", "error"), BAD_RULES)
def test_a_failing_rule_gives_pl001_and_the_others_still_report(
    river: PartnershipBuilder, bad: Rule, error: str
) -> None:
    report = river.report(bad, counts_the_view, "TR001", "FT001", as_of=AS_OF)
    assert report.exit_code == 3 and report.crashed
    crashed = [f for f in report.findings if f.rule == "PL001"]
    assert len(crashed) == 1
    (f,) = crashed
    assert (f.name, f.principle, f.severity) == ("rule-crashed", "engine", "error")
    assert (f.partnership, f.subject, f.partner, f.waived) == (
        "river",
        "partnership:river",
        None,
        False,
    )
    plugin = "ledger.testing:" + ",".join(sorted((bad.id, "XT001")))
    for needle in (plugin, bad.id, bad.name, error):
        assert needle in f.message, f.message
    assert "\n" not in f.message
    assert bad.id not in {g.rule for g in report.findings}
    others = {(g.rule, g.subject) for g in report.findings}
    assert {
        ("TR001", "decision:d-1"),
        ("FT001", "commitment:c-late"),
        ("XT001", "partnership:river"),
    } <= others
    # the other rules saw the view unchanged (XT001 runs after XB*)
    (seen,) = [g for g in report.findings if g.rule == "XT001"]
    assert seen.message == "river: 2 commitments, 11 events, first partner ngo."


@pytest.mark.parametrize("garbage", [{}, "", False, 0], ids=repr)
def test_an_empty_garbage_return_is_pl001(river: PartnershipBuilder, garbage: object) -> None:
    check = rule("XG001", name="garbage", principle="equity", severity="warning")(
        lambda view, ctx: garbage
    )
    report = river.report(check, "TR001", as_of=AS_OF)
    assert [f.rule for f in report.findings].count("PL001") == 1
    assert report.exit_code == 3


def test_pl001_names_what_a_garbage_rule_really_returned(river: PartnershipBuilder) -> None:
    report = river.report(returns_a_dict, as_of=AS_OF)
    (f,) = report.findings
    said = f.message.replace(returns_a_dict.name, "")
    assert "dict" in said and "returned str" not in said, f.message


def test_crashing_rules_through_the_cli_exit_3_and_the_others_report(
    pledger: Invoke, river: PartnershipBuilder, tmp_path: Path
) -> None:
    plugin = write_plugin(
        tmp_path,
        "bad_rules",
        """
        @rule("XB001", name="crashes", principle="equity", severity="warning")
        def crashes(view, ctx):
            return 1 / 0


        @rule("XB002", name="garbage", principle="equity", severity="warning")
        def garbage(view, ctx):
            return "not findings"


        @rule("XB003", name="mutates", principle="equity", severity="warning")
        def mutates(view, ctx):
            view.decisions["d-1"] = None
            return []


        @rule("XB004", name="fine", principle="equity", severity="info")
        def fine(view, ctx):
            yield ctx.finding(f"partnership:{view.partnership}", "All is well.")


        @hookimpl
        def pledger_rules():
            return [crashes, garbage, mutates, fine]
        """,
    )
    # a crash exits 3 whatever --fail-on says
    for fail_on in ("error", "never"):
        result = pledger("audit", "--format", "json", "--fail-on", fail_on, plugins=(plugin,))
        report = report_of(result, code=3)
    crashed = {f["message"] for f in report["findings"] if f["rule"] == "PL001"}
    assert len(crashed) == 3
    for rid, name, error in (
        ("XB001", "crashes", "ZeroDivisionError"),
        ("XB002", "garbage", "not a Finding"),
        ("XB003", "mutates", "item assignment"),
    ):
        (message,) = [m for m in crashed if rid in m]
        assert name in message and str(plugin) in message and error in message
    assert {"TR001", "FT001", "XB004", "PL001"} == rule_ids(report)
    assert report["summary"] == {"error": 4, "warning": 1, "info": 1, "waived": 0}
    text = pledger("audit", plugins=(plugin,))
    assert text.exit_code == 3
    assert text.stdout.strip().splitlines()[-1].endswith("a rule crashed (fail-on error)")


# -- 4. waivers --------------------------------------------------------------------------------


def test_a_waiver_recorded_with_pledger_waive(pledger: Invoke, river: PartnershipBuilder) -> None:
    assert pledger("audit", "--select", "FT001", "--fail-on", "warning").exit_code == 1
    recorded = pledger(
        "waive",
        "FT001",
        "commitment:c-late",
        "--partner",
        "ngo",
        "--reason",
        "Delay agreed at the May meeting",
        "--by",
        "city",
    )
    assert recorded.exit_code == 0, recorded.stderr
    (event,) = [e for e in river.events() if e.type == "FindingWaived"]
    assert dict(event.data) == {
        "rule": "FT001",
        "subject": "commitment:c-late",
        "partner": "ngo",
        "reason": "Delay agreed at the May meeting",
        "approved_by": ("city",),
    }
    assert (event.actor, event.occurred_on) == ("city", AS_OF)
    report = report_of(pledger("audit", "--format", "json"), code=1)  # TR001 still fails
    assert found(report) == [
        ("FT001", "commitment:c-late", "ngo", "warning", True),
        ("TR001", "decision:d-1", None, "error", False),
    ]
    assert report["summary"] == {"error": 1, "warning": 0, "info": 0, "waived": 1}
    assert pledger("audit", "--select", "FT001", "--fail-on", "info").exit_code == 0


def test_a_waiver_recorded_with_the_builder(river: PartnershipBuilder) -> None:
    assert river.report("TR001", as_of=AS_OF).exit_code == 1
    waiver(river, "TR001", "decision:d-1", approved_by=["city", "water-co"])
    (f,) = river.audit("TR001", as_of=AS_OF)
    assert f.waived and f.severity == "error"
    report = river.report("TR001", as_of=AS_OF)
    assert report.exit_code == 0
    assert report.summary == {"error": 0, "warning": 0, "info": 0, "waived": 1}
    # before the waiver occurred, the finding stood
    (before,) = river.audit("TR001", as_of="2026-04-30")
    assert not before.waived


def test_a_waiver_without_partner_covers_every_partner_of_the_subject(
    river: PartnershipBuilder,
) -> None:
    waiver(river, "FT001", "commitment:c-late")
    (f,) = river.audit("FT001", as_of=AS_OF)
    assert f.waived and f.partner == "ngo"


@pytest.mark.parametrize(("as_of", "waived"), [("2026-05-31", True), ("2026-06-01", False)])
def test_a_waiver_lapses_after_its_until(
    river: PartnershipBuilder, as_of: str, waived: bool
) -> None:
    waiver(river, "FT001", "commitment:c-late", partner="ngo", until="2026-05-31")
    report = river.report("FT001", "TR001", as_of=as_of)
    (f,) = [f for f in report.findings if f.rule == "FT001"]
    assert f.waived is waived
    # a lapsed waiver is not in force, so it is not reported as unused either
    assert "PL002" not in {f.rule for f in report.findings}


@pytest.mark.parametrize(
    ("data", "partner"),
    [
        ({"rule": "FT001", "subject": "commitment:c-done", "partner": "city"}, "city"),
        ({"rule": "FT001", "subject": "commitment:c-late", "partner": "water-co"}, "water-co"),
        ({"rule": "TR001", "subject": "decision:d-2"}, None),
    ],
    ids=["nothing-there", "other-partner", "no-partner"],
)
def test_an_unused_waiver_gives_pl002(
    pledger: Invoke, river: PartnershipBuilder, data: dict[str, str], partner: str | None
) -> None:
    fields = dict(data)
    # approved by a key partner the finding does not concern (c-late is ngo's, c-done city's)
    approver = "city" if fields["subject"] == "commitment:c-late" else "ngo"
    seq = waiver(river, fields.pop("rule"), fields.pop("subject"), approved_by=[approver], **fields)
    (event,) = [e for e in river.events() if e.seq == seq]
    report = report_of(pledger("audit", "--format", "json"), code=1)
    (unused,) = [f for f in report["findings"] if f["rule"] == "PL002"]
    assert unused == {
        "rule": "PL002",
        "name": "unused-waiver",
        "principle": "engine",
        "severity": "info",
        "partnership": "river",
        "subject": event.data["subject"],
        "partner": partner,
        "message": unused["message"],
        "evidence": [seq],
        "waived": False,
    }
    assert event.data["rule"] in unused["message"]
    # the findings it did not match stand
    assert not any(f["waived"] for f in report["findings"])
    assert report["summary"]["info"] == 1


def test_waived_findings_have_their_own_text_section(
    pledger: Invoke, river: PartnershipBuilder
) -> None:
    waiver(river, "FT001", "commitment:c-late", partner="ngo")
    result = pledger("audit")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    heads = [i for i, line in enumerate(lines) if line.strip() in {"Follow-through", "Waived"}]
    assert [lines[i].strip() for i in heads] == ["Waived"]  # no unwaived FT001 is left
    waived_part = "\n".join(lines[heads[0] :])
    assert "FT001 overdue-commitment" in waived_part and "commitment:c-late" in waived_part
    assert "TR001" not in waived_part
    assert lines[-1] == "1 error, 0 warnings, 0 info, 1 waived: failed (fail-on error)"


# -- 5. configuration --------------------------------------------------------------------------


def write_config(folder: Path, where: str, text: str) -> Path:
    """Settings as ``pledger.toml`` or as ``[tool.pledger]`` of ``pyproject.toml``."""
    text = textwrap.dedent(text)
    if where == "pledger.toml":
        path = folder / "pledger.toml"
    else:
        path = folder / "pyproject.toml"
        text = "[project]\nname = 'x'\n\n[tool.pledger]\n" + text.replace(
            "[rules.", "[tool.pledger.rules."
        )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(params=["pledger.toml", "pyproject.toml"])
def config(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], Path]:
    """Write the settings in the working directory, in each of the two places."""
    monkeypatch.chdir(tmp_path)
    return lambda text: write_config(tmp_path, request.param, text)


@pytest.fixture
def both(
    river: PartnershipBuilder, lake: PartnershipBuilder
) -> tuple[PartnershipBuilder, PartnershipBuilder]:
    """river (TR001, FT001) and lake (CIV001) in one ledger."""
    return river, lake


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("", {"TR001", "FT001", "CIV001"}),
        ('select = ["TR"]', {"TR001"}),
        ('select = ["FT001", "CIV"]', {"FT001", "CIV001"}),
        ('ignore = ["FT"]', {"TR001", "CIV001"}),
        ('select = ["TR", "FT"]\nignore = ["TR001"]', {"FT001"}),
    ],
)
def test_config_select_and_ignore(
    pledger: Invoke, both: Any, config: Callable[[str], Path], settings: str, expected: set[str]
) -> None:
    config(settings)
    assert rule_ids(report_of(pledger("audit", "--all", "--format", "json"))) == expected


def test_config_fail_on_format_and_plugins(
    pledger: Invoke, both: Any, config: Callable[[str], Path], my_rules: Path
) -> None:
    config(
        """
        select = ["FT", "MY"]
        fail-on = "warning"
        format = "json"
        plugins = ["my_rules.py"]
        """
    )
    result = pledger("audit", "--all")
    report = report_of(result, code=1)  # json without --format; the FT001 warning fails
    assert rule_ids(report) == {"FT001", "MY001"}
    assert {"name": "my_rules.py", "version": "2.5.0"} in report["plugins"]


def test_config_rule_options_and_severity(
    pledger: Invoke, river: PartnershipBuilder, config: Callable[[str], Path]
) -> None:
    config(
        """
        [rules.FT001]
        error_after_days = 5

        [rules.TR001]
        severity = "info"
        """
    )
    report = report_of(pledger("audit", "--format", "json"), code=1)
    assert found(report) == [
        ("FT001", "commitment:c-late", "ngo", "error", False),  # 12 days late > 5
        ("TR001", "decision:d-1", None, "info", False),
    ]
    shown = pledger("rule", "FT001")
    assert "error_after_days = 30 -> 5" in shown.stdout
    listed = {r["id"]: r for r in json.loads(pledger("rules", "--format", "json").stdout)}
    assert listed["FT001"]["configured"] == {"error_after_days": 5}
    assert listed["TR001"]["severity"] == "info"
    # FT001 as an error only past 5 days; TR001 as info does not fail
    assert pledger("audit", "--as-of", "2026-05-25").exit_code == 0


def test_config_options_of_an_entry_point_rule(
    pledger: Invoke, lake: PartnershipBuilder, config: Callable[[str], Path]
) -> None:
    config("[rules.CIV001]\ngrace_days = 200\n")
    assert "CIV001" not in rule_ids(report_of(pledger("audit", "--format", "json")))


@pytest.mark.parametrize(
    ("settings", "needles"),
    [
        ('selct = ["TR"]', ("selct",)),
        ('select = "TR001"', ("select",)),
        ('select = ["ZZ"]', ("ZZ",)),
        ('ignore = ["ZZ9"]', ("ZZ9",)),
        ("[rules.XX999]\nlimit = 1", ("XX999",)),
        ("[rules.FT001]\nerror_after = 5", ("error_after", "FT001")),
        ('[rules.FT001]\nerror_after_days = "5"', ("error_after_days", "FT001")),
        ("[rules.FT001]\nerror_after_days = 5.5", ("error_after_days",)),
        ("[rules.FT001]\nerror_after_days = true", ("error_after_days",)),
        ('[rules.TR001]\nseverity = "fatal"', ("fatal",)),
        ('fail-on = "sometimes"', ("sometimes",)),
        ('format = "yaml"', ("yaml",)),
        ('plugins = ["no_such_plugin_module"]', ("no_such_plugin_module",)),
        ("select = [", ()),
    ],
)
def test_bad_config_exits_2_naming_the_culprit(
    pledger: Invoke,
    river: PartnershipBuilder,
    config: Callable[[str], Path],
    settings: str,
    needles: tuple[str, ...],
) -> None:
    path = config(settings)
    line = refused(pledger("audit"), *needles)
    if not needles:  # a TOML syntax error names the file
        assert path.name in line


def test_pledger_toml_wins_over_pyproject(
    pledger: Invoke, both: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, "pyproject.toml", 'select = ["CIV"]\n')
    assert rule_ids(report_of(pledger("audit", "--all", "--format", "json"))) == {"CIV001"}
    write_config(tmp_path, "pledger.toml", 'select = ["TR"]\n')
    assert rule_ids(report_of(pledger("audit", "--all", "--format", "json"))) == {"TR001"}


def test_command_line_flags_win_over_the_file(
    pledger: Invoke, both: Any, config: Callable[[str], Path]
) -> None:
    config(
        """
        select = ["TR"]
        ignore = ["CIV"]
        fail-on = "never"
        format = "json"
        """
    )
    report = report_of(pledger("audit", "--all"), code=0)
    assert rule_ids(report) == {"TR001"}
    flags = ("--select", "FT001,CIV001", "--ignore", "TR", "--fail-on", "warning")
    report = report_of(pledger("audit", "--all", *flags), code=1)
    assert rule_ids(report) == {"FT001", "CIV001"}
    text = pledger("audit", "--all", "--format", "text")
    assert text.exit_code == 0
    assert text.stdout.splitlines()[-1].endswith("passed (fail-on never)")


def test_config_sha256_follows_the_config(
    pledger: Invoke, river: PartnershipBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def sha(*args: str) -> str:
        digest = report_of(pledger("audit", "--format", "json", *args))["config_sha256"]
        assert len(digest) == 64 and int(digest, 16) >= 0
        return str(digest)

    default = sha()
    assert sha() == default
    write_config(tmp_path, "pledger.toml", "[rules.FT001]\nerror_after_days = 5\n")
    five = sha()
    assert five != default and sha() == five
    write_config(tmp_path, "pledger.toml", "[rules.FT001]\nerror_after_days = 6\n")
    assert sha() not in {default, five}
    write_config(tmp_path, "pledger.toml", 'ignore = ["CIV"]\n')
    ignoring = sha()
    assert ignoring not in {default, five}
    assert sha("--select", "TR001") != ignoring  # the effective settings, flags included


# -- 6. exit codes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("select", "codes"),
    [
        ("FT001", {"info": 1, "warning": 1, "error": 0, "never": 0}),  # a warning
        ("TR001", {"info": 1, "warning": 1, "error": 1, "never": 0}),  # an error
        ("CIV001,PL002", {"info": 1, "warning": 0, "error": 0, "never": 0}),  # unused waiver
        ("CIV001", {"info": 0, "warning": 0, "error": 0, "never": 0}),  # nothing
    ],
)
def test_exit_codes_follow_fail_on(
    pledger: Invoke, river: PartnershipBuilder, select: str, codes: dict[str, int]
) -> None:
    waiver(river, "FT001", "commitment:c-done", partner="city", approved_by=["ngo"])
    waiver(river, "CIV001", "partnership:river")  # CIV001 finds nothing here: PL002 (info)
    for fail_on, code in codes.items():
        result = pledger("audit", "--select", select, "--fail-on", fail_on)
        assert result.exit_code == code, (fail_on, result.stdout, result.stderr)
    default = 1 if select == "TR001" else 0  # fail-on error by default
    assert pledger("audit", "--select", select).exit_code == default


@pytest.mark.parametrize("fail_on", ["info", "warning", "error"])
def test_waived_findings_never_fail(
    pledger: Invoke, river: PartnershipBuilder, fail_on: str
) -> None:
    waiver(river, "FT001", "commitment:c-late", partner="ngo")
    waiver(river, "TR001", "decision:d-1")
    report = report_of(pledger("audit", "--format", "json", "--fail-on", fail_on), code=0)
    assert report["summary"] == {"error": 0, "warning": 0, "info": 0, "waived": 2}


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("--format", "yaml"), ("yaml",)),
        (("-P", "river", "--as-of", "yesterday"), ("yesterday",)),
        (("-P", "river", "--as-of", "2026-02-30"), ("2026-02-30",)),
        (("-P", "river", "--known-at", "noon"), ("noon",)),
        (("--fail-on", "sometimes"), ("sometimes",)),
        (("-P", "river", "--select", "NOPE"), ("NOPE",)),
        (("-P", "river", "--ignore", "TR001,NOPE"), ("NOPE",)),
        ((), ("-P",)),  # two partnerships and no -P
    ],
)
def test_bad_usage_exits_2_with_one_line(
    pledger: Invoke, both: Any, args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    refused(pledger("audit", *args), *needles)


def test_audit_of_an_unknown_partnership_exits_2(pledger: Invoke, both: Any) -> None:
    refused(pledger("audit", "-P", "nowhere"), "nowhere")


def test_p_and_all_together_exit_2(pledger: Invoke, both: Any) -> None:
    result = pledger("audit", "-P", "river", "--all")
    assert result.exit_code == 2 and "not both" in result.stderr
    assert result.stdout == ""


def test_p_and_all_together_is_one_line(pledger: Invoke, both: Any) -> None:
    refused(pledger("audit", "-P", "river", "--all"), "not both")


# -- 7. output formats -------------------------------------------------------------------------


def check_json_shape(report: dict[str, Any], ids: list[str], book: LedgerBuilder) -> None:
    assert set(report) == REPORT_KEYS
    assert report["version"] == 1
    assert (report["as_of"], report["known_at"]) == (AS_OF, "2026-06-01T12:00:00Z")
    assert len(report["config_sha256"]) == 64
    assert all(set(p) == {"name", "version"} for p in report["plugins"])
    assert [p["name"] for p in report["plugins"]] == ["engine_rules", "civil_society"]
    assert [p["id"] for p in report["partnerships"]] == ids
    for entry in report["partnerships"]:
        assert set(entry) == {"id", "events", "checkpoint"}
        size = len(book.ledger.stream(entry["id"]))
        assert entry["events"] == size
        assert entry["checkpoint"].startswith(f"pledger-checkpoint/v1 {entry['id']} {size} ")
    for f in report["findings"]:
        assert set(f) == FINDING_KEYS
        assert f["severity"] in {"info", "warning", "error"} and isinstance(f["waived"], bool)
        assert all(isinstance(s, int) for s in f["evidence"])
        assert f["partnership"] in ids
    assert set(report["summary"]) == {"error", "warning", "info", "waived"}
    for severity in ("error", "warning", "info"):
        assert report["summary"][severity] == sum(
            1 for f in report["findings"] if f["severity"] == severity and not f["waived"]
        )
    assert report["summary"]["waived"] == sum(1 for f in report["findings"] if f["waived"])


def test_json_report_shape_for_one_partnership_and_all(
    pledger: Invoke, both: Any, ledger_builder: LedgerBuilder
) -> None:
    one = report_of(pledger("audit", "-P", "river", "--format", "json"), code=1)
    check_json_shape(one, ["river"], ledger_builder)
    assert found(one) == [
        ("FT001", "commitment:c-late", "ngo", "warning", False),
        ("TR001", "decision:d-1", None, "error", False),
    ]
    assert one["summary"] == {"error": 1, "warning": 1, "info": 0, "waived": 0}
    lake_only = report_of(pledger("audit", "-P", "lake", "--format", "json"), code=0)
    check_json_shape(lake_only, ["lake"], ledger_builder)
    assert found(lake_only) == [("CIV001", "partnership:lake", None, "warning", False)]
    every = report_of(pledger("audit", "--all", "--format", "json"), code=1)
    check_json_shape(every, ["lake", "river"], ledger_builder)
    assert every["findings"] == lake_only["findings"] + one["findings"]
    assert every["summary"] == {"error": 1, "warning": 2, "info": 0, "waived": 0}
    checkpoint = pledger("checkpoint", "-P", "river")
    assert checkpoint.stdout.strip() == one["partnerships"][0]["checkpoint"]


SCRAMBLED = """
    @rule("XS002", name="scrambled", principle="governance", severity="info")
    def scrambled(view, ctx):
        p = view.partnership
        for subject, partner, message in [
            (f"partnership:{p}", "zeta", "five"),
            (f"partnership:{p}", None, "four"),
            ("commitment:b", None, "three"),
            ("commitment:a", "ngo", "two"),
            ("commitment:a", None, "zero"),
            ("commitment:a", "ngo", "a second finding for the same subject and partner"),
            ("commitment:a", "city", "one"),
        ]:
            yield ctx.finding(subject, message, partner=partner)


    @rule("XS001", name="first", principle="governance", severity="info")
    def first(view, ctx):
        yield ctx.finding(f"partnership:{view.partnership}", "first", partner="a")


    @hookimpl
    def pledger_rules():
        return [scrambled, first]
"""


def test_findings_are_sorted_null_partner_first_one_per_subject_and_partner(
    pledger: Invoke, both: Any, tmp_path: Path
) -> None:
    plugin = write_plugin(tmp_path, "scrambled", SCRAMBLED)
    report = report_of(
        pledger("audit", "--all", "--select", "XS", "--format", "json", plugins=(plugin,)), code=0
    )
    expected = []
    for p in ("lake", "river"):
        expected += [
            (p, "XS001", f"partnership:{p}", "a", "first"),
            (p, "XS002", "commitment:a", None, "zero"),
            (p, "XS002", "commitment:a", "city", "one"),
            (p, "XS002", "commitment:a", "ngo", "two"),
            (p, "XS002", "commitment:b", None, "three"),
            (p, "XS002", f"partnership:{p}", None, "four"),
            (p, "XS002", f"partnership:{p}", "zeta", "five"),
        ]
    assert [
        (f["partnership"], f["rule"], f["subject"], f["partner"], f["message"])
        for f in report["findings"]
    ] == expected


def test_ctx_finding_keeps_20_evidence_seqs_without_repeats(river: PartnershipBuilder) -> None:
    @rule("XE001", name="much-evidence", principle="equity", severity="info")
    def much(view: Any, ctx: Any) -> Iterator[Finding]:
        yield ctx.finding("partnership:river", "30 events.", evidence=[5, 5, *range(30, 0, -1)])

    (f,) = river.audit(much, as_of=AS_OF)
    assert f.evidence == (5, *range(30, 11, -1))
    assert len(f.evidence) == 20


@pytest.fixture
def waived_river(river: PartnershipBuilder) -> PartnershipBuilder:
    """river with its FT001 finding waived: an error, a waived warning."""
    waiver(river, "FT001", "commitment:c-late", partner="ngo")
    return river


def test_sarif_validates_with_rule_metadata_and_suppressions(
    pledger: Invoke, waived_river: PartnershipBuilder
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(shared_vector("sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    result = pledger("audit", "--format", "sarif")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    validator = jsonschema.Draft4Validator(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(sarif)]
    assert errors == []
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    rules = [r["id"] for r in driver["rules"]]
    assert {"TR001", "FT001", "CIV001", "PL001", "PL002"} <= set(rules)
    by_id = {r["id"]: r for r in driver["rules"]}
    assert by_id["TR001"]["name"] == "decision-without-rationale"
    assert by_id["TR001"]["defaultConfiguration"]["level"] == "error"
    assert by_id["PL002"]["defaultConfiguration"]["level"] == "note"
    assert by_id["FT001"]["shortDescription"]["text"].startswith("A live commitment's due date")
    results = {r["ruleId"]: r for r in run["results"]}
    assert set(results) == {"TR001", "FT001"}
    for rid, r in results.items():
        assert rules[r["ruleIndex"]] == rid
    assert results["TR001"]["level"] == "error" and "suppressions" not in results["TR001"]
    assert results["FT001"]["level"] == "warning"
    (suppression,) = results["FT001"]["suppressions"]
    assert suppression["kind"] == "external"
    assert results["TR001"]["message"]["text"].startswith("Decision d-1")


def test_junit_has_a_testcase_per_rule_per_partnership(pledger: Invoke, both: Any) -> None:
    result = pledger("audit", "--all", "--format", "junit", "--fail-on", "warning")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout.encode())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["lake", "river"]
    rules = ["CIV001", "FT001", "PL001", "PL002", "TR001"]
    failing = {"lake": {"CIV001"}, "river": {"FT001", "TR001"}}
    for suite in suites:
        cases = suite.findall("testcase")
        assert [c.get("name", "").split()[0] for c in cases] == rules
        failed = {c.get("name", "").split()[0] for c in cases if c.find("failure") is not None}
        assert failed == failing[suite.get("name", "")]
        assert suite.get("tests") == "5"
        assert suite.get("failures") == str(len(failed))
    assert (root.get("tests"), root.get("failures")) == ("10", "3")
    # at the default fail-on (error) only TR001 fails
    default = ET.fromstring(pledger("audit", "--all", "--format", "junit").stdout.encode())
    failures = [
        (s.get("name"), c.get("name"))
        for s in default.findall("testsuite")
        for c in s.findall("testcase")
        if c.find("failure") is not None
    ]
    assert failures == [("river", "TR001 decision-without-rationale")]


def test_junit_waived_findings_do_not_fail(
    pledger: Invoke, waived_river: PartnershipBuilder
) -> None:
    root = ET.fromstring(
        pledger("audit", "--format", "junit", "--fail-on", "warning").stdout.encode()
    )
    cases = {c.get("name", "").split()[0]: c for c in root.iter("testcase")}
    assert cases["FT001"].find("failure") is None
    assert "waived" in (cases["FT001"].findtext("system-out") or "")
    assert cases["TR001"].find("failure") is not None


def test_markdown_has_a_heading_per_principle(pledger: Invoke, both: Any) -> None:
    _, lake = both
    waiver(lake, "CIV001", "partnership:lake", approved_by=["town"])
    result = pledger("audit", "--all", "--format", "markdown")
    assert result.exit_code == 1
    out = result.stdout
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == ["## Transparency", "## Follow-through", "## Waived"]
    sections = dict((part.splitlines()[0], part) for part in out.split("\n## ")[1:])
    assert "TR001 decision-without-rationale" in sections["Transparency"]
    assert "commitment:c-late" in sections["Follow-through"]
    assert "TR001" not in sections["Follow-through"]
    assert "CIV001" in sections["Waived"] and "CIV001" not in sections["Transparency"]
    assert "**1 error, 1 warning, 0 info, 1 waived.**" in out


def test_text_groups_by_principle_and_ends_with_a_summary(pledger: Invoke, both: Any) -> None:
    result = pledger("audit", "--all")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("lake: 3 events as of 2026-06-01")
    assert any(line.startswith("river: 11 events as of 2026-06-01") for line in lines[1:3])
    sections = split_sections(lines, {"Equity", "Transparency", "Follow-through", "Waived"})
    assert list(sections) == ["Equity", "Transparency", "Follow-through"]
    assert "CIV001" in sections["Equity"] and "TR001" not in sections["Equity"]
    assert "TR001" in sections["Transparency"] and "FT001" not in sections["Transparency"]
    assert "FT001" in sections["Follow-through"]
    assert lines[-1] == "1 error, 2 warnings, 0 info, 0 waived: failed (fail-on error)"


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_holds_the_same_bytes_as_stdout(
    pledger: Invoke, waived_river: PartnershipBuilder, tmp_path: Path, fmt: str
) -> None:
    shown = pledger("audit", "--format", fmt)
    target = tmp_path / "out" / f"report.{fmt}"
    target.parent.mkdir()
    written = pledger("audit", "--format", fmt, "-o", str(target))
    assert shown.exit_code == written.exit_code == 1
    assert written.stdout == ""
    assert target.read_bytes() == shown.stdout_bytes
    assert shown.stdout_bytes.strip()


# -- 8. partnerships, --as-of and --known-at ------------------------------------------------------


def test_as_of_is_honoured(pledger: Invoke, river: PartnershipBuilder) -> None:
    before = report_of(pledger("audit", "--as-of", "2026-05-20", "--format", "json"))
    assert before["as_of"] == "2026-05-20"
    assert found(before) == [("TR001", "decision:d-1", None, "error", False)]
    early = report_of(pledger("audit", "--as-of", "2026-02-09", "--format", "json"), code=0)
    assert early["findings"] == []
    assert early["partnerships"][0]["events"] == 8  # d-1 taken on the 10th is not there yet
    later = report_of(pledger("audit", "--as-of", "2026-06-20", "--format", "json"))
    assert ("FT001", "commitment:c-late", "ngo", "error", False) in found(later)  # 31 days


def test_known_at_hides_facts_recorded_later(pledger: Invoke, river: PartnershipBuilder) -> None:
    # the fulfilment happened on 25 May but was recorded only on 31 May
    late = river.record(
        "CommitmentFulfilled",
        on="2026-05-25",
        at="2026-05-31T09:00:00Z",
        commitment="c-late",
        evidence="Receipt 2",
    )
    assert late.recorded_at.startswith("2026-05-31T09:00:00")

    def ft001(*args: str) -> list[tuple[str, str, str | None, str, bool]]:
        report = report_of(pledger("audit", "--select", "FT001", "--format", "json", *args))
        return found(report)

    assert ft001() == []
    overdue = [("FT001", "commitment:c-late", "ngo", "warning", False)]
    assert ft001("--known-at", "2026-05-30") == overdue
    assert ft001("--known-at", "2026-05-31T08:59:59Z") == overdue
    assert ft001("--known-at", "2026-05-31T09:00:00Z") == []
    assert ft001("--known-at", "2026-05-31") == []  # a bare date means the end of that day
    # as of before it occurred, the fulfilment does not count either
    assert ft001("--as-of", "2026-05-24") == [
        ("FT001", "commitment:c-late", "ngo", "warning", False)
    ]
    shown = report_of(pledger("audit", "--known-at", "2026-05-30", "--format", "json"))
    assert shown["known_at"] == "2026-05-30T23:59:59.999999Z"
    assert shown["partnerships"][0]["events"] == 11  # without the late record


# -- choices made where the contract was silent (docs/decisions.md 37-47) -----------------------


def test_a_waiver_of_a_rule_that_did_not_run_is_not_called_unused(
    pledger: Invoke, river: PartnershipBuilder
) -> None:
    waiver(river, "CIV001", "partnership:river")
    ran = report_of(pledger("audit", "--select", "CIV001,PL002", "--format", "json"))
    assert [f["rule"] for f in ran["findings"]] == ["PL002"]
    skipped = report_of(pledger("audit", "--select", "FT001,PL002", "--format", "json"))
    assert "PL002" not in [f["rule"] for f in skipped["findings"]]


def test_junit_lists_only_the_rules_that_ran(pledger: Invoke, river: PartnershipBuilder) -> None:
    out = pledger("audit", "--select", "FT001", "--format", "junit").stdout
    names = [case.get("name") for case in ET.fromstring(out).iter("testcase")]
    assert names == ["FT001 overdue-commitment", "PL001 rule-crashed", "PL002 unused-waiver"]


@pytest.mark.parametrize("command", [("rules",), ("rule", "FT001")])
def test_rule_listings_refuse_a_config_that_names_no_rule(
    pledger: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    (tmp_path / "pledger.toml").write_text("[rules.XX999]\nlimit = 1\n")
    monkeypatch.chdir(tmp_path)
    result = pledger(*command)
    assert result.exit_code == 2
    assert "XX999" in result.stderr and len(result.stderr.strip().splitlines()) == 1


# -- the JSON report's own writer ------------------------------------------------------------

_JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(), st.floats(allow_nan=True)
)
_FINDING_VALUES = st.one_of(
    _JSON_SCALARS,
    st.lists(_JSON_SCALARS, max_size=4),
    st.dictionaries(st.text(max_size=5), _JSON_SCALARS, max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(
    findings=st.lists(
        st.dictionaries(st.text(max_size=8), _FINDING_VALUES, max_size=6), max_size=4
    ),
    head=st.dictionaries(st.text(max_size=8), _FINDING_VALUES, max_size=3),
)
def test_the_report_writer_is_json_dumps_indented_byte_for_byte(
    findings: list[dict[str, Any]], head: dict[str, Any]
) -> None:
    """``indented_report`` writes findings itself (Python's json indents in pure Python, slowly);
    whatever they hold, the text is exactly ``json.dumps(indent=2, ensure_ascii=False)``'s."""
    from ledger.formats import indented_report

    data = {**head, "findings": findings, "summary": {"error": 1}}
    assert indented_report(data) == json.dumps(data, indent=2, ensure_ascii=False)


_TEXTS = st.text(max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    findings=st.lists(
        st.builds(
            Finding,
            rule=_TEXTS,
            name=_TEXTS,
            principle=_TEXTS,
            severity=st.sampled_from(("info", "warning", "error")),
            partnership=_TEXTS,
            subject=_TEXTS,
            partner=st.none() | _TEXTS,
            message=_TEXTS,
            evidence=st.lists(st.integers(), max_size=3).map(tuple),
            waived=st.booleans(),
        ),
        max_size=4,
    )
)
def test_the_json_report_writes_findings_from_their_fields_byte_for_byte(
    findings: list[Finding],
) -> None:
    """``json_report`` writes each finding from its fields, without its dict; the text is
    exactly ``json.dumps(report.to_json(), indent=2, ensure_ascii=False)``'s, and a finding
    holding an unusual type (here a str subclass) goes the general way, as exactly."""
    from ledger.audit import AuditedPartnership, AuditReport
    from ledger.formats import json_report, prepare_json

    class Text(str):
        pass

    odd = Finding("XX001", Text("odd"), "equity", "info", "p", "decision:d", None, "m", (1,))
    for listed in (findings, [*findings, odd]):
        report = AuditReport(
            as_of=date(2026, 6, 1),
            known_at=datetime(2026, 6, 1, 12, tzinfo=UTC),
            config_sha256="0" * 64,
            plugins=(("pledger-builtin", "1"),),
            partnerships=(AuditedPartnership("p", 3, "ab" * 32),),
            findings=tuple(listed),
            rules={},
        )
        expected = json.dumps(report.to_json(), indent=2, ensure_ascii=False)
        assert json_report(report) == expected
        for finding in listed:  # as a parallel audit leaves them: their text kept with them
            prepare_json(finding)
        assert json_report(report) == expected


def test_contexts_and_findings_the_engine_makes_are_the_dataclasses_own() -> None:
    """The engine makes contexts, and ``ctx.finding`` findings, without their frozen
    ``__init__``: each must equal, field for field, what the constructor makes, and be as
    frozen."""
    import dataclasses

    from ledger.audit import _Job
    from ledger.config import Config
    from ledger.manager import collect_rules, get_plugin_manager
    from ledger.rules import Context

    rules = collect_rules(get_plugin_manager())
    chosen = rules["FT001"]
    config = Config(rules={"FT001": {"severity": "error", "error_after_days": 3}})
    job = _Job(date(2026, 6, 1), datetime(2026, 6, 1, 12, tzinfo=UTC), config, tuple(rules))
    made = job.context(chosen, "river")
    options, severity = config.options_for(chosen), config.severity_for(chosen)
    built = Context(chosen, "river", job.as_of, job.known_at, options, severity)
    assert vars(made) == vars(built) and made == built
    assert (made.severity, made.options["error_after_days"]) == ("error", 3)
    assert job.context(chosen, "lake").partnership == "lake" and made.partnership == "river"
    found = made.finding("commitment:c-1", "Late.", partner="telco-x", evidence=[7, 2, 7])
    expected = Finding(
        "FT001", chosen.name, chosen.principle, "error", "river", "commitment:c-1", "telco-x",
        "Late.", (7, 2),
    )  # fmt: skip
    assert vars(found) == vars(expected) and found == expected and hash(found) == hash(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.message = "Rewritten."  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.partnership = "lake"  # type: ignore[misc]

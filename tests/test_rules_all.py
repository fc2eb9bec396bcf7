"""All built-in rules together (issue #6, point 5): the demo partnership gives its planned
lapses and nothing else, and a well-run partnership gives nothing at warning or error.

Both audits run every rule of RULES.md through ``ledger.audit.run_audit``, with the built-in
plugins only (no entry points), as of fixed dates."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.audit import AuditReport, run_audit
from ledger.demo import DEMO_PARTNERSHIP, record_demo
from ledger.events import parse_time
from ledger.manager import get_plugin_manager
from ledger.store import Ledger
from ledger.testing import LedgerBuilder

#: Every rule RULES.md defines (PL001 and PL002 belong to the engine).
ALL_RULES = (
    *(f"EQ00{i}" for i in range(1, 7)),
    *(f"TR00{i}" for i in range(1, 7)),
    *(f"FT00{i}" for i in range(1, 10)),
    *(f"GV00{i}" for i in range(1, 7)),
    "MB001",
    "MB002",
)


def builtin_audit(ledger: Ledger, pid: str, as_of: str, known_at: str) -> AuditReport:
    return run_audit(
        ledger,
        [pid],
        as_of=date.fromisoformat(as_of),
        known_at=parse_time(known_at),
        pm=get_plugin_manager(entry_points=False),
    )


def keyed(report: AuditReport) -> set[tuple[str, str, str | None, str]]:
    return {(f.rule, f.subject, f.partner, f.severity) for f in report.findings}


# -- the demo: its planned lapses, across principles ------------------------------------------


@pytest.fixture
def demo_report(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> AuditReport:
    monkeypatch.setenv("PLEDGER_NOW", "2026-12-01T00:00:00Z")
    with Ledger(sqlite_url) as ledger:
        record_demo(ledger)
        return builtin_audit(ledger, DEMO_PARTNERSHIP, "2026-12-01", "2026-12-01T00:00:00Z")


def test_the_demo_gives_its_planned_lapses(demo_report: AuditReport) -> None:
    assert set(ALL_RULES) <= set(demo_report.rules)
    assert not demo_report.crashed, [f.message for f in demo_report.findings]
    pid = DEMO_PARTNERSHIP
    assert keyed(demo_report) == {
        # c-venues, revised to fall due on 2026-08-31, never delivered: 92 days late
        ("FT001", "commitment:c-venues", "ministry", "error"),
        # d-branding: no rationale, neither proposed nor taken
        ("TR001", "decision:d-branding", None, "error"),
        # d-showcase taken while the ministry, key, had not voted
        ("EQ002", "decision:d-showcase", "ministry", "error"),
        # rv-autumn concluded without the ministry's submission
        ("FT005", "review:rv-autumn", "ministry", "error"),
        # the permit issue of 3 June recorded on 20 July: 47 days late
        ("TR006", f"partnership:{pid}", None, "info"),
    }
    assert {f.principle for f in demo_report.findings} == {
        "equity",
        "transparency",
        "follow-through",
    }
    by_rule = {f.rule: f for f in demo_report.findings}
    assert "92" in by_rule["FT001"].message
    assert "47" in by_rule["TR006"].message
    assert "ministry" in by_rule["EQ002"].message and "ministry" in by_rule["FT005"].message
    assert demo_report.exit_code == 1
    assert not any(f.waived for f in demo_report.findings)


def test_the_demo_lapses_cite_their_events(sqlite_url: str, demo_report: AuditReport) -> None:
    with Ledger(sqlite_url) as ledger:
        stream = ledger.stream(DEMO_PARTNERSHIP)

    def seq(type_: str, **data: object) -> int:
        (event,) = [
            e for e in stream if e.type == type_ and all(e.data[k] == v for k, v in data.items())
        ]
        return event.seq

    by_rule = {f.rule: f for f in demo_report.findings}
    assert seq("CommitmentMade", commitment="c-venues") in by_rule["FT001"].evidence
    assert seq("DecisionTaken", decision="d-branding") in by_rule["TR001"].evidence
    assert seq("DecisionTaken", decision="d-showcase") in by_rule["EQ002"].evidence
    assert seq("ReviewConcluded", review="rv-autumn") in by_rule["FT005"].evidence
    assert seq("IssueRaised", issue="i-permits") in by_rule["TR006"].evidence


# -- a clean, well-run partnership ------------------------------------------------------------

CLEAN = "river-care"
KEY = ("city", "water-co", "ngo")
AUDIT_DATE = "2026-07-15"


@pytest.fixture
def clean_report(ledger_builder: LedgerBuilder) -> AuditReport:
    """River Care: three key partners and an advisory one, through a whole cycle kept by the
    book, each fact recorded on the day it happened."""
    p = ledger_builder.partnership(
        CLEAN,
        on="2026-01-05",
        name="River Care",
        purpose="Clean the river banks and keep them clean",
        scope="local",
        vision="A river the town can swim in",
    )
    rec = p.record

    # Phase 1: scoping and building relationships
    rec("PhaseChanged", on="2026-01-06", phase="scoping", reason="Preparatory research")
    rec(
        "StakeholderMapped",
        on="2026-01-07",
        stakeholder="residents",
        name="Riverside residents",
        sector="civil-society",
        needs=["Safe river banks"],
    )
    rec("StakeholderConsulted", on="2026-01-08", stakeholder="residents", summary="Keen to help")
    rec("PhaseChanged", on="2026-01-12", phase="building", reason="Partners invited")
    p.partner("city", on="2026-01-12", sector="public", representative="Eva Lind")
    p.partner("water-co", on="2026-01-12", sector="private", representative="Tom Berg")
    p.partner("ngo", on="2026-01-12", sector="civil-society", representative="Ana Ruiz")
    p.partner("uni", on="2026-01-13", engagement="advisory", sector="academic")
    rec(
        "MeetingHeld",
        on="2026-01-14",
        meeting="m-kickoff",
        purpose="Interests and working cultures",
        attendees=[*KEY, "uni"],
    )
    gains = {
        "city": "Cleaner public spaces",
        "water-co": "Lower treatment costs",
        "ngo": "Volunteers gain skills",
        "uni": "Field data for students",
    }
    for partner, benefit in gains.items():
        rec(
            "AssessmentRecorded",
            on="2026-01-15",
            partner=partner,
            benefits=[benefit],
            costs=["Staff time"],
            verdict="go",
        )
    for partner in KEY:
        rec("AssumptionDeclared", on="2026-01-16", partner=partner, text="The council stays on")
    rec("DealBreakerDeclared", on="2026-01-16", partner="city", text="No private branding")
    rec("DealBreakerDeclared", on="2026-01-16", partner="water-co", none=True)
    rec("DealBreakerDeclared", on="2026-01-16", partner="ngo", text="Volunteers stay unpaid")
    for principle in ("equity", "transparency", "mutual-benefit"):
        rec("PrincipleAdopted", on="2026-01-19", principle=principle)
    rec("GroundRuleAgreed", on="2026-01-19", topic="finance", text="Receipts for every euro")
    rec("DecisionRuleSet", on="2026-01-20", method="consensus")
    rec(
        "CommunicationProtocolAgreed",
        on="2026-01-20",
        audience="partners",
        channels=["monthly call", "shared folder"],
        every_days=30,
        share_within_days=7,
    )
    rec("ReviewScheduleSet", on="2026-01-20", every_days=120)
    rec(
        "ReportingNeedDeclared",
        on="2026-01-21",
        partner="city",
        what="Spend",
        to_whom="Council",
        every_days=90,
    )

    # Planning and the agreement
    rec("PhaseChanged", on="2026-01-22", phase="planning", reason="Agreed in principle")
    rec(
        "ActivityPlanned",
        on="2026-01-22",
        activity="a-cleanup",
        title="Monthly clean-ups",
        starts="2026-02-07",
        ends="2026-06-27",
    )
    rec(
        "ResourceNeeded",
        on="2026-01-22",
        need="n-volunteers",
        kind="people",
        description="Volunteers",
        quantity=4,
        unit="volunteers",
    )
    commitments = (
        ("c-permits", "city", "services", "Permits for three sites", 3, "permits", 10000, "03-31"),
        ("c-kits", "water-co", "products", "Litter-picking kits", 20, "kits", 20000, "04-30"),
        ("c-staff", "ngo", "people", "Four volunteer leaders", 4, "leaders", 8000, "05-31"),
    )
    for cid, owner, kind, description, quantity, unit, value, due in commitments:
        rec(
            "CommitmentMade",
            on="2026-01-23",
            commitment=cid,
            partner=owner,
            kind=kind,
            description=description,
            quantity=quantity,
            unit=unit,
            value=value,
            currency="EUR",
            due=f"2026-{due}",
            activity="a-cleanup",
        )
    rec(
        "IndicatorDefined",
        on="2026-01-26",
        indicator="ind-km",
        name="River bank cleaned",
        lens="project",
        method="Survey after each clean-up",
        owner="ngo",
        baseline=0,
        target=12,
        unit="km",
        due="2026-06-30",
    )
    rec(
        "IndicatorDefined",
        on="2026-01-26",
        indicator="ind-trust",
        name="Partners who trust the process",
        lens="partnership",
        method="Green ratings in the review",
        owner="city",
        target=100,
        unit="percent",
        due="2026-06-30",
    )
    rec(
        "RiskIdentified",
        on="2026-01-27",
        risk="r-flood",
        description="Spring floods cancel clean-ups",
        likelihood="medium",
        impact="medium",
        owner="city",
    )
    rec("RiskMitigated", on="2026-01-27", risk="r-flood", action="Two spare dates in June")
    rec("AgreementDrafted", on="2026-01-28", version=1, summary="Roles, resources and rules")
    for partner in KEY:
        rec("AgreementSigned", on="2026-01-29", version=1, partner=partner, signatory="Director")
    rec("InformationShared", on="2026-01-30", subject="agreement:1", with_=["all"])

    # Phase 2: implementing, with a decision taken by the book
    rec("PhaseChanged", on="2026-02-02", phase="implementing", reason="Agreement signed")

    def decide(decision: str, proposer: str, on: tuple[str, str, str, str]) -> None:
        proposed, voted, taken, shared = on
        rec(
            "DecisionProposed",
            on=proposed,
            decision=decision,
            title=f"Decision {decision}",
            proposer=proposer,
            rationale="Cheaper and safer",
        )
        for partner in KEY:
            rec("VoteCast", on=voted, decision=decision, partner=partner, position="for")
        rec(
            "DecisionTaken",
            on=taken,
            decision=decision,
            outcome="adopted",
            rationale="Consensus of all key partners",
        )
        rec("InformationShared", on=shared, subject=f"decision:{decision}", with_=["all"])

    decide("d-route", "ngo", ("2026-02-09", "2026-02-10", "2026-02-11", "2026-02-12"))
    rec(
        "MeetingHeld",
        on="2026-03-10",
        meeting="m-march",
        purpose="Progress",
        attendees=[*KEY, "uni"],
    )
    rec("IssueRaised", on="2026-03-12", issue="i-access", partner="ngo", description="Gate shut")
    rec("IssueResolved", on="2026-03-20", issue="i-access", resolution="The city opened it")

    def deliver(cid: str, confirmer: str, on: str, confirmed: str, delivered: int) -> None:
        rec("CommitmentFulfilled", on=on, commitment=cid, delivered=delivered, evidence="Log")
        rec("FulfilmentConfirmed", on=confirmed, commitment=cid, partner=confirmer)

    deliver("c-permits", "ngo", "2026-03-25", "2026-03-26", 3)
    rec("ProgressReported", on="2026-04-01", partner="ngo", summary="Four km cleaned")
    deliver("c-kits", "city", "2026-04-20", "2026-04-22", 20)

    # Phase 3: a participatory review, concluded, with its action completed
    rec("PhaseChanged", on="2026-05-01", phase="reviewing", reason="Scheduled review")
    rec(
        "ReviewOpened",
        on="2026-05-01",
        review="rv-1",
        lenses=["project", "partnership", "value"],
        due="2026-05-15",
    )
    for partner in (*KEY, "uni"):
        rec(
            "ReviewSubmitted",
            on="2026-05-06",
            review="rv-1",
            partner=partner,
            ratings={"delivery": "green", "communication": "green"},
            worth="green",
        )
    rec(
        "ReviewConcluded",
        on="2026-05-15",
        review="rv-1",
        findings="On track; volunteers want more sites",
        recommendations=["Add a fourth site"],
    )
    rec("InformationShared", on="2026-05-16", subject="review:rv-1", with_=["all"])
    rec(
        "ActionAgreed",
        on="2026-05-16",
        action="act-site",
        description="Permit a fourth site",
        owner="city",
        due="2026-06-15",
        review="rv-1",
    )
    rec("PhaseChanged", on="2026-05-18", phase="implementing", reason="Back to delivery")
    deliver("c-staff", "water-co", "2026-05-25", "2026-05-26", 4)
    decide("d-site", "city", ("2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04"))
    rec("ActionCompleted", on="2026-06-10", action="act-site")
    rec(
        "IndicatorMeasured",
        on="2026-06-20",
        indicator="ind-km",
        value=13,
        period_end="2026-06-15",
        partner="ngo",
    )
    rec(
        "IndicatorMeasured",
        on="2026-06-20",
        indicator="ind-trust",
        value=100,
        period_end="2026-05-15",
        partner="city",
    )

    # Phase 4: learning shared
    rec(
        "LearningShared",
        on="2026-06-30",
        summary="Monthly clean-ups with local leaders keep banks clean",
        audience=["Regional council"],
    )
    # kept by the book: every fact recorded on the day it happened
    assert all(e.recorded_at[:10] == e.occurred_on for e in p.events())
    return builtin_audit(p.book.ledger, CLEAN, AUDIT_DATE, f"{AUDIT_DATE}T23:59:59Z")


def test_a_well_run_partnership_gives_nothing_at_warning_or_error(
    clean_report: AuditReport,
) -> None:
    assert set(ALL_RULES) <= set(clean_report.rules)
    serious = [f for f in clean_report.findings if f.severity != "info"]
    assert serious == [], [f"{f.rule} {f.subject} {f.partner}: {f.message}" for f in serious]
    assert clean_report.exit_code == 0


def test_a_well_run_partnership_gives_no_info_either(clean_report: AuditReport) -> None:
    assert [(f.rule, f.subject, f.message) for f in clean_report.findings] == []

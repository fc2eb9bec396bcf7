"""Governance rules GV001-GV006 (RULES.md): each firing, and silent on the nearest legal case.

Every partnership here is founded on 2026-01-01 by the convenor ``broker``; ``city`` and ``ngo``
join as key partners on 2026-01-05 unless a test says otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.plugins.governance import (
    closure_without_learning,
    no_decision_rules,
    no_indicators,
    pledger_rules,
    principles_not_adopted,
    risks_not_discussed,
    unsigned_implementation,
)
from ledger.rules import Finding
from ledger.testing import LedgerBuilder, PartnershipBuilder

SUBJECT = "partnership:p"


def seq(event: Any) -> int:
    return int(event.seq)


def found(findings: list[Finding]) -> list[tuple[str, str, str | None, str]]:
    return [(f.rule, f.subject, f.partner, f.severity) for f in findings]


@pytest.fixture
def p(ledger_builder: LedgerBuilder) -> PartnershipBuilder:
    partnership = ledger_builder.partnership("p", on="2026-01-01")
    partnership.partner("city", on="2026-01-05", sector="public")
    partnership.partner("ngo", on="2026-01-05")
    return partnership


def draft(p: PartnershipBuilder, version: int, on: str, **kw: Any) -> int:
    return seq(p.record("AgreementDrafted", on=on, version=version, summary=f"v{version}", **kw))


def sign(p: PartnershipBuilder, partner: str, version: int, on: str, **kw: Any) -> int:
    event = p.record(
        "AgreementSigned", on=on, version=version, partner=partner, signatory="CEO", **kw
    )
    return seq(event)


def implement(p: PartnershipBuilder, on: str, **kw: Any) -> int:
    return seq(p.record("PhaseChanged", on=on, phase="implementing", **kw))


def waive(p: PartnershipBuilder, rule_id: str, subject: str, on: str, **kw: Any) -> int:
    event = p.record(
        "FindingWaived", on=on, rule=rule_id, subject=subject, reason="Agreed by all", **kw
    )
    return seq(event)


def commit(p: PartnershipBuilder, cid: str, partner: str, on: str) -> int:
    event = p.record(
        "CommitmentMade", on=on, commitment=cid, partner=partner, kind="people", description="Help"
    )
    return seq(event)


def engage(p: PartnershipBuilder, partner: str, on: str, engagement: str = "key") -> int:
    event = p.record(
        "PartnerEngagementChanged", on=on, partner=partner, engagement=engagement, reason="Asked"
    )
    return seq(event)


def test_the_hook_returns_all_six_rules() -> None:
    rules = pledger_rules()
    assert [r.id for r in rules] == [f"GV00{i}" for i in range(1, 7)]
    assert {r.principle for r in rules} == {"governance"}
    assert [(r.name, r.severity) for r in rules] == [
        ("unsigned-implementation", "error"),
        ("no-indicators", "warning"),
        ("no-decision-rules", "warning"),
        ("risks-not-discussed", "warning"),
        ("principles-not-adopted", "info"),
        ("closure-without-learning", "warning"),
    ]
    assert all(r.summary and r.description and r.example for r in rules)


# -- GV001 unsigned-implementation -----------------------------------------------------------


def test_gv001_fires_for_each_key_partner_that_had_not_signed(p: PartnershipBuilder) -> None:
    ngo_joined = seq(p.events()[2])
    v1 = draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-05")
    start = implement(p, "2026-03-01")
    (finding,) = p.audit(unsigned_implementation, as_of="2026-03-31")
    assert found([finding]) == [("GV001", SUBJECT, "ngo", "error")]
    assert finding.principle == "governance"
    assert finding.name == "unsigned-implementation"
    assert finding.evidence == (start, ngo_joined, v1)
    assert finding.message == (
        "Implementation started on 2026-03-01 (the phase changed to implementing) while key "
        "partner ngo had not signed agreement version 1, drafted on 2026-02-01."
    )
    assert not finding.waived


def test_gv001_silent_when_every_key_partner_signed(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-05")
    sign(p, "ngo", 1, "2026-02-06")
    implement(p, "2026-03-01")
    assert p.audit(unsigned_implementation, as_of="2026-03-31") == []


def test_gv001_judges_only_once_implementation_has_started(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    implement(p, "2026-03-01")
    assert p.audit(unsigned_implementation, as_of="2026-02-28") == []
    assert [f.partner for f in p.audit(unsigned_implementation, as_of="2026-03-01")] == [
        "city",
        "ngo",
    ]


def test_gv001_a_same_day_signature_counts_only_if_recorded_before(
    p: PartnershipBuilder,
) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-03-01")  # same day, lower seq: before the start
    start = implement(p, "2026-03-01")
    late = sign(p, "ngo", 1, "2026-03-01")  # same day, higher seq: after it
    (finding,) = p.audit(unsigned_implementation, as_of="2026-03-31")
    assert finding.partner == "ngo"
    assert finding.evidence[0] == start and finding.evidence[-1] == late
    assert finding.message.endswith("drafted on 2026-02-01; it signed only on 2026-03-01.")


def test_gv001_a_signature_after_the_start_does_not_cure_it(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-02")
    implement(p, "2026-03-01")
    sign(p, "ngo", 1, "2026-03-15")
    assert [f.partner for f in p.audit(unsigned_implementation, as_of="2026-02-28")] == []
    (finding,) = p.audit(unsigned_implementation, as_of="2026-04-30")
    assert "it signed only on 2026-03-15" in finding.message


def test_gv001_key_at_the_start_not_today(ledger_builder: LedgerBuilder) -> None:
    p = ledger_builder.partnership("p", on="2026-01-01")
    p.partner("city", on="2026-01-05")
    p.partner("ngo", on="2026-01-05", engagement="active")
    p.partner("uni", on="2026-01-05", engagement="active", sector="academic")
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-02")
    changed = engage(p, "uni", "2026-02-10")
    start = implement(p, "2026-03-01")
    # ngo becomes key only after the start: it was not asked to have signed
    engage(p, "ngo", "2026-03-02")
    # fund was key, but advisory by the start: not asked either
    p.partner("fund", on="2026-01-06", sector="private")
    engage(p, "fund", "2026-02-20", engagement="advisory")
    (finding,) = p.audit(unsigned_implementation, as_of="2026-03-31")
    uni_joined = seq(p.events()[3])
    assert finding.partner == "uni"
    assert finding.evidence[:3] == (start, changed, uni_joined)


def test_gv001_partners_who_left_or_joined_later_the_same_day(
    p: PartnershipBuilder,
) -> None:
    p.partner("uni", on="2026-01-06", sector="academic")
    p.partner("fund", on="2026-01-06", sector="private")
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-02")
    sign(p, "ngo", 1, "2026-02-02")
    p.record("PartnerLeft", on="2026-02-20", partner="uni", reason="Funding ended")
    p.record("PartnerLeft", on="2026-02-20", partner="fund", reason="Merger")
    rejoined = seq(p.partner("fund", on="2026-02-25", sector="private"))
    start = implement(p, "2026-03-01")
    p.partner("late", on="2026-03-01")  # joins later the same day: not a partner at the start
    (finding,) = p.audit(unsigned_implementation, as_of="2026-03-31")
    assert finding.partner == "fund"  # left and rejoined as key: asked; uni left: not
    assert finding.evidence[:2] == (start, rejoined)


def test_gv001_the_latest_version_drafted_before_the_start(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-02")
    sign(p, "ngo", 1, "2026-02-02")
    v2 = draft(p, 2, "2026-02-20")
    sign(p, "city", 2, "2026-02-21")
    start = implement(p, "2026-03-01")
    (finding,) = p.audit(unsigned_implementation, as_of="2026-03-31")
    assert finding.partner == "ngo"
    assert "had not signed agreement version 2, drafted on 2026-02-20." in finding.message
    assert finding.evidence == (start, seq(p.events()[2]), v2)


def test_gv001_a_version_drafted_after_the_start_is_not_required(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-02")
    sign(p, "ngo", 1, "2026-02-02")
    implement(p, "2026-03-01")
    draft(p, 2, "2026-03-01")  # same day, after the start
    sign(p, "city", 2, "2026-03-05")
    assert p.audit(unsigned_implementation, as_of="2026-03-31") == []


def test_gv001_the_highest_version_even_when_dated_earlier(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-20")
    sign(p, "city", 1, "2026-02-21")
    sign(p, "ngo", 1, "2026-02-21")
    v2 = draft(p, 2, "2026-02-10")  # the next version, back-dated before version 1
    sign(p, "city", 2, "2026-02-22")
    implement(p, "2026-03-01")
    (finding,) = p.audit(unsigned_implementation, as_of="2026-03-31")
    assert finding.partner == "ngo" and finding.evidence[-1] == v2
    assert "agreement version 2, drafted on 2026-02-10." in finding.message


def test_gv001_no_agreement_gives_one_finding_without_partner(p: PartnershipBuilder) -> None:
    start = implement(p, "2026-03-01")
    v1 = draft(p, 1, "2026-03-10")
    (finding,) = p.audit(unsigned_implementation, as_of="2026-03-31")
    assert found([finding]) == [("GV001", SUBJECT, None, "error")]
    assert finding.evidence == (start, v1)
    assert finding.message == (
        "Implementation started on 2026-03-01 (the phase changed to implementing) before any "
        "partnership agreement was drafted; version 1 was drafted only on 2026-03-10."
    )


def test_gv001_start_by_fulfilment_until_the_phase_changes(p: PartnershipBuilder) -> None:
    commit(p, "c-1", "city", "2026-01-20")
    done = seq(p.record("CommitmentFulfilled", on="2026-02-10", commitment="c-1", evidence="ok"))
    draft(p, 1, "2026-02-15")
    sign(p, "city", 1, "2026-02-16")
    sign(p, "ngo", 1, "2026-02-16")
    implement(p, "2026-03-01")
    (finding,) = p.audit(unsigned_implementation, as_of="2026-02-20")
    assert finding.partner is None and finding.evidence[0] == done
    assert "(city fulfilled commitment c-1)" in finding.message
    # the first PhaseChanged to implementing is the start once it exists, even if later
    assert p.audit(unsigned_implementation, as_of="2026-03-31") == []


def test_gv001_a_back_dated_signature_as_known_before_and_after(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-02")
    implement(p, "2026-03-01")
    sign(p, "ngo", 1, "2026-02-20", at="2026-04-01T09:00:00+00:00")  # recorded late
    assert [
        f.partner
        for f in p.audit(
            unsigned_implementation, as_of="2026-04-30", known_at="2026-03-15T00:00:00+00:00"
        )
    ] == ["ngo"]
    assert p.audit(unsigned_implementation, as_of="2026-04-30") == []


def test_gv001_waived_for_the_partner_by_another_key_partner(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-02")
    implement(p, "2026-03-01")
    waive(p, "GV001", SUBJECT, "2026-03-04", partner="city", approved_by=["ngo"])
    (finding,) = p.audit(unsigned_implementation, as_of="2026-03-31")
    assert finding.partner == "ngo" and not finding.waived  # the waiver is for another partner
    waive(p, "GV001", SUBJECT, "2026-03-05", partner="ngo", approved_by=["city"])
    (finding,) = p.audit(unsigned_implementation, as_of="2026-03-31")
    assert finding.partner == "ngo" and finding.waived
    (before,) = p.audit(unsigned_implementation, as_of="2026-03-04")
    assert not before.waived


# -- GV002 no-indicators ---------------------------------------------------------------------


def indicator(p: PartnershipBuilder, ident: str, on: str, **kw: Any) -> int:
    event = p.record(
        "IndicatorDefined",
        on=on,
        indicator=ident,
        name="Learners",
        lens="project",
        method="count",
        owner="ngo",
        **kw,
    )
    return seq(event)


def test_gv002_fires_when_implementation_starts_without_indicators(
    p: PartnershipBuilder,
) -> None:
    start = implement(p, "2026-03-01")
    later = indicator(p, "i-1", "2026-04-01")
    (finding,) = p.audit(no_indicators, as_of="2026-04-30")
    assert found([finding]) == [("GV002", SUBJECT, None, "warning")]
    assert finding.evidence == (start, later)
    assert finding.message == (
        "Implementation started on 2026-03-01 (the phase changed to implementing) with no "
        "indicator defined to measure it; the first, i-1, was defined only on 2026-04-01."
    )
    assert p.audit(no_indicators, as_of="2026-02-28") == []


def test_gv002_same_day_indicator_counts_only_if_recorded_before(
    ledger_builder: LedgerBuilder,
) -> None:
    before = ledger_builder.partnership("before", on="2026-01-01")
    before.partner("ngo", on="2026-01-05")
    indicator(before, "i-1", "2026-03-01")
    implement(before, "2026-03-01")
    assert before.audit(no_indicators, as_of="2026-03-31") == []
    after = ledger_builder.partnership("after", on="2026-01-01")
    after.partner("ngo", on="2026-01-05")
    start = implement(after, "2026-03-01")
    late = indicator(after, "i-1", "2026-03-01")
    (finding,) = after.audit(no_indicators, as_of="2026-03-31")
    assert finding.subject == "partnership:after" and finding.evidence == (start, late)


def test_gv002_start_by_progress_report(p: PartnershipBuilder) -> None:
    report = seq(p.record("ProgressReported", on="2026-02-10", partner="ngo", summary="Begun"))
    (finding,) = p.audit(no_indicators, as_of="2026-02-28")
    assert finding.evidence == (report,)
    assert "(ngo reported progress)" in finding.message


def test_gv002_indicator_recorded_late_but_dated_before(p: PartnershipBuilder) -> None:
    implement(p, "2026-03-01")
    indicator(p, "i-1", "2026-02-15", at="2026-03-20T09:00:00+00:00")
    known_then = p.audit(no_indicators, as_of="2026-03-31", known_at="2026-03-10T00:00:00Z")
    assert found(known_then) == [("GV002", SUBJECT, None, "warning")]
    assert p.audit(no_indicators, as_of="2026-03-31") == []


def test_gv002_waiver(p: PartnershipBuilder) -> None:
    implement(p, "2026-03-01")
    waive(p, "GV002", SUBJECT, "2026-03-05", approved_by=["ngo"], until="2026-06-30")
    assert [f.waived for f in p.audit(no_indicators, as_of="2026-03-31")] == [True]
    assert [f.waived for f in p.audit(no_indicators, as_of="2026-07-01")] == [False]


# -- GV003 no-decision-rules -----------------------------------------------------------------


def decide(p: PartnershipBuilder, ident: str, proposed: str, taken: str | None) -> int | None:
    p.record("DecisionProposed", on=proposed, decision=ident, title=f"Plan {ident}", proposer="ngo")
    if taken is None:
        return None
    return seq(p.record("DecisionTaken", on=taken, decision=ident, outcome="adopted"))


def rules_set(p: PartnershipBuilder, on: str, **kw: Any) -> int:
    return seq(p.record("DecisionRuleSet", on=on, method="consensus", **kw))


def test_gv003_one_finding_on_the_first_decision_taken_without_rules(
    p: PartnershipBuilder,
) -> None:
    second = decide(p, "d-1", "2026-02-01", "2026-02-20")  # proposed first, taken second
    first = decide(p, "d-2", "2026-02-05", "2026-02-10")
    ruleset = rules_set(p, "2026-03-01")
    decide(p, "d-3", "2026-03-02", "2026-03-05")
    (finding,) = p.audit(no_decision_rules, as_of="2026-03-31")
    assert found([finding]) == [("GV003", "decision:d-2", None, "warning")]
    assert finding.evidence == (first, ruleset, second)
    assert finding.message == (
        'Decision d-2 ("Plan d-2") was taken on 2026-02-10 before the partners had set any '
        "decision-making rule, and so was 1 later decision (d-1); the first rule was set on "
        "2026-03-01."
    )


def test_gv003_silent_with_rules_set_before(p: PartnershipBuilder) -> None:
    rules_set(p, "2026-02-01")
    decide(p, "d-1", "2026-02-01", "2026-02-01")  # same day, after the rule
    decide(p, "d-2", "2026-01-20", None)  # proposed before the rule, never taken
    decide(p, "d-3", "2026-01-25", "2026-02-03")  # proposed before, taken after the rule
    assert p.audit(no_decision_rules, as_of="2026-03-31") == []


def test_gv003_same_day_rule_recorded_after_the_decision(p: PartnershipBuilder) -> None:
    taken = decide(p, "d-1", "2026-02-01", "2026-02-01")
    ruleset = rules_set(p, "2026-02-01")
    (finding,) = p.audit(no_decision_rules, as_of="2026-03-31")
    assert finding.subject == "decision:d-1" and finding.evidence == (taken, ruleset)


def test_gv003_as_of_before_the_decision_is_taken(p: PartnershipBuilder) -> None:
    decide(p, "d-1", "2026-02-01", "2026-02-10")
    assert p.audit(no_decision_rules, as_of="2026-02-09") == []
    (finding,) = p.audit(no_decision_rules, as_of="2026-02-10")
    assert finding.message.endswith("decision-making rule; none has been set yet.")


def test_gv003_rule_recorded_late_but_dated_before(p: PartnershipBuilder) -> None:
    decide(p, "d-1", "2026-02-01", "2026-02-10")
    rules_set(p, "2026-01-20", at="2026-03-01T09:00:00Z")
    assert p.audit(no_decision_rules, as_of="2026-03-31") == []
    known_then = p.audit(no_decision_rules, as_of="2026-03-31", known_at="2026-02-20T00:00:00Z")
    assert [f.subject for f in known_then] == ["decision:d-1"]


def test_gv003_counts_many_later_decisions(p: PartnershipBuilder) -> None:
    for i in range(1, 9):
        decide(p, f"d-{i}", "2026-02-01", f"2026-02-{10 + i}")
    (finding,) = p.audit(no_decision_rules, as_of="2026-03-31")
    assert finding.subject == "decision:d-1" and len(finding.evidence) == 8
    assert "so were 7 later decisions (d-2, d-3, d-4, d-5, d-6 and 2 more)" in finding.message


def test_gv003_waiver(p: PartnershipBuilder) -> None:
    decide(p, "d-1", "2026-02-01", "2026-02-10")
    waive(p, "GV003", "decision:d-1", "2026-02-15", approved_by=["city"])
    assert [f.waived for f in p.audit(no_decision_rules, as_of="2026-03-31")] == [True]


# -- GV004 risks-not-discussed ---------------------------------------------------------------


def risk(p: PartnershipBuilder, ident: str, on: str, **kw: Any) -> int:
    return seq(p.record("RiskIdentified", on=on, risk=ident, description="Delay", **kw))


def test_gv004_fires_when_the_first_signature_precedes_any_risk(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    first = sign(p, "city", 1, "2026-02-05")
    later = risk(p, "r-1", "2026-02-10")
    sign(p, "ngo", 1, "2026-02-20")
    assert p.audit(risks_not_discussed, as_of="2026-02-04") == []
    (finding,) = p.audit(risks_not_discussed, as_of="2026-03-31")
    assert found([finding]) == [("GV004", SUBJECT, None, "warning")]
    assert finding.evidence == (first, later)
    assert finding.message == (
        "city signed agreement version 1 on 2026-02-05, the first signature, before any risk "
        "had been identified; the first risk, r-1, was identified on 2026-02-10."
    )


def test_gv004_silent_with_a_risk_before_even_the_same_day(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    risk(p, "r-1", "2026-02-05")
    sign(p, "city", 1, "2026-02-05")
    assert p.audit(risks_not_discussed, as_of="2026-03-31") == []


def test_gv004_same_day_risk_recorded_after_the_signature(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    first = sign(p, "city", 1, "2026-02-05")
    late = risk(p, "r-1", "2026-02-05")
    assert [f.evidence for f in p.audit(risks_not_discussed, as_of="2026-03-31")] == [(first, late)]


def test_gv004_only_the_first_signature_matters(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-05")
    risk(p, "r-1", "2026-02-10")
    draft(p, 2, "2026-02-15")
    sign(p, "ngo", 1, "2026-02-20")
    sign(p, "city", 2, "2026-02-20")
    assert len(p.audit(risks_not_discussed, as_of="2026-03-31")) == 1


def test_gv004_a_back_dated_signature_becomes_the_first(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-01-15")
    risk(p, "r-1", "2026-02-01")
    sign(p, "city", 1, "2026-02-05")
    assert p.audit(risks_not_discussed, as_of="2026-03-31") == []
    early = sign(p, "ngo", 1, "2026-01-20", at="2026-03-01T09:00:00Z")  # recorded late
    assert p.audit(risks_not_discussed, as_of="2026-03-31", known_at="2026-02-28T00:00:00Z") == []
    (finding,) = p.audit(risks_not_discussed, as_of="2026-03-31")
    assert finding.evidence[0] == early
    assert finding.message.startswith("ngo signed agreement version 1 on 2026-01-20")


def test_gv004_waiver(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-05")
    waive(p, "GV004", SUBJECT, "2026-02-06", approved_by=["ngo"])
    assert [f.waived for f in p.audit(risks_not_discussed, as_of="2026-03-31")] == [True]


# -- GV005 principles-not-adopted ------------------------------------------------------------


def adopt(p: PartnershipBuilder, principle: str, on: str, **kw: Any) -> int:
    return seq(p.record("PrincipleAdopted", on=on, principle=principle, **kw))


def test_gv005_names_the_principles_missing_at_the_first_signature(
    p: PartnershipBuilder,
) -> None:
    adopt(p, "equity", "2026-01-10")
    adopt(p, "Mutual benefit", "2026-01-10")  # free text is not the principle
    draft(p, 1, "2026-02-01")
    first = sign(p, "city", 1, "2026-02-05")
    late = adopt(p, "transparency", "2026-02-05")  # same day, after the signature
    (finding,) = p.audit(principles_not_adopted, as_of="2026-03-31")
    assert found([finding]) == [("GV005", SUBJECT, None, "info")]
    assert finding.evidence == (first, late)
    assert finding.message == (
        "city signed agreement version 1 on 2026-02-05, the first signature, before the "
        "partners had adopted transparency and mutual-benefit as principles."
    )


def test_gv005_silent_with_all_three_adopted_before(p: PartnershipBuilder) -> None:
    adopt(p, "equity", "2026-01-10")
    adopt(p, "transparency", "2026-01-10")
    draft(p, 1, "2026-02-01")
    adopt(p, "mutual-benefit", "2026-02-05")  # same day, before the signature
    sign(p, "city", 1, "2026-02-05")
    assert p.audit(principles_not_adopted, as_of="2026-03-31") == []


def test_gv005_silent_before_anyone_signs(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-05")
    assert p.audit(principles_not_adopted, as_of="2026-02-04") == []
    (finding,) = p.audit(principles_not_adopted, as_of="2026-02-05")
    assert "adopted equity and transparency and mutual-benefit as principles." in finding.message


def test_gv005_a_back_dated_adoption_as_known_before_and_after(p: PartnershipBuilder) -> None:
    adopt(p, "equity", "2026-01-10")
    adopt(p, "transparency", "2026-01-10")
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-05")
    adopt(p, "mutual-benefit", "2026-01-12", at="2026-03-01T09:00:00Z")
    known_then = p.audit(principles_not_adopted, as_of="2026-03-31", known_at="2026-02-20")
    assert [f.message.split("adopted ")[1] for f in known_then] == ["mutual-benefit as principle."]
    assert p.audit(principles_not_adopted, as_of="2026-03-31") == []


def test_gv005_waiver(p: PartnershipBuilder) -> None:
    draft(p, 1, "2026-02-01")
    sign(p, "city", 1, "2026-02-05")
    waive(p, "GV005", SUBJECT, "2026-02-06", approved_by=["city", "ngo"])
    assert [f.waived for f in p.audit(principles_not_adopted, as_of="2026-03-31")] == [True]


# -- GV006 closure-without-learning ----------------------------------------------------------


def close(p: PartnershipBuilder, on: str) -> int:
    event = p.record("PartnershipClosed", on=on, reason="completed", learning="We learned a lot")
    return seq(event)


def learn(p: PartnershipBuilder, on: str, **kw: Any) -> int:
    return seq(p.record("LearningShared", on=on, summary="What worked", **kw))


def test_gv006_fires_on_open_commitments_at_closure(p: PartnershipBuilder) -> None:
    c1 = commit(p, "c-1", "city", "2026-02-01")
    c2 = commit(p, "c-2", "ngo", "2026-02-01")
    commit(p, "c-3", "ngo", "2026-02-01")
    commit(p, "c-4", "city", "2026-02-01")
    p.record("CommitmentFulfilled", on="2026-05-01", commitment="c-3", evidence="half", delivered=1)
    p.record("CommitmentWithdrawn", on="2026-05-01", commitment="c-4", reason="Not needed")
    learn(p, "2026-06-01")
    closed = close(p, "2026-06-30")
    assert p.audit(closure_without_learning, as_of="2026-06-29") == []
    (finding,) = p.audit(closure_without_learning, as_of="2026-07-31")
    assert found([finding]) == [("GV006", SUBJECT, None, "warning")]
    assert finding.evidence == (closed, c1, c2)
    assert finding.message == (
        "The partnership closed on 2026-06-30 with 2 commitments neither fulfilled nor "
        "withdrawn (c-1 of city, c-2 of ngo)."
    )


def test_gv006_silent_when_settled_and_learning_shared(p: PartnershipBuilder) -> None:
    commit(p, "c-1", "city", "2026-02-01")
    p.record("CommitmentFulfilled", on="2026-05-01", commitment="c-1", evidence="done")
    close(p, "2026-06-30")
    learn(p, "2026-07-10")  # after the closure: allowed, and counts
    assert p.audit(closure_without_learning, as_of="2026-07-31") == []
    (finding,) = p.audit(closure_without_learning, as_of="2026-07-09")
    assert finding.message == (
        "The partnership closed on 2026-06-30 with no learning shared by 2026-07-09."
    )


def test_gv006_silent_while_the_partnership_is_open(p: PartnershipBuilder) -> None:
    commit(p, "c-1", "city", "2026-02-01")
    assert p.audit(closure_without_learning, as_of="2026-12-31") == []


def test_gv006_both_lapses_in_one_finding(p: PartnershipBuilder) -> None:
    c1 = commit(p, "c-1", "city", "2026-02-01")
    closed = close(p, "2026-06-30")
    (finding,) = p.audit(closure_without_learning, as_of="2026-07-31")
    assert finding.evidence == (closed, c1)
    assert finding.message == (
        "The partnership closed on 2026-06-30 with 1 commitment neither fulfilled nor withdrawn "
        "(c-1 of city) and with no learning shared by 2026-07-31."
    )


def test_gv006_learning_recorded_late(p: PartnershipBuilder) -> None:
    close(p, "2026-06-30")
    learn(p, "2026-07-01", at="2026-09-01T09:00:00Z")
    known_then = p.audit(closure_without_learning, as_of="2026-07-31", known_at="2026-08-01")
    assert found(known_then) == [("GV006", SUBJECT, None, "warning")]
    assert p.audit(closure_without_learning, as_of="2026-07-31") == []


def test_gv006_fulfilment_recorded_late_but_dated_before_closure(p: PartnershipBuilder) -> None:
    commit(p, "c-1", "city", "2026-02-01")
    learn(p, "2026-06-01")
    p.record(
        "CommitmentFulfilled",
        on="2026-06-20",
        commitment="c-1",
        evidence="done",
        at="2026-06-25T09:00:00Z",
    )
    close(p, "2026-06-30")
    assert p.audit(closure_without_learning, as_of="2026-07-31") == []


def test_gv006_waiver(p: PartnershipBuilder) -> None:
    close(p, "2026-06-30")
    waive(p, "GV006", SUBJECT, "2026-07-05", approved_by=["ngo"])
    assert [f.waived for f in p.audit(closure_without_learning, as_of="2026-07-31")] == [True]

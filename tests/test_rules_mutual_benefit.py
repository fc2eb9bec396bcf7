"""Mutual benefit rules (RULES.md, MB001-MB002): each fires where a partner's benefit went
unsaid or partnering stopped being worth it, and stays silent on the nearest legal case."""

from __future__ import annotations

import pytest

from ledger.plugins.mutual_benefit import (
    partnering_not_worth_it,
    pledger_rules,
    undeclared_benefit,
)
from ledger.rules import Finding
from ledger.testing import LedgerBuilder, PartnershipBuilder

FOUNDED = "2025-12-01"
JOINED = "2026-01-01"


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def assess(p: PartnershipBuilder, partner: str, on: str, *benefits: str) -> int:
    return p.record(
        "AssessmentRecorded",
        on=on,
        partner=partner,
        benefits=list(benefits),
        costs=["Staff time"],
        verdict="go",
    ).seq


def test_both_rules_are_registered_with_their_ids_and_metadata() -> None:
    rules = {r.id: r for r in pledger_rules()}
    assert sorted(rules) == ["MB001", "MB002"]
    assert (rules["MB001"].name, rules["MB001"].severity) == ("undeclared-benefit", "warning")
    assert (rules["MB002"].name, rules["MB002"].severity) == ("partnering-not-worth-it", "warning")
    assert {r.principle for r in rules.values()} == {"mutual-benefit"}
    assert dict(rules["MB001"].options) == {"grace_days": 30}
    assert dict(rules["MB002"].options) == {}
    for r in rules.values():
        assert r.summary and r.description and r.example


# -- MB001 undeclared-benefit -----------------------------------------------------------------


@pytest.fixture
def ngo(ledger_builder: LedgerBuilder) -> tuple[PartnershipBuilder, int]:
    """Key partner ngo joined on 2026-01-01 and has recorded no assessment."""
    p = ledger_builder.partnership("p", on=FOUNDED)
    return p, p.partner("ngo", on=JOINED).seq


@pytest.mark.parametrize(
    ("as_of", "days"),
    [("2026-01-01", None), ("2026-01-31", None), ("2026-02-01", 31), ("2026-06-01", 151)],
)
def test_mb001_fires_once_the_grace_period_is_over(
    ngo: tuple[PartnershipBuilder, int], as_of: str, days: int | None
) -> None:
    p, joined = ngo
    findings = p.audit(undeclared_benefit, as_of=as_of)
    if days is None:  # 30 days is not more than 30
        assert findings == []
        return
    f = only(findings)
    assert (f.rule, f.name, f.principle, f.severity) == (
        "MB001",
        "undeclared-benefit",
        "mutual-benefit",
        "warning",
    )
    assert (f.partnership, f.subject, f.partner, f.waived) == ("p", "partner:ngo", "ngo", False)
    assert f.evidence == (joined,)
    assert f.message == (
        f"ngo, a key partner that joined on 2026-01-01 ({days} days before the audit date), "
        "has not recorded what it gains from the partnership."
    )


def test_mb001_a_signature_ends_the_grace_period(ngo: tuple[PartnershipBuilder, int]) -> None:
    p, joined = ngo
    p.record("AgreementDrafted", on="2026-01-05", version=1, summary="Roles")
    p.record("AgreementDrafted", on="2026-01-08", version=2, summary="Roles and money")
    signed = p.record(
        "AgreementSigned", on="2026-01-10", version=2, partner="ngo", signatory="Ana"
    ).seq
    assert p.audit(undeclared_benefit, as_of="2026-01-09") == []
    f = only(p.audit(undeclared_benefit, as_of="2026-01-10"))
    assert f.evidence == (joined, signed)
    assert "9 days before the audit date" in f.message
    assert "signed agreement version 2 on 2026-01-10" in f.message


def test_mb001_silent_once_an_assessment_lists_a_benefit(
    ngo: tuple[PartnershipBuilder, int],
) -> None:
    p, _ = ngo
    assess(p, "ngo", "2026-02-10", "Trainers gain studio experience")
    assert p.audit(undeclared_benefit, as_of="2026-02-10") == []
    # before the assessment occurred, the benefit was still unsaid
    assert [f.subject for f in p.audit(undeclared_benefit, as_of="2026-02-09")] == ["partner:ngo"]


def test_mb001_an_assessment_with_no_benefit_does_not_count(
    ngo: tuple[PartnershipBuilder, int],
) -> None:
    p, joined = ngo
    empty = assess(p, "ngo", "2026-01-20")
    f = only(p.audit(undeclared_benefit, as_of="2026-02-15"))
    assert f.evidence == (joined, empty)
    assert f.message.endswith("from the partnership: its assessment lists no benefit.")
    again = assess(p, "ngo", "2026-02-20")
    f = only(p.audit(undeclared_benefit, as_of="2026-02-20"))
    assert f.evidence == (joined, empty, again)
    assert "none of its 2 assessments lists a benefit" in f.message
    assess(p, "ngo", "2026-03-01", "More young people reached")
    assert p.audit(undeclared_benefit, as_of="2026-03-01") == []


def test_mb001_another_partner_s_assessment_does_not_count(
    ngo: tuple[PartnershipBuilder, int],
) -> None:
    p, _ = ngo
    p.partner("city", on=JOINED, sector="public")
    assess(p, "city", "2026-01-15", "Delivers the youth plan")
    assert [f.partner for f in p.audit(undeclared_benefit, as_of="2026-03-01")] == ["ngo"]


@pytest.mark.parametrize(
    ("engagement", "fires"),
    [("key", True), ("active", True), ("pilot", False), ("advisory", False)],
)
def test_mb001_concerns_key_and_active_partners_only(
    ledger_builder: LedgerBuilder, engagement: str, fires: bool
) -> None:
    p = ledger_builder.partnership("p", on=FOUNDED)
    p.partner("x", on=JOINED, engagement=engagement)
    findings = p.audit(undeclared_benefit, as_of="2026-03-01")
    assert [f.partner for f in findings] == (["x"] if fires else [])
    if fires:
        assert f"x, a {engagement} partner" in findings[0].message


def test_mb001_follows_engagement_changes_at_the_audit_date(
    ledger_builder: LedgerBuilder,
) -> None:
    p = ledger_builder.partnership("p", on=FOUNDED)
    joined = p.partner("pilot-co", on=JOINED, engagement="pilot").seq
    p.record(
        "PartnerEngagementChanged",
        on="2026-03-01",
        partner="pilot-co",
        engagement="key",
        reason="Pilot done",
    )
    p.partner("adviser", on=JOINED, engagement="key")
    p.record(
        "PartnerEngagementChanged",
        on="2026-03-01",
        partner="adviser",
        engagement="advisory",
        reason="Less time",
    )
    assert [f.partner for f in p.audit(undeclared_benefit, as_of="2026-02-28")] == ["adviser"]
    # the grace period runs from the join, not from the engagement change
    f = only(p.audit(undeclared_benefit, as_of="2026-03-01"))
    assert f.partner == "pilot-co" and f.evidence == (joined,)
    assert "a key partner that joined on 2026-01-01 (59 days" in f.message


def test_mb001_a_partner_that_left_is_not_concerned(ngo: tuple[PartnershipBuilder, int]) -> None:
    p, _ = ngo
    p.record("PartnerLeft", on="2026-03-01", partner="ngo", reason="Funding ended")
    assert p.audit(undeclared_benefit, as_of="2026-03-01") == []
    assert [f.partner for f in p.audit(undeclared_benefit, as_of="2026-02-28")] == ["ngo"]


def test_mb001_grace_runs_from_the_latest_join(ngo: tuple[PartnershipBuilder, int]) -> None:
    p, _ = ngo
    p.record("PartnerLeft", on="2026-01-10", partner="ngo", reason="Paused")
    rejoined = p.partner("ngo", on="2026-03-01").seq
    assert p.audit(undeclared_benefit, as_of="2026-03-31") == []
    f = only(p.audit(undeclared_benefit, as_of="2026-04-01"))
    assert f.evidence == (rejoined,)
    assert "joined on 2026-03-01 (31 days before the audit date)" in f.message


def test_mb001_a_signature_before_leaving_still_counts_after_a_rejoin(
    ngo: tuple[PartnershipBuilder, int],
) -> None:
    p, _ = ngo
    p.record("AgreementDrafted", on="2026-01-05", version=1, summary="Roles")
    signed = p.record(
        "AgreementSigned", on="2026-01-06", version=1, partner="ngo", signatory="Ana"
    ).seq
    p.record("PartnerLeft", on="2026-01-10", partner="ngo", reason="Paused")
    assert p.audit(undeclared_benefit, as_of="2026-03-01") == []
    rejoined = p.partner("ngo", on="2026-03-02").seq
    f = only(p.audit(undeclared_benefit, as_of="2026-03-02"))
    assert f.evidence == (rejoined, signed)
    assert "joined on 2026-03-02 (0 days before the audit date)" in f.message


def test_mb001_an_assessment_made_before_leaving_still_counts_after_a_rejoin(
    ngo: tuple[PartnershipBuilder, int],
) -> None:
    p, _ = ngo
    assess(p, "ngo", "2026-01-05", "Placements for students")
    p.record("PartnerLeft", on="2026-01-10", partner="ngo", reason="Paused")
    p.partner("ngo", on="2026-03-01")
    assert p.audit(undeclared_benefit, as_of="2026-06-01") == []


def test_mb001_an_assessment_recorded_late_counts_only_once_known(
    ngo: tuple[PartnershipBuilder, int],
) -> None:
    p, _ = ngo
    p.record(
        "AssessmentRecorded",
        on="2026-01-20",  # occurred within the grace period, recorded in March
        at="2026-03-10T09:00:00Z",
        partner="ngo",
        benefits=["Reach"],
        costs=["Time"],
        verdict="go",
    )
    as_known = p.audit(undeclared_benefit, as_of="2026-03-01", known_at="2026-03-09T00:00:00Z")
    assert [f.partner for f in as_known] == ["ngo"]
    assert p.audit(undeclared_benefit, as_of="2026-03-01") == []


@pytest.mark.parametrize(("as_of", "fires"), [("2026-03-02", False), ("2026-03-03", True)])
def test_mb001_grace_days_option(
    ngo: tuple[PartnershipBuilder, int], as_of: str, fires: bool
) -> None:
    p, _ = ngo
    findings = p.audit(undeclared_benefit, as_of=as_of, options={"grace_days": 60})
    assert [f.partner for f in findings] == (["ngo"] if fires else [])


def test_mb001_a_waiver_marks_the_finding_waived(ngo: tuple[PartnershipBuilder, int]) -> None:
    p, _ = ngo
    p.partner("city", on=JOINED, sector="public")
    assess(p, "city", "2026-01-15", "Delivers the youth plan")
    p.record(
        "FindingWaived",
        on="2026-03-01",
        rule="MB001",
        subject="partner:ngo",
        partner="ngo",
        reason="Its board assesses in April",
        approved_by=["city"],
    )
    f = only(p.audit(undeclared_benefit, as_of="2026-03-01"))
    assert f.waived and (f.subject, f.partner) == ("partner:ngo", "ngo")
    assert not only(p.audit(undeclared_benefit, as_of="2026-02-28")).waived


# -- MB002 partnering-not-worth-it ------------------------------------------------------------


@pytest.fixture
def reviewed(ledger_builder: LedgerBuilder) -> PartnershipBuilder:
    """Key partners telco and ngo; reviews rv-1 and rv-2 open on 1 March and 1 June 2026."""
    p = ledger_builder.partnership("p", on=FOUNDED)
    p.partner("telco", on=JOINED, sector="private")
    p.partner("ngo", on=JOINED)
    for review, on in (("rv-1", "2026-03-01"), ("rv-2", "2026-06-01")):
        p.record("ReviewOpened", on=on, review=review, lenses=["partnership", "value"])
    return p


def third_review(p: PartnershipBuilder) -> None:
    p.record("ReviewOpened", on="2026-09-01", review="rv-3", lenses=["value"])


def submit(
    p: PartnershipBuilder,
    review: str,
    partner: str,
    on: str,
    worth: str | None,
    at: str | None = None,
    delivery: str = "green",
) -> int:
    extra = {"worth": worth} if worth else {}
    return p.record(
        "ReviewSubmitted",
        on=on,
        at=at,
        review=review,
        partner=partner,
        ratings={"delivery": delivery},
        **extra,
    ).seq


def test_mb002_fires_on_two_consecutive_red_worth_ratings(reviewed: PartnershipBuilder) -> None:
    p = reviewed
    first = submit(p, "rv-1", "telco", "2026-03-10", "red")
    submit(p, "rv-1", "ngo", "2026-03-10", "green")
    second = submit(p, "rv-2", "telco", "2026-06-10", "red")
    assert p.audit(partnering_not_worth_it, as_of="2026-06-09") == []
    f = only(p.audit(partnering_not_worth_it, as_of="2026-06-10"))
    assert (f.rule, f.name, f.principle, f.severity) == (
        "MB002",
        "partnering-not-worth-it",
        "mutual-benefit",
        "warning",
    )
    assert (f.partnership, f.subject, f.partner, f.waived) == (
        "p",
        "partner:telco",
        "telco",
        False,
    )
    assert f.evidence == (second, first)
    assert f.message == (
        "telco rated partnering not worth its cost (worth red) in 2 consecutive reviews it "
        "submitted to: rv-1 (submitted on 2026-03-10), rv-2 (submitted on 2026-06-10)."
    )


@pytest.mark.parametrize("between", ["amber", "green", None])
def test_mb002_a_review_not_rated_red_breaks_the_run(
    reviewed: PartnershipBuilder, between: str | None
) -> None:
    p = reviewed
    third_review(p)
    submit(p, "rv-1", "telco", "2026-03-10", "red")
    submit(p, "rv-2", "telco", "2026-06-10", between)
    submit(p, "rv-3", "telco", "2026-09-10", "red")
    assert p.audit(partnering_not_worth_it, as_of="2026-12-01") == []


def test_mb002_silent_on_one_red_and_on_red_aspects(reviewed: PartnershipBuilder) -> None:
    p = reviewed
    third_review(p)
    submit(p, "rv-1", "telco", "2026-03-10", "green", delivery="red")
    submit(p, "rv-2", "telco", "2026-06-10", "amber", delivery="red")
    submit(p, "rv-3", "telco", "2026-09-10", "red")
    assert p.audit(partnering_not_worth_it, as_of="2026-12-01") == []


def test_mb002_reviews_the_partner_skipped_do_not_break_the_run(
    reviewed: PartnershipBuilder,
) -> None:
    p = reviewed
    third_review(p)
    first = submit(p, "rv-1", "telco", "2026-03-10", "red")
    submit(p, "rv-2", "ngo", "2026-06-10", "green")
    third = submit(p, "rv-3", "telco", "2026-09-10", "red")
    f = only(p.audit(partnering_not_worth_it, as_of="2026-12-01"))
    assert f.evidence == (third, first)
    assert "rv-1" in f.message and "rv-3" in f.message and "rv-2" not in f.message


def test_mb002_partners_rate_each_for_itself(reviewed: PartnershipBuilder) -> None:
    p = reviewed
    third_review(p)
    submit(p, "rv-1", "telco", "2026-03-10", "red")
    submit(p, "rv-2", "ngo", "2026-06-10", "red")
    submit(p, "rv-2", "telco", "2026-06-10", "green")
    submit(p, "rv-3", "ngo", "2026-09-10", "red")
    assert [f.partner for f in p.audit(partnering_not_worth_it, as_of="2026-12-01")] == ["ngo"]


def test_mb002_only_the_latest_submission_to_a_review_counts(
    reviewed: PartnershipBuilder,
) -> None:
    p = reviewed
    third_review(p)
    submit(p, "rv-1", "telco", "2026-03-10", "red")
    submit(p, "rv-1", "telco", "2026-03-20", "amber")  # thought better of it
    submit(p, "rv-2", "telco", "2026-06-10", "red")
    assert p.audit(partnering_not_worth_it, as_of="2026-12-01") == []
    assert [f.partner for f in p.audit(partnering_not_worth_it, as_of="2026-03-19")] == []
    redone = submit(p, "rv-2", "ngo", "2026-06-10", "green")
    submit(p, "rv-3", "ngo", "2026-09-10", "red")
    assert p.audit(partnering_not_worth_it, as_of="2026-12-01") == []
    again = submit(p, "rv-2", "ngo", "2026-06-20", "red")  # changed its mind the other way
    f = only(p.audit(partnering_not_worth_it, as_of="2026-12-01"))
    assert f.partner == "ngo" and again in f.evidence and redone not in f.evidence


def test_mb002_latest_is_by_business_date_not_by_recording(reviewed: PartnershipBuilder) -> None:
    p = reviewed
    red = submit(p, "rv-1", "telco", "2026-03-10", "red")
    # an older green submission typed in later does not replace the red one
    submit(p, "rv-1", "telco", "2026-03-05", "green", at="2026-06-02T09:00:00Z")
    second = submit(p, "rv-2", "telco", "2026-06-10", "red")
    assert only(p.audit(partnering_not_worth_it, as_of="2026-12-01")).evidence == (second, red)


def test_mb002_submissions_out_of_order_and_recorded_late(reviewed: PartnershipBuilder) -> None:
    p = reviewed
    # telco answers rv-2 before rv-1; its rv-1 answer is typed in only in July
    second = submit(p, "rv-2", "telco", "2026-06-10", "red")
    first = submit(p, "rv-1", "telco", "2026-06-12", "red", at="2026-07-15T09:00:00Z")
    assert p.audit(partnering_not_worth_it, as_of="2026-06-30", known_at="2026-07-01") == []
    f = only(p.audit(partnering_not_worth_it, as_of="2026-06-30"))
    assert f.evidence == (second, first)  # reviews in the order they opened, the later first
    assert "rv-1 (submitted on 2026-06-12), rv-2 (submitted on 2026-06-10)" in f.message
    assert p.audit(partnering_not_worth_it, as_of="2026-06-11") == []


def test_mb002_counts_every_run_in_one_finding(ledger_builder: LedgerBuilder) -> None:
    p = ledger_builder.partnership("p", on=FOUNDED)
    p.partner("telco", on=JOINED)
    worths = ["red", "red", "green", "red", "red", "red"]
    seqs = []
    for i, worth in enumerate(worths, start=1):
        on = f"2026-{i + 1:02d}-01"
        p.record("ReviewOpened", on=on, review=f"rv-{i}", lenses=["value"])
        seqs.append(submit(p, f"rv-{i}", "telco", on, worth))
    f = only(p.audit(partnering_not_worth_it, as_of="2026-12-01"))
    assert f.evidence == (seqs[5], seqs[4], seqs[3], seqs[1], seqs[0])
    assert "in 3 consecutive reviews" in f.message
    assert "rv-4" in f.message and "rv-6" in f.message
    assert f.message.endswith(", after 1 earlier run of red.")


def test_mb002_a_waiver_marks_the_finding_waived(reviewed: PartnershipBuilder) -> None:
    p = reviewed
    submit(p, "rv-1", "telco", "2026-03-10", "red")
    submit(p, "rv-2", "telco", "2026-06-10", "red")
    p.record(
        "FindingWaived",
        on="2026-06-20",
        rule="MB002",
        subject="partner:telco",
        partner="telco",
        reason="Visibility plan agreed with telco",
        approved_by=["ngo"],
        until="2026-09-30",
    )
    assert only(p.audit(partnering_not_worth_it, as_of="2026-09-30")).waived
    assert not only(p.audit(partnering_not_worth_it, as_of="2026-10-01")).waived
    assert not only(p.audit(partnering_not_worth_it, as_of="2026-06-19")).waived

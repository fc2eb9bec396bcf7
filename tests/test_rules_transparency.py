"""Transparency rules TR002-TR006 (RULES.md, issue #6) and TR007 (docs/signing.md, issue
#10): each fires where a partnership fell short and stays silent on the nearest legal case.

Every partnership here is founded on 2026-01-10 (seq 1) and its three key partners join on
2026-01-12: ngo (seq 2), city (seq 3) and water-co (seq 4). Events are recorded at noon of
their business date unless a test records one late (``at=``).
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.plugins.transparency import (
    decision_not_shared,
    late_record,
    late_revision,
    pledger_rules,
    problem_first_in_review,
    undeclared_assumptions,
    unsigned_own_act,
)
from ledger.rules import Finding
from ledger.testing import LedgerBuilder, PartnershipBuilder

NGO, CITY, WATER = 2, 3, 4


def founded(book: LedgerBuilder, **founding: Any) -> PartnershipBuilder:
    p = book.partnership("p", on="2026-01-10", **founding)
    for partner in ("ngo", "city", "water-co"):
        p.partner(partner, on="2026-01-12")
    return p


def waive(
    p: PartnershipBuilder, rule: str, subject: str, on: str = "2026-02-01", **data: Any
) -> int:
    """A FindingWaived approved by city (a key partner), unless ``approved_by`` says otherwise."""
    data.setdefault("approved_by", ["city"])
    return p.record("FindingWaived", on=on, rule=rule, subject=subject, reason="Agreed", **data).seq


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def test_the_module_gives_the_seven_rules_as_rules_md_and_signing_md_define_them() -> None:
    rules = pledger_rules()
    assert [(r.id, r.name, r.principle, r.severity, dict(r.options)) for r in rules] == [
        ("TR001", "decision-without-rationale", "transparency", "error", {}),
        ("TR002", "decision-not-shared", "transparency", "warning", {"share_within_days": 7}),
        ("TR003", "undeclared-assumptions", "transparency", "warning", {}),
        ("TR004", "late-revision", "transparency", "warning", {}),
        ("TR005", "problem-first-in-review", "transparency", "info", {"window_days": 90}),
        ("TR006", "late-record", "transparency", "info", {"max_delay_days": 30}),
        ("TR007", "unsigned-own-act", "transparency", "warning", {}),
    ]
    assert all(r.summary and r.description and r.example for r in rules)


# -- TR002 decision-not-shared --------------------------------------------------------------


def propose(p: PartnershipBuilder, did: str = "d-1") -> int:
    return p.record(
        "DecisionProposed",
        on="2026-02-01",
        decision=did,
        title="Buy a boat",
        proposer="ngo",
        rationale="Cheaper than renting",
    ).seq


def take(p: PartnershipBuilder, on: str = "2026-02-10", outcome: str = "adopted") -> int:
    return p.record("DecisionTaken", on=on, decision="d-1", outcome=outcome).seq


def decided(book: LedgerBuilder, outcome: str = "adopted") -> tuple[PartnershipBuilder, int]:
    """d-1, proposed on 2026-02-01 and taken on 2026-02-10; returns its DecisionTaken seq."""
    p = founded(book)
    propose(p)
    return p, take(p, outcome=outcome)


def share(
    p: PartnershipBuilder, on: str, with_: list[str], actor: str | None = None, **at: Any
) -> int:
    return p.record(
        "InformationShared", on=on, actor=actor, subject="decision:d-1", with_=with_, **at
    ).seq


def protocol(p: PartnershipBuilder, on: str, audience: str = "partners", **data: Any) -> int:
    return p.record(
        "CommunicationProtocolAgreed", on=on, audience=audience, channels=["email"], **data
    ).seq


@pytest.mark.parametrize("outcome", ["adopted", "rejected"])
def test_tr002_judges_an_unshared_decision_once_7_days_have_passed(
    ledger_builder: LedgerBuilder, outcome: str
) -> None:
    p, taken = decided(ledger_builder, outcome)
    assert p.audit(decision_not_shared, as_of="2026-02-16") == []
    f = only(p.audit(decision_not_shared, as_of="2026-02-17"))
    assert (f.rule, f.name, f.principle, f.severity, f.subject, f.partner, f.waived) == (
        "TR002",
        "decision-not-shared",
        "transparency",
        "warning",
        "decision:d-1",
        None,
        False,
    )
    assert f.message == (
        f'Decision d-1 ("Buy a boat"), {outcome} on 2026-02-10, was not shared with city, ngo '
        "and water-co within the 7 days (by 2026-02-17)."
    )
    assert f.evidence == (taken, CITY, NGO, WATER)


def test_tr002_is_silent_on_a_decision_not_taken(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    propose(p)
    assert p.audit(decision_not_shared, as_of="2026-06-01") == []


@pytest.mark.parametrize(
    ("on", "fires"),
    [("2026-02-09", True), ("2026-02-10", False), ("2026-02-17", False), ("2026-02-18", True)],
)
def test_tr002_counts_shares_from_decision_day_to_7_days_after(
    ledger_builder: LedgerBuilder, on: str, fires: bool
) -> None:
    p = founded(ledger_builder)
    propose(p)
    if on < "2026-02-10":  # shared before it was decided
        share(p, on, ["all"])
    taken = take(p)
    if on >= "2026-02-10":
        share(p, on, ["all"])
    found = p.audit(decision_not_shared, as_of="2026-03-01")
    assert [f.evidence for f in found] == ([(taken, CITY, NGO, WATER)] if fires else [])


def test_tr002_counts_a_share_of_decision_day_recorded_before_the_decision(
    ledger_builder: LedgerBuilder,
) -> None:
    """The window is by occurred_on: [D, D + N], whatever the seq on day D."""
    p = founded(ledger_builder)
    propose(p)
    share(p, "2026-02-10", ["all"])
    take(p)
    assert p.audit(decision_not_shared, as_of="2026-03-01") == []


def test_tr002_unions_the_shares_and_their_sharers(ledger_builder: LedgerBuilder) -> None:
    p, _ = decided(ledger_builder)
    share(p, "2026-02-11", ["city"], actor="ngo")
    share(p, "2026-02-17", ["water-co"], actor="city")
    assert p.audit(decision_not_shared, as_of="2026-03-01") == []


def test_tr002_names_who_was_left_out(ledger_builder: LedgerBuilder) -> None:
    p, taken = decided(ledger_builder)
    first = share(p, "2026-02-11", ["city"], actor="ngo")
    share(p, "2026-02-18", ["water-co"], actor="city")  # a day too late
    f = only(p.audit(decision_not_shared, as_of="2026-03-01"))
    assert f.message == (
        'Decision d-1 ("Buy a boat"), adopted on 2026-02-10, was not shared with water-co '
        "within the 7 days (by 2026-02-17); only city and ngo had it."
    )
    assert f.evidence == (taken, first, WATER)


@pytest.mark.parametrize(
    ("before", "after", "left_out"),
    [
        ([("PartnerLeft", "2026-02-05")], [], None),  # left before the decision: not owed
        ([], [("PartnerLeft", "2026-02-12")], "water-co"),  # left after it: still owed
        ([("PartnerLeft", "2026-02-10")], [], None),  # same day, recorded before the decision
        ([], [("PartnerLeft", "2026-02-10")], "water-co"),  # same day, recorded after it
        ([("PartnerLeft", "2026-01-20"), ("PartnerJoined", "2026-02-01")], [], "water-co"),
    ],
)
def test_tr002_owes_the_decision_to_the_partners_at_decision_time(
    ledger_builder: LedgerBuilder,
    before: list[tuple[str, str]],
    after: list[tuple[str, str]],
    left_out: str | None,
) -> None:
    p = founded(ledger_builder)
    propose(p)

    def engage(changes: list[tuple[str, str]]) -> list[int]:
        return [
            p.record(kind, on=on, partner="water-co", reason="Merged").seq
            if kind == "PartnerLeft"
            else p.partner("water-co", on=on, engagement="active").seq
            for kind, on in changes
        ]

    changes = engage(before)
    taken = take(p)
    engage(after)
    shared = share(p, "2026-02-11", ["city"], actor="ngo")
    found = p.audit(decision_not_shared, as_of="2026-03-01")
    if left_out is None:
        assert found == []
    else:
        f = only(found)
        assert "was not shared with water-co within" in f.message
        assert f.evidence == (taken, shared, changes[-1] if changes else WATER)


@pytest.mark.parametrize(("before", "owed"), [(True, True), (False, False)])
def test_tr002_owes_nothing_to_a_partner_that_joined_after_decision_time(
    ledger_builder: LedgerBuilder, before: bool, owed: bool
) -> None:
    p = founded(ledger_builder)
    propose(p)
    if before:  # joined on decision day, recorded before the DecisionTaken
        joined = p.partner("port", on="2026-02-10").seq
    take(p)
    if not before:  # same day, recorded after it
        joined = p.partner("port", on="2026-02-10").seq
    share(p, "2026-02-11", ["city", "water-co"], actor="ngo")
    found = p.audit(decision_not_shared, as_of="2026-03-01")
    assert [f.evidence[-1] for f in found] == ([joined] if owed else [])


def test_tr002_uses_the_share_within_days_the_partners_agreed(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    agreed = protocol(p, "2026-01-15", share_within_days=3)
    propose(p)
    taken = take(p)
    assert p.audit(decision_not_shared, as_of="2026-02-12") == []
    # the ledger's value wins over the option too
    f = only(p.audit(decision_not_shared, as_of="2026-02-13", options={"share_within_days": 14}))
    assert f.message == (
        'Decision d-1 ("Buy a boat"), adopted on 2026-02-10, was not shared with city, ngo and '
        "water-co within the 3 days agreed in the partners' communication protocol "
        "(by 2026-02-13)."
    )
    assert f.evidence == (taken, agreed, CITY, NGO, WATER)


@pytest.mark.parametrize(("on", "fires"), [("2026-02-13", False), ("2026-02-14", True)])
def test_tr002_agreed_window_end(ledger_builder: LedgerBuilder, on: str, fires: bool) -> None:
    p = founded(ledger_builder)
    protocol(p, "2026-01-15", share_within_days=3)
    propose(p)
    take(p)
    share(p, on, ["all"])
    assert len(p.audit(decision_not_shared, as_of="2026-03-01")) == fires


@pytest.mark.parametrize(
    ("protocols", "days"),
    [
        ([("2026-01-15", "external", 3)], 7),  # not the partners' audience
        ([("2026-01-15", "partners", 3), ("2026-01-20", "partners", None)], 3),  # sets none
        ([("2026-01-15", "partners", 3), ("2026-01-20", "partners", 5)], 5),  # the latest
        ([("2026-02-11", "partners", 3)], 7),  # agreed after decision time
        ([("2026-02-10", "partners", 3)], 7),  # decision day, recorded after the decision
    ],
)
def test_tr002_which_protocol_sets_n(
    ledger_builder: LedgerBuilder, protocols: list[tuple[str, str, int | None]], days: int
) -> None:
    p = founded(ledger_builder)
    propose(p)
    early = [x for x in protocols if x[0] < "2026-02-10"]
    for on, audience, n in early:
        protocol(p, on, audience, **({"share_within_days": n} if n else {"every_days": 30}))
    take(p)
    for on, audience, n in protocols[len(early) :]:
        protocol(p, on, audience, share_within_days=n)
    as_of = f"2026-02-{10 + days:02d}"
    assert p.audit(decision_not_shared, as_of=f"2026-02-{9 + days:02d}") == []
    assert f"within the {days} days" in only(p.audit(decision_not_shared, as_of=as_of)).message


def test_tr002_share_within_days_option(ledger_builder: LedgerBuilder) -> None:
    p, _ = decided(ledger_builder)
    options = {"share_within_days": 14}
    assert p.audit(decision_not_shared, as_of="2026-02-23", options=options) == []
    f = only(p.audit(decision_not_shared, as_of="2026-02-24", options=options))
    assert "within the 14 days (by 2026-02-24)" in f.message


def test_tr002_a_share_recorded_late_counts_once_known(ledger_builder: LedgerBuilder) -> None:
    p, _ = decided(ledger_builder)
    share(p, "2026-02-12", ["all"], at="2026-03-05T09:00:00Z")
    assert only(p.audit(decision_not_shared, as_of="2026-03-10", known_at="2026-03-04T23:00:00Z"))
    assert p.audit(decision_not_shared, as_of="2026-03-10") == []


def test_tr002_waived(ledger_builder: LedgerBuilder) -> None:
    p, _ = decided(ledger_builder)
    waive(p, "TR002", "decision:d-1")
    assert only(p.audit(decision_not_shared, as_of="2026-03-01")).waived


# -- TR003 undeclared-assumptions -----------------------------------------------------------


def draft(p: PartnershipBuilder, version: int = 1, on: str = "2026-02-20") -> int:
    return p.record("AgreementDrafted", on=on, version=version, summary=f"Version {version}").seq


def sign(
    p: PartnershipBuilder, on: str = "2026-03-01", version: int = 1, partner: str = "city"
) -> int:
    return p.record(
        "AgreementSigned", on=on, version=version, partner=partner, signatory="Mayor"
    ).seq


def declare(p: PartnershipBuilder, what: str, on: str, partner: str = "city", **at: Any) -> int:
    if what == "assumption":
        return p.record(
            "AssumptionDeclared", on=on, partner=partner, text="Council budget", **at
        ).seq
    fields = {"none": True} if what == "none" else {"text": "No branding"}
    return p.record("DealBreakerDeclared", on=on, partner=partner, **fields, **at).seq


def test_tr003_fires_on_a_key_partner_that_signed_without_declaring(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    draft(p)
    signed = sign(p)
    assert p.audit(undeclared_assumptions, as_of="2026-02-28") == []
    f = only(p.audit(undeclared_assumptions, as_of="2026-03-01"))
    assert (f.rule, f.severity, f.subject, f.partner) == (
        "TR003",
        "warning",
        "partner:city",
        "city",
    )
    assert f.message == (
        "city signed agreement version 1 on 2026-03-01 as a key partner without having "
        "declared any assumption or deal-breaker before."
    )
    assert f.evidence == (signed, CITY)


@pytest.mark.parametrize(
    ("declared", "lacking"),
    [
        (("assumption", "deal-breaker"), None),
        (("assumption", "none"), None),  # none: true counts
        (("assumption",), "deal-breaker (nor that it has none)"),
        (("none",), "assumption"),
    ],
)
def test_tr003_needs_an_assumption_and_a_deal_breaker(
    ledger_builder: LedgerBuilder, declared: tuple[str, ...], lacking: str | None
) -> None:
    p = founded(ledger_builder)
    for what in declared:
        declare(p, what, "2026-02-01")
    declare(p, "assumption", "2026-02-01", partner="ngo")  # another partner's does not count
    declare(p, "deal-breaker", "2026-02-01", partner="ngo")
    draft(p)
    sign(p)
    found = p.audit(undeclared_assumptions, as_of="2026-03-01")
    assert [f.message.split("any ")[1] for f in found] == (
        [] if lacking is None else [f"{lacking} before."]
    )


@pytest.mark.parametrize(
    ("changes", "fires"),
    [
        ([], False),  # active all along
        ([("key", "2026-02-25")], True),
        ([("key", "2026-02-25"), ("advisory", "2026-02-27")], False),
    ],
)
def test_tr003_asks_only_partners_key_when_they_signed(
    ledger_builder: LedgerBuilder, changes: list[tuple[str, str]], fires: bool
) -> None:
    p = ledger_builder.partnership("p", on="2026-01-10")
    p.partner("city", on="2026-01-12", engagement="active")
    seqs = [
        p.record(
            "PartnerEngagementChanged", on=on, partner="city", engagement=e, reason="Board"
        ).seq
        for e, on in changes
    ]
    draft(p)
    signed = sign(p)
    found = p.audit(undeclared_assumptions, as_of="2026-03-01")
    assert [f.evidence for f in found] == ([(signed, seqs[-1])] if fires else [])


@pytest.mark.parametrize(("rejoined_as", "fires"), [("key", True), ("active", False)])
def test_tr003_a_partner_that_rejoined_is_judged_by_its_new_engagement(
    ledger_builder: LedgerBuilder, rejoined_as: str, fires: bool
) -> None:
    p = founded(ledger_builder)
    p.record("PartnerLeft", on="2026-02-01", partner="city", reason="Elections")
    rejoined = p.partner("city", on="2026-02-10", engagement=rejoined_as).seq
    draft(p)
    signed = sign(p)
    found = p.audit(undeclared_assumptions, as_of="2026-03-01")
    assert [f.evidence for f in found] == ([(signed, rejoined)] if fires else [])


def test_tr003_before_signing_is_by_date_then_seq(ledger_builder: LedgerBuilder) -> None:
    """Declared on the signing day but recorded after the signature: not before it."""
    p = founded(ledger_builder)
    draft(p)
    sign(p)
    declare(p, "assumption", "2026-03-01")
    declare(p, "none", "2026-03-01")
    assert only(p.audit(undeclared_assumptions, as_of="2026-03-01")).partner == "city"


def test_tr003_declarations_recorded_late_but_dated_before_count_once_known(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    draft(p)
    sign(p)
    declare(p, "assumption", "2026-02-28", at="2026-03-10T09:00:00Z")
    declare(p, "none", "2026-02-28")
    assert only(p.audit(undeclared_assumptions, as_of="2026-03-31", known_at="2026-03-05"))
    assert p.audit(undeclared_assumptions, as_of="2026-03-31") == []


@pytest.mark.parametrize("declared_between", [True, False])
def test_tr003_one_finding_per_partner_counts_the_versions(
    ledger_builder: LedgerBuilder, declared_between: bool
) -> None:
    p = founded(ledger_builder)
    draft(p)
    first = sign(p)
    if declared_between:
        declare(p, "assumption", "2026-03-05")
        declare(p, "deal-breaker", "2026-03-05")
    draft(p, 2, on="2026-03-10")
    second = sign(p, "2026-03-12", version=2)
    f = only(p.audit(undeclared_assumptions, as_of="2026-03-31"))
    if declared_between:
        assert f.message.endswith("deal-breaker before.")
        assert f.evidence == (first, CITY)
    else:
        assert f.message.endswith("deal-breaker before, and signed version 2 likewise.")
        assert f.evidence == (first, second, CITY)


def test_tr003_waived(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    draft(p)
    sign(p)
    waive(p, "TR003", "partner:city", partner="city", approved_by=["ngo"])
    assert only(p.audit(undeclared_assumptions, as_of="2026-03-01")).waived


# -- TR004 late-revision --------------------------------------------------------------------


def commit(p: PartnershipBuilder, due: str | None = "2026-03-01") -> int:
    return p.record(
        "CommitmentMade",
        on="2026-01-20",
        commitment="c-1",
        partner="ngo",
        kind="money",
        description="Seed funding",
        value="1000",
        currency="EUR",
        **({"due": due} if due else {}),
    ).seq


def revise(p: PartnershipBuilder, on: str, **data: Any) -> int:
    return p.record("CommitmentRevised", on=on, commitment="c-1", reason="Delays", **data).seq


def withdraw(p: PartnershipBuilder, on: str) -> int:
    return p.record("CommitmentWithdrawn", on=on, commitment="c-1", reason="No budget").seq


@pytest.mark.parametrize(
    ("on", "late"),
    [
        ("2026-02-20", None),  # before the due date
        ("2026-03-01", None),  # on it
        ("2026-03-02", "1 day"),
        ("2026-03-31", "30 days"),
    ],
)
def test_tr004_a_due_date_moved_after_it_passed(
    ledger_builder: LedgerBuilder, on: str, late: str | None
) -> None:
    p = founded(ledger_builder)
    made = commit(p)
    revised = revise(p, on, due="2026-06-30")
    found = p.audit(late_revision, as_of="2026-06-01")
    if late is None:
        assert found == []
        return
    f = only(found)
    assert (f.rule, f.severity, f.subject, f.partner) == (
        "TR004",
        "warning",
        "commitment:c-1",
        "ngo",
    )
    assert f.message == (
        'ngo moved the due date of commitment c-1 ("Seed funding") from 2026-03-01 to '
        f"2026-06-30 on {on}, {late} after it had passed."
    )
    assert f.evidence == (revised, made)
    day_before = f"2026-03-{int(on[-2:]) - 1:02d}"
    assert p.audit(late_revision, as_of=day_before) == []  # the revision had not occurred


@pytest.mark.parametrize(
    "change",
    [{"due": "2026-03-01"}, {"quantity": "2"}],  # the same due date; no due date at all
)
def test_tr004_a_late_revision_that_keeps_the_due_date(
    ledger_builder: LedgerBuilder, change: dict[str, str]
) -> None:
    p = founded(ledger_builder)
    commit(p)
    revise(p, "2026-04-01", **change)
    assert p.audit(late_revision, as_of="2026-06-01") == []


def test_tr004_a_commitment_without_due_date_may_get_one(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    commit(p, due=None)
    revise(p, "2026-04-01", due="2026-05-01")
    assert p.audit(late_revision, as_of="2026-06-01") == []


@pytest.mark.parametrize(("on", "fires"), [("2026-04-30", False), ("2026-05-01", True)])
def test_tr004_compares_with_the_revised_due_date_in_force(
    ledger_builder: LedgerBuilder, on: str, fires: bool
) -> None:
    p = founded(ledger_builder)
    made = commit(p)
    first = revise(p, "2026-02-15", due="2026-04-30")
    second = revise(p, on, due="2026-05-31")
    found = p.audit(late_revision, as_of="2026-06-01")
    assert [f.evidence for f in found] == ([(second, first, made)] if fires else [])
    if fires:
        assert "from 2026-04-30 to 2026-05-31 on 2026-05-01, 1 day after" in found[0].message


def test_tr004_revisions_recorded_out_of_date_order(ledger_builder: LedgerBuilder) -> None:
    """In "before" order the 2026-02-20 revision (recorded second) comes first: the one of
    2026-03-20 moved a due date of 2026-03-10, 10 days after it had passed."""
    p = founded(ledger_builder)
    made = commit(p)
    later = revise(p, "2026-03-20", due="2026-06-30")
    earlier = revise(p, "2026-02-20", due="2026-03-10")
    f = only(p.audit(late_revision, as_of="2026-06-01"))
    assert "from 2026-03-10 to 2026-06-30 on 2026-03-20, 10 days after" in f.message
    assert f.evidence == (later, earlier, made)


@pytest.mark.parametrize(("on", "fires"), [("2026-03-01", False), ("2026-03-02", True)])
def test_tr004_withdrawn_after_its_due_date(
    ledger_builder: LedgerBuilder, on: str, fires: bool
) -> None:
    p = founded(ledger_builder)
    made = commit(p)
    withdrawn = withdraw(p, on)
    found = p.audit(late_revision, as_of="2026-06-01")
    assert [(f.message, f.evidence) for f in found] == (
        [
            (
                'ngo withdrew commitment c-1 ("Seed funding") unfulfilled on 2026-03-02, '
                "1 day after its due date 2026-03-01.",
                (withdrawn, made),
            )
        ]
        if fires
        else []
    )


def test_tr004_a_fulfilled_or_rescheduled_commitment_may_be_withdrawn_late(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    commit(p)
    p.record("CommitmentFulfilled", on="2026-02-25", commitment="c-1", evidence="Part paid")
    withdraw(p, "2026-04-01")
    p.record(
        "CommitmentMade",
        on="2026-01-20",
        commitment="c-2",
        partner="city",
        kind="people",
        description="Two trainers",
        due="2026-03-01",
    )
    p.record(
        "CommitmentRevised", on="2026-02-15", commitment="c-2", reason="Later", due="2026-06-30"
    )
    p.record("CommitmentWithdrawn", on="2026-04-01", commitment="c-2", reason="No trainers")
    assert p.audit(late_revision, as_of="2026-06-01") == []


def test_tr004_a_partner_that_left_still_owns_its_late_withdrawal(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    commit(p)
    p.record("PartnerLeft", on="2026-03-05", partner="ngo", reason="Closed its office")
    withdrawn = withdraw(p, "2026-03-10")
    f = only(p.audit(late_revision, as_of="2026-06-01"))
    assert (f.partner, f.evidence[0]) == ("ngo", withdrawn)
    assert "9 days after its due date 2026-03-01" in f.message


def test_tr004_counts_further_late_changes(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    made = commit(p)
    revised = revise(p, "2026-03-05", due="2026-04-01")
    withdrawn = withdraw(p, "2026-04-10")
    f = only(p.audit(late_revision, as_of="2026-06-01"))
    assert f.message == (
        'ngo moved the due date of commitment c-1 ("Seed funding") from 2026-03-01 to '
        "2026-04-01 on 2026-03-05, 4 days after it had passed (1 more late change)."
    )
    assert f.evidence == (revised, withdrawn, made)


def test_tr004_waived(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    commit(p)
    revise(p, "2026-03-02", due="2026-06-30")
    waive(p, "TR004", "commitment:c-1", partner="ngo")
    assert only(p.audit(late_revision, as_of="2026-06-01")).waived


# -- TR005 problem-first-in-review ----------------------------------------------------------


def reviewed(book: LedgerBuilder) -> PartnershipBuilder:
    p = founded(book)
    p.record("ReviewOpened", on="2026-06-01", review="r-1", lenses=["partnership"])
    return p


def submit(p: PartnershipBuilder, on: str = "2026-06-10", partner: str = "ngo", **data: Any) -> int:
    data.setdefault("ratings", {"timing": "red", "budget": "red", "reach": "green"})
    return p.record("ReviewSubmitted", on=on, review="r-1", partner=partner, **data).seq


def meet(p: PartnershipBuilder, on: str, attendees: list[str], **at: Any) -> int:
    return p.record(
        "MeetingHeld", on=on, meeting=f"m-{on}", purpose="Steering", attendees=attendees, **at
    ).seq


def test_tr005_a_red_rating_nobody_heard_of_before(ledger_builder: LedgerBuilder) -> None:
    p = reviewed(ledger_builder)
    submitted = submit(p)
    assert p.audit(problem_first_in_review, as_of="2026-06-09") == []
    f = only(p.audit(problem_first_in_review, as_of="2026-06-10"))
    assert (f.rule, f.severity, f.subject, f.partner) == ("TR005", "info", "review:r-1", "ngo")
    assert f.message == (
        "ngo rated budget and timing red in review r-1 on 2026-06-10 without having raised an "
        "issue or attended a meeting in the 90 days up to it (since 2026-03-12)."
    )
    assert f.evidence == (submitted, 5)


def test_tr005_only_ratings_count_not_worth(ledger_builder: LedgerBuilder) -> None:
    p = reviewed(ledger_builder)
    submit(p, ratings={"timing": "amber"}, worth="red")
    assert p.audit(problem_first_in_review, as_of="2026-06-30") == []


@pytest.mark.parametrize(
    ("kind", "on", "who", "fires"),
    [
        ("meeting", "2026-03-12", "ngo", False),  # the first day of the 90
        ("meeting", "2026-03-11", "ngo", True),  # a day before it
        ("meeting", "2026-04-01", "city", True),  # ngo was not there
        ("issue", "2026-03-12", "ngo", False),
        ("issue", "2026-03-11", "ngo", True),
        ("issue", "2026-04-01", "city", True),  # raised by another partner
    ],
)
def test_tr005_window_of_issues_and_meetings(
    ledger_builder: LedgerBuilder, kind: str, on: str, who: str, fires: bool
) -> None:
    p = reviewed(ledger_builder)
    if kind == "meeting":
        meet(p, on, [who, "water-co"])
    else:
        p.record("IssueRaised", on=on, issue="i-1", partner=who, description="Late payments")
    submit(p)
    found = p.audit(problem_first_in_review, as_of="2026-06-30")
    assert [f.partner for f in found] == (["ngo"] if fires else [])


def test_tr005_a_meeting_on_the_day_of_the_submission_counts(
    ledger_builder: LedgerBuilder,
) -> None:
    p = reviewed(ledger_builder)
    submit(p)
    meet(p, "2026-06-10", ["ngo"])  # recorded after the submission, same day: inclusive
    assert p.audit(problem_first_in_review, as_of="2026-06-30") == []


def test_tr005_window_days_option(ledger_builder: LedgerBuilder) -> None:
    p = reviewed(ledger_builder)
    meet(p, "2026-05-01", ["ngo"])
    submit(p)
    assert p.audit(problem_first_in_review, as_of="2026-06-30") == []
    f = only(p.audit(problem_first_in_review, as_of="2026-06-30", options={"window_days": 30}))
    assert f.message.endswith("in the 30 days up to it (since 2026-05-11).")


def test_tr005_a_meeting_recorded_late_counts_once_known(ledger_builder: LedgerBuilder) -> None:
    p = reviewed(ledger_builder)
    submit(p)
    meet(p, "2026-05-01", ["ngo"], at="2026-06-20T09:00:00Z")
    assert only(p.audit(problem_first_in_review, as_of="2026-06-30", known_at="2026-06-15"))
    assert p.audit(problem_first_in_review, as_of="2026-06-30") == []


def test_tr005_the_latest_submission_counts(ledger_builder: LedgerBuilder) -> None:
    p = reviewed(ledger_builder)
    submit(p)
    submit(p, "2026-06-12", ratings={"timing": "amber"})
    assert only(p.audit(problem_first_in_review, as_of="2026-06-11"))
    assert p.audit(problem_first_in_review, as_of="2026-06-30") == []
    red_again = submit(p, "2026-06-14", ratings={"reach": "red"})
    f = only(p.audit(problem_first_in_review, as_of="2026-06-30"))
    assert f.evidence[0] == red_again and "rated reach red" in f.message


def test_tr005_one_finding_per_submitting_partner(ledger_builder: LedgerBuilder) -> None:
    p = reviewed(ledger_builder)
    submit(p)
    submit(p, partner="city")
    meet(p, "2026-05-01", ["water-co"])
    found = p.audit(problem_first_in_review, as_of="2026-06-30")
    assert [(f.subject, f.partner) for f in found] == [
        ("review:r-1", "city"),
        ("review:r-1", "ngo"),
    ]


def test_tr005_waived(ledger_builder: LedgerBuilder) -> None:
    p = reviewed(ledger_builder)
    submit(p)
    waive(p, "TR005", "review:r-1", on="2026-06-20", partner="ngo")
    assert only(p.audit(problem_first_in_review, as_of="2026-06-30")).waived


# -- TR006 late-record ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "late"),
    [
        ("2026-03-03T23:59:00Z", None),  # 30 days
        ("2026-03-04T09:00:00Z", 31),
        ("2026-03-04T01:00:00+02:00", None),  # 2026-03-03 in UTC
        ("2026-03-03T23:30:00-01:00", 31),  # 2026-03-04 in UTC
    ],
)
def test_tr006_delay_of_30_and_31_days_in_utc(
    ledger_builder: LedgerBuilder, at: str, late: int | None
) -> None:
    p = founded(ledger_builder)
    meeting = meet(p, "2026-02-01", ["ngo"], at=at)
    found = p.audit(late_record, as_of="2026-06-01")
    if late is None:
        assert found == []
        return
    f = only(found)
    assert (f.rule, f.severity, f.subject, f.partner) == (
        "TR006",
        "info",
        "partnership:p",
        None,
    )
    assert f.message == (
        "1 event was recorded more than 30 days late; the worst, MeetingHeld (seq 5) of "
        "2026-02-01, was recorded on 2026-03-04, 31 days late."
    )
    assert f.evidence == (meeting,)


def test_tr006_judges_only_what_the_audit_sees(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    meet(p, "2026-02-01", ["ngo"], at="2026-03-10T09:00:00Z")
    assert p.audit(late_record, as_of="2026-06-01", known_at="2026-03-09T23:00:00Z") == []
    assert p.audit(late_record, as_of="2026-01-31") == []  # the meeting had not occurred
    assert only(p.audit(late_record, as_of="2026-02-01"))


@pytest.mark.parametrize(("at", "fires"), [("2026-05-31T12:00:00Z", False), ("2026-06-01", True)])
def test_tr006_history_back_filled_at_the_start_is_not_late(
    ledger_builder: LedgerBuilder, at: str, fires: bool
) -> None:
    """The ledger starts on 2026-05-01 with history from January: those records are on time;
    a meeting of 2026-04-20 is late from 2026-05-01 on, not from its own date."""
    p = founded(ledger_builder, at="2026-05-01T09:00:00Z")
    p.record("DecisionProposed", on="2026-02-01", decision="d-1", title="Boat", proposer="ngo")
    meeting = meet(p, "2026-04-20", ["ngo"], at=at)
    found = p.audit(late_record, as_of="2026-06-30")
    assert [(f.message.split(", ")[-1], f.evidence) for f in found] == (
        [("31 days late.", (meeting,))] if fires else []
    )


def test_tr006_counts_the_late_records_and_gives_the_worst(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    first = meet(p, "2026-02-01", ["ngo"], at="2026-03-10T09:00:00Z")  # 37 days
    worst = meet(p, "2026-02-05", ["city"], at="2026-03-28T09:00:00Z")  # 51 days
    meet(p, "2026-03-28", ["city"])  # on time
    f = only(p.audit(late_record, as_of="2026-06-01"))
    assert f.message == (
        "2 events were recorded more than 30 days late; the worst, MeetingHeld (seq 6) of "
        "2026-02-05, was recorded on 2026-03-28, 51 days late."
    )
    assert f.evidence == (worst, first)
    assert p.audit(late_record, as_of="2026-06-01", options={"max_delay_days": 51}) == []
    f = only(p.audit(late_record, as_of="2026-06-01", options={"max_delay_days": 40}))
    assert f.message.startswith("1 event was recorded more than 40 days late;")


def test_tr006_waived(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    meet(p, "2026-02-01", ["ngo"], at="2026-03-10T09:00:00Z")
    p.record(
        "FindingWaived",
        on="2026-03-10",
        rule="TR006",
        subject="partnership:p",
        reason="Minutes came late",
        approved_by=["city"],
    )
    assert only(p.audit(late_record, as_of="2026-06-01")).waived


# -- TR007 unsigned-own-act -----------------------------------------------------------------


def pledge(p: PartnershipBuilder, cid: str, partner: str, on: str = "2026-02-01", **kw: Any) -> int:
    return p.record(
        "CommitmentMade", on=on, commitment=cid, partner=partner, kind="money",
        description="Funds", **kw,
    ).seq  # fmt: skip


def test_tr007_fires_on_own_acts_left_unsigned_after_a_key(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    before = pledge(p, "c-0", "ngo", on="2026-01-20")  # no key yet: not a lapse
    key = p.register_key("ngo", on="2026-02-01")
    registered = p.events()[-1].seq
    pledge(p, "c-1", "ngo", key=key)  # signed
    unsigned = pledge(p, "c-2", "ngo")
    fulfilled = p.record(
        "CommitmentFulfilled", on="2026-02-03", commitment="c-1", evidence="Receipt"
    ).seq  # an own act of the commitment's owner
    pledge(p, "c-3", "city")  # city has no key
    p.record("MeetingHeld", on="2026-02-04", actor="ngo", meeting="m-1", purpose="Plan",
             attendees=["ngo", "city"])  # fmt: skip  # not an own act
    f = only(p.audit(unsigned_own_act, as_of="2026-06-01"))
    assert (f.rule, f.subject, f.partner, f.severity) == ("TR007", "partner:ngo", "ngo", "warning")
    assert f.message == (
        f"ngo has 2 own acts recorded without a signature while it had a live key; the first, "
        f"CommitmentMade (seq {unsigned}), came after its key {key.fingerprint[:16]} was "
        f"registered (seq {registered})."
    )
    assert f.evidence == (unsigned, fulfilled, registered)
    assert before not in f.evidence


def test_tr007_silent_when_every_own_act_after_the_key_is_signed(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    key = p.register_key("ngo", on="2026-02-01")
    pledge(p, "c-1", "ngo", key=key)
    p.record("AssumptionDeclared", on="2026-02-02", partner="ngo", text="Rain", key=key)
    pledge(p, "c-2", "city")
    assert p.audit(unsigned_own_act, as_of="2026-06-01") == []


def test_tr007_a_revoked_key_no_longer_asks_for_signatures(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    key = p.register_key("ngo", on="2026-02-01")
    p.record(
        "PartnerKeyRevoked", on="2026-02-02", partner="ngo", fingerprint=key.fingerprint,
        reason="Leaving the pilot", key=key,
    )  # fmt: skip
    pledge(p, "c-1", "ngo", on="2026-02-03")
    assert p.audit(unsigned_own_act, as_of="2026-06-01") == []
    # ...but the act recorded between registration and revocation would have been flagged
    q = ledger_builder.partnership("q", on="2026-01-10")
    q.partner("ngo", on="2026-01-12")
    key = q.register_key("ngo", on="2026-02-01")
    act = q.record("AssumptionDeclared", on="2026-02-02", partner="ngo", text="Rain").seq
    q.record(
        "PartnerKeyRevoked", on="2026-02-03", partner="ngo", fingerprint=key.fingerprint,
        reason="Rotated", key=key,
    )  # fmt: skip
    assert only(q.audit(unsigned_own_act, as_of="2026-06-01")).evidence[0] == act


def test_tr007_judges_only_what_the_audit_sees(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    p.register_key("ngo", on="2026-02-01")
    act = pledge(p, "c-1", "ngo", on="2026-01-25", at="2026-02-05T09:00:00Z")  # recorded late
    assert only(p.audit(unsigned_own_act, as_of="2026-06-01")).evidence[0] == act
    assert p.audit(unsigned_own_act, as_of="2026-01-31") == []  # the key came later
    assert p.audit(unsigned_own_act, as_of="2026-06-01", known_at="2026-02-04T00:00:00Z") == []


def test_tr007_counts_every_act_and_cites_at_most_20(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    p.register_key("ngo", on="2026-02-01")
    registered = p.events()[-1].seq
    acts = [
        p.record("AssumptionDeclared", on="2026-02-02", partner="ngo", text=f"A{i}").seq
        for i in range(25)
    ]
    f = only(p.audit(unsigned_own_act, as_of="2026-06-01"))
    assert f.message.startswith("ngo has 25 own acts recorded without a signature")
    assert f.evidence == (*acts[:19], registered)

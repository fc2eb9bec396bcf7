"""Follow-through rules FT002-FT009 (RULES.md, Follow-through; issue #6), each shown firing and
staying silent on the nearest legal case. FT001 is covered by tests/test_audit.py.

Unless a test says otherwise the partnership ``river`` is founded on 2026-01-10 and its key
partners ngo, city and water-co (seqs 2, 3, 4) join on 2026-01-12.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.plugins import follow_through as ft
from ledger.rules import Finding
from ledger.testing import LedgerBuilder, PartnershipBuilder

AS_OF = "2026-06-01"
NGO, CITY, WATER = 2, 3, 4  # seqs of the joins


def founded(book: LedgerBuilder, *partners: str) -> PartnershipBuilder:
    p = book.partnership("river", on="2026-01-10")
    for partner in partners or ("ngo", "city", "water-co"):
        p.partner(partner, on="2026-01-12")
    return p


def plus(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def commit(
    p: PartnershipBuilder, cid: str, owner: str = "ngo", *, due: str = "2026-03-01", **data: Any
) -> int:
    """A money commitment made on 2026-01-20 (or ``on``); returns its seq."""
    on = data.pop("on", "2026-01-20")
    fields = {"kind": "money", "description": f"Funding {cid}", "value": "1000", "currency": "EUR"}
    return p.record(
        "CommitmentMade", on=on, commitment=cid, partner=owner, due=due, **(fields | data)
    ).seq


def fulfil(p: PartnershipBuilder, cid: str, on: str, **data: Any) -> int:
    return p.record("CommitmentFulfilled", on=on, commitment=cid, evidence="Receipt", **data).seq


def waive(
    p: PartnershipBuilder, rule_id: str, subject: str, *, on: str, by: str, **data: Any
) -> int:
    return p.record(
        "FindingWaived",
        on=on,
        rule=rule_id,
        subject=subject,
        reason="Agreed at the partners' meeting",
        approved_by=[by],
        **data,
    ).seq


def one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def test_the_plugin_gives_ft001_to_ft009_as_rules_md_defines_them() -> None:
    rules = ft.pledger_rules()
    table = [(r.id, r.name, r.principle, r.severity, dict(r.options)) for r in rules]
    assert table == [
        ("FT001", "overdue-commitment", "follow-through", "warning", {"error_after_days": 30}),
        (
            "FT002",
            "low-fulfilment-rate",
            "follow-through",
            "warning",
            {"min_due": 3, "min_rate": 0.8},
        ),
        ("FT003", "unconfirmed-fulfilment", "follow-through", "info", {"confirm_within_days": 14}),
        ("FT004", "review-overdue", "follow-through", "warning", {"every_days": 365}),
        ("FT005", "non-participatory-review", "follow-through", "error", {}),
        ("FT006", "indicator-unmeasured", "follow-through", "warning", {}),
        ("FT007", "issue-unresolved", "follow-through", "warning", {"max_open_days": 60}),
        ("FT008", "action-overdue", "follow-through", "warning", {}),
        ("FT009", "vague-commitment", "follow-through", "info", {}),
    ]
    for r in rules:
        assert r.summary and r.description and r.example, r.id


# -- FT002 low-fulfilment-rate --------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 3])
def test_ft002_needs_three_commitments_due(ledger_builder: LedgerBuilder, count: int) -> None:
    p = founded(ledger_builder)
    made = [commit(p, f"c-{i}") for i in range(1, count + 1)]
    for i in range(1, 4):  # city keeps all of its own: no finding for it
        commit(p, f"k-{i}", "city")
        fulfil(p, f"k-{i}", "2026-02-20")
    findings = p.audit(ft.low_fulfilment_rate, as_of=AS_OF)
    if count == 2:
        assert findings == []
        return
    f = one(findings)
    assert (f.rule, f.subject, f.partner, f.severity) == ("FT002", "partner:ngo", "ngo", "warning")
    assert f.message == (
        "ngo kept 0 of its 3 commitments due before 2026-06-01 on time (0%, below 80%); "
        "not fulfilled by their due date: c-1, c-2, c-3."
    )
    assert f.evidence == tuple(made)


@pytest.mark.parametrize(
    ("kept", "due", "rate"), [(4, 5, None), (3, 4, "75%"), (7, 9, "77%"), (5, 6, None)]
)
def test_ft002_rate_just_below_and_at_80_percent(
    ledger_builder: LedgerBuilder, kept: int, due: int, rate: str | None
) -> None:
    p = founded(ledger_builder)
    made = [commit(p, f"c-{i}") for i in range(due)]
    for i in range(kept):
        fulfil(p, f"c-{i}", "2026-02-20")
    findings = p.audit(ft.low_fulfilment_rate, as_of=AS_OF)
    if rate is None:
        assert findings == []
        return
    f = one(findings)
    assert (
        f"kept {kept} of its {due} commitments" in f.message and f"({rate}, below 80%)" in f.message
    )
    # the missed commitments first, then those kept
    assert f.evidence == (*made[kept:], *made[:kept])


@pytest.mark.parametrize(("last", "fires"), [("2026-03-01", False), ("2026-03-02", True)])
def test_ft002_fulfilled_on_the_due_date_is_on_time(
    ledger_builder: LedgerBuilder, last: str, fires: bool
) -> None:
    p = founded(ledger_builder)
    made = [commit(p, f"c-{i}") for i in (1, 2, 3)]
    fulfil(p, "c-1", "2026-02-20")
    fulfil(p, "c-2", "2026-02-20")
    late = fulfil(p, "c-3", last)
    findings = p.audit(ft.low_fulfilment_rate, as_of=AS_OF)
    if not fires:
        assert findings == []
        return
    f = one(findings)
    assert "kept 2 of its 3" in f.message and "(66%, below 80%)" in f.message
    assert f.message.endswith("not fulfilled by their due date: c-3.")
    assert f.evidence == (made[2], late, made[0], made[1])


@pytest.mark.parametrize(("as_of", "fires"), [("2026-06-01", False), ("2026-06-02", True)])
def test_ft002_counts_only_commitments_due_before_the_audit_date(
    ledger_builder: LedgerBuilder, as_of: str, fires: bool
) -> None:
    p = founded(ledger_builder)
    commit(p, "c-1")
    commit(p, "c-2")
    commit(p, "c-3", due="2026-06-01")  # due on the first audit date: not before it
    findings = p.audit(ft.low_fulfilment_rate, as_of=as_of)
    assert [f.subject for f in findings] == (["partner:ngo"] if fires else [])


def test_ft002_the_latest_fulfilment_counts(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    made = [commit(p, f"c-{i}") for i in (1, 2, 3)]
    fulfil(p, "c-1", "2026-02-20")
    fulfil(p, "c-2", "2026-02-20")
    fulfil(p, "c-3", "2026-02-20", delivered="500")  # a partial delivery on time...
    final = fulfil(p, "c-3", "2026-03-10", delivered="500")  # ...the rest late
    assert p.audit(ft.low_fulfilment_rate, as_of="2026-03-05") == []
    f = one(p.audit(ft.low_fulfilment_rate, as_of=AS_OF))
    assert f.evidence == (made[2], final, made[0], made[1])


@pytest.mark.parametrize(
    ("revised_due", "fires"), [(None, True), ("2026-03-05", True), ("2026-03-10", False)]
)
def test_ft002_judges_by_the_revised_due_date(
    ledger_builder: LedgerBuilder, revised_due: str | None, fires: bool
) -> None:
    p = founded(ledger_builder)
    made = [commit(p, f"c-{i}") for i in (1, 2, 3)]
    revised = []
    if revised_due:
        revised.append(
            p.record(
                "CommitmentRevised",
                on="2026-02-25",
                commitment="c-3",
                reason="Bank delay",
                due=revised_due,
            ).seq
        )
    # a later revision that sets no due date leaves it alone
    p.record("CommitmentRevised", on="2026-02-26", commitment="c-3", reason="More", value="2000")
    fulfil(p, "c-1", "2026-02-20")
    fulfil(p, "c-2", "2026-02-20")
    late = fulfil(p, "c-3", "2026-03-10")
    findings = p.audit(ft.low_fulfilment_rate, as_of=AS_OF)
    if not fires:
        assert findings == []
        return
    assert one(findings).evidence == (made[2], *revised, late, made[0], made[1])


def test_ft002_a_due_date_moved_past_the_audit_date_leaves_the_count(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    for i in (1, 2, 3):
        commit(p, f"c-{i}")
    p.record(
        "CommitmentRevised", on="2026-04-01", commitment="c-3", reason="Later", due="2026-07-01"
    )
    assert [f.subject for f in p.audit(ft.low_fulfilment_rate, as_of="2026-03-31")] == [
        "partner:ngo"
    ]
    assert p.audit(ft.low_fulfilment_rate, as_of="2026-04-01") == []


def test_ft002_a_revision_recorded_late_counts_once_known(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    for i in (1, 2, 3):
        commit(p, f"c-{i}")
        fulfil(p, f"c-{i}", "2026-03-10")
    for i in (1, 2, 3):  # agreed in February, written into the ledger in June
        p.record(
            "CommitmentRevised",
            on="2026-02-25",
            commitment=f"c-{i}",
            reason="Bank delay",
            due="2026-03-31",
            at="2026-06-10T09:00:00Z",
        )
    f = one(p.audit(ft.low_fulfilment_rate, as_of=AS_OF, known_at="2026-06-05T00:00:00Z"))
    assert "kept 0 of its 3" in f.message
    assert p.audit(ft.low_fulfilment_rate, as_of=AS_OF) == []


def test_ft002_withdrawn_commitments_leave_the_count(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    for i in (1, 2, 3):
        commit(p, f"c-{i}")
    p.record("CommitmentWithdrawn", on="2026-04-01", commitment="c-3", reason="No budget")
    assert one(p.audit(ft.low_fulfilment_rate, as_of="2026-03-31")).partner == "ngo"
    assert p.audit(ft.low_fulfilment_rate, as_of="2026-04-01") == []


def test_ft002_a_partner_that_left_is_judged_on_its_commitments(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    made = [commit(p, f"c-{i}") for i in (1, 2, 3)]
    p.record("PartnerLeft", on="2026-04-01", partner="ngo", reason="Merged")
    p.partner("ngo", on="2026-05-01", engagement="active")
    f = one(p.audit(ft.low_fulfilment_rate, as_of="2026-04-15"))
    assert (f.partner, f.evidence) == ("ngo", tuple(made))
    assert one(p.audit(ft.low_fulfilment_rate, as_of=AS_OF)).partner == "ngo"


@pytest.mark.parametrize(
    ("options", "kept", "due", "fires"),
    [
        ({"min_due": 2}, 0, 2, True),
        ({"min_due": 4}, 0, 3, False),
        ({"min_rate": 0.5}, 2, 3, False),
        ({"min_rate": 0.7}, 2, 3, True),
        ({"min_rate": 1}, 3, 4, True),
    ],
)
def test_ft002_options(
    ledger_builder: LedgerBuilder, options: dict[str, Any], kept: int, due: int, fires: bool
) -> None:
    p = founded(ledger_builder)
    for i in range(due):
        commit(p, f"c-{i}")
    for i in range(kept):
        fulfil(p, f"c-{i}", "2026-02-20")
    findings = p.audit(ft.low_fulfilment_rate, as_of=AS_OF, options=options)
    assert len(findings) == fires
    if options.get("min_rate") == 0.7:
        assert "(66%, below 70%)" in findings[0].message


# -- FT003 unconfirmed-fulfilment ------------------------------------------------------------


@pytest.fixture
def fulfilled(ledger_builder: LedgerBuilder) -> tuple[PartnershipBuilder, int, int]:
    """ngo's c-1, fulfilled on 2026-03-01; returns the builder and the seqs of c-1 and the
    fulfilment."""
    p = founded(ledger_builder)
    made = commit(p, "c-1")
    return p, made, fulfil(p, "c-1", "2026-03-01")


@pytest.mark.parametrize(("as_of", "fires"), [("2026-03-14", False), ("2026-03-15", True)])
def test_ft003_judged_once_14_days_have_passed(
    fulfilled: tuple[PartnershipBuilder, int, int], as_of: str, fires: bool
) -> None:
    p, made, done = fulfilled
    findings = p.audit(ft.unconfirmed_fulfilment, as_of=as_of)
    if not fires:
        assert findings == []
        return
    f = one(findings)
    assert (f.rule, f.subject, f.partner, f.severity) == (
        "FT003",
        "commitment:c-1",
        "ngo",
        "info",
    )
    assert f.message == (
        'No other partner confirmed ngo\'s fulfilment of commitment c-1 ("Funding c-1") on '
        "2026-03-01 within 14 days, that is by 2026-03-15."
    )
    assert f.evidence == (done, made)


@pytest.mark.parametrize(("confirmed", "fires"), [("2026-03-15", False), ("2026-03-16", True)])
def test_ft003_a_confirmation_within_14_days(
    fulfilled: tuple[PartnershipBuilder, int, int], confirmed: str, fires: bool
) -> None:
    p, made, done = fulfilled
    seq = p.record("FulfilmentConfirmed", on=confirmed, commitment="c-1", partner="city").seq
    findings = p.audit(ft.unconfirmed_fulfilment, as_of=AS_OF)
    if not fires:
        assert findings == []
        return
    f = one(findings)
    assert f.message.endswith("by 2026-03-15; the first confirmation, by city, came on 2026-03-16.")
    assert f.evidence == (done, made, seq)


def test_ft003_a_confirmation_of_an_earlier_delivery_does_not_count(
    fulfilled: tuple[PartnershipBuilder, int, int],
) -> None:
    p, made, _ = fulfilled
    p.record("FulfilmentConfirmed", on="2026-03-02", commitment="c-1", partner="city")
    rest = fulfil(p, "c-1", "2026-03-10", delivered="500")
    assert p.audit(ft.unconfirmed_fulfilment, as_of="2026-03-09") == []  # the first one counted
    assert p.audit(ft.unconfirmed_fulfilment, as_of="2026-03-23") == []  # not judged yet
    f = one(p.audit(ft.unconfirmed_fulfilment, as_of="2026-03-24"))
    assert "on 2026-03-10" in f.message and f.evidence == (rest, made)


@pytest.mark.parametrize(("confirmed", "fires"), [("2026-03-05", True), ("2026-03-12", False)])
def test_ft003_the_latest_fulfilment_is_latest_by_date_not_by_record(
    ledger_builder: LedgerBuilder, confirmed: str, fires: bool
) -> None:
    p = founded(ledger_builder)
    made = commit(p, "c-1")
    last = fulfil(p, "c-1", "2026-03-10")
    fulfil(p, "c-1", "2026-03-01", at="2026-03-11T09:00:00Z")  # an earlier delivery, recorded late
    p.record("FulfilmentConfirmed", on=confirmed, commitment="c-1", partner="water-co")
    findings = p.audit(ft.unconfirmed_fulfilment, as_of=AS_OF)
    assert [(f.evidence[:2]) for f in findings] == ([(last, made)] if fires else [])


def test_ft003_a_confirmation_recorded_late_counts_once_known(
    fulfilled: tuple[PartnershipBuilder, int, int],
) -> None:
    p, _, _ = fulfilled
    p.record(
        "FulfilmentConfirmed",
        on="2026-03-10",
        commitment="c-1",
        partner="city",
        at="2026-04-01T09:00:00Z",
    )
    found = p.audit(ft.unconfirmed_fulfilment, as_of="2026-03-20", known_at="2026-03-31")
    assert [f.subject for f in found] == ["commitment:c-1"]
    assert p.audit(ft.unconfirmed_fulfilment, as_of="2026-03-20") == []


@pytest.mark.parametrize(("confirmed", "fires"), [("2026-03-08", False), ("2026-03-09", True)])
def test_ft003_confirm_within_days_option(
    fulfilled: tuple[PartnershipBuilder, int, int], confirmed: str, fires: bool
) -> None:
    p, _, _ = fulfilled
    p.record("FulfilmentConfirmed", on=confirmed, commitment="c-1", partner="city")
    findings = p.audit(ft.unconfirmed_fulfilment, as_of=AS_OF, options={"confirm_within_days": 7})
    assert len(findings) == fires
    if fires:
        assert "within 7 days, that is by 2026-03-08" in findings[0].message


def test_ft003_silent_without_fulfilment(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    commit(p, "c-1")
    assert p.audit(ft.unconfirmed_fulfilment, as_of=AS_OF) == []


# -- FT004 review-overdue --------------------------------------------------------------------

START = "2026-02-01"


def implementing(p: PartnershipBuilder, on: str = START, **kw: Any) -> int:
    return p.record("PhaseChanged", on=on, phase="implementing", **kw).seq


def review(p: PartnershipBuilder, rid: str, opened: str, concluded: str, **kw: Any) -> int:
    """A review opened and concluded; returns the seq of its ReviewConcluded."""
    p.record("ReviewOpened", on=opened, review=rid, lenses=["partnership"])
    return p.record("ReviewConcluded", on=concluded, review=rid, findings="On track", **kw).seq


def schedule(p: PartnershipBuilder, every: int = 90, on: str = "2026-01-15") -> int:
    return p.record("ReviewScheduleSet", on=on, every_days=every).seq


@pytest.mark.parametrize(("days", "fires"), [(365, False), (366, True)])
def test_ft004_default_is_365_days(ledger_builder: LedgerBuilder, days: int, fires: bool) -> None:
    p = founded(ledger_builder)
    start = implementing(p)
    as_of = plus(START, days)
    findings = p.audit(ft.review_overdue, as_of=as_of)
    if not fires:
        assert findings == []
        return
    f = one(findings)
    assert (f.rule, f.subject, f.partner, f.severity) == (
        "FT004",
        "partnership:river",
        None,
        "warning",
    )
    assert f.message == (
        "No review was concluded in the 366 days between implementation start (2026-02-01) "
        "and the audit date (2027-02-02), more than the 365 days allowed by default between "
        "reviews."
    )
    assert f.evidence == (start,)


def test_ft004_silent_before_implementation_start(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    review(p, "rv-0", "2026-01-15", "2026-01-20")  # before implementation: does not count
    assert p.audit(ft.review_overdue, as_of="2028-01-01") == []
    implementing(p, on="2026-06-01")
    assert p.audit(ft.review_overdue, as_of="2027-06-01") == []
    assert one(p.audit(ft.review_overdue, as_of="2027-06-02")).message.startswith(
        "No review was concluded in the 366 days between implementation start (2026-06-01)"
    )


@pytest.mark.parametrize(("days", "fires"), [(90, False), (91, True)])
def test_ft004_the_agreed_schedule_wins_over_the_option(
    ledger_builder: LedgerBuilder, days: int, fires: bool
) -> None:
    p = founded(ledger_builder)
    set_at = schedule(p, 90)
    start = implementing(p)
    findings = p.audit(ft.review_overdue, as_of=plus(START, days), options={"every_days": 400})
    if not fires:
        assert findings == []
        return
    f = one(findings)
    assert "in the 91 days between implementation start (2026-02-01)" in f.message
    assert "more than the 90 days agreed on 2026-01-15 between reviews" in f.message
    assert f.evidence == (start, set_at)


def test_ft004_the_latest_schedule_is_in_force(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    schedule(p, 90)
    implementing(p)
    later = schedule(p, 180, on="2026-03-01")
    assert p.audit(ft.review_overdue, as_of="2026-02-28", options={"every_days": 10}) == []
    assert p.audit(ft.review_overdue, as_of=plus(START, 180)) == []
    assert one(p.audit(ft.review_overdue, as_of=plus(START, 181))).evidence[-1] == later


@pytest.mark.parametrize(("days", "fires"), [(100, False), (101, True)])
def test_ft004_every_days_option_without_a_schedule(
    ledger_builder: LedgerBuilder, days: int, fires: bool
) -> None:
    p = founded(ledger_builder)
    implementing(p)
    findings = p.audit(ft.review_overdue, as_of=plus(START, days), options={"every_days": 100})
    assert len(findings) == fires
    if fires:
        assert "more than the 100 days allowed by default" in findings[0].message


@pytest.mark.parametrize(("days", "fires"), [(90, False), (91, True)])
def test_ft004_a_conclusion_restarts_the_clock(
    ledger_builder: LedgerBuilder, days: int, fires: bool
) -> None:
    p = founded(ledger_builder)
    set_at = schedule(p, 90)
    implementing(p)
    concluded = review(p, "rv-1", "2026-04-01", "2026-04-20")
    findings = p.audit(ft.review_overdue, as_of=plus("2026-04-20", days))
    if not fires:
        assert findings == []
        return
    f = one(findings)
    assert "between the conclusion of review rv-1 (2026-04-20) and the audit date" in f.message
    assert f.evidence == (concluded, set_at)


def test_ft004_gaps_between_conclusions_longest_first(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    set_at = schedule(p, 90)
    start = implementing(p)
    first = review(p, "rv-1", "2026-04-01", plus(START, 100))  # 2026-05-12
    second = review(p, "rv-2", "2026-07-01", plus("2026-05-12", 120))  # 2026-09-09
    third = review(p, "rv-3", "2026-10-01", plus("2026-09-09", 90))  # exactly 90: fine
    f = one(p.audit(ft.review_overdue, as_of=plus("2026-12-08", 10)))
    assert f.message == (
        "No review was concluded in the 120 days between the conclusion of review rv-1 "
        "(2026-05-12) and the conclusion of review rv-2 (2026-09-09), more than the 90 days "
        "agreed on 2026-01-15 between reviews; 1 other gap also ran over."
    )
    assert f.evidence == (first, second, set_at, start)
    assert third not in f.evidence


def test_ft004_closure_ends_the_last_gap(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    start = implementing(p)
    closed = p.record(
        "PartnershipClosed", on=plus(START, 366), reason="completed", learning="Plan reviews"
    ).seq
    f = one(p.audit(ft.review_overdue, as_of="2030-01-01"))
    assert "and the partnership's closure (2027-02-02)" in f.message
    assert f.evidence == (start, closed)


def test_ft004_closure_in_time_stops_the_clock(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    implementing(p)
    p.record("PartnershipClosed", on=plus(START, 365), reason="completed", learning="Done")
    assert p.audit(ft.review_overdue, as_of="2030-01-01") == []


def test_ft004_implementation_start_without_phase_change(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    report = p.record("ProgressReported", on="2026-03-01", partner="ngo", summary="Begun").seq
    assert p.audit(ft.review_overdue, as_of=plus("2026-03-01", 365)) == []
    assert one(p.audit(ft.review_overdue, as_of=plus("2026-03-01", 366))).evidence == (report,)
    # a PhaseChanged to implementing recorded later but dated earlier moves the start back
    phase = implementing(p, on=START, at="2026-08-01T09:00:00Z")
    as_of = plus(START, 366)
    assert one(p.audit(ft.review_overdue, as_of=as_of)).evidence == (phase,)
    # as known before it was recorded, implementation started on 2026-03-01: 338 days
    assert p.audit(ft.review_overdue, as_of=as_of, known_at="2026-07-31") == []


def test_ft004_a_first_fulfilment_starts_implementation(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    commit(p, "c-1")
    done = fulfil(p, "c-1", "2026-02-20")
    f = one(p.audit(ft.review_overdue, as_of=plus("2026-02-20", 366)))
    assert f.evidence == (done,) and "implementation start (2026-02-20)" in f.message


def test_ft004_a_conclusion_recorded_late(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    schedule(p, 90)
    implementing(p)
    p.record("ReviewOpened", on="2026-04-01", review="rv-1", lenses=["project"])
    p.record(
        "ReviewConcluded", on="2026-04-20", review="rv-1", findings="Ok", at="2026-07-20T09:00:00Z"
    )
    assert p.audit(ft.review_overdue, as_of="2026-07-15") == []
    stale = p.audit(ft.review_overdue, as_of="2026-07-15", known_at="2026-07-19")
    assert "164 days between implementation start" in one(stale).message


# -- FT005 non-participatory-review ----------------------------------------------------------


def test_ft005_a_key_partner_not_heard(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    opened = p.record("ReviewOpened", on="2026-05-01", review="rv-1", lenses=["partnership"])
    for partner in ("city", "water-co"):
        p.record(
            "ReviewSubmitted",
            on="2026-05-10",
            review="rv-1",
            partner=partner,
            ratings={"trust": "green"},
        )
    concluded = p.record("ReviewConcluded", on="2026-05-20", review="rv-1", findings="Fine")
    assert p.audit(ft.non_participatory_review, as_of="2026-05-19") == []  # not concluded yet
    f = one(p.audit(ft.non_participatory_review, as_of="2026-05-20"))
    assert (f.rule, f.subject, f.partner, f.severity) == ("FT005", "review:rv-1", "ngo", "error")
    assert f.message == (
        "ngo, a key partner when review rv-1 opened on 2026-05-01, submitted nothing to it "
        "before it was concluded on 2026-05-20."
    )
    assert f.evidence == (concluded.seq, opened.seq, NGO)


def test_ft005_one_finding_per_missing_partner(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    review(p, "rv-1", "2026-05-01", "2026-05-20")
    findings = p.audit(ft.non_participatory_review, as_of=AS_OF)
    assert [(f.subject, f.partner) for f in findings] == [
        ("review:rv-1", "city"),
        ("review:rv-1", "ngo"),
        ("review:rv-1", "water-co"),
    ]
    assert [f.evidence[-1] for f in findings] == [CITY, NGO, WATER]


def submit_all_but_ngo(p: PartnershipBuilder) -> None:
    for partner in ("city", "water-co"):
        p.record(
            "ReviewSubmitted",
            on="2026-05-10",
            review="rv-1",
            partner=partner,
            ratings={"trust": "green"},
        )


def change(p: PartnershipBuilder, on: str, engagement: str, **kw: Any) -> int:
    return p.record(
        "PartnerEngagementChanged",
        on=on,
        partner="ngo",
        engagement=engagement,
        reason="Plan",
        **kw,
    ).seq


@pytest.mark.parametrize(
    ("story", "fires"),
    [
        ("key before opening, active after", True),
        ("active before opening", False),
        ("active, key only after opening", False),
        ("active, key before opening", True),
        ("left before conclusion", False),
        ("left and rejoined before conclusion", True),
        ("left after conclusion", True),
    ],
)
def test_ft005_key_at_opening_and_partner_at_conclusion(
    ledger_builder: LedgerBuilder, story: str, fires: bool
) -> None:
    p = founded(ledger_builder, "city", "water-co")
    joined = p.partner("ngo", on="2026-01-12", engagement="active" if "active," in story else "key")
    made_key = joined.seq
    if story == "active, key before opening":
        made_key = change(p, "2026-04-01", "key")
    if story == "active before opening":
        change(p, "2026-04-01", "active")
    p.record("ReviewOpened", on="2026-05-01", review="rv-1", lenses=["partnership"])
    if story == "key before opening, active after":
        change(p, "2026-05-05", "active")
    if story == "active, key only after opening":
        change(p, "2026-05-05", "key")
    if story.startswith("left"):
        on = "2026-05-25" if "after" in story else "2026-05-12"
        p.record("PartnerLeft", on=on, partner="ngo", reason="Merged")
    if "rejoined" in story:
        p.partner("ngo", on="2026-05-15", engagement="advisory")
    submit_all_but_ngo(p)
    p.record("ReviewConcluded", on="2026-05-20", review="rv-1", findings="Fine")
    findings = p.audit(ft.non_participatory_review, as_of=AS_OF)
    ngo = [f for f in findings if f.partner == "ngo"]
    assert len(ngo) == fires, story
    if fires:
        assert ngo[0].evidence[-1] == made_key


@pytest.mark.parametrize(("day", "fires"), [("2026-05-01", False), ("2026-04-30", True)])
def test_ft005_engagement_recorded_after_the_opening_is_placed_by_its_date(
    ledger_builder: LedgerBuilder, day: str, fires: bool
) -> None:
    p = founded(ledger_builder, "city", "water-co")
    p.partner("ngo", on="2026-01-12", engagement="active")
    p.record("ReviewOpened", on="2026-05-01", review="rv-1", lenses=["partnership"])
    # became key on ``day``, but this was recorded after the ReviewOpened: on the same day the
    # change comes after the opening; on the day before it comes first
    made_key = change(p, day, "key", at="2026-05-02T09:00:00Z")
    submit_all_but_ngo(p)
    p.record("ReviewConcluded", on="2026-05-20", review="rv-1", findings="Fine")
    findings = p.audit(ft.non_participatory_review, as_of=AS_OF)
    assert [f.evidence[-1] for f in findings] == ([made_key] if fires else [])


def test_ft005_a_submission_dated_after_the_conclusion_does_not_count(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    p.record("ReviewOpened", on="2026-05-01", review="rv-1", lenses=["partnership"])
    submit_all_but_ngo(p)
    p.record(
        "ReviewSubmitted", on="2026-05-25", review="rv-1", partner="ngo", ratings={"trust": "amber"}
    )
    # the conclusion is recorded after ngo's submission but dated before it
    p.record("ReviewConcluded", on="2026-05-20", review="rv-1", findings="Fine")
    assert [f.partner for f in p.audit(ft.non_participatory_review, as_of=AS_OF)] == ["ngo"]


def test_ft005_a_conclusion_recorded_late(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    p.record("ReviewOpened", on="2026-05-01", review="rv-1", lenses=["partnership"])
    submit_all_but_ngo(p)
    p.record(
        "ReviewConcluded",
        on="2026-05-20",
        review="rv-1",
        findings="Fine",
        at="2026-06-10T09:00:00Z",
    )
    assert p.audit(ft.non_participatory_review, as_of=AS_OF, known_at="2026-06-09") == []
    assert [f.partner for f in p.audit(ft.non_participatory_review, as_of=AS_OF)] == ["ngo"]


def test_ft005_open_reviews_and_full_participation_are_silent(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    p.record("ReviewOpened", on="2026-05-01", review="rv-open", lenses=["project"])
    p.record("ReviewOpened", on="2026-05-01", review="rv-1", lenses=["partnership"])
    submit_all_but_ngo(p)
    p.record(
        "ReviewSubmitted", on="2026-05-11", review="rv-1", partner="ngo", ratings={"trust": "red"}
    )
    p.partner("late-co", on="2026-05-02")  # key, but joined after the review opened
    p.record("ReviewConcluded", on="2026-05-20", review="rv-1", findings="Fine")
    assert p.audit(ft.non_participatory_review, as_of=AS_OF) == []


# -- FT006 indicator-unmeasured --------------------------------------------------------------


def indicator(p: PartnershipBuilder, due: str | None = "2026-06-30") -> int:
    extra = {"due": due} if due else {}
    return p.record(
        "IndicatorDefined",
        on="2026-02-01",
        indicator="i-1",
        name="Farmers trained",
        lens="project",
        method="Attendance lists",
        owner="ngo",
        **extra,
    ).seq


def measure(p: PartnershipBuilder, on: str, partner: str = "ngo", **kw: Any) -> int:
    return p.record(
        "IndicatorMeasured",
        on=on,
        indicator="i-1",
        value="40",
        period_end=on,
        partner=partner,
        **kw,
    ).seq


@pytest.mark.parametrize(
    ("as_of", "late"), [("2026-06-30", None), ("2026-07-01", "1 day"), ("2026-07-31", "31 days")]
)
def test_ft006_due_before_the_audit_date(
    ledger_builder: LedgerBuilder, as_of: str, late: str | None
) -> None:
    p = founded(ledger_builder)
    defined = indicator(p)
    findings = p.audit(ft.indicator_unmeasured, as_of=as_of)
    if late is None:
        assert findings == []
        return
    f = one(findings)
    assert (f.rule, f.subject, f.partner, f.severity) == (
        "FT006",
        "indicator:i-1",
        "ngo",
        "warning",
    )
    assert f.message == (
        'Indicator i-1 ("Farmers trained"), owned by ngo, was due to be measured by 2026-06-30 '
        f"and has no measurement: {late} late."
    )
    assert f.evidence == (defined,)


def test_ft006_any_measurement_by_the_audit_date(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    indicator(p)
    measure(p, "2026-07-03", partner="city")  # measured late, by another partner
    assert "2 days late" in one(p.audit(ft.indicator_unmeasured, as_of="2026-07-02")).message
    assert p.audit(ft.indicator_unmeasured, as_of="2026-07-03") == []


def test_ft006_early_measurement_and_no_due_date(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    indicator(p)
    measure(p, "2026-05-01")
    assert p.audit(ft.indicator_unmeasured, as_of="2026-12-31") == []
    q = ledger_builder.partnership("lake", on="2026-01-10")
    q.partner("ngo", on="2026-01-12")
    indicator(q, due=None)
    assert q.audit(ft.indicator_unmeasured, as_of="2027-01-01") == []


def test_ft006_a_measurement_recorded_late(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    indicator(p)
    measure(p, "2026-06-20", at="2026-07-10T09:00:00Z")
    assert [
        f.subject
        for f in p.audit(ft.indicator_unmeasured, as_of="2026-07-05", known_at="2026-07-09")
    ] == ["indicator:i-1"]
    assert p.audit(ft.indicator_unmeasured, as_of="2026-07-05") == []


# -- FT007 issue-unresolved ------------------------------------------------------------------


def issue(p: PartnershipBuilder, on: str = "2026-03-01", **kw: Any) -> int:
    return p.record(
        "IssueRaised", on=on, issue="is-1", partner="ngo", description="Late payments", **kw
    ).seq


@pytest.mark.parametrize(("as_of", "days"), [("2026-04-30", None), ("2026-05-01", 61)])
def test_ft007_open_more_than_60_days(
    ledger_builder: LedgerBuilder, as_of: str, days: int | None
) -> None:
    p = founded(ledger_builder)
    raised = issue(p)
    findings = p.audit(ft.issue_unresolved, as_of=as_of)
    if days is None:
        assert findings == []
        return
    f = one(findings)
    assert (f.rule, f.subject, f.partner, f.severity) == ("FT007", "issue:is-1", "ngo", "warning")
    assert f.message == (
        'Issue is-1 ("Late payments"), raised by ngo on 2026-03-01, has been open for 61 days, '
        "more than 60 days."
    )
    assert f.evidence == (raised,)


def test_ft007_resolution(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    issue(p)
    p.record("IssueResolved", on="2026-05-10", issue="is-1", resolution="Paid in advance")
    assert "open for 69 days" in one(p.audit(ft.issue_unresolved, as_of="2026-05-09")).message
    assert p.audit(ft.issue_unresolved, as_of="2026-05-10") == []


@pytest.mark.parametrize(("as_of", "fires"), [("2026-03-31", False), ("2026-04-01", True)])
def test_ft007_max_open_days_option(ledger_builder: LedgerBuilder, as_of: str, fires: bool) -> None:
    p = founded(ledger_builder)
    issue(p)
    findings = p.audit(ft.issue_unresolved, as_of=as_of, options={"max_open_days": 30})
    assert len(findings) == fires
    if fires:
        assert "open for 31 days, more than 30 days" in findings[0].message


def test_ft007_an_issue_recorded_late_counts_from_when_it_was_raised(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder)
    issue(p, at="2026-05-15T09:00:00Z")
    assert p.audit(ft.issue_unresolved, as_of="2026-05-01", known_at="2026-05-14") == []
    f = one(p.audit(ft.issue_unresolved, as_of="2026-05-01"))
    assert "61 days" in f.message and f.partner == "ngo"


def test_ft007_the_raising_partner_that_left_still_owns_it(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    issue(p)
    p.record("PartnerLeft", on="2026-03-15", partner="ngo", reason="Merged")
    assert one(p.audit(ft.issue_unresolved, as_of=AS_OF)).partner == "ngo"


# -- FT008 action-overdue --------------------------------------------------------------------


def action(p: PartnershipBuilder, due: str | None = "2026-05-15") -> int:
    extra = {"due": due} if due else {}
    return p.record(
        "ActionAgreed",
        on="2026-04-20",
        action="a-1",
        description="Publish the budget",
        owner="city",
        **extra,
    ).seq


@pytest.mark.parametrize(("as_of", "late"), [("2026-05-15", None), ("2026-05-16", "1 day")])
def test_ft008_due_before_the_audit_date(
    ledger_builder: LedgerBuilder, as_of: str, late: str | None
) -> None:
    p = founded(ledger_builder)
    agreed = action(p)
    findings = p.audit(ft.action_overdue, as_of=as_of)
    if late is None:
        assert findings == []
        return
    f = one(findings)
    assert (f.rule, f.subject, f.partner, f.severity) == ("FT008", "action:a-1", "city", "warning")
    assert f.message == (
        'Action a-1 ("Publish the budget") of city was due on 2026-05-15 and is not completed: '
        "1 day late."
    )
    assert f.evidence == (agreed,)


def test_ft008_completion(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    action(p)
    p.record("ActionCompleted", on="2026-05-20", action="a-1")
    assert "4 days late" in one(p.audit(ft.action_overdue, as_of="2026-05-19")).message
    assert p.audit(ft.action_overdue, as_of="2026-05-20") == []


def test_ft008_a_completion_recorded_late_and_no_due_date(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    action(p)
    p.record("ActionCompleted", on="2026-05-14", action="a-1", at="2026-06-02T09:00:00Z")
    assert one(p.audit(ft.action_overdue, as_of=AS_OF, known_at=AS_OF)).subject == "action:a-1"
    assert p.audit(ft.action_overdue, as_of=AS_OF) == []
    q = ledger_builder.partnership("lake", on="2026-01-10")
    q.partner("city", on="2026-01-12")
    action(q, due=None)
    assert q.audit(ft.action_overdue, as_of="2027-01-01") == []


# -- FT009 vague-commitment ------------------------------------------------------------------


def made(p: PartnershipBuilder, **data: Any) -> int:
    return p.record(
        "CommitmentMade",
        on="2026-01-20",
        commitment="c-1",
        partner="ngo",
        kind="people",
        description="Trainers",
        **data,
    ).seq


@pytest.mark.parametrize(
    ("data", "lacks"),
    [
        ({"due": "2026-09-30", "quantity": "2"}, None),
        ({"due": "2026-09-30", "value": "500", "currency": "EUR"}, None),
        ({"quantity": "2"}, "no due date"),
        ({"due": "2026-09-30"}, "neither a quantity nor a value"),
        ({}, "no due date and neither a quantity nor a value"),
    ],
)
def test_ft009_time_bound_and_measurable(
    ledger_builder: LedgerBuilder, data: dict[str, str], lacks: str | None
) -> None:
    p = founded(ledger_builder)
    seq = made(p, **data)
    findings = p.audit(ft.vague_commitment, as_of=AS_OF)
    if lacks is None:
        assert findings == []
        return
    f = one(findings)
    assert (f.rule, f.subject, f.partner, f.severity) == ("FT009", "commitment:c-1", "ngo", "info")
    assert f.message == f'Commitment c-1 of ngo ("Trainers") has {lacks}.'
    assert f.evidence == (seq,)


def test_ft009_a_revision_that_sets_what_was_missing(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    made(p, quantity="2")
    p.record(
        "CommitmentRevised",
        on="2026-03-01",
        commitment="c-1",
        reason="Dated",
        due="2026-09-30",
        at="2026-03-05T09:00:00Z",
    )
    assert one(p.audit(ft.vague_commitment, as_of="2026-02-28")).subject == "commitment:c-1"
    assert one(p.audit(ft.vague_commitment, as_of="2026-03-01", known_at="2026-03-04"))
    assert p.audit(ft.vague_commitment, as_of="2026-03-01") == []


def test_ft009_withdrawn_commitments_are_silent(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder)
    made(p)
    p.record("CommitmentWithdrawn", on="2026-02-01", commitment="c-1", reason="No trainers")
    assert p.audit(ft.vague_commitment, as_of="2026-01-31") != []
    assert p.audit(ft.vague_commitment, as_of="2026-02-01") == []


# -- waivers ---------------------------------------------------------------------------------


def scenario_ft002(p: PartnershipBuilder) -> None:
    for i in (1, 2, 3):
        commit(p, f"c-{i}")


def scenario_ft003(p: PartnershipBuilder) -> None:
    commit(p, "c-1")
    fulfil(p, "c-1", "2026-03-01")


def scenario_ft004(p: PartnershipBuilder) -> None:
    schedule(p, 30)
    implementing(p)


def scenario_ft005(p: PartnershipBuilder) -> None:
    p.record("ReviewOpened", on="2026-05-01", review="rv-1", lenses=["partnership"])
    submit_all_but_ngo(p)
    p.record("ReviewConcluded", on="2026-05-20", review="rv-1", findings="Fine")


SCENARIOS: list[tuple[Any, Callable[[PartnershipBuilder], Any], str, str | None]] = [
    (ft.low_fulfilment_rate, scenario_ft002, "partner:ngo", "ngo"),
    (ft.unconfirmed_fulfilment, scenario_ft003, "commitment:c-1", "ngo"),
    (ft.review_overdue, scenario_ft004, "partnership:river", None),
    (ft.non_participatory_review, scenario_ft005, "review:rv-1", "ngo"),
    (ft.indicator_unmeasured, lambda p: indicator(p, due="2026-04-30"), "indicator:i-1", "ngo"),
    (ft.issue_unresolved, issue, "issue:is-1", "ngo"),
    (ft.action_overdue, action, "action:a-1", "city"),
    (ft.vague_commitment, made, "commitment:c-1", "ngo"),
]


@pytest.mark.parametrize(
    ("rule", "build", "subject", "partner"), SCENARIOS, ids=[s[0].id for s in SCENARIOS]
)
def test_a_waiver_by_another_key_partner_marks_the_finding_waived(
    ledger_builder: LedgerBuilder,
    rule: Any,
    build: Callable[[PartnershipBuilder], Any],
    subject: str,
    partner: str | None,
) -> None:
    p = founded(ledger_builder)
    build(p)
    (before,) = p.audit(rule, as_of=AS_OF)
    assert (before.subject, before.partner, before.waived) == (subject, partner, False)
    by = "water-co" if partner == "city" else "city"
    extra = {"partner": partner} if partner else {}
    waive(p, rule.id, subject, on="2026-05-25", by=by, until="2026-06-30", **extra)
    (after,) = p.audit(rule, as_of=AS_OF)
    assert after.waived and (after.subject, after.partner) == (subject, partner)
    assert after.severity == before.severity and after.message == before.message
    assert not one(p.audit(rule, as_of="2026-07-01")).waived  # lapsed after its until

"""Follow-through (FT): partners keep what they promised (RULES.md)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise
from typing import TYPE_CHECKING

from ledger import hookimpl, rule
from ledger.rules import Context, Finding, Rule

if TYPE_CHECKING:
    from ledger.view import Commitment, PartnershipView, Submission


def _days(n: int) -> str:
    return f"{n} day{'s' * (n != 1)}"


def _percent(part: int, whole: int) -> str:
    """The rate ``part / whole`` as a whole percentage, rounded down (so 79.9% never reads as
    80%); in whole numbers, as the rates are exact fractions."""
    return f"{part * 100 // whole}%"


@functools.lru_cache(maxsize=8, typed=True)
def _fraction(option: float | str) -> Fraction:
    """An option's rate as an exact fraction (parsed once per value, not once per view)."""
    return Fraction(str(option))


def _due_revision(commitment: Commitment) -> list[int]:
    """The seq of the revision that set the due date in force, if one did."""
    return [r.seq for r in commitment.revisions if r.due is not None][-1:]


@rule(
    "FT001",
    name="overdue-commitment",
    principle="follow-through",
    severity="warning",
    options={"error_after_days": 30},
    example="CommitmentMade c-1 due 2026-04-30, no CommitmentFulfilled; audit as of 2026-05-01 "
    "gives a warning, as of 2026-05-31 an error.",
)
def overdue_commitment(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A live commitment's due date is before the audit date and it is not fulfilled; an error
    once it is more than `error_after_days` days late.

    The due date is the one in force: that of the latest CommitmentRevised that sets one."""
    limit = ctx.options["error_after_days"]
    audit_date = ctx.audit_date
    for commitment in view.commitments.values():
        if commitment.withdrawal is not None or commitment.fulfilments:
            continue  # withdrawn (not live), or fulfilled
        due = commitment.due
        if due is None or due >= audit_date:
            continue
        late = (audit_date - due).days
        revisions = [r.seq for r in commitment.revisions if r.due is not None]
        yield ctx.finding(
            f"commitment:{commitment.id}",
            f"{commitment.owner} has not fulfilled commitment {commitment.id} "
            f'("{commitment.description}"), due on {due}: {late} day{"s" * (late != 1)} late.',
            partner=commitment.owner,
            evidence=(*revisions[-1:], commitment.seq),
            severity="error" if late > limit else None,
        )


@rule(
    "FT002",
    name="low-fulfilment-rate",
    principle="follow-through",
    severity="warning",
    options={"min_due": 3, "min_rate": 0.8},
    example="ngo made c-1, c-2 and c-3, all due before 2026-06-01; it fulfilled c-1 on time, c-2 "
    "a week late and never fulfilled c-3: as of 2026-06-01, 1 of 3 kept on time (33%), a "
    "warning on partner:ngo.",
)
def low_fulfilment_rate(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A partner with at least `min_due` live commitments due before the audit date fulfilled
    fewer than `min_rate` of them on or before their due date.

    Each commitment's due date is the one in force (the latest CommitmentRevised that sets
    one, else its own). A commitment is kept on time when its latest CommitmentFulfilled (the
    one that counts) occurred on or before that date; a fulfilment after the audit date is not
    known yet. Withdrawn commitments, commitments without a due date and those due on or after
    the audit date are left out. A partner that has left is still judged on the commitments it
    made. Evidence: the commitments not kept on time (each followed by the revision that set
    its due date and its late fulfilment), then those kept on time."""
    min_due, min_rate = ctx.options["min_due"], _fraction(ctx.options["min_rate"])
    audit_date = ctx.audit_date
    # each owner's live commitments due before the audit date: (kept on time, not kept)
    due_by_owner: dict[str, tuple[list[Commitment], list[Commitment]]] = {}
    for commitment in view.commitments.values():
        if commitment.withdrawal is not None:
            continue  # not live
        due = commitment.due
        if due is None or due >= audit_date:
            continue
        found = due_by_owner.get(commitment.owner)
        if found is None:
            found = due_by_owner[commitment.owner] = ([], [])
        fulfilments = commitment.fulfilments  # the latest is the one that counts
        on_time = bool(fulfilments) and fulfilments[-1].occurred_on <= due
        found[0 if on_time else 1].append(commitment)
    for owner, (kept, missed) in due_by_owner.items():
        total = len(kept) + len(missed)
        if total < min_due:
            continue
        # the rate kept / total against min_rate, exactly, in whole numbers
        if len(kept) * min_rate.denominator >= min_rate.numerator * total:
            continue
        evidence: list[int] = []
        for c in missed:
            evidence.append(c.seq)
            evidence += _due_revision(c)
            evidence += [f.seq for f in c.fulfilments[-1:]]
        evidence += [c.seq for c in kept]
        yield ctx.finding(
            f"partner:{owner}",
            f"{owner} kept {len(kept)} of its {total} commitments due before {audit_date} on "
            f"time ({_percent(len(kept), total)}, below "
            f"{_percent(min_rate.numerator, min_rate.denominator)}); not fulfilled by their due "
            f"date: {', '.join(c.id for c in missed)}.",
            partner=owner,
            evidence=evidence,
        )


@rule(
    "FT003",
    name="unconfirmed-fulfilment",
    principle="follow-through",
    severity="info",
    options={"confirm_within_days": 14},
    example="city fulfils c-1 on 2026-03-01 and no other partner records FulfilmentConfirmed by "
    "2026-03-15: as of 2026-03-14 nothing is judged yet, as of 2026-03-15 an info finding.",
)
def unconfirmed_fulfilment(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A fulfilled commitment has no FulfilmentConfirmed from another partner, after its latest
    fulfilment, within `confirm_within_days` days of it; judged only once that time has passed
    by the audit date.

    The latest CommitmentFulfilled (in "before" order) is the one to confirm: a confirmation
    of an earlier partial delivery does not count. A confirmation counts when it comes after
    that fulfilment and occurred within N days of its date D, that is in [D, D + N]; the rule
    looks only once the audit date is D + N or later. A commitment withdrawn after it was
    fulfilled is still a fulfilled one. Evidence: the fulfilment, the commitment, then the
    first confirmation if it came too late."""
    within = ctx.options["confirm_within_days"]
    window = timedelta(days=within)
    audit_date = ctx.audit_date
    for commitment in view.commitments.values():
        fulfilments = commitment.fulfilments
        if not fulfilments:
            continue
        last = fulfilments[-1]  # the latest fulfilment, the one to confirm
        deadline = last.occurred_on + window
        if audit_date < deadline:
            continue
        # Confirmations are in "before" order, so the first by another partner after the
        # fulfilment is also the earliest: if it is too late (or missing), none came in time.
        fulfilled, owner = (last.occurred_on, last.seq), commitment.owner
        first = None
        for confirmation in commitment.confirmations:
            if (
                confirmation.partner != owner
                and (confirmation.occurred_on, confirmation.seq) > fulfilled
            ):
                first = confirmation
                break
        if first is not None and first.occurred_on <= deadline:
            continue
        late = ""
        if first is not None:
            late = f"; the first confirmation, by {first.partner}, came on {first.occurred_on}"
        yield ctx.finding(
            f"commitment:{commitment.id}",
            f"No other partner confirmed {owner}'s fulfilment of commitment "
            f'{commitment.id} ("{commitment.description}") on {last.occurred_on} within '
            f"{_days(within)}, that is by {deadline}{late}.",
            partner=owner,
            evidence=(last.seq, commitment.seq, *([first.seq] if first is not None else [])),
        )


@rule(
    "FT004",
    name="review-overdue",
    principle="follow-through",
    severity="warning",
    options={"every_days": 365},
    example="PhaseChanged to implementing on 2026-01-01, no ReviewScheduleSet, no "
    "ReviewConcluded: as of 2027-01-01 (365 days) nothing, as of 2027-01-02 (366 days) a "
    "warning; after ReviewScheduleSet every_days 90, already as of 2026-04-02.",
)
def review_overdue(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """After implementation start, a gap of more than `every_days` days (the latest
    ReviewScheduleSet, else 365) separates implementation start or a ReviewConcluded from the
    next ReviewConcluded, or from the audit date (or PartnershipClosed, whichever is first).

    Implementation start is the first PhaseChanged to implementing, else the first
    CommitmentFulfilled or ProgressReported; only conclusions after it count. The interval is
    that of the latest ReviewScheduleSet by the audit date, applied to every gap; the option
    is used only when the partners recorded none. One finding for the partnership: the
    longest gap is described (the latest of equal ones) and the others are counted. Evidence:
    the events opening and closing the longest gap (none closes a gap that runs to the audit
    date), the ReviewScheduleSet, then the events bounding the other gaps."""
    start = view.implementation_start
    if start is None:
        return
    schedule = view.review_schedules[-1] if view.review_schedules else None
    every: int = schedule.every_days if schedule else ctx.options["every_days"]
    marks: list[tuple[date, int | None, str]] = [
        (start.occurred_on, start.seq, "implementation start")
    ]
    started = (start.occurred_on, start.seq)
    concluded = [
        ((r.conclusion.occurred_on, r.conclusion.seq), r.conclusion, r.id)
        for r in view.reviews.values()
        if r.conclusion is not None and (r.conclusion.occurred_on, r.conclusion.seq) > started
    ]
    concluded.sort(key=lambda found: found[0])  # in "before" order of the conclusions
    for _, conclusion, rid in concluded:
        marks.append((conclusion.occurred_on, conclusion.seq, f"the conclusion of review {rid}"))
    if view.closure is not None:
        marks.append((view.closure.occurred_on, view.closure.seq, "the partnership's closure"))
    else:
        marks.append((ctx.audit_date, None, "the audit date"))
    gaps: list[tuple[int, date, str, list[int]]] = []
    for (first, opened, what), (last, closed, until) in pairwise(marks):
        days = (last - first).days
        if days > every:
            seqs = [s for s in (opened, closed) if s is not None]
            gaps.append((days, first, f"between {what} ({first}) and {until} ({last})", seqs))
    if not gaps:
        return
    gaps.sort(key=lambda gap: (gap[0], gap[1]), reverse=True)
    days, _, span, seqs = gaps[0]
    seqs += [schedule.seq] if schedule else []
    seqs += [seq for gap in gaps[1:] for seq in gap[3]]
    agreed = f"agreed on {schedule.occurred_on}" if schedule else "allowed by default"
    others = ""
    if len(gaps) > 1:
        others = f"; {len(gaps) - 1} other gap{'s' * (len(gaps) > 2)} also ran over"
    yield ctx.finding(
        f"partnership:{view.partnership}",
        f"No review was concluded in the {_days(days)} {span}, more than the "
        f"{_days(every)} {agreed} between reviews{others}.",
        evidence=seqs,
    )


@rule(
    "FT005",
    name="non-participatory-review",
    principle="follow-through",
    severity="error",
    example="ngo and city are key partners when review rv-1 opens on 2026-05-01; only city "
    "submits before ReviewConcluded rv-1 on 2026-05-20: an error on review:rv-1 for ngo.",
)
def non_participatory_review(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A concluded review lacks a ReviewSubmitted, before its conclusion, from a partner that
    was key when the review opened and was still a partner at its conclusion; one finding per
    missing partner.

    "When the review opened" and "at its conclusion" are the moments of the ReviewOpened and
    ReviewConcluded events, so a partner that joins, becomes key or leaves on the same day
    counts by the order of the events. A partner that left and rejoined before the conclusion
    is still a partner at it. A submission counts only if it comes before the conclusion.
    Evidence: the ReviewConcluded, the ReviewOpened, and the partner's engagement entry that
    made it key when the review opened."""
    for review in view.reviews.values():
        conclusion = review.conclusion
        if conclusion is None:
            continue
        opened = review.moment
        heard = _submitters_before(review.submissions, (conclusion.occurred_on, conclusion.seq))
        # the view's memoised answers, not each partner's history searched per review
        unheard = [pid for pid in view.key_partners_at(opened) if pid not in heard]
        if not unheard:
            continue  # every partner key at the opening submitted (the usual case)
        partners_then = view.engagements_at(conclusion.moment)
        for pid in unheard:
            if pid not in partners_then:
                continue  # not a partner at the conclusion
            made_key = view.partners[pid].entry_at(opened)
            yield ctx.finding(
                f"review:{review.id}",
                f"{pid}, a key partner when review {review.id} opened on "
                f"{review.occurred_on}, submitted nothing to it before it was concluded on "
                f"{conclusion.occurred_on}.",
                partner=pid,
                evidence=(conclusion.seq, review.seq, *([made_key.seq] if made_key else [])),
            )


def _submitters_before(
    submissions: tuple[Submission, ...], concluded: tuple[date, int]
) -> set[str]:
    """The partners with a submission before ``concluded``. Submissions are in "before" order,
    so those before it are a prefix, usually all of them (the ledger refuses a submission
    recorded after the conclusion): the last one tells."""
    if not submissions:
        return set()
    last = submissions[-1]
    if (last.occurred_on, last.seq) < concluded:
        return {s.partner for s in submissions}
    return {s.partner for s in submissions if (s.occurred_on, s.seq) < concluded}


@rule(
    "FT006",
    name="indicator-unmeasured",
    principle="follow-through",
    severity="warning",
    example="IndicatorDefined i-1 owned by ngo, due 2026-06-30, no IndicatorMeasured: a "
    "warning as of 2026-07-01, none as of 2026-06-30 or once it is measured.",
)
def indicator_unmeasured(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """An indicator's due is before the audit date and it has no IndicatorMeasured on or before
    the audit date.

    Any measurement that occurred by the audit date counts, whoever recorded it and whatever
    period it covers, even one made before the due date. Evidence: the IndicatorDefined."""
    for indicator in view.indicators.values():
        due = indicator.due
        if due is None or due >= ctx.audit_date or indicator.measurements:
            continue
        yield ctx.finding(
            f"indicator:{indicator.id}",
            f'Indicator {indicator.id} ("{indicator.name}"), owned by {indicator.owner}, was '
            f"due to be measured by {due} and has no measurement: "
            f"{_days((ctx.audit_date - due).days)} late.",
            partner=indicator.owner,
            evidence=(indicator.seq,),
        )


@rule(
    "FT007",
    name="issue-unresolved",
    principle="follow-through",
    severity="warning",
    options={"max_open_days": 60},
    example="IssueRaised is-1 by ngo on 2026-03-01, no IssueResolved: nothing as of 2026-04-30 "
    "(60 days), a warning as of 2026-05-01 (61 days).",
)
def issue_unresolved(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """An issue has been open more than `max_open_days` days at the audit date.

    An issue is open from the date of its IssueRaised until its IssueResolved; a resolution
    after the audit date is not known yet. Evidence: the IssueRaised."""
    limit = ctx.options["max_open_days"]
    for issue in view.issues.values():
        days = (ctx.audit_date - issue.occurred_on).days
        if issue.resolved or days <= limit:
            continue
        yield ctx.finding(
            f"issue:{issue.id}",
            f'Issue {issue.id} ("{issue.description}"), raised by {issue.partner} on '
            f"{issue.occurred_on}, has been open for {_days(days)}, more than "
            f"{_days(limit)}.",
            partner=issue.partner,
            evidence=(issue.seq,),
        )


@rule(
    "FT008",
    name="action-overdue",
    principle="follow-through",
    severity="warning",
    example="ActionAgreed a-1 owned by city, due 2026-05-15, no ActionCompleted: a warning as "
    "of 2026-05-16, none as of 2026-05-15.",
)
def action_overdue(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """An agreed action's due is before the audit date and it has no ActionCompleted.

    A completion after the audit date is not known yet; an action without a due date is never
    overdue. Evidence: the ActionAgreed."""
    for action in view.actions.values():
        due = action.due
        if due is None or due >= ctx.audit_date or action.completed:
            continue
        yield ctx.finding(
            f"action:{action.id}",
            f'Action {action.id} ("{action.description}") of {action.owner} was due on {due} '
            f"and is not completed: {_days((ctx.audit_date - due).days)} late.",
            partner=action.owner,
            evidence=(action.seq,),
        )


@rule(
    "FT009",
    name="vague-commitment",
    principle="follow-through",
    severity="info",
    example="CommitmentMade c-1 by ngo with a quantity but no due date, or with a due date but "
    "neither quantity nor value: an info finding until a CommitmentRevised sets what is missing.",
)
def vague_commitment(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A live commitment has no due date, or has neither quantity nor value (not time-bound or
    not measurable).

    Due date, quantity and value are those in force: a CommitmentRevised that sets the missing
    one makes the commitment precise from its date on. Evidence: the CommitmentMade."""
    for commitment in view.commitments.values():
        if commitment.withdrawal is not None:
            continue  # not live
        timeless = commitment.due is None
        unmeasurable = commitment.quantity is None and commitment.value is None
        if not (timeless or unmeasurable):
            continue
        lacks = []
        if timeless:
            lacks.append("no due date")
        if unmeasurable:
            lacks.append("neither a quantity nor a value")
        yield ctx.finding(
            f"commitment:{commitment.id}",
            f'Commitment {commitment.id} of {commitment.owner} ("{commitment.description}") '
            f"has {' and '.join(lacks)}.",
            partner=commitment.owner,
            evidence=(commitment.seq,),
        )


@hookimpl
def pledger_rules() -> list[Rule]:
    return [
        overdue_commitment,
        low_fulfilment_rate,
        unconfirmed_fulfilment,
        review_overdue,
        non_participatory_review,
        indicator_unmeasured,
        issue_unresolved,
        action_overdue,
        vague_commitment,
    ]

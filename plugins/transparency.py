"""Transparency (TR): decisions and facts are shared openly (RULES.md)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from ledger import hookimpl, rule
from ledger.catalogue import CORE_TYPES
from ledger.rules import Context, Finding, Rule

if TYPE_CHECKING:
    from ledger.events import Envelope
    from ledger.view import (
        Assumption,
        CommunicationProtocol,
        DealBreaker,
        Moment,
        Partner,
        PartnerKey,
        PartnershipView,
        Share,
        Signature,
    )


def _listing(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _days(n: int) -> str:
    return f"{n} day{'s' * (n != 1)}"


def _entry_seq(partner: Partner, when: Moment) -> int | None:
    """The seq of the partner's engagement entry (join or change) in force at ``when``."""
    entry = partner.entry_at(when)
    return entry.seq if entry is not None else None


def _first_by_partner(records: Iterable[Assumption | DealBreaker]) -> dict[str, tuple[date, int]]:
    """The moment (day and seq) of each partner's earliest record."""
    first: dict[str, tuple[date, int]] = {}
    for record in records:
        at = (record.occurred_on, record.seq)
        if record.partner not in first or at < first[record.partner]:
            first[record.partner] = at
    return first


@rule(
    "TR001",
    name="decision-without-rationale",
    principle="transparency",
    severity="error",
    example="DecisionProposed d-1 without rationale; DecisionTaken d-1 adopted, no rationale.",
)
def decision_without_rationale(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A taken decision has no rationale, neither in its DecisionTaken nor in its
    DecisionProposed.

    Partners who were not in the room can only accept a decision they can understand."""
    for decision in view.decisions.values():
        if decision.taken is None or decision.has_rationale:
            continue
        yield ctx.finding(
            f"decision:{decision.id}",
            f'Decision {decision.id} ("{decision.title}") was {decision.taken.outcome} on '
            f"{decision.taken.occurred_on} with no rationale recorded, neither when proposed "
            "nor when taken.",
            evidence=(decision.taken.seq, decision.seq),
        )


class _ShareWindows:
    """What sets N for a decision taken at a moment: the latest partners-audience protocol
    before it that sets share_within_days, else the option. Worked out once per view, then
    one bisection per decision; each N comes with its timedelta, made once, not per decision."""

    def __init__(self, view: PartnershipView, default_days: int) -> None:
        self.starts: list[tuple[date, int]] = []
        self.choices: list[tuple[CommunicationProtocol | None, int, timedelta]] = [
            (None, default_days, timedelta(days=default_days))
        ]
        for protocol in view.protocols:  # in "before" order
            days = protocol.share_within_days
            if protocol.audience == "partners" and days is not None:
                self.starts.append((protocol.occurred_on, protocol.seq))
                self.choices.append((protocol, days, timedelta(days=days)))

    def at(self, when: tuple[date, int]) -> tuple[CommunicationProtocol | None, int, timedelta]:
        """The protocol in force before ``when`` (None: the option's), its N and N days."""
        return self.choices[bisect_left(self.starts, when)]  # how many started before it


def _reached(shares: Iterable[Share]) -> set[str] | None:
    """The partners the shares reached, recipients and sharers; None when one went to all."""
    reached: set[str] = set()
    for share in shares:
        if "all" in share.recipients:
            return None
        reached.update(share.recipients)
        reached.add(share.actor)
    return reached


@rule(
    "TR002",
    name="decision-not-shared",
    principle="transparency",
    severity="warning",
    options={"share_within_days": 7},
    example="Partners ngo, city and water-co; DecisionTaken d-1 on 2026-02-10; InformationShared "
    "decision:d-1 with [city] by ngo on 2026-02-12; audit as of 2026-02-17: water-co was left "
    "out.",
)
def decision_not_shared(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A taken decision was not shared, by the union of its InformationShared events within N
    days after decision time, with all or with every partner at decision time other than the
    sharers (the actors of those events); N is the share_within_days of the latest
    partners-audience CommunicationProtocolAgreed before decision time that sets it, else the
    option share_within_days (7).

    Decision time is the DecisionTaken; adopted and rejected decisions alike must be shared.
    A share counts when it occurred on a day from the day of decision time to N days after it,
    both included (whatever its seq on that first day); shares before or after that window do
    not. Partners at decision time are those joined at or before the DecisionTaken and not
    left then: a partner that left before it need not be told, one that left later still had
    to be. The decision is judged only once the audit date is N days or more after decision
    time. The message names the partners left out; the evidence is the DecisionTaken, the
    shares that fell short, the protocol that set N, then the join (or engagement change) that
    made each partner left out a partner at decision time."""
    audit_date = ctx.audit_date
    windows = _ShareWindows(view, ctx.options["share_within_days"])
    for decision in view.decisions.values():
        taken = decision.taken
        if taken is None:
            continue
        day = taken.occurred_on
        protocol, days, span = windows.at((day, taken.seq))
        end = day + span
        if audit_date < end:
            continue
        # decision.shares: the view's InformationShared events about it, in "before" order
        shares = [s for s in decision.shares if day <= s.occurred_on <= end]
        reached = _reached(shares)
        if reached is None:
            continue  # shared with all
        at = taken.moment
        partners = view.partners_at(at)
        missing = [p for p in partners if p not in reached]
        if not missing:
            continue
        agreed = " agreed in the partners' communication protocol" if protocol else ""
        told = [p for p in partners if p in reached]
        partial = f"; only {_listing(told)} had it" if told else ""
        joins = [_entry_seq(view.partners[p], at) for p in missing]
        yield ctx.finding(
            f"decision:{decision.id}",
            f'Decision {decision.id} ("{decision.title}"), {taken.outcome} on '
            f"{taken.occurred_on}, was not shared with {_listing(missing)} within the "
            f"{_days(days)}{agreed} (by {end}){partial}.",
            evidence=(
                taken.seq,
                *(s.seq for s in shares),
                *([protocol.seq] if protocol else []),
                *(seq for seq in joins if seq is not None),
            ),
        )


@rule(
    "TR003",
    name="undeclared-assumptions",
    principle="transparency",
    severity="warning",
    example="Key partner city signs agreement version 1 on 2026-03-01 having declared an "
    "assumption but no DealBreakerDeclared before.",
)
def undeclared_assumptions(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A partner that was key when it signed an agreement version had not, before signing,
    declared at least one assumption and one deal-breaker (a DealBreakerDeclared with none:
    true counts).

    "Key when it signed" is the partner's latest engagement at its AgreementSigned; a partner
    active, pilot or advisory then is not asked. "Before signing" is RULES.md's before: an
    earlier day, or the same day and a lower seq, so a declaration recorded later but dated
    earlier counts, and one recorded after the signature on the same day does not. A partner
    that signed several versions so gets one finding naming the first and counting the others;
    the evidence is its signatures, then the engagement that made it key."""
    assumed_first = _first_by_partner(view.assumptions)
    limits_first = _first_by_partner(view.deal_breakers)
    cases: dict[str, list[tuple[Signature, int, str]]] = {}
    for version in view.agreements.values():
        for sig in version.signatures:
            signed_at = (sig.occurred_on, sig.seq)
            assumed = sig.partner in assumed_first and assumed_first[sig.partner] < signed_at
            limits = sig.partner in limits_first and limits_first[sig.partner] < signed_at
            if assumed and limits:
                continue
            partner = view.partners.get(sig.partner)
            entry = None if partner is None else partner.entry_at(sig.moment)
            if entry is None or entry.kind == "left" or entry.engagement != "key":
                continue  # not key when it signed
            lacking = "assumption or deal-breaker"
            if assumed != limits:
                lacking = "deal-breaker (nor that it has none)" if assumed else "assumption"
            cases.setdefault(sig.partner, []).append((sig, version.version, lacking))
    for pid, signed in cases.items():
        signed.sort(key=lambda case: case[0].moment)
        first, number, lacking = signed[0]
        others = [str(v) for _, v, _ in signed[1:]]
        more = (
            f", and signed version{'s' * (len(others) > 1)} {_listing(others)} likewise"
            if others
            else ""
        )
        key = _entry_seq(view.partners[pid], first.moment)
        yield ctx.finding(
            f"partner:{pid}",
            f"{pid} signed agreement version {number} on {first.occurred_on} as a key partner "
            f"without having declared any {lacking} before{more}.",
            partner=pid,
            evidence=(*(sig.seq for sig, _, _ in signed), *([key] if key else [])),
        )


@rule(
    "TR004",
    name="late-revision",
    principle="transparency",
    severity="warning",
    example="CommitmentMade c-1 due 2026-03-01; CommitmentRevised c-1 on 2026-03-15 sets due "
    "2026-06-30 (the change came 14 days after the due date had passed).",
)
def late_revision(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A CommitmentRevised set a due different from the due date in force and occurred after
    that due date, or a commitment was withdrawn after its due date without being fulfilled.

    The due date in force at a revision or withdrawal is that of the latest earlier revision
    that sets one (in RULES.md's "before" order), else the commitment's own; a revision made on
    the due date itself, one that repeats the due date in force, and one of a commitment that
    had no due date are not late. A withdrawal counts when the commitment has no
    CommitmentFulfilled in the view. All late changes of a commitment make one finding for its
    owner, describing the first and counting the others; the evidence is the late changes,
    then the event that set the due date they passed, then the CommitmentMade."""
    for commitment in view.commitments.values():
        due, due_seq = commitment.original_due, commitment.seq
        late: list[tuple[str, int, int]] = []  # (what happened, seq, seq that set the due)
        what = f'commitment {commitment.id} ("{commitment.description}")'
        for revision in commitment.revisions:
            if revision.due is None:
                continue
            if due is not None and revision.due != due and revision.occurred_on > due:
                days = _days((revision.occurred_on - due).days)
                late.append(
                    (
                        f"moved the due date of {what} from {due} to {revision.due} on "
                        f"{revision.occurred_on}, {days} after it had passed",
                        revision.seq,
                        due_seq,
                    )
                )
            due, due_seq = revision.due, revision.seq
        withdrawal = commitment.withdrawal
        if withdrawal is not None and not commitment.fulfilled:
            due_then = commitment.original_due
            due_seq = commitment.seq
            for revision in commitment.revisions:
                if revision.due is not None and revision.moment < withdrawal.moment:
                    due_then, due_seq = revision.due, revision.seq
            if due_then is not None and withdrawal.occurred_on > due_then:
                days = _days((withdrawal.occurred_on - due_then).days)
                late.append(
                    (
                        f"withdrew {what} unfulfilled on {withdrawal.occurred_on}, {days} after "
                        f"its due date {due_then}",
                        withdrawal.seq,
                        due_seq,
                    )
                )
        if not late:
            continue
        text, seq, set_by = late[0]
        more = f" ({len(late) - 1} more late change{'s' * (len(late) > 2)})" if late[1:] else ""
        yield ctx.finding(
            f"commitment:{commitment.id}",
            f"{commitment.owner} {text}{more}.",
            partner=commitment.owner,
            evidence=(seq, *(s for _, s, _ in late[1:]), set_by, commitment.seq),
        )


@rule(
    "TR005",
    name="problem-first-in-review",
    principle="transparency",
    severity="info",
    options={"window_days": 90},
    example="ReviewSubmitted r-1 by ngo on 2026-06-10 rates budget red; ngo raised no issue "
    "and attended no MeetingHeld from 2026-03-12 to 2026-06-10.",
)
def problem_first_in_review(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A review submission rates some aspect (its ratings, not worth) red while, in the
    window_days (90) days up to it, inclusive, that partner raised no issue and attended no
    MeetingHeld.

    The submission judged is the partner's latest on the review (the one that counts,
    EVENTS.md). The window runs from window_days before the submission's day to that day,
    both included, by occurred_on: an issue raised or a meeting attended on the submission's
    own day counts, one a day before the window does not. The evidence is the submission, then
    the ReviewOpened."""
    window = ctx.options["window_days"]
    spoke: dict[str, list[date]] | None = None  # the days each partner raised an issue or met
    for review in view.reviews.values():
        for pid, submission in review.latest_submissions.items():
            if "red" not in submission.ratings.values():
                continue
            day = submission.occurred_on
            start = day - timedelta(days=window)
            if spoke is None:
                spoke = _issue_and_meeting_days(view)
            days = spoke.get(pid)
            if days:  # sorted: the first day on or after the start is the one to look at
                first = bisect_left(days, start)
                if first < len(days) and days[first] <= day:
                    continue  # it raised an issue or attended a meeting in the window
            red = sorted(aspect for aspect, rating in submission.ratings.items() if rating == "red")
            yield ctx.finding(
                f"review:{review.id}",
                f"{pid} rated {_listing(red)} red in review {review.id} on {day} without having "
                f"raised an issue or attended a meeting in the {_days(window)} up to it "
                f"(since {start}).",
                partner=pid,
                evidence=(submission.seq, review.seq),
            )


def _issue_and_meeting_days(view: PartnershipView) -> dict[str, list[date]]:
    """The days on which each partner raised an issue (IssueRaised) or attended a MeetingHeld,
    sorted."""
    days: dict[str, list[date]] = {}
    for issue in view.issues.values():
        days.setdefault(issue.partner, []).append(issue.occurred_on)
    for meeting in view.meetings.values():
        for attendee in meeting.attendees:
            days.setdefault(attendee, []).append(meeting.occurred_on)
    for found in days.values():
        found.sort()
    return days


def _utc_day(recorded_at: str) -> date:
    if recorded_at.endswith("Z"):  # how the ledger writes every time: UTC already
        return date.fromisoformat(recorded_at[:10])
    return datetime.fromisoformat(recorded_at).astimezone(UTC).date()


def _recorded_day(event: Envelope) -> int:
    """The UTC day of the event's recorded_at, as a day number (``date.toordinal``)."""
    return _utc_day(event.recorded_at).toordinal()


@rule(
    "TR006",
    name="late-record",
    principle="transparency",
    severity="info",
    options={"max_delay_days": 30},
    example="The ledger starts on 2026-01-10; a MeetingHeld of 2026-02-01 is recorded on "
    "2026-03-15, 42 days late.",
)
def late_record(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """Events were recorded more than max_delay_days (30) days late: the delay of an event is
    the UTC date of its recorded_at minus the later of its occurred_on and the UTC date of the
    stream's first recorded_at, so history back-filled when the ledger starts is not late.

    Every event of the view counts, whatever its type. The stream's first recorded_at is that
    of the first event in the view (recording time never goes back in a stream). One finding
    for the partnership gives the count and the worst delay; the evidence is the late events,
    the worst first (at most 20)."""
    limit = ctx.options["max_delay_days"]
    if not view.events:
        return
    start = _recorded_day(view.events[0])
    if _recorded_day(view.events[-1]) - start <= limit:
        return  # not even the last event recorded is late
    # Recording time never goes back in a stream, so recording days rise with seq: the events
    # recorded within `limit` days of the start, never late, are a prefix, skipped by bisection.
    first = bisect_right(view.events, start + limit, key=_recorded_day)
    delays: list[tuple[int, Envelope]] = []
    for event in view.events[first:]:
        delay = _recorded_day(event) - max(event.occurred.toordinal(), start)
        if delay > limit:
            delays.append((delay, event))
    late = sorted(delays, key=lambda de: (-de[0], de[1].seq))
    if not late:
        return
    worst, event = late[0]
    count = f"{len(late)} event{'s were' if len(late) > 1 else ' was'}"
    yield ctx.finding(
        f"partnership:{view.partnership}",
        f"{count} recorded more than {_days(limit)} late; the worst, {event.type} (seq "
        f"{event.seq}) of {event.occurred_on}, was recorded on {_utc_day(event.recorded_at)}, "
        f"{_days(worst)} late.",
        evidence=[e.seq for _, e in late],
    )


def _speaker(view: PartnershipView, event: Envelope) -> str | None:
    """The partner an own act of the core catalogue speaks for (None for other acts)."""
    etype = CORE_TYPES.get(event.type)
    if etype is None or etype.own is None:
        return None
    if etype.own == "owner":
        commitment = view.commitments.get(event.data.get("commitment", ""))
        return commitment.owner if commitment is not None else None
    partner = event.data.get("partner")
    return partner if isinstance(partner, str) else None


@rule(
    "TR007",
    name="unsigned-own-act",
    principle="transparency",
    severity="warning",
    example="ngo registers a key at seq 5 and signs its vote at seq 6; its CommitmentMade at "
    "seq 9 is recorded without a signature.",
)
def unsigned_own_act(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """An own act was recorded without a signature while its partner had a live key: one
    registered earlier in the stream and not revoked before the act.

    Once a partner signs, an unsigned act in its name is a lapse or was written by someone
    else: partners should see which of their acts carry no proof (docs/signing.md). Keys go by
    stream order (seq), as the ledger checks them. One finding per partner (subject
    partner:ID) counts its unsigned acts; the evidence is those acts, then the registration of
    the key that was live at the first of them (at most 20)."""
    if not view.keys:
        return
    keys: dict[str, list[PartnerKey]] = {}
    for key in view.keys.values():
        keys.setdefault(key.partner, []).append(key)
    unsigned: dict[str, list[tuple[Envelope, PartnerKey]]] = {}
    for event in view.events:
        if event.signature is not None:
            continue
        partner = _speaker(view, event)
        live = [k for k in keys.get(partner or "", ()) if k.live_at(event.seq)]
        if partner is not None and live:
            unsigned.setdefault(partner, []).append((event, live[0]))
    for partner, acts in sorted(unsigned.items()):
        first, key = acts[0]
        count = f"{len(acts)} own act{'s' * (len(acts) != 1)}"
        yield ctx.finding(
            f"partner:{partner}",
            f"{partner} has {count} recorded without a signature while it had a live key; the "
            f"first, {first.type} (seq {first.seq}), came after its key {key.id[:16]} was "
            f"registered (seq {key.seq}).",
            partner=partner,
            evidence=[*(e.seq for e, _ in acts[:19]), key.seq],
        )


@hookimpl
def pledger_rules() -> list[Rule]:
    return [
        decision_without_rationale,
        decision_not_shared,
        undeclared_assumptions,
        late_revision,
        problem_first_in_review,
        late_record,
        unsigned_own_act,
    ]

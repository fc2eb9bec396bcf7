"""Replay: a partnership's stream folded into ``PartnershipView``, the immutable read model that
rule authors program against (docs/view.md documents every attribute).

A view is taken **as of** a business date (events that occurred on or before it) and **as known
at** a recording time (events recorded by then), so one question has one answer forever
(EVENTS.md, Replay). Events are folded in ``seq`` order by ``ViewBuilder``; ``replay`` is the
builder run over a stream, so the incremental and the batch path are one code path.

Every collection is in RULES.md's "before" order: earlier ``occurred_on`` first, then lower
``seq`` (``Moment`` compares that way); only ``events`` is in ``seq`` order. Records are frozen
dataclasses holding tuples and read-only mappings: a rule cannot change the view, even by
accident. Amounts are ``Decimal``, dates ``datetime.date``. Events of types the core does not
know (a plugin that is not installed) are kept in ``events`` only.
"""

from __future__ import annotations

import bisect
import functools
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar, cast

from ledger.canonical import format_time, plain_decimal
from ledger.catalogue import CORE_TYPES, DATE_RE
from ledger.errors import InvalidInput, UnknownPartnership, show
from ledger.events import Envelope, now, parse_time

if TYPE_CHECKING:
    from ledger.store import Ledger

__all__ = [
    "COMMITMENT_STATUSES",
    "DEFAULT_QUORUM",
    "JSON_VERSION",
    "Action",
    "Activity",
    "AgreementVersion",
    "Assessment",
    "Assumption",
    "Closure",
    "Commitment",
    "CommunicationProtocol",
    "Confirmation",
    "Consultation",
    "DealBreaker",
    "Decision",
    "DecisionOutcome",
    "DecisionRule",
    "EngagementChange",
    "Fact",
    "Founding",
    "Fulfilment",
    "GroundRule",
    "Identification",
    "Indicator",
    "Institutionalisation",
    "Issue",
    "IssueResolution",
    "KeyRevocation",
    "Learning",
    "Measurement",
    "Meeting",
    "Mitigation",
    "Moment",
    "Partner",
    "PartnerKey",
    "PartnershipRevision",
    "PartnershipView",
    "PhaseChange",
    "Principle",
    "ProgressReport",
    "ReportingNeed",
    "ResourceNeed",
    "Review",
    "ReviewConclusion",
    "ReviewSchedule",
    "Revision",
    "Risk",
    "Share",
    "Signature",
    "Stakeholder",
    "Submission",
    "SustainabilityChoice",
    "ViewBuilder",
    "VisionRevision",
    "Vote",
    "Waiver",
    "When",
    "Window",
    "Withdrawal",
    "load_view",
    "moment",
    "parse_as_of",
    "parse_known_at",
]

#: The version of ``PartnershipView.to_json``'s form; bumped only by an incompatible change.
JSON_VERSION = 1
#: ``Commitment.status`` values.
COMMITMENT_STATUSES = ("open", "overdue", "fulfilled", "withdrawn")
#: The quorum of majority and committee rules when the ledger records none (EVENTS.md).
DEFAULT_QUORUM = Decimal("0.5")
_END_OF_DAY = sys.maxsize


class Moment(NamedTuple):
    """A point in business time: a day and a place in the stream. Moments compare as RULES.md
    defines "before": an earlier day first, then (on the same day) a lower ``seq``."""

    occurred_on: date
    seq: int


#: A date (the end of that day: everything that occurred on it counts) or a ``Moment``.
When = date | Moment


def moment(when: When) -> Moment:
    """The moment a date or moment stands for; a date means the end of that day."""
    if isinstance(when, Moment):
        return when
    if isinstance(when, datetime):
        when = when.date()
    return Moment(when, _END_OF_DAY)


# -- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Fact:
    """What every record made from one event carries: where it is in the stream and when it
    happened, so rules can order facts and cite them as evidence."""

    seq: int
    occurred_on: date
    actor: str

    @property
    def moment(self) -> Moment:
        return Moment(self.occurred_on, self.seq)


F = TypeVar("F", bound=Fact)


def _place(items: list[F], item: F) -> None:
    """Add ``item`` in "before" order (it has the highest seq so far)."""
    if not items or items[-1].occurred_on <= item.occurred_on:  # the usual case: in order
        items.append(item)
    else:
        bisect.insort_right(items, item, key=_moment_of)


def _moment_of(item: Fact) -> Moment:
    return Moment(item.occurred_on, item.seq)


def _item_moment(item: tuple[Any, Fact]) -> tuple[date, int]:
    """A keyed record's (id, record) item in "before" order (compared as its Moment is)."""
    return item[1].occurred_on, item[1].seq


def _at_or_before(items: Iterable[F], when: When) -> list[F]:
    limit = moment(when)
    return [item for item in items if (item.occurred_on, item.seq) <= limit]


@dataclass(frozen=True, kw_only=True)
class Founding(Fact):
    name: str
    purpose: str
    scope: str
    vision: str | None = None


@dataclass(frozen=True, kw_only=True)
class VisionRevision(Fact):
    vision: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Consultation(Fact):
    summary: str


@dataclass(frozen=True, kw_only=True)
class Stakeholder(Fact):
    id: str
    name: str
    sector: str
    needs: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    motivations: tuple[str, ...] = ()
    consultations: tuple[Consultation, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Identification(Fact):
    name: str
    sector: str
    value_added: str
    international: bool | None = None


@dataclass(frozen=True, kw_only=True)
class EngagementChange(Fact):
    """One entry of a partner's engagement history: a join, an engagement change or a leave."""

    kind: str  # joined, changed, left
    engagement: str | None = None
    reason: str | None = None
    representative: str | None = None
    name: str | None = None
    sector: str | None = None
    handover: str | None = None


@dataclass(frozen=True)
class Partner:
    """An organisation identified or joined, with its whole engagement history; the ``*_at``
    helpers answer RULES.md's "partner at T" and "key partners at T"."""

    _json_extra: ClassVar[tuple[str, ...]] = (
        "name",
        "sector",
        "representative",
        "engagement",
        "is_partner",
        "joined_on",
    )

    id: str
    identification: Identification | None = None
    history: tuple[EngagementChange, ...] = ()

    @property
    def name(self) -> str | None:
        return self._latest_join_value("name") or (
            self.identification.name if self.identification else None
        )

    @property
    def sector(self) -> str | None:
        return self._latest_join_value("sector") or (
            self.identification.sector if self.identification else None
        )

    @property
    def representative(self) -> str | None:
        return self._latest_join_value("representative")

    def _latest_join_value(self, key: str) -> str | None:
        for entry in reversed(self.history):
            value = getattr(entry, key)
            if entry.kind == "joined" and value is not None:
                return str(value)
        return None

    def entry_at(self, when: When) -> EngagementChange | None:
        """The history entry in force at ``when``: the latest join, engagement change or leave
        at or before it (None before the first)."""
        limit = moment(when)
        for entry in reversed(self.history):  # in "before" order: the first found is the latest
            if (entry.occurred_on, entry.seq) <= limit:
                return entry
        return None

    def engagement_at(self, when: When) -> str | None:
        """The engagement at ``when`` (the latest entry at or before it), None if not a partner."""
        entry = self.entry_at(when)
        return None if entry is None or entry.kind == "left" else entry.engagement

    def is_partner_at(self, when: When) -> bool:
        return self.engagement_at(when) is not None

    def is_key_at(self, when: When) -> bool:
        return self.engagement_at(when) == "key"

    @property
    def engagement(self) -> str | None:
        """The engagement as of the view's date (None if the partner has left or never joined)."""
        if not self.history or self.history[-1].kind == "left":
            return None
        return self.history[-1].engagement

    @property
    def is_partner(self) -> bool:
        return self.engagement is not None

    @property
    def joined_on(self) -> date | None:
        """The day of the first join (references to the partner are never dated earlier)."""
        joins = [e.occurred_on for e in self.history if e.kind == "joined"]
        return min(joins) if joins else None

    @property
    def latest_join(self) -> EngagementChange | None:
        joins = [e for e in self.history if e.kind == "joined"]
        return joins[-1] if joins else None


@dataclass(frozen=True, kw_only=True)
class Revision(Fact):
    reason: str
    due: date | None = None
    quantity: Decimal | None = None
    value: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class Withdrawal(Fact):
    reason: str


@dataclass(frozen=True, kw_only=True)
class Fulfilment(Fact):
    evidence: str
    delivered: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class Confirmation(Fact):
    partner: str


@dataclass(frozen=True, kw_only=True)
class Commitment(Fact):
    """A commitment (its ``CommitmentMade``) with everything that happened to it. Due date,
    quantity and value are RULES.md's: the latest revision that sets them, else the original."""

    _json_extra: ClassVar[tuple[str, ...]] = ("quantity", "value", "due", "live", "fulfilled")

    id: str
    owner: str
    kind: str
    description: str
    unit: str | None = None
    currency: str | None = None
    need: str | None = None
    activity: str | None = None
    original_quantity: Decimal | None = None
    original_value: Decimal | None = None
    original_due: date | None = None
    revisions: tuple[Revision, ...] = ()
    withdrawal: Withdrawal | None = None
    fulfilments: tuple[Fulfilment, ...] = ()
    confirmations: tuple[Confirmation, ...] = ()

    def _revised(self, key: str, when: When | None = None) -> Any:
        revisions = self.revisions if when is None else _at_or_before(self.revisions, when)
        for revision in reversed(revisions):
            value = getattr(revision, key)
            if value is not None:
                return value
        return getattr(self, "original_" + key)

    # The values in force; most commitments are never revised, so that case is answered first.

    @property
    def due(self) -> date | None:
        return cast(date | None, self._revised("due")) if self.revisions else self.original_due

    @property
    def quantity(self) -> Decimal | None:
        if not self.revisions:
            return self.original_quantity
        return cast(Decimal | None, self._revised("quantity"))

    @property
    def value(self) -> Decimal | None:
        if not self.revisions:
            return self.original_value
        return cast(Decimal | None, self._revised("value"))

    def due_at(self, when: When) -> date | None:
        """The due date in force at ``when``: revisions at or before it count."""
        return cast(date | None, self._revised("due", when))

    @property
    def live(self) -> bool:
        return self.withdrawal is None

    @property
    def fulfilled(self) -> bool:
        return bool(self.fulfilments)

    @property
    def latest_fulfilment(self) -> Fulfilment | None:
        return self.fulfilments[-1] if self.fulfilments else None

    def status(self, on: date) -> str:
        """open, overdue, fulfilled or withdrawn on day ``on``, from the facts that occurred by
        then: withdrawn wins, then fulfilled; overdue means the due date in force is past."""
        if self.withdrawal is not None and self.withdrawal.occurred_on <= on:
            return "withdrawn"
        if any(f.occurred_on <= on for f in self.fulfilments):
            return "fulfilled"
        due = self.due_at(on)
        if due is not None and due < on:
            return "overdue"
        return "open"

    def days_overdue(self, on: date) -> int:
        """Days past the due date on ``on`` for an overdue commitment, else 0."""
        due = self.due_at(on)
        if self.status(on) != "overdue" or due is None:
            return 0
        return (on - due).days


@dataclass(frozen=True, kw_only=True)
class ResourceNeed(Fact):
    id: str
    kind: str
    description: str
    quantity: Decimal | None = None
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class Activity(Fact):
    id: str
    title: str
    outputs: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    starts: date | None = None
    ends: date | None = None


@dataclass(frozen=True, kw_only=True)
class Vote(Fact):
    partner: str
    position: str
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class DecisionOutcome(Fact):
    outcome: str
    rationale: str | None = None


@dataclass(frozen=True, kw_only=True)
class Share(Fact):
    """An ``InformationShared``: ``recipients`` is the data field ``with`` (``("all",)`` for
    everyone)."""

    subject: str
    recipients: tuple[str, ...]
    channel: str | None = None

    @property
    def subject_kind(self) -> str:
        return self.subject.partition(":")[0]

    @property
    def subject_id(self) -> str:
        return self.subject.partition(":")[2]

    @property
    def to_all(self) -> bool:
        return self.recipients == ("all",)


@dataclass(frozen=True, kw_only=True)
class Decision(Fact):
    """A decision (its ``DecisionProposed``) with its votes, the decision taken and its shares."""

    _json_extra: ClassVar[tuple[str, ...]] = ("status", "latest_votes", "has_rationale")

    id: str
    title: str
    proposer: str
    rationale: str | None = None
    votes: tuple[Vote, ...] = ()
    taken: DecisionOutcome | None = None
    shares: tuple[Share, ...] = ()

    @property
    def latest_votes(self) -> Mapping[str, Vote]:
        """Each partner's latest vote before decision time (all votes while still open)."""
        limit = self.taken.moment if self.taken else None
        out: dict[str, Vote] = {}
        for vote in self.votes:
            if limit is None or vote.moment < limit:
                out[vote.partner] = vote
        return MappingProxyType(out)

    @property
    def outcome(self) -> str | None:
        return self.taken.outcome if self.taken else None

    @property
    def status(self) -> str:
        """proposed, adopted or rejected."""
        return self.taken.outcome if self.taken else "proposed"

    @property
    def has_rationale(self) -> bool:
        """A rationale was given, in the ``DecisionTaken`` or in the proposal (RULES.md TR001)."""
        return bool(self.rationale or (self.taken and self.taken.rationale))


@dataclass(frozen=True, kw_only=True)
class DecisionRule(Fact):
    method: str
    quorum: Decimal | None = None
    deciders: tuple[str, ...] | None = None

    @property
    def effective_quorum(self) -> Decimal | None:
        """The quorum recorded, else 0.5 for majority and committee; None where none applies."""
        if self.method not in ("majority", "committee"):
            return None
        return self.quorum if self.quorum is not None else DEFAULT_QUORUM


@dataclass(frozen=True, kw_only=True)
class CommunicationProtocol(Fact):
    audience: str
    channels: tuple[str, ...]
    every_days: int | None = None
    share_within_days: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReviewSchedule(Fact):
    every_days: int


@dataclass(frozen=True, kw_only=True)
class ReportingNeed(Fact):
    partner: str
    what: str
    to_whom: str
    every_days: int | None = None


@dataclass(frozen=True, kw_only=True)
class Principle(Fact):
    principle: str
    text: str | None = None


@dataclass(frozen=True, kw_only=True)
class GroundRule(Fact):
    topic: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Assumption(Fact):
    partner: str
    text: str


@dataclass(frozen=True, kw_only=True)
class DealBreaker(Fact):
    partner: str
    text: str | None = None
    none: bool = False


@dataclass(frozen=True, kw_only=True)
class Assessment(Fact):
    partner: str
    benefits: tuple[str, ...]
    costs: tuple[str, ...]
    verdict: str
    risks: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Mitigation(Fact):
    action: str


@dataclass(frozen=True, kw_only=True)
class Risk(Fact):
    _json_extra: ClassVar[tuple[str, ...]] = ("mitigated",)

    id: str
    description: str
    likelihood: str | None = None
    impact: str | None = None
    owner: str | None = None
    mitigations: tuple[Mitigation, ...] = ()

    @property
    def mitigated(self) -> bool:
        return bool(self.mitigations)


@dataclass(frozen=True, kw_only=True)
class IssueResolution(Fact):
    resolution: str


@dataclass(frozen=True, kw_only=True)
class Issue(Fact):
    _json_extra: ClassVar[tuple[str, ...]] = ("resolved",)

    id: str
    partner: str
    description: str
    resolution: IssueResolution | None = None

    @property
    def resolved(self) -> bool:
        return self.resolution is not None


@dataclass(frozen=True, kw_only=True)
class Action(Fact):
    _json_extra: ClassVar[tuple[str, ...]] = ("completed",)

    id: str
    description: str
    owner: str
    due: date | None = None
    review: str | None = None
    completion: Fact | None = None

    @property
    def completed(self) -> bool:
        return self.completion is not None


@dataclass(frozen=True, kw_only=True)
class Measurement(Fact):
    value: Decimal
    period_end: date
    partner: str


@dataclass(frozen=True, kw_only=True)
class Indicator(Fact):
    id: str
    name: str
    lens: str
    method: str
    owner: str
    baseline: Decimal | None = None
    target: Decimal | None = None
    unit: str | None = None
    due: date | None = None
    measurements: tuple[Measurement, ...] = ()

    @property
    def latest_measurement(self) -> Measurement | None:
        """The measurement with the latest ``period_end`` (ties: the later in "before" order)."""
        if not self.measurements:
            return None
        return max(self.measurements, key=lambda m: (m.period_end, m.moment))


@dataclass(frozen=True, kw_only=True)
class Submission(Fact):
    partner: str
    ratings: Mapping[str, str]
    worth: str | None = None
    comments: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReviewConclusion(Fact):
    findings: str
    story: str | None = None
    recommendations: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Review(Fact):
    _json_extra: ClassVar[tuple[str, ...]] = ("concluded",)

    id: str
    lenses: tuple[str, ...]
    due: date | None = None
    submissions: tuple[Submission, ...] = ()
    conclusion: ReviewConclusion | None = None

    @property
    def latest_submissions(self) -> Mapping[str, Submission]:
        """Each partner's latest submission (the one that counts, EVENTS.md)."""
        return MappingProxyType({s.partner: s for s in self.submissions})

    @property
    def concluded(self) -> bool:
        return self.conclusion is not None


@dataclass(frozen=True, kw_only=True)
class Meeting(Fact):
    id: str
    purpose: str
    attendees: tuple[str, ...]
    minutes_sha256: str | None = None


@dataclass(frozen=True, kw_only=True)
class Signature(Fact):
    partner: str
    signatory: str


@dataclass(frozen=True, kw_only=True)
class AgreementVersion(Fact):
    _json_extra: ClassVar[tuple[str, ...]] = ("signed_by",)

    version: int
    summary: str
    document_sha256: str | None = None
    signatures: tuple[Signature, ...] = ()

    @property
    def signed_by(self) -> frozenset[str]:
        return frozenset(s.partner for s in self.signatures)


@dataclass(frozen=True, kw_only=True)
class PhaseChange(Fact):
    phase: str
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProgressReport(Fact):
    partner: str
    summary: str
    commitment: str | None = None
    delivered: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class PartnershipRevision(Fact):
    changes: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class SustainabilityChoice(Fact):
    option: str
    rationale: str


@dataclass(frozen=True, kw_only=True)
class Institutionalisation(Fact):
    structure: str
    description: str


@dataclass(frozen=True, kw_only=True)
class Learning(Fact):
    summary: str
    audience: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Closure(Fact):
    reason: str
    learning: str
    impact: str | None = None


@dataclass(frozen=True, kw_only=True)
class Waiver(Fact):
    rule: str
    subject: str
    reason: str
    approved_by: tuple[str, ...]
    partner: str | None = None
    until: date | None = None

    def in_force(self, on: date) -> bool:
        """Whether the waiver applies on day ``on`` (RULES.md: not after its ``until``)."""
        return self.occurred_on <= on and (self.until is None or on <= self.until)


@dataclass(frozen=True, kw_only=True)
class KeyRevocation(Fact):
    partner: str
    reason: str
    approved_by: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PartnerKey(Fact):
    """A registered signing key (docs/signing.md); ``id`` is its fingerprint."""

    id: str
    partner: str
    public_key: str
    endorsed_by: str | None = None
    revocation: KeyRevocation | None = None

    def live_at(self, seq: int) -> bool:
        """Whether the key could sign the event at ``seq``: registered earlier in the stream
        and not revoked before it (keys go by recording order, not by business dates)."""
        return self.seq < seq and (self.revocation is None or seq <= self.revocation.seq)


# -- the window ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Which events a view holds: those that occurred on or before ``as_of`` and were
    recorded at or before ``known_at``."""

    as_of: date
    known_at: datetime
    _as_of_text: str = field(init=False, repr=False, compare=False)
    _known_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.as_of, datetime):
            object.__setattr__(self, "as_of", self.as_of.date())
        known = self.known_at
        known = known.replace(tzinfo=UTC) if known.tzinfo is None else known.astimezone(UTC)
        object.__setattr__(self, "known_at", known)
        object.__setattr__(self, "_as_of_text", self.as_of.isoformat())
        object.__setattr__(self, "_known_text", format_time(known))

    @classmethod
    def at(cls, as_of: date | None = None, known_at: datetime | None = None) -> Window:
        """The window with defaults: as of today, known at now (``PLEDGER_NOW`` fixes both)."""
        if as_of is None or known_at is None:
            clock = now()
            as_of = clock.date() if as_of is None else as_of
            known_at = clock if known_at is None else known_at
        return _window(as_of, known_at)

    @classmethod
    def parse(cls, as_of: str | None = None, known_at: str | None = None) -> Window:
        """From command-line text: ``as_of`` a date; ``known_at`` an ISO time, or a date
        meaning the end of that day (UTC)."""
        return cls.at(
            None if as_of is None else parse_as_of(as_of),
            None if known_at is None else parse_known_at(known_at),
        )

    def contains(self, event: Envelope) -> bool:
        return event.occurred_on <= self._as_of_text and event.recorded_at <= self._known_text


@functools.lru_cache(maxsize=16)
def _window(as_of: date, known_at: datetime) -> Window:
    """Windows are immutable: an audit replays thousands of partnerships in the same one."""
    return Window(as_of, known_at)


def parse_as_of(text: str) -> date:
    """An as-of date from text (``YYYY-MM-DD``); anything else is ``InvalidInput``."""
    try:
        if not DATE_RE.fullmatch(text.strip()):
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"as-of date {show(text)} is not a date (YYYY-MM-DD)") from None


def parse_known_at(text: str) -> datetime:
    """A known-at time from text: an ISO 8601 time (naive means UTC), or a date meaning the
    end of that day, so "known at 1 July" includes what was recorded on 1 July."""
    stripped = text.strip()
    try:
        if DATE_RE.fullmatch(stripped):
            return datetime.combine(date.fromisoformat(stripped), time.max, UTC)
        return parse_time(stripped)
    except ValueError:
        raise InvalidInput(f"known-at time {show(text)} is not an ISO 8601 time or date") from None


# -- the view --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PartnershipView:
    """One partnership as of a business date, as known at a recording time."""

    partnership: str
    as_of: date
    known_at: datetime
    founding: Founding | None
    vision_revisions: tuple[VisionRevision, ...]
    partners: Mapping[str, Partner]
    stakeholders: Mapping[str, Stakeholder]
    assessments: tuple[Assessment, ...]
    assumptions: tuple[Assumption, ...]
    deal_breakers: tuple[DealBreaker, ...]
    principles: tuple[Principle, ...]
    ground_rules: tuple[GroundRule, ...]
    decision_rules: tuple[DecisionRule, ...]
    protocols: tuple[CommunicationProtocol, ...]
    review_schedules: tuple[ReviewSchedule, ...]
    reporting_needs: tuple[ReportingNeed, ...]
    activities: Mapping[str, Activity]
    needs: Mapping[str, ResourceNeed]
    commitments: Mapping[str, Commitment]
    indicators: Mapping[str, Indicator]
    risks: Mapping[str, Risk]
    agreements: Mapping[int, AgreementVersion]
    decisions: Mapping[str, Decision]
    shares: tuple[Share, ...]
    phases: tuple[PhaseChange, ...]
    meetings: Mapping[str, Meeting]
    progress: tuple[ProgressReport, ...]
    issues: Mapping[str, Issue]
    reviews: Mapping[str, Review]
    actions: Mapping[str, Action]
    partnership_revisions: tuple[PartnershipRevision, ...]
    sustainability: tuple[SustainabilityChoice, ...]
    institutionalisations: tuple[Institutionalisation, ...]
    learning: tuple[Learning, ...]
    closure: Closure | None
    waivers: tuple[Waiver, ...]
    keys: Mapping[str, PartnerKey]
    events: tuple[Envelope, ...]

    @classmethod
    def replay(
        cls,
        events: Iterable[Envelope],
        *,
        as_of: date | None = None,
        known_at: datetime | None = None,
        partnership: str | None = None,
    ) -> PartnershipView:
        """Fold a stream (in seq order) as of ``as_of`` (default today) as known at
        ``known_at`` (default now); ``partnership`` names it when the stream is empty."""
        builder = ViewBuilder(partnership, as_of=as_of, known_at=known_at)
        builder.apply_all(events)
        return builder.view()

    # -- the partnership itself

    @property
    def name(self) -> str | None:
        return self.founding.name if self.founding else None

    @property
    def purpose(self) -> str | None:
        return self.founding.purpose if self.founding else None

    @property
    def scope(self) -> str | None:
        return self.founding.scope if self.founding else None

    @property
    def convenor(self) -> str | None:
        return self.founding.actor if self.founding else None

    @property
    def vision(self) -> str | None:
        if self.vision_revisions:
            return self.vision_revisions[-1].vision
        return self.founding.vision if self.founding else None

    @property
    def phase(self) -> str:
        """closed after ``PartnershipClosed``, else the latest ``PhaseChanged``, else scoping."""
        if self.closure is not None:
            return "closed"
        return self.phases[-1].phase if self.phases else "scoping"

    @property
    def closed(self) -> bool:
        return self.closure is not None

    @property
    def latest_agreement(self) -> AgreementVersion | None:
        return self.agreement_at(self.as_of)

    @property
    def implementation_start(self) -> Fact | None:
        """RULES.md: the first ``PhaseChanged`` to implementing, else the first
        ``CommitmentFulfilled`` or ``ProgressReported``."""
        for change in self.phases:
            if change.phase == "implementing":
                return change
        firsts: list[Fact] = list(self.progress[:1])
        firsts += [c.fulfilments[0] for c in self.commitments.values() if c.fulfilments]
        return min(firsts, key=_moment_of) if firsts else None

    # -- RULES.md's terms at a date or moment

    def engagements_at(self, when: When) -> Mapping[str, str]:
        """Every partner at ``when`` (joined at or before it and not left) with its engagement
        then. Rules ask this for every decision and day, so it is worked out once per point of
        the partners' histories (engagements change only there) and kept with the view."""
        return self._partners_after(self._entries_before(when))[0]

    def _entries_before(self, when: When) -> int:
        """How many history entries (of all partners, in "before" order) are at or before
        ``when``: the engagements at ``when`` are those after that many."""
        return bisect.bisect_right(self._engagement_index[0], moment(when))

    def _partners_after(
        self, count: int
    ) -> tuple[Mapping[str, str], tuple[str, ...], tuple[str, ...]]:
        """The engagements after the first ``count`` history entries, with the partners and
        the key partners then, sorted; worked out once per ``count`` asked about."""
        _, entries, known = self._engagement_index
        found = known.get(count)
        if found is None:
            latest: dict[str, str | None] = {}  # each partner's latest entry wins
            for pid, entry in entries[:count]:
                latest[pid] = None if entry.kind == "left" else entry.engagement
            engaged = {pid: how for pid, how in latest.items() if how is not None}
            found = known[count] = (
                MappingProxyType(engaged),
                tuple(sorted(engaged)),
                tuple(sorted(pid for pid, how in engaged.items() if how == "key")),
            )
        return found

    @functools.cached_property
    def _engagement_index(
        self,
    ) -> tuple[
        list[Moment],
        list[tuple[str, EngagementChange]],
        dict[int, tuple[Mapping[str, str], tuple[str, ...], tuple[str, ...]]],
    ]:
        """Every partner's history entries in "before" order (their moments beside them), and
        what ``_partners_after`` worked out so far."""
        ordered = sorted(
            ((entry.moment, p.id, entry) for p in self.partners.values() for entry in p.history),
            key=lambda item: item[0],
        )
        return [at for at, _, _ in ordered], [(pid, e) for _, pid, e in ordered], {}

    def partners_at(self, when: When) -> tuple[str, ...]:
        """Ids of the partners at ``when`` (joined at or before it and not left), sorted."""
        return self._partners_after(self._entries_before(when))[1]

    def key_partners_at(self, when: When) -> tuple[str, ...]:
        return self._partners_after(self._entries_before(when))[2]

    def rule_in_force(self, when: When) -> DecisionRule | None:
        """The latest ``DecisionRuleSet`` at or before ``when``."""
        limit = moment(when)
        for found in reversed(self.decision_rules):  # in "before" order: the first is the latest
            if (found.occurred_on, found.seq) <= limit:
                return found
        return None

    def eligible_deciders(self, when: When) -> tuple[str, ...]:
        """The rule in force's deciders who are partners at ``when``; with no rule, or none
        named, the key partners at ``when``. Sorted. Rules ask it of each decision several
        times, so each answer is kept with the view."""
        key = moment(when)
        found = self._eligible.get(key)
        if found is None:
            rule = self.rule_in_force(key)
            if rule is None or rule.deciders is None:
                found = self.key_partners_at(key)
            else:
                partners = self.engagements_at(key)
                found = tuple(sorted(d for d in rule.deciders if d in partners))
            self._eligible[key] = found
        return found

    @functools.cached_property
    def _eligible(self) -> dict[Moment, tuple[str, ...]]:
        return {}

    def cast_votes(self, decision: str) -> Mapping[str, Vote]:
        """RULES.md's cast votes: each eligible decider's latest vote before decision time
        (for a decision still open: the eligible deciders as of the view's date). Kept with
        the view, as rules ask it of each decision several times."""
        found = self._cast.get(decision)
        if found is None:
            record = self.decisions[decision]
            when: When = record.taken.moment if record.taken else self.as_of
            latest = record.latest_votes
            found = self._cast[decision] = MappingProxyType(
                {p: latest[p] for p in self.eligible_deciders(when) if p in latest}
            )
        return found

    @functools.cached_property
    def _cast(self) -> dict[str, Mapping[str, Vote]]:
        return {}

    def agreement_at(self, when: When) -> AgreementVersion | None:
        """The latest agreement version drafted at or before ``when``."""
        drafted = _at_or_before(self.agreements.values(), when)
        return drafted[-1] if drafted else None

    def shares_of(self, subject: str) -> tuple[Share, ...]:
        """The ``InformationShared`` events about ``subject`` (``kind:id``)."""
        return tuple(s for s in self.shares if s.subject == subject)

    # -- the stable JSON form

    def to_json(self) -> dict[str, Any]:
        """The view as plain JSON data (docs/view.md, "JSON form", version 1)."""
        out: dict[str, Any] = {
            "version": JSON_VERSION,
            "partnership": self.partnership,
            "as_of": self.as_of.isoformat(),
            "known_at": format_time(self.known_at),
            "name": self.name,
            "purpose": self.purpose,
            "scope": self.scope,
            "convenor": self.convenor,
            "vision": self.vision,
            "phase": self.phase,
            "closed": self.closed,
            "event_count": len(self.events),
            "last_seq": self.events[-1].seq if self.events else 0,
        }
        skip = {"partnership", "as_of", "known_at", "events"}
        for fld in fields(self):
            if fld.name not in skip:
                out[fld.name] = _plain(getattr(self, fld.name))
        for cid, commitment in self.commitments.items():
            out["commitments"][cid]["status"] = commitment.status(self.as_of)
            out["commitments"][cid]["days_overdue"] = commitment.days_overdue(self.as_of)
        return out


def _plain(value: Any) -> Any:
    """JSON data of a view value: records as objects (fields, then derived properties),
    dates ISO, amounts as plain decimal strings, tuples as lists, mappings as objects."""
    if is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        for name in getattr(value, "_json_extra", ()):
            out[name] = _plain(getattr(value, name))
        return out
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


# -- folding ---------------------------------------------------------------------------------

R = TypeVar("R", bound=Fact)
T = TypeVar("T")
_BASE_FIELDS = frozenset(f.name for f in fields(Fact))


_DATA_FIELDS: dict[type[Fact], tuple[tuple[str, str], ...]] = {}


def _data_fields(cls: type[Fact]) -> tuple[tuple[str, str], ...]:
    """A record's fields that come from event data, each with how to convert its value."""
    if cls in _DATA_FIELDS:
        return _DATA_FIELDS[cls]
    out = []
    for fld in fields(cls):
        if fld.name in _BASE_FIELDS:
            continue
        kind = str(fld.type)
        if kind.startswith("date"):
            out.append((fld.name, "date"))
        elif kind.startswith("Decimal"):
            out.append((fld.name, "amount"))
        elif kind.startswith("tuple"):
            out.append((fld.name, "tuple"))
        elif kind.startswith("Mapping"):
            out.append((fld.name, "mapping"))
        else:
            out.append((fld.name, "plain"))
    _DATA_FIELDS[cls] = tuple(out)
    return _DATA_FIELDS[cls]


def _as_mapping(raw: Any) -> Any:
    """A read-only mapping of ``raw``. Event data is frozen already (``Envelope``): its
    read-only mappings are kept as they are, not copied."""
    return raw if type(raw) is MappingProxyType else MappingProxyType(dict(raw))


#: Amounts by their text, converted on first use: a ledger's amounts repeat (the same
#: quantities and values again and again), and a lookup costs less than a ``Decimal``.
_AMOUNTS: dict[str, Decimal] = {}
_AMOUNTS_KEPT = 4096


def _new_amount(raw: Any) -> Decimal:
    """``Decimal(raw)``, kept in ``_AMOUNTS`` if ``raw`` is text (other values would not all
    be told apart there: ``-0.0 == 0.0``). Emptied when full, however many ledgers are read."""
    amount = Decimal(raw)
    if type(raw) is str:
        if len(_AMOUNTS) >= _AMOUNTS_KEPT:
            _AMOUNTS.clear()
        _AMOUNTS[raw] = amount
    return amount


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "date": date.fromisoformat,
    "amount": _new_amount,
    "tuple": tuple,
    "mapping": _as_mapping,
}


def _record(cls: type[R], event: Envelope, **explicit: Any) -> R:
    """A record from an event: its place and date, each field the data gives (same name,
    converted to the field's type; absent or null keeps the field's default), and
    ``explicit`` values for the rest."""
    if not explicit:  # most records: the lookup without building a key
        return _MAKERS[cls](event)  # type: ignore[no-any-return]
    return _MAKERS[cls, tuple(explicit), ()](event, **explicit)  # type: ignore[no-any-return]


class _Makers(dict[Any, Callable[..., Any]]):
    """Maker functions, each written on first use: by record class (fields named as in the
    data), or by (class, explicit field names, renamed fields)."""

    def __missing__(self, key: Any) -> Callable[..., Any]:
        cls, explicit, renames = key if isinstance(key, tuple) else (key, (), ())
        make = self[key] = _write_maker(cls, explicit, dict(renames))
        return make


_MAKERS = _Makers()


def _write_maker(
    cls: type, explicit: tuple[str, ...], renamed: dict[str, str]
) -> Callable[..., Any]:
    """Write the function that makes ``cls`` records from events, as ``dataclasses`` writes
    an ``__init__``: the fold makes a record per event, and a loop over the fields, or the
    frozen ``__init__`` setting each field through ``object.__setattr__``, cost more than
    reading the event did; so did calling the read-only data's ``get`` for each field, which
    ``in`` and ``[]`` replace. ``explicit`` fields are arguments; ``renamed`` ones are read from
    another data key. Amounts are looked up in ``_AMOUNTS`` before they are converted."""
    defaults = {f.name: f.default for f in fields(cls) if f.default is not MISSING}
    scope: dict[str, Any] = {
        "cls": cls,
        "new": object.__new__,
        "setattr": object.__setattr__,
        "amounts": _AMOUNTS,
    }
    items = [
        '"seq": event.seq',
        '"occurred_on": date_of(event.occurred_on)',
        '"actor": event.actor',
    ]
    scope["date_of"] = date.fromisoformat
    for name, kind in _data_fields(cls):
        if name in explicit:
            items.append(f"{name!r}: {name}")
            continue
        key = renamed.get(name, name)
        read = f"data[{key!r}] if {key!r} in data else None"  # data.get(key), without a call
        converter = _CONVERTERS.get(kind)
        if converter is None and defaults.get(name, MISSING) is None:
            items.append(f"{name!r}: {read}")  # absent or null: the default, None
            continue
        value = "raw" if converter is None else f"convert_{name}(raw)"
        if converter is not None:
            scope[f"convert_{name}"] = converter
        if kind == "amount":  # most were converted before: looked up first
            value = f"(amounts[raw] if raw in amounts else {value})"
        if name in defaults:
            scope[f"default_{name}"] = defaults[name]
            fallback = f"default_{name}"
        else:  # required: EVENTS.md's validation put it in every stored event
            fallback = f"missing({name!r})"
        items.append(f"{name!r}: {value} if (raw := {read}) is not None else {fallback}")
    scope["missing"] = functools.partial(_missing, cls)
    source = "\n".join(
        [
            f"def make(event, *, {', '.join(explicit)}):" if explicit else "def make(event):",
            "    data = event.data",
            "    record = new(cls)",
            f"    setattr(record, '__dict__', {{{', '.join(items)}}})",
            "    return record",
        ]
    )
    exec(source, scope)  # the source is written above from the dataclass's own fields
    return scope["make"]  # type: ignore[no-any-return]


def _missing(cls: type, name: str) -> Any:
    raise TypeError(f"{cls.__name__}: the event has no {name!r}")


def _with(record: T, changes: dict[str, Any]) -> T:
    """``dataclasses.replace`` for the fold's records, without its checks: a copy of a frozen
    record (they have no ``__post_init__``) with the fields in ``changes`` changed. The fold
    makes many, so the copy gets its ``__dict__`` whole, as the makers' records do."""
    copy = _new(type(record))
    _setattr(copy, "__dict__", record.__dict__ | changes)
    return copy


_new = object.__new__
_setattr = object.__setattr__


#: Events that introduce a record with an id: type -> (collection, record class, id field).
_INTRODUCE: dict[str, tuple[str, type[Fact], str]] = {
    "StakeholderMapped": ("stakeholders", Stakeholder, "stakeholder"),
    "ActivityPlanned": ("activities", Activity, "activity"),
    "ResourceNeeded": ("needs", ResourceNeed, "need"),
    "IndicatorDefined": ("indicators", Indicator, "indicator"),
    "RiskIdentified": ("risks", Risk, "risk"),
    "AgreementDrafted": ("agreements", AgreementVersion, "version"),
    "DecisionProposed": ("decisions", Decision, "decision"),
    "MeetingHeld": ("meetings", Meeting, "meeting"),
    "IssueRaised": ("issues", Issue, "issue"),
    "ReviewOpened": ("reviews", Review, "review"),
    "ActionAgreed": ("actions", Action, "action"),
    "PartnerKeyRegistered": ("keys", PartnerKey, "fingerprint"),
}
#: Events added to a record's tuple: type -> (collection, reference field, attribute, class).
_ATTACH: dict[str, tuple[str, str, str, type[Fact]]] = {
    "StakeholderConsulted": ("stakeholders", "stakeholder", "consultations", Consultation),
    "CommitmentRevised": ("commitments", "commitment", "revisions", Revision),
    "CommitmentFulfilled": ("commitments", "commitment", "fulfilments", Fulfilment),
    "FulfilmentConfirmed": ("commitments", "commitment", "confirmations", Confirmation),
    "IndicatorMeasured": ("indicators", "indicator", "measurements", Measurement),
    "RiskMitigated": ("risks", "risk", "mitigations", Mitigation),
    "AgreementSigned": ("agreements", "version", "signatures", Signature),
    "VoteCast": ("decisions", "decision", "votes", Vote),
    "ReviewSubmitted": ("reviews", "review", "submissions", Submission),
}
#: Events that settle a record once: type -> (collection, reference field, attribute, class).
_SETTLE: dict[str, tuple[str, str, str, type[Fact]]] = {
    "CommitmentWithdrawn": ("commitments", "commitment", "withdrawal", Withdrawal),
    "DecisionTaken": ("decisions", "decision", "taken", DecisionOutcome),
    "IssueResolved": ("issues", "issue", "resolution", IssueResolution),
    "ReviewConcluded": ("reviews", "review", "conclusion", ReviewConclusion),
    "ActionCompleted": ("actions", "action", "completion", Fact),
    "PartnerKeyRevoked": ("keys", "fingerprint", "revocation", KeyRevocation),
}
#: Events that are records of their own: type -> (collection, record class).
_LIST: dict[str, tuple[str, type[Fact]]] = {
    "VisionRevised": ("vision_revisions", VisionRevision),
    "AssessmentRecorded": ("assessments", Assessment),
    "AssumptionDeclared": ("assumptions", Assumption),
    "DealBreakerDeclared": ("deal_breakers", DealBreaker),
    "PrincipleAdopted": ("principles", Principle),
    "GroundRuleAgreed": ("ground_rules", GroundRule),
    "DecisionRuleSet": ("decision_rules", DecisionRule),
    "CommunicationProtocolAgreed": ("protocols", CommunicationProtocol),
    "ReviewScheduleSet": ("review_schedules", ReviewSchedule),
    "ReportingNeedDeclared": ("reporting_needs", ReportingNeed),
    "PhaseChanged": ("phases", PhaseChange),
    "ProgressReported": ("progress", ProgressReport),
    "PartnershipRevised": ("partnership_revisions", PartnershipRevision),
    "SustainabilityChosen": ("sustainability", SustainabilityChoice),
    "Institutionalised": ("institutionalisations", Institutionalisation),
    "LearningShared": ("learning", Learning),
    "FindingWaived": ("waivers", Waiver),
}
#: A commitment's record from its CommitmentMade: the fields whose data keys differ.
_COMMITMENT = (
    Commitment,
    (),
    (
        ("id", "commitment"),
        ("owner", "partner"),
        ("original_quantity", "quantity"),
        ("original_value", "value"),
        ("original_due", "due"),
    ),
)
_KEYED = (*dict.fromkeys(c for c, _, _ in _INTRODUCE.values()), "commitments")
_LISTED = (*(c for c, _ in _LIST.values()), "shares")
#: Engagement history entries: type -> kind.
_ENGAGEMENT = {
    "PartnerJoined": "joined",
    "PartnerEngagementChanged": "changed",
    "PartnerLeft": "left",
}


class ViewBuilder:
    """Folds events one at a time, in seq order, into the state a ``PartnershipView`` is
    made of; ``view()`` takes an immutable snapshot at any point."""

    def __init__(
        self,
        partnership: str | None = None,
        *,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> None:
        self.window = Window.at(as_of, known_at)
        self.partnership = partnership
        self._last_seq = 0
        self._events: list[Envelope] = []
        self._founding: Founding | None = None
        self._closure: Closure | None = None
        self._partners: dict[str, Partner] = {}
        self._partner_intro: dict[str, Moment] = {}
        self._keyed: dict[str, dict[Any, Any]] = {name: {} for name in _KEYED}
        self._lists: dict[str, list[Any]] = {name: [] for name in _LISTED}
        # What attaches to a record (votes, fulfilments, engagement...) is kept in growing
        # lists and put into the (frozen) record only by view(): no copy per event.
        # By collection, then record id, then attribute.
        self._attached: dict[str, dict[Any, dict[str, list[Any]]]] = {n: {} for n in _KEYED}
        self._history: dict[str, list[EngagementChange]] = {}

    def apply(self, event: Envelope) -> bool:
        """Fold ``event`` if it is in the window; returns whether it was."""
        return self.apply_all((event,)) == 1

    def apply_all(self, events: Iterable[Envelope]) -> int:
        """Fold ``events`` (in seq order), each if it is in the window; returns how many were.
        One loop for a whole stream, because replaying is mostly this loop."""
        pid, last, before = self.partnership, self._last_seq, len(self._events)
        append, folds = self._events.append, _FOLDS
        # Window.contains, inlined: calling it for every event cost more than its test.
        as_of, known_at = self.window._as_of_text, self.window._known_text
        try:
            for event in events:
                if event.partnership != pid:
                    if pid is not None:
                        raise ValueError(f"event of {event.partnership} given to the view of {pid}")
                    pid = self.partnership = event.partnership
                if event.seq <= last:
                    raise ValueError(f"events fold in seq order: {event.seq} after {last}")
                last = event.seq
                if event.occurred_on > as_of or event.recorded_at > known_at:
                    continue
                append(event)
                fold = folds.get(event.type)  # None for types the core does not know: events only
                if fold is not None:
                    fold[0](self, event, fold[1])
        finally:  # the last event taken, however the loop ended
            self._last_seq = last
        return len(self._events) - before

    def view(self) -> PartnershipView:
        """An immutable snapshot of everything folded so far."""
        if self.partnership is None:
            raise ValueError("an empty view needs its partnership id")
        partners = [
            _with(p, {"history": tuple(self._history[p.id])}) if p.id in self._history else p
            for p in sorted(self._partners.values(), key=lambda p: self._partner_intro[p.id])
        ]
        fresh = {name: dict(records) for name, records in self._keyed.items()}
        for collection, attached in self._attached.items():
            records = fresh[collection]
            for ident, by_attr in attached.items():
                records[ident] = _with(
                    records[ident], {attr: tuple(items) for attr, items in by_attr.items()}
                )
        keyed: dict[str, Any] = {
            name: MappingProxyType(dict(sorted(records.items(), key=_item_moment)))
            for name, records in fresh.items()
        }
        lists: dict[str, Any] = {name: tuple(items) for name, items in self._lists.items()}
        return PartnershipView(
            partnership=self.partnership,
            as_of=self.window.as_of,
            known_at=self.window.known_at,
            founding=self._founding,
            partners=MappingProxyType({p.id: p for p in partners}),
            closure=self._closure,
            events=tuple(self._events),
            **keyed,
            **lists,
        )

    # How each kind of event folds: ``spec`` is its entry in the tables above.

    def _introduce(self, event: Envelope, spec: tuple[str, Any, str]) -> None:
        collection, maker, key = spec  # maker: the record's key, its id read from ``key``
        self._keyed[collection][event.data[key]] = _MAKERS[maker](event)

    def _add_to(self, event: Envelope, spec: tuple[str, str, str, type[Fact]]) -> None:
        collection, key, attr, cls = spec
        ident = event.data[key]
        if ident in self._keyed[collection]:  # else not in the view (rare: EVENTS.md's dates)
            self._attach(collection, ident, attr, _MAKERS[cls](event))

    def _settle(self, event: Envelope, spec: tuple[str, str, str, type[Fact]]) -> None:
        collection, key, attr, cls = spec
        records, ident = self._keyed[collection], event.data[key]
        if ident in records:
            records[ident] = _with(records[ident], {attr: _MAKERS[cls](event)})

    def _list(self, event: Envelope, spec: tuple[str, type[Fact]]) -> None:
        collection, cls = spec
        _place(self._lists[collection], _MAKERS[cls](event))

    def _engage(self, event: Envelope, kind: str) -> None:
        self._engagement(event, _record(EngagementChange, event, kind=kind))

    def _add(self, collection: str, item: Fact) -> None:
        _place(self._lists[collection], item)

    def _attach(self, collection: str, ident: Any, attr: str, item: Fact) -> None:
        attached = self._attached[collection]
        by_attr = attached.get(ident)
        if by_attr is None:
            by_attr = attached[ident] = {}
        items = by_attr.get(attr)
        if items is None:
            items = by_attr[attr] = []
        _place(items, item)

    def _partner(self, event: Envelope) -> Partner:
        ident = event.data["partner"]
        if ident not in self._partners:
            self._partners[ident] = Partner(ident)
            self._partner_intro[ident] = Moment(event.occurred, event.seq)
        return self._partners[ident]

    def _engagement(self, event: Envelope, change: EngagementChange) -> None:
        record = self._partner(event)
        _place(self._history.setdefault(record.id, []), change)

    def _fold_PartnershipFounded(self, event: Envelope, _: None = None) -> None:
        self._founding = _record(Founding, event)

    def _fold_PartnershipClosed(self, event: Envelope, _: None = None) -> None:
        self._closure = _record(Closure, event)

    def _fold_PartnerIdentified(self, event: Envelope, _: None = None) -> None:
        record = self._partner(event)
        identification = _record(Identification, event)
        self._partners[record.id] = _with(record, {"identification": identification})

    def _fold_CommitmentMade(self, event: Envelope, _: None = None) -> None:
        self._keyed["commitments"][event.data["commitment"]] = _MAKERS[_COMMITMENT](event)

    def _fold_InformationShared(self, event: Envelope, _: None = None) -> None:
        share = _record(Share, event, recipients=tuple(event.data["with"]))
        self._add("shares", share)
        if share.subject_kind == "decision" and share.subject_id in self._keyed["decisions"]:
            self._attach("decisions", share.subject_id, "shares", share)


Fold = Callable[["ViewBuilder", Envelope, Any], None]


def _folds() -> dict[str, tuple[Fold, Any]]:
    """Each core event type's fold: a method of ``ViewBuilder`` and its table entry, so that
    folding an event is one lookup."""
    folds: dict[str, tuple[Fold, Any]] = {}
    for name, (collection, cls, key) in _INTRODUCE.items():
        renames = () if key == "version" else (("id", key),)  # versions are their own id
        folds[name] = (ViewBuilder._introduce, (collection, (cls, (), renames), key))
    for name, attached in _ATTACH.items():
        folds[name] = (ViewBuilder._add_to, attached)
    for name, settled in _SETTLE.items():
        folds[name] = (ViewBuilder._settle, settled)
    for name, listed in _LIST.items():
        folds[name] = (ViewBuilder._list, listed)
    for name, kind in _ENGAGEMENT.items():
        folds[name] = (ViewBuilder._engage, kind)
    for name in CORE_TYPES:
        if name not in folds:  # the types with a method of their own
            folds[name] = (getattr(ViewBuilder, f"_fold_{name}"), None)
    return folds


_FOLDS = _folds()


def load_view(
    ledger: Ledger,
    partnership: str | None = None,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> PartnershipView:
    """The view of a partnership in a ledger (the only one when ``partnership`` is None)."""
    pid = ledger.choose(partnership)
    stream = ledger.stream(pid)
    if not stream:
        raise UnknownPartnership(f"no partnership {pid!r} in this ledger")
    return PartnershipView.replay(stream, as_of=as_of, known_at=known_at, partnership=pid)

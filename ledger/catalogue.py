"""The event catalogue of EVENTS.md, declared once.

``DECLARATION`` below is the single source of every event type: validation, the CLI's
``record`` command, import and export and ``pledger events`` all read it. A line reads
``Type | own | fields | seed``; a field is ``name`` (text) or ``name:kind``, ``?`` marks it
optional. Kinds are the value kinds of ``KINDS``, an enumeration of ``ENUMS``, ``new`` (the
event introduces an id of the kind named by the field) or ``ref`` (it names an earlier one).
``own`` is ``partner`` (the act speaks for the ``partner`` field) or ``owner`` (for the
commitment's owner). This module checks each field on its own; rules that need the stream
(references, order, who may act) live in :mod:`ledger.state`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.canonical import plain_decimal
from ledger.errors import InvalidEvent
from ledger.keys import decode_public_key, decode_signature

ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
RULE_RE = re.compile(r"[A-Z]{2,4}[0-9]{3}")
TEXT_LIMIT = 10_000
LIST_LIMIT = 100
#: Amounts beyond these bounds are refused as absurd (docs/decisions.md).
MAX_INTEGER_DIGITS = 21
MAX_FRACTION_DIGITS = 12

ENUMS: dict[str, tuple[str, ...]] = {
    "scope": ("local", "national", "regional", "international"),
    "sector": ("public", "private", "civil-society", "academic", "intergovernmental", "other"),
    "engagement": ("key", "active", "pilot", "advisory"),
    "kind": (
        "money",
        "people",
        "skills",
        "facilities",
        "logistics",
        "information",
        "distribution",
        "contacts",
        "publicity",
        "services",
        "products",
        "other",
    ),
    "verdict": ("go", "pursue", "decline"),
    "topic": ("code-of-conduct", "finance", "terminology", "branding", "other"),
    "method": ("consensus", "unanimity", "majority", "committee"),
    "audience": ("partners", "internal", "external"),
    "level": ("low", "medium", "high"),
    "position": ("for", "against", "abstain", "block"),
    "outcome": ("adopted", "rejected"),
    "rating": ("green", "amber", "red"),
    "lens": ("project", "partnership", "value"),
    "phase": ("scoping", "building", "planning", "implementing", "reviewing", "sustaining"),
    "option": ("continue", "renegotiate", "institutionalise", "close"),
    "closure": ("completed", "unable-to-work-together", "other"),
}

#: Value kinds; each has a parser below. Lists named here need at least one item.
KINDS = (
    "text",
    "id",
    "date",
    "amount",
    "number",
    "int",
    "bool",
    "true",
    "quorum",
    "sha256",
    "currency",
    "rule",
    "partner",
    "partners",
    "texts",
    "lenses",
    "ratings",
    "with",
    "subject",
    "waiver-subject",
    "public-key",
    "signature",
    "new",
    "ref",
)
LIST_KINDS = ("partners", "texts", "lenses", "with")
#: Subject kinds of ``InformationShared.subject`` and of findings (RULES.md).
SHARE_SUBJECTS = ("decision", "review", "commitment", "meeting", "agreement", "document")
FINDING_SUBJECTS = (
    "partnership",
    "partner",
    "commitment",
    "decision",
    "review",
    "indicator",
    "issue",
    "action",
    "agreement",
)

DECLARATION = """
# Phase 1: creation and relationship building
PartnershipFounded         | -       | name purpose scope:scope vision? | scope; draft a vision
VisionRevised              | -       | vision reason | vision changes with partner input
StakeholderMapped          | -       | stakeholder:new name sector:sector needs?:texts interests?:texts motivations?:texts | stakeholder map
StakeholderConsulted       | -       | stakeholder:ref summary | consult informally
PartnerIdentified          | -       | partner:id name sector:sector value_added international?:bool | identify partners and the value they add
PartnerJoined              | -       | partner:id engagement:engagement representative? name? sector?:sector | level of engagement
PartnerEngagementChanged   | -       | partner:partner engagement:engagement reason |
PartnerLeft                | -       | partner:partner reason handover? | continued participation
AssessmentRecorded         | partner | partner:partner benefits:texts costs:texts risks?:texts verdict:verdict | internal assessment
AssumptionDeclared         | partner | partner:partner text | be transparent about assumptions
DealBreakerDeclared        | partner | partner:partner text? none?:true | non-negotiable aspects
PrincipleAdopted           | -       | principle text? | practise the principles
GroundRuleAgreed           | -       | topic:topic text | ground rules, codes of conduct, terminology, finance
DecisionRuleSet            | -       | method:method quorum?:quorum deciders?:partners | decision-making rules
CommunicationProtocolAgreed| -       | audience:audience channels:texts every_days?:int share_within_days?:int | communications
ReviewScheduleSet          | -       | every_days:int | how often to review
ReportingNeedDeclared      | partner | partner:partner what to_whom every_days?:int | each partner's reporting needs
# Planning
ActivityPlanned            | -       | activity:new title outputs?:texts outcomes?:texts starts?:date ends?:date | programme of activities
ResourceNeeded             | -       | need:new kind:kind description quantity?:amount unit? | identify resources needed
CommitmentMade             | partner | commitment:new partner:partner kind:kind description quantity?:amount unit? value?:amount currency?:currency due?:date need?:ref activity?:ref | map resources and commitments
CommitmentRevised          | owner   | commitment:ref reason due?:date quantity?:amount value?:amount | revisit project needs
CommitmentWithdrawn        | owner   | commitment:ref reason |
IndicatorDefined           | -       | indicator:new name lens:lens method owner:partner baseline?:number target?:number unit? due?:date | indicators and methodology
RiskIdentified             | -       | risk:new description likelihood?:level impact?:level owner?:partner | discuss risks
RiskMitigated              | -       | risk:ref action | mitigate risks
AgreementDrafted           | -       | version:int summary document_sha256?:sha256 | partnership agreement
AgreementSigned            | partner | version:int partner:partner signatory | acceptable to all partners
# Decisions (any phase)
DecisionProposed           | -       | decision:new title proposer:partner rationale? | how decisions are made
VoteCast                   | partner | decision:ref partner:partner position:position comment? | everyone heard
DecisionTaken              | -       | decision:ref outcome:outcome rationale? |
InformationShared          | -       | subject:subject with:with channel? | share information
# Phase 2: implementing, managing, maintaining
PhaseChanged               | -       | phase:phase reason? | the cycle
MeetingHeld                | -       | meeting:new purpose attendees:partners minutes_sha256?:sha256 | keep communicating, good records
ProgressReported           | partner | partner:partner summary commitment?:ref delivered?:amount | reporting between partners
CommitmentFulfilled        | owner   | commitment:ref delivered?:amount evidence | keep resource commitments
FulfilmentConfirmed        | partner | commitment:ref partner:partner | track and follow through
IssueRaised                | partner | issue:new partner:partner description | discuss issues as they arise
IssueResolved              | -       | issue:ref resolution | find solutions collectively
# Phase 3: reviewing, evaluating, revising
IndicatorMeasured          | -       | indicator:ref value:number period_end:date partner:partner | measuring
ReviewOpened               | -       | review:new lenses:lenses due?:date | review on two levels
ReviewSubmitted            | partner | review:ref partner:partner ratings:ratings worth?:rating comments? | participatory review
ReviewConcluded            | -       | review:ref findings story? recommendations?:texts | capture the story, learning
ActionAgreed               | -       | action:new description owner:partner due?:date review?:ref | revisions after review
ActionCompleted            | -       | action:ref |
PartnershipRevised         | -       | changes reason | revise partnership or project
# Phase 4: sustaining outcomes
SustainabilityChosen       | -       | option:option rationale | next steps together
Institutionalised          | -       | structure description | structures for continuity
LearningShared             | -       | summary audience?:texts | share learning and impact
PartnershipClosed          | -       | reason:closure learning impact? | closure
# Audit
FindingWaived              | -       | rule:rule subject:waiver-subject partner?:partner reason approved_by:partners until?:date | a waiver is itself on the record
# Signing keys
PartnerKeyRegistered       | partner | partner:partner public_key:public-key fingerprint:sha256 endorsed_by?:sha256 endorsement?:signature | a partner's signing key, signed by itself
PartnerKeyRevoked          | -       | partner:partner fingerprint:sha256 reason approved_by?:partners | a key that must no longer sign
"""

#: The key registry's types (docs/signing.md): added to EVENTS.md's catalogue by issue #10.
KEY_TYPES = frozenset({"PartnerKeyRegistered", "PartnerKeyRevoked"})

#: Lists that EVENTS.md requires to hold at least one item.
NON_EMPTY_LISTS = frozenset({"channels", "attendees", "lenses", "with", "deciders", "approved_by"})


@dataclass(frozen=True)
class Field:
    """One data field of an event type."""

    name: str
    kind: str
    required: bool = True
    #: The values an enumeration's field may take (None for other kinds); looked up once,
    #: since every value checked asks.
    enum: tuple[str, ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "enum", ENUMS.get(self.kind))

    @property
    def is_list(self) -> bool:
        return self.kind in LIST_KINDS

    def describe(self) -> str:
        """How ``pledger events`` shows the field: ``name?:kind``."""
        kind = self.kind
        if self.enum is not None:
            kind = "|".join(self.enum)
        return f"{self.name}{'' if self.required else '?'}:{kind}"


@dataclass(frozen=True)
class EventType:
    """An event type: its fields, whether it is an own act, and the seed's instruction."""

    name: str
    fields: tuple[Field, ...]
    own: str | None = None
    phase: str = ""
    seed: str = ""
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)
    #: Whether the fields are declared in canonical (sorted) order, so that data checked in
    #: declaration order comes out canonical with no sort.
    in_order: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        names = [f.name for f in self.fields]
        object.__setattr__(self, "in_order", names == sorted(names))

    def parse_data(self, data: Any) -> dict[str, Any]:
        """Check every field on its own and return the data in canonical form."""
        if not isinstance(data, Mapping):
            raise InvalidEvent(self.name, "data", data, "must be a JSON object")
        out: dict[str, Any] = {}
        for key in data:
            if key not in self.by_name:
                raise InvalidEvent(self.name, key, data[key], "unknown field")
        for fld in self.fields:
            value = data.get(fld.name)
            if value is None:
                if fld.name in data:
                    raise InvalidEvent(self.name, fld.name, None, "null is not a value; omit it")
                if fld.required:
                    raise InvalidEvent(self.name, fld.name, None, "required field is missing")
                continue
            out[fld.name] = parse_value(self.name, fld, value)
        # canonical order: stored, hashed and shown alike
        return out if self.in_order else dict(sorted(out.items()))

    def parse_text_value(self, name: str, text: str) -> Any:
        """Turn a command-line ``field=value`` into the JSON value the field expects."""
        fld = self.by_name.get(name)
        if fld is None:
            raise InvalidEvent(self.name, name, text, "unknown field")
        if fld.is_list:
            return [item.strip() for item in text.split(";")]
        if fld.kind == "ratings":  # aspect=rating;aspect=rating
            pairs = [item.partition("=") for item in text.split(";") if item.strip()]
            if any(not sep for _, sep, _ in pairs):
                raise InvalidEvent(self.name, name, text, "write ratings as aspect=rating;...")
            return {aspect.strip(): rating.strip() for aspect, _, rating in pairs}
        if fld.kind in ("int",) and re.fullmatch(r"[0-9]+", text.strip()):
            return int(text)
        if fld.kind in ("bool", "true") and text.lower() in ("true", "false"):
            return text.lower() == "true"
        return text


class NonFinite:
    """A JSON ``NaN``/``Infinity`` token, kept as a marker (not a number, not text) so the
    field check that meets it can name the field; no field kind accepts it."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __str__(self) -> str:
        return self.token


def _fail(event_type: str, fld: Field, value: Any, reason: str) -> InvalidEvent:
    return InvalidEvent(event_type, fld.name, value, reason)


def check_text(event_type: str, fld: Field, value: Any) -> str:
    """Non-empty text of at most 10,000 characters, no control characters but \\n and \\t."""
    if not isinstance(value, str):
        raise _fail(event_type, fld, value, "must be text")
    if not value:
        raise _fail(event_type, fld, value, "must not be empty")
    if len(value) > TEXT_LIMIT:
        raise _fail(event_type, fld, value, f"longer than {TEXT_LIMIT:,} characters")
    bad = _NOT_TEXT.search(value)
    if bad is not None:
        code = ord(bad.group())
        if 0xD800 <= code <= 0xDFFF:
            raise _fail(event_type, fld, value, "unpaired surrogate is not valid Unicode")
        raise _fail(event_type, fld, value, f"control character U+{code:04X} is not allowed")
    return value


#: What text may not hold: control characters (but newline and tab) and lone surrogates.
_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def check_id(event_type: str, fld: Field, value: Any) -> str:
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise _fail(event_type, fld, value, "ids match [a-z0-9][a-z0-9._-]{0,63}")
    return value


def check_date(event_type: str, fld: Field, value: Any) -> str:
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        raise _fail(event_type, fld, value, "dates are YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise _fail(event_type, fld, value, "is not a real calendar date") from None
    return value


def parse_decimal(event_type: str, fld: Field, value: Any) -> Decimal:
    """JSON numbers (already decimals) or strings in JSON number syntax; never floats."""
    if isinstance(value, (bool, float)):
        raise _fail(event_type, fld, value, "must be a decimal number")
    if isinstance(value, NonFinite):
        raise _fail(event_type, fld, value, "NaN and Infinity are not numbers")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str) and NUMBER_RE.fullmatch(value):
        try:
            number = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern already excludes these
            raise _fail(event_type, fld, value, "is not a number") from None
    else:
        raise _fail(event_type, fld, value, "must be a number (JSON number or numeric string)")
    if not number.is_finite():
        raise _fail(event_type, fld, value, "NaN and Infinity are not numbers")
    if not number.is_zero():
        if number.adjusted() >= MAX_INTEGER_DIGITS:
            raise _fail(event_type, fld, value, f"more than {MAX_INTEGER_DIGITS} integer digits")
        fraction = plain_decimal(number).partition(".")[2]
        if number.adjusted() < -MAX_FRACTION_DIGITS or len(fraction) > MAX_FRACTION_DIGITS:
            raise _fail(event_type, fld, value, f"more than {MAX_FRACTION_DIGITS} decimal places")
    return number


def parse_value(event_type: str, fld: Field, value: Any) -> Any:
    """Check one field's value against its kind; return its canonical JSON form."""
    kind = fld.kind
    if fld.enum is not None:
        if not isinstance(value, str) or value not in fld.enum:
            raise _fail(event_type, fld, value, f"must be one of {', '.join(fld.enum)}")
        return value
    if kind == "text":
        return check_text(event_type, fld, value)
    if kind in ("id", "partner", "new", "ref"):
        return check_id(event_type, fld, value)
    if kind == "date":
        return check_date(event_type, fld, value)
    if kind in ("amount", "number", "quorum"):
        number = parse_decimal(event_type, fld, value)
        if kind == "amount" and number < 0:
            raise _fail(event_type, fld, value, "amounts are never negative")
        if kind == "quorum" and not (0 < number <= 1):
            raise _fail(event_type, fld, value, "quorum must be > 0 and <= 1")
        return plain_decimal(number)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(event_type, fld, value, "must be a whole number")
        if value < 1:
            raise _fail(event_type, fld, value, "must be at least 1")
        if value > 1_000_000:
            raise _fail(event_type, fld, value, "is absurdly large")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise _fail(event_type, fld, value, "must be true or false")
        return value
    if kind == "true":
        if value is not True:
            raise _fail(event_type, fld, value, "must be true (or left out)")
        return value
    if kind == "sha256":
        if not isinstance(value, str) or not SHA256_RE.fullmatch(value):
            raise _fail(event_type, fld, value, "must be 64 lowercase hex digits")
        return value
    if kind == "currency":
        if not isinstance(value, str) or not CURRENCY_RE.fullmatch(value):
            raise _fail(event_type, fld, value, "must be an ISO 4217 code (three capitals)")
        return value
    if kind == "rule":
        if not isinstance(value, str) or not RULE_RE.fullmatch(value):
            raise _fail(event_type, fld, value, "rule ids match [A-Z]{2,4}[0-9]{3}")
        return value
    if kind == "public-key":
        if decode_public_key(value) is None:
            raise _fail(
                event_type, fld, value, "must be a raw Ed25519 public key (32 bytes) in base64"
            )
        return value
    if kind == "signature":
        if decode_signature(value) is None:
            raise _fail(event_type, fld, value, "must be an Ed25519 signature (64 bytes) in base64")
        return value
    if kind in LIST_KINDS:
        return _parse_list(event_type, fld, value)
    if kind == "ratings":
        return _parse_ratings(event_type, fld, value)
    if kind in ("subject", "waiver-subject"):
        return _parse_subject(event_type, fld, value)
    raise AssertionError(f"unknown field kind {kind!r}")  # pragma: no cover


def _parse_list(event_type: str, fld: Field, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(event_type, fld, value, "must be a list")
    if len(value) > LIST_LIMIT:
        raise _fail(event_type, fld, value, f"more than {LIST_LIMIT} items")
    if fld.name in NON_EMPTY_LISTS and not value:
        raise _fail(event_type, fld, value, "needs at least one item")
    if fld.kind == "texts":
        return [check_text(event_type, fld, item) for item in value]
    if fld.kind == "lenses":
        lens = Field(fld.name, "lens")
        items = [parse_value(event_type, lens, item) for item in value]
    elif fld.kind == "with" and value == ["all"]:
        return value
    else:
        items = [check_id(event_type, fld, item) for item in value]
        if "all" in items:
            raise _fail(event_type, fld, value, 'is either ["all"] or a list of partner ids')
    if len(set(items)) != len(items):
        raise _fail(event_type, fld, value, "names an item twice")
    return items


def _parse_ratings(event_type: str, fld: Field, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise _fail(
            event_type, fld, value, "must be a map of aspect to rating, with at least one entry"
        )
    if len(value) > LIST_LIMIT:
        raise _fail(event_type, fld, value, f"more than {LIST_LIMIT} aspects")
    out = {}
    for aspect, rating in value.items():
        check_text(event_type, fld, aspect)
        if rating not in ENUMS["rating"]:
            raise _fail(event_type, fld, value, f"rating of {aspect!r} must be green, amber or red")
        out[aspect] = rating
    return out


def _parse_subject(event_type: str, fld: Field, value: Any) -> str:
    kinds = SHARE_SUBJECTS if fld.kind == "subject" else FINDING_SUBJECTS
    if not isinstance(value, str) or ":" not in value:
        raise _fail(event_type, fld, value, f"must be kind:id with kind one of {', '.join(kinds)}")
    kind, _, ident = value.partition(":")
    if kind not in kinds:
        raise _fail(event_type, fld, value, f"subject kind must be one of {', '.join(kinds)}")
    if kind == "agreement":
        if not re.fullmatch(r"[1-9][0-9]{0,5}", ident):
            raise _fail(event_type, fld, value, "agreement subjects name a version number")
    elif not ID_RE.fullmatch(ident):
        raise _fail(event_type, fld, value, "the id after the colon is not a valid id")
    return value


def _parse_declaration(text: str) -> dict[str, EventType]:
    types: dict[str, EventType] = {}
    phase = ""
    for line in text.strip().splitlines():
        if line.startswith("#"):
            phase = line.lstrip("# ").strip()
            continue
        name, own, spec, seed = (part.strip() for part in line.split("|"))
        fields = []
        for token in spec.split():
            fname, _, kind = token.partition(":")
            required = not fname.endswith("?")
            fname = fname.rstrip("?")
            kind = kind or "text"
            if kind not in KINDS and kind not in ENUMS:
                raise AssertionError(f"{name}.{fname}: unknown kind {kind!r}")
            fields.append(Field(fname, kind, required))
        types[name] = EventType(name, tuple(fields), None if own == "-" else own, phase, seed)
    return types


class Catalogue:
    """The event types a ledger knows: the core's own, plus any a plugin registers."""

    def __init__(self, types: Iterable[EventType] = ()) -> None:
        self._types: dict[str, EventType] = dict(CORE_TYPES)
        for extra in types:
            self.add(extra)

    def add(self, event_type: EventType) -> None:
        if event_type.name in self._types:
            raise ValueError(f"event type {event_type.name} is already declared")
        self._types[event_type.name] = event_type

    def get(self, name: str) -> EventType | None:
        return self._types.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __iter__(self) -> Any:
        return iter(self._types.values())

    def __len__(self) -> int:
        return len(self._types)


CORE_TYPES: dict[str, EventType] = _parse_declaration(DECLARATION)

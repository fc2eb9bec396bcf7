"""Every validation rule of EVENTS.md (/work/shared/EVENTS.md), each with a refused case and
the nearest case the ledger must accept.

Most tests start from ``BASE``: the founded "music-chain" partnership of ``helpers.founding``
plus one recorded instance of every id kind, all dated ``DAY``. ``EXAMPLES`` holds one full,
legal event of each of the 50 types that may follow ``BASE``; tests change one thing in it.
Validation does not depend on the storage, so these tests run on SQLite (a copy of a ledger
holding ``BASE``); only the all-or-nothing import also runs on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.catalogue import CORE_TYPES, KEY_TYPES
from ledger.errors import InvalidEvent, InvalidInput, LedgerError
from ledger.events import Draft, Envelope, thaw
from ledger.store import Ledger

from helpers import PID, founding, jsonl, line

NOW = "2026-06-01T12:00:00Z"  # the conftest's PLEDGER_NOW
TODAY = "2026-06-01"
DAY = "2026-03-01"  # the date of every BASE event and, unless a test says otherwise, examples
BEFORE = "2026-02-28"  # the day before BASE
OTHER = "other-chain"
SHA = "0123456789abcdef" * 4
KEY_PARTNERS = ("ngo-sonar", "telco-x", "ministry")
SECTORS = ("public", "private", "civil-society", "academic", "intergovernmental", "other")
ENGAGEMENTS = ("key", "active", "pilot", "advisory")
RESOURCE_KINDS = (
    "money", "people", "skills", "facilities", "logistics", "information", "distribution",
    "contacts", "publicity", "services", "products", "other",
)  # fmt: skip
LENSES = ("project", "partnership", "value")
RATINGS = ("green", "amber", "red")
LEVELS = ("low", "medium", "high")


# -- the contract, transcribed from EVENTS.md ("The catalogue") -----------------------------

#: type -> (required fields, optional fields)
SPEC: dict[str, tuple[str, str]] = {
    "PartnershipFounded": ("name purpose scope", "vision"),
    "VisionRevised": ("vision reason", ""),
    "StakeholderMapped": ("stakeholder name sector", "needs interests motivations"),
    "StakeholderConsulted": ("stakeholder summary", ""),
    "PartnerIdentified": ("partner name sector value_added", "international"),
    "PartnerJoined": ("partner engagement", "representative name sector"),
    "PartnerEngagementChanged": ("partner engagement reason", ""),
    "PartnerLeft": ("partner reason", "handover"),
    "AssessmentRecorded": ("partner benefits costs verdict", "risks"),
    "AssumptionDeclared": ("partner text", ""),
    "DealBreakerDeclared": ("partner", "text none"),
    "PrincipleAdopted": ("principle", "text"),
    "GroundRuleAgreed": ("topic text", ""),
    "DecisionRuleSet": ("method", "quorum deciders"),
    "CommunicationProtocolAgreed": ("audience channels", "every_days share_within_days"),
    "ReviewScheduleSet": ("every_days", ""),
    "ReportingNeedDeclared": ("partner what to_whom", "every_days"),
    "ActivityPlanned": ("activity title", "outputs outcomes starts ends"),
    "ResourceNeeded": ("need kind description", "quantity unit"),
    "CommitmentMade": (
        "commitment partner kind description",
        "quantity unit value currency due need activity",
    ),
    "CommitmentRevised": ("commitment reason", "due quantity value"),
    "CommitmentWithdrawn": ("commitment reason", ""),
    "IndicatorDefined": ("indicator name lens method owner", "baseline target unit due"),
    "RiskIdentified": ("risk description", "likelihood impact owner"),
    "RiskMitigated": ("risk action", ""),
    "AgreementDrafted": ("version summary", "document_sha256"),
    "AgreementSigned": ("version partner signatory", ""),
    "DecisionProposed": ("decision title proposer", "rationale"),
    "VoteCast": ("decision partner position", "comment"),
    "DecisionTaken": ("decision outcome", "rationale"),
    "InformationShared": ("subject with", "channel"),
    "PhaseChanged": ("phase", "reason"),
    "MeetingHeld": ("meeting purpose attendees", "minutes_sha256"),
    "ProgressReported": ("partner summary", "commitment delivered"),
    "CommitmentFulfilled": ("commitment evidence", "delivered"),
    "FulfilmentConfirmed": ("commitment partner", ""),
    "IssueRaised": ("issue partner description", ""),
    "IssueResolved": ("issue resolution", ""),
    "IndicatorMeasured": ("indicator value period_end partner", ""),
    "ReviewOpened": ("review lenses", "due"),
    "ReviewSubmitted": ("review partner ratings", "worth comments"),
    "ReviewConcluded": ("review findings", "story recommendations"),
    "ActionAgreed": ("action description owner", "due review"),
    "ActionCompleted": ("action", ""),
    "PartnershipRevised": ("changes reason", ""),
    "SustainabilityChosen": ("option rationale", ""),
    "Institutionalised": ("structure description", ""),
    "LearningShared": ("summary", "audience"),
    "PartnershipClosed": ("reason learning", "impact"),
    "FindingWaived": ("rule subject reason approved_by", "partner until"),
}
#: Own acts: the partner field they speak for, or "owner" (the commitment's owner).
OWN: dict[str, str] = {
    "AssessmentRecorded": "partner",
    "AssumptionDeclared": "partner",
    "DealBreakerDeclared": "partner",
    "ReportingNeedDeclared": "partner",
    "CommitmentMade": "partner",
    "CommitmentRevised": "owner",
    "CommitmentWithdrawn": "owner",
    "AgreementSigned": "partner",
    "VoteCast": "partner",
    "ProgressReported": "partner",
    "CommitmentFulfilled": "owner",
    "FulfilmentConfirmed": "partner",
    "IssueRaised": "partner",
    "ReviewSubmitted": "partner",
}
#: Plain text fields (every field that Field types does not give another kind).
TEXT_FIELDS: dict[str, str] = {
    "PartnershipFounded": "name purpose vision",
    "VisionRevised": "vision reason",
    "StakeholderMapped": "name",
    "StakeholderConsulted": "summary",
    "PartnerIdentified": "name value_added",
    "PartnerJoined": "representative name",
    "PartnerEngagementChanged": "reason",
    "PartnerLeft": "reason handover",
    "AssumptionDeclared": "text",
    "DealBreakerDeclared": "text",
    "PrincipleAdopted": "principle text",
    "GroundRuleAgreed": "text",
    "ReportingNeedDeclared": "what to_whom",
    "ActivityPlanned": "title",
    "ResourceNeeded": "description unit",
    "CommitmentMade": "description unit",
    "CommitmentRevised": "reason",
    "CommitmentWithdrawn": "reason",
    "IndicatorDefined": "name method unit",
    "RiskIdentified": "description",
    "RiskMitigated": "action",
    "AgreementDrafted": "summary",
    "AgreementSigned": "signatory",
    "DecisionProposed": "title rationale",
    "VoteCast": "comment",
    "DecisionTaken": "rationale",
    "InformationShared": "channel",
    "PhaseChanged": "reason",
    "MeetingHeld": "purpose",
    "ProgressReported": "summary",
    "CommitmentFulfilled": "evidence",
    "IssueRaised": "description",
    "IssueResolved": "resolution",
    "ReviewSubmitted": "comments",
    "ReviewConcluded": "findings story",
    "ActionAgreed": "description",
    "PartnershipRevised": "changes reason",
    "SustainabilityChosen": "rationale",
    "Institutionalised": "structure description",
    "LearningShared": "summary",
    "PartnershipClosed": "learning impact",
    "FindingWaived": "reason",
}
TEXT_LIST_FIELDS = [
    ("StakeholderMapped", "needs"),
    ("StakeholderMapped", "interests"),
    ("StakeholderMapped", "motivations"),
    ("AssessmentRecorded", "benefits"),
    ("AssessmentRecorded", "costs"),
    ("AssessmentRecorded", "risks"),
    ("CommunicationProtocolAgreed", "channels"),
    ("ActivityPlanned", "outputs"),
    ("ActivityPlanned", "outcomes"),
    ("ReviewConcluded", "recommendations"),
    ("LearningShared", "audience"),
]
DATE_FIELDS = [
    ("ActivityPlanned", "starts"),
    ("ActivityPlanned", "ends"),
    ("CommitmentMade", "due"),
    ("CommitmentRevised", "due"),
    ("IndicatorDefined", "due"),
    ("IndicatorMeasured", "period_end"),
    ("ReviewOpened", "due"),
    ("ActionAgreed", "due"),
    ("FindingWaived", "until"),
]
AMOUNT_FIELDS = [
    ("ResourceNeeded", "quantity"),
    ("CommitmentMade", "quantity"),
    ("CommitmentMade", "value"),
    ("CommitmentRevised", "quantity"),
    ("CommitmentRevised", "value"),
    ("ProgressReported", "delivered"),
    ("CommitmentFulfilled", "delivered"),
]
NUMBER_FIELDS = [
    ("IndicatorDefined", "baseline"),
    ("IndicatorDefined", "target"),
    ("IndicatorMeasured", "value"),
]
INT_FIELDS = [
    ("CommunicationProtocolAgreed", "every_days"),
    ("CommunicationProtocolAgreed", "share_within_days"),
    ("ReviewScheduleSet", "every_days"),
    ("ReportingNeedDeclared", "every_days"),
]
#: (type, field introducing an id, an id of that kind already in BASE)
NEW_ID_FIELDS = [
    ("StakeholderMapped", "stakeholder", "s-1"),
    ("ActivityPlanned", "activity", "act-1"),
    ("ResourceNeeded", "need", "n-1"),
    ("CommitmentMade", "commitment", "c-1"),
    ("IndicatorDefined", "indicator", "i-1"),
    ("RiskIdentified", "risk", "k-1"),
    ("DecisionProposed", "decision", "d-1"),
    ("MeetingHeld", "meeting", "m-1"),
    ("IssueRaised", "issue", "is-1"),
    ("ReviewOpened", "review", "r-1"),
    ("ActionAgreed", "action", "a-1"),
]
#: (type, field) of every reference to an earlier id other than a partner
REF_FIELDS = [
    ("StakeholderConsulted", "stakeholder"),
    ("CommitmentMade", "need"),
    ("CommitmentMade", "activity"),
    ("CommitmentRevised", "commitment"),
    ("CommitmentWithdrawn", "commitment"),
    ("RiskMitigated", "risk"),
    ("VoteCast", "decision"),
    ("DecisionTaken", "decision"),
    ("ProgressReported", "commitment"),
    ("CommitmentFulfilled", "commitment"),
    ("FulfilmentConfirmed", "commitment"),
    ("IssueResolved", "issue"),
    ("IndicatorMeasured", "indicator"),
    ("ReviewSubmitted", "review"),
    ("ReviewConcluded", "review"),
    ("ActionAgreed", "review"),
    ("ActionCompleted", "action"),
]
#: (type, field) naming partners in events that are not own acts (own acts: see OWN)
PARTNER_FIELDS = [
    ("PartnerEngagementChanged", "partner"),
    ("PartnerLeft", "partner"),
    ("DecisionRuleSet", "deciders"),
    ("IndicatorDefined", "owner"),
    ("RiskIdentified", "owner"),
    ("DecisionProposed", "proposer"),
    ("MeetingHeld", "attendees"),
    ("IndicatorMeasured", "partner"),
    ("ActionAgreed", "owner"),
    ("FindingWaived", "partner"),
    ("FindingWaived", "approved_by"),
    ("InformationShared", "with"),
]
#: (type, field, allowed values) of every enumeration ("Enumerations", and the catalogue)
ENUM_FIELDS = [
    ("PartnershipFounded", "scope", ("local", "national", "regional", "international")),
    ("StakeholderMapped", "sector", SECTORS),
    ("PartnerIdentified", "sector", SECTORS),
    ("PartnerJoined", "sector", SECTORS),
    ("PartnerJoined", "engagement", ENGAGEMENTS),
    ("PartnerEngagementChanged", "engagement", ENGAGEMENTS),
    ("AssessmentRecorded", "verdict", ("go", "pursue", "decline")),
    ("GroundRuleAgreed", "topic", ("code-of-conduct", "finance", "terminology", "branding",
                                   "other")),
    ("DecisionRuleSet", "method", ("consensus", "unanimity", "majority", "committee")),
    ("CommunicationProtocolAgreed", "audience", ("partners", "internal", "external")),
    ("ResourceNeeded", "kind", RESOURCE_KINDS),
    ("CommitmentMade", "kind", RESOURCE_KINDS),
    ("IndicatorDefined", "lens", LENSES),
    ("ReviewOpened", "lenses", LENSES),
    ("RiskIdentified", "likelihood", LEVELS),
    ("RiskIdentified", "impact", LEVELS),
    ("VoteCast", "position", ("for", "against", "abstain", "block")),
    ("DecisionTaken", "outcome", ("adopted", "rejected")),
    ("PhaseChanged", "phase", ("scoping", "building", "planning", "implementing", "reviewing",
                               "sustaining")),
    ("ReviewSubmitted", "ratings", RATINGS),
    ("ReviewSubmitted", "worth", RATINGS),
    ("SustainabilityChosen", "option", ("continue", "renegotiate", "institutionalise", "close")),
    ("PartnershipClosed", "reason", ("completed", "unable-to-work-together", "other")),
]  # fmt: skip
#: Acts a partner that has left records none of (Validation).
BARRED_AFTER_LEAVING = [
    "CommitmentMade", "VoteCast", "AgreementSigned", "ReviewSubmitted", "AssessmentRecorded",
    "AssumptionDeclared", "DealBreakerDeclared", "ReportingNeedDeclared", "IssueRaised",
    "ProgressReported", "FulfilmentConfirmed",
]  # fmt: skip


# -- the base stream and one legal example of each type -------------------------------------


def ev(type_: str, data: dict[str, Any], actor: str = "broker", on: str | None = DAY,
       **extra: Any) -> dict[str, Any]:  # fmt: skip
    return line(type_, data, actor=actor, on=on, **extra)


BASE: list[dict[str, Any]] = [
    *founding(),
    ev("PartnerIdentified", {"partner": "uni-y", "name": "Uni Y", "sector": "academic",
                             "value_added": "Research"}),
    ev("StakeholderMapped", {"stakeholder": "s-1", "name": "Studios", "sector": "private"}),
    ev("ActivityPlanned", {"activity": "act-1", "title": "Workshops"}),
    ev("ResourceNeeded", {"need": "n-1", "kind": "people", "description": "Trainers"}),
    ev("CommitmentMade", {"commitment": "c-1", "partner": "ngo-sonar", "kind": "people",
                          "description": "Two trainers", "quantity": 2, "value": 1000,
                          "currency": "EUR"}, actor="ngo-sonar"),
    ev("CommitmentFulfilled", {"commitment": "c-1", "delivered": 1, "evidence": "Rota"},
       actor="ngo-sonar"),
    ev("IndicatorDefined", {"indicator": "i-1", "name": "Trained", "lens": "project",
                            "method": "Count", "owner": "ministry"}),
    ev("RiskIdentified", {"risk": "k-1", "description": "Trainers leave"}),
    ev("IssueRaised", {"issue": "is-1", "partner": "telco-x", "description": "Late pay"},
       actor="telco-x"),
    ev("ReviewOpened", {"review": "r-1", "lenses": ["project"]}),
    ev("ActionAgreed", {"action": "a-1", "description": "Pay on time", "owner": "telco-x"}),
    ev("MeetingHeld", {"meeting": "m-1", "purpose": "Start", "attendees": ["ngo-sonar",
                                                                            "telco-x"]}),
    ev("DecisionProposed", {"decision": "d-1", "title": "Hire", "proposer": "ministry"}),
    ev("AgreementDrafted", {"version": 1, "summary": "First draft"}),
]  # fmt: skip

#: type -> (actor, data): a full legal event (every field, where fields do not exclude one
#: another) that may follow BASE. PartnershipFounded founds a second partnership, OTHER.
EXAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "PartnershipFounded": ("broker", {"name": "Other chain", "purpose": "Share studios",
                                      "scope": "regional", "vision": "Studios for all"}),
    "VisionRevised": ("broker", {"vision": "An engineer in every town", "reason": "Input"}),
    "StakeholderMapped": ("broker", {"stakeholder": "s-2", "name": "Union", "sector": "other",
                                     "needs": ["jobs"], "interests": ["fair pay"],
                                     "motivations": ["members"]}),
    "StakeholderConsulted": ("broker", {"stakeholder": "s-1", "summary": "Met for coffee"}),
    "PartnerIdentified": ("broker", {"partner": "uni-z", "name": "Uni Z", "sector": "academic",
                                     "value_added": "Research", "international": True}),
    "PartnerJoined": ("broker", {"partner": "uni-y", "engagement": "pilot",
                                 "representative": "Ana Lima", "name": "Uni Y",
                                 "sector": "academic"}),
    "PartnerEngagementChanged": ("broker", {"partner": "telco-x", "engagement": "active",
                                            "reason": "Less time"}),
    "PartnerLeft": ("broker", {"partner": "telco-x", "reason": "Merger",
                               "handover": "To the ministry"}),
    "AssessmentRecorded": ("ngo-sonar", {"partner": "ngo-sonar", "benefits": ["reach"],
                                         "costs": ["staff time"], "risks": ["burnout"],
                                         "verdict": "go"}),
    "AssumptionDeclared": ("ngo-sonar", {"partner": "ngo-sonar", "text": "Studios stay open"}),
    "DealBreakerDeclared": ("ngo-sonar", {"partner": "ngo-sonar", "text": "No fees"}),
    "PrincipleAdopted": ("broker", {"principle": "equity", "text": "Equal voice"}),
    "GroundRuleAgreed": ("broker", {"topic": "finance", "text": "Invoices monthly"}),
    "DecisionRuleSet": ("broker", {"method": "majority", "quorum": "0.6",
                                   "deciders": ["ngo-sonar", "telco-x"]}),
    "CommunicationProtocolAgreed": ("broker", {"audience": "partners", "channels": ["email"],
                                               "every_days": 14, "share_within_days": 7}),
    "ReviewScheduleSet": ("broker", {"every_days": 90}),
    "ReportingNeedDeclared": ("ministry", {"partner": "ministry", "what": "Spending",
                                           "to_whom": "Treasury", "every_days": 30}),
    "ActivityPlanned": ("broker", {"activity": "act-2", "title": "Summer school",
                                   "outputs": ["20 trainees"], "outcomes": ["jobs"],
                                   "starts": "2026-07-01", "ends": "2026-08-31"}),
    "ResourceNeeded": ("broker", {"need": "n-2", "kind": "facilities",
                                  "description": "Studio time", "quantity": 40,
                                  "unit": "hours"}),
    "CommitmentMade": ("telco-x", {"commitment": "c-2", "partner": "telco-x", "kind": "money",
                                   "description": "Stipends", "quantity": 10,
                                   "unit": "stipends", "value": 5000, "currency": "EUR",
                                   "due": "2026-09-30", "need": "n-1", "activity": "act-1"}),
    "CommitmentRevised": ("ngo-sonar", {"commitment": "c-1", "reason": "More trainees",
                                        "due": "2026-10-31", "quantity": 3, "value": 1500}),
    "CommitmentWithdrawn": ("ngo-sonar", {"commitment": "c-1", "reason": "Trainers left"}),
    "IndicatorDefined": ("broker", {"indicator": "i-2", "name": "Hired", "lens": "value",
                                    "method": "Survey", "owner": "ministry", "baseline": -3,
                                    "target": "12.5", "unit": "people", "due": "2027-01-31"}),
    "RiskIdentified": ("broker", {"risk": "k-2", "description": "Studio closes",
                                  "likelihood": "low", "impact": "high", "owner": "telco-x"}),
    "RiskMitigated": ("broker", {"risk": "k-1", "action": "Second studio booked"}),
    "AgreementDrafted": ("broker", {"version": 2, "summary": "Adds stipends",
                                    "document_sha256": SHA}),
    "AgreementSigned": ("telco-x", {"version": 1, "partner": "telco-x", "signatory": "CEO"}),
    "DecisionProposed": ("broker", {"decision": "d-2", "title": "Second site",
                                    "proposer": "ministry", "rationale": "Demand"}),
    "VoteCast": ("ministry", {"decision": "d-1", "partner": "ministry", "position": "for",
                              "comment": "Yes"}),
    "DecisionTaken": ("broker", {"decision": "d-1", "outcome": "adopted",
                                 "rationale": "Majority"}),
    "InformationShared": ("broker", {"subject": "decision:d-1", "with": ["all"],
                                     "channel": "newsletter"}),
    "PhaseChanged": ("broker", {"phase": "planning", "reason": "Scoping done"}),
    "MeetingHeld": ("broker", {"meeting": "m-2", "purpose": "Kick-off",
                               "attendees": ["ngo-sonar", "ministry"], "minutes_sha256": SHA}),
    "ProgressReported": ("ngo-sonar", {"partner": "ngo-sonar", "summary": "One hired",
                                       "commitment": "c-1", "delivered": 1}),
    "CommitmentFulfilled": ("ngo-sonar", {"commitment": "c-1", "delivered": 2,
                                          "evidence": "Timesheets"}),
    "FulfilmentConfirmed": ("telco-x", {"commitment": "c-1", "partner": "telco-x"}),
    "IssueRaised": ("ministry", {"issue": "is-2", "partner": "ministry",
                                 "description": "Late invoices"}),
    "IssueResolved": ("broker", {"issue": "is-1", "resolution": "New schedule"}),
    "IndicatorMeasured": ("broker", {"indicator": "i-1", "value": "-2.5",
                                     "period_end": "2026-02-28", "partner": "ministry"}),
    "ReviewOpened": ("broker", {"review": "r-2", "lenses": ["project", "value"],
                                "due": "2026-12-01"}),
    "ReviewSubmitted": ("ngo-sonar", {"review": "r-1", "partner": "ngo-sonar",
                                      "ratings": {"trust": "green", "cost": "amber"},
                                      "worth": "amber", "comments": "Good so far"}),
    "ReviewConcluded": ("broker", {"review": "r-1", "findings": "It works", "story": "Once",
                                   "recommendations": ["Meet monthly"]}),
    "ActionAgreed": ("broker", {"action": "a-2", "description": "Monthly meetings",
                                "owner": "ngo-sonar", "due": "2026-07-01", "review": "r-1"}),
    "ActionCompleted": ("broker", {"action": "a-1"}),
    "PartnershipRevised": ("broker", {"changes": "Adds a site", "reason": "Review"}),
    "SustainabilityChosen": ("broker", {"option": "continue", "rationale": "It works"}),
    "Institutionalised": ("broker", {"structure": "Foundation", "description": "Runs it"}),
    "LearningShared": ("broker", {"summary": "What we learnt", "audience": ["funders"]}),
    "PartnershipClosed": ("broker", {"reason": "completed", "learning": "Lots",
                                     "impact": "120 trainees"}),
    "FindingWaived": ("broker", {"rule": "CM003", "subject": "commitment:c-1",
                                 "partner": "ngo-sonar", "reason": "Agreed delay",
                                 "approved_by": ["telco-x", "ministry"],
                                 "until": "2026-12-31"}),
}  # fmt: skip
#: Optional fields an example leaves out because another field excludes them.
NOT_IN_EXAMPLE = {("DealBreakerDeclared", "none")}
NUMERIC_FIELDS = {"quantity", "value", "delivered", "baseline", "target", "quorum"}


def ex(type_: str, changes: dict[str, Any] | None = None, drop: Iterable[str] = (),
       actor: str | None = None, on: str | None = DAY) -> dict[str, Any]:  # fmt: skip
    """The example event of ``type_`` with some data fields changed or dropped."""
    example_actor, data = EXAMPLES[type_]
    data = {k: v for k, v in data.items() if k not in set(drop)}
    data.update(changes or {})
    extra = {"partnership": OTHER} if type_ == "PartnershipFounded" else {}
    return ev(type_, data, actor=actor or example_actor, on=on, **extra)


def fields(kinds: str) -> list[str]:
    return kinds.split()


def spec_fields(which: int) -> list[tuple[str, str]]:
    return [(t, f) for t, spec in SPEC.items() for f in fields(spec[which])]


# -- the ledger under test ------------------------------------------------------------------


class Book:
    """A ledger under test: import events, and check that refused ones change nothing."""

    def __init__(self, url: str) -> None:
        self.url = url

    def lines(self) -> list[str]:
        with Ledger(self.url) as ledger:
            return list(ledger.export_lines())

    def add(self, *events: dict[str, Any]) -> list[Envelope]:
        """Import ``events`` (one file); returns what was written."""
        with Ledger(self.url) as ledger:
            written = ledger.import_jsonl(jsonl(*events)).events
        assert len(written) == len(events)
        return written

    def last(self, *events: dict[str, Any]) -> Envelope:
        return self.add(*events)[-1]

    def refuse(self, *events: dict[str, Any], field: str | set[str] | None) -> InvalidEvent:
        """Import ``events``, expect an ``InvalidEvent`` about ``field``, and no change."""
        return self.refuse_raw(jsonl(*events), field=field)

    def refuse_raw(self, raw: io.BytesIO, field: str | set[str] | None,
                   error: type[LedgerError] = InvalidEvent) -> Any:  # fmt: skip
        before = self.lines()
        with Ledger(self.url) as ledger, pytest.raises(error) as info:
            ledger.import_jsonl(raw)
        exc = info.value
        if isinstance(exc, InvalidEvent):
            allowed = field if isinstance(field, set) else {field}
            assert exc.field in allowed, str(exc)
            if exc.field is not None:
                assert repr(exc.field) in str(exc)  # the message names the field
        assert str(exc).startswith("line ")
        assert self.lines() == before, "a refused import wrote something"
        return exc


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("base") / "base.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLEDGER_NOW", NOW)
        with Ledger(f"sqlite:///{path}") as ledger:
            ledger.import_jsonl(jsonl(*BASE))
    return path


@pytest.fixture
def book(base_db: Path, sqlite_url: str) -> Book:
    """A SQLite ledger holding BASE."""
    shutil.copyfile(base_db, sqlite_url.removeprefix("sqlite:///"))
    return Book(sqlite_url)


@pytest.fixture
def empty(sqlite_url: str) -> Book:
    return Book(sqlite_url)


# -- the catalogue ----------------------------------------------------------------------------


def test_examples_use_every_field_of_the_catalogue() -> None:
    assert len(SPEC) == len(EXAMPLES) == 50
    for type_, (required, optional) in SPEC.items():
        expected = set(fields(required) + fields(optional))
        expected -= {f for t, f in NOT_IN_EXAMPLE if t == type_}
        assert set(EXAMPLES[type_][1]) == expected, type_


def test_the_catalogue_declares_the_types_and_fields_of_events_md() -> None:
    """EVENTS.md's types; the key registry's two (docs/signing.md) are tested with signing."""
    events_md = [t for t in CORE_TYPES.values() if t.name not in KEY_TYPES]
    assert set(CORE_TYPES) >= KEY_TYPES
    declared = {
        t.name: (
            {f.name for f in t.fields if f.required},
            {f.name for f in t.fields if not f.required},
        )
        for t in events_md
    }
    assert declared == {t: (set(fields(r)), set(fields(o))) for t, (r, o) in SPEC.items()}
    assert {t.name: t.own for t in events_md if t.own} == OWN


# -- every type; unknown types and fields; required fields; null ----------------------------


@pytest.mark.parametrize("type_", list(EXAMPLES))
def test_full_example_of_each_type_is_recorded(book: Book, type_: str) -> None:
    actor, data = EXAMPLES[type_]
    event = book.last(ex(type_))
    assert (event.type, event.actor, event.occurred_on) == (type_, actor, DAY)
    canonical = {k: str(v) if k in NUMERIC_FIELDS else v for k, v in data.items()}
    assert thaw(event.data) == canonical


@pytest.mark.parametrize("name", ["CommitmentPromised", "commitmentmade", "Commitment Made"])
def test_unknown_type_is_refused(book: Book, name: str) -> None:
    book.refuse(ev(name, EXAMPLES["CommitmentMade"][1], actor="telco-x"), field="type")
    book.add(ev("CommitmentMade", EXAMPLES["CommitmentMade"][1], actor="telco-x"))


@pytest.mark.parametrize("type_", list(EXAMPLES))
def test_unknown_data_field_is_refused(book: Book, type_: str) -> None:
    exc = book.refuse(ex(type_, {"note": "hello"}), field="note")
    assert exc.value == "hello"


def test_currency_is_not_a_field_of_commitment_revised(book: Book) -> None:
    """CommitmentRevised keeps the commitment's currency: it has no currency field."""
    book.refuse(ex("CommitmentRevised", {"currency": "USD"}), field="currency")
    book.add(ex("CommitmentRevised"))


@pytest.mark.parametrize("data", [[], "text", 5, None])
def test_data_must_be_an_object(book: Book, data: Any) -> None:
    book.refuse(ev("VisionRevised", data), field="data")


@pytest.mark.parametrize(("type_", "field"), spec_fields(0))
def test_missing_required_field_is_refused(book: Book, type_: str, field: str) -> None:
    book.refuse(ex(type_, drop=[field]), field=field)


#: Optional fields that come with another: leave both out, or swap one for the other.
LEAVE_OUT_TOGETHER: dict[tuple[str, str], dict[str, Any]] = {
    ("CommitmentMade", "value"): {"drop": ["value", "currency"]},
    ("CommitmentMade", "currency"): {"drop": ["value", "currency"]},
    ("DealBreakerDeclared", "text"): {"drop": ["text"], "changes": {"none": True}},
}


@pytest.mark.parametrize(
    ("type_", "field"), [tf for tf in spec_fields(1) if tf not in NOT_IN_EXAMPLE]
)
def test_optional_field_may_be_left_out(book: Book, type_: str, field: str) -> None:
    how = LEAVE_OUT_TOGETHER.get((type_, field), {"drop": [field]})
    event = book.last(ex(type_, how.get("changes"), drop=how["drop"]))
    assert field not in event.data


@pytest.mark.parametrize(("type_", "field"), spec_fields(0) + spec_fields(1))
def test_null_is_refused_for_every_field(book: Book, type_: str, field: str) -> None:
    exc = book.refuse(ex(type_, {field: None}), field=field)
    assert exc.value is None


# -- field types: ids -----------------------------------------------------------------------

BAD_IDS = ["C-2", "c 2", "a" * 65, "", "-c2", ".c2", "_c2", "c/2", "c-2\n", "ç-2", 7, ["c-2"]]
GOOD_IDS = ["a" * 64, "0", "c.2_x-y", "9abc", "c--"]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_malformed_id_is_refused(book: Book, bad: Any) -> None:
    exc = book.refuse(ex("ActivityPlanned", {"activity": bad}), field="activity")
    assert exc.value == bad


@pytest.mark.parametrize("good", GOOD_IDS)
def test_well_formed_id_is_accepted(book: Book, good: str) -> None:
    assert book.last(ex("ActivityPlanned", {"activity": good})).data["activity"] == good


@pytest.mark.parametrize(("type_", "field", "_existing"), NEW_ID_FIELDS)
def test_malformed_new_id_is_refused_in_every_kind(
    book: Book, type_: str, field: str, _existing: str
) -> None:
    book.refuse(ex(type_, {field: "Bad Id"}), field=field)
    book.add(ex(type_, {field: "z" * 64}))


@pytest.mark.parametrize(
    ("type_", "field"), [*REF_FIELDS, *PARTNER_FIELDS, ("PartnerIdentified", "partner")]
)
def test_malformed_id_is_refused_in_references(book: Book, type_: str, field: str) -> None:
    value = EXAMPLES[type_][1][field]
    bad: Any = ["Ngo-Sonar"] if isinstance(value, list) else value.upper()
    book.refuse(ex(type_, {field: bad}), field=field)


@pytest.mark.parametrize(("field", "value"), [("partnership", "Music-Chain"),
                                              ("partnership", "a" * 65), ("actor", "Broker"),
                                              ("actor", "the broker"), ("actor", "")])  # fmt: skip
def test_malformed_envelope_id_is_refused(book: Book, field: str, value: str) -> None:
    event = ex("VisionRevised")
    event[field] = value
    book.refuse(event, field=field)


# -- field types: dates ---------------------------------------------------------------------

BAD_DATES = ["2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "2026-2-3", "03/02/2026",
             "2026-03-02T10:00:00", "20260302", "", 20260302, "2026-03-02 "]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_DATES, ids=repr)
def test_malformed_or_unreal_date_is_refused(book: Book, bad: Any) -> None:
    exc = book.refuse(ex("ActivityPlanned", {"starts": bad}), field="starts")
    assert exc.value == bad


@pytest.mark.parametrize(("type_", "field"), DATE_FIELDS)
def test_every_date_field_wants_a_real_date(book: Book, type_: str, field: str) -> None:
    book.refuse(ex(type_, {field: "2026-02-30"}), field=field)
    assert book.last(ex(type_, {field: "2028-02-29"})).data[field] == "2028-02-29"


@pytest.mark.parametrize("bad", BAD_DATES, ids=repr)
def test_malformed_occurred_on_is_refused(book: Book, bad: Any) -> None:
    book.refuse(ex("VisionRevised", on=bad), field="occurred_on")


def test_leap_day_occurred_on_is_accepted(book: Book) -> None:
    assert book.last(ex("VisionRevised", on="2024-02-29")).occurred_on == "2024-02-29"


# -- field types: amounts and numbers -------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [(4.5, "4.5"), ("18000.50", "18000.5"), (1e3, "1000"), ("1e3", "1000"), (18000, "18000"),
     ("1.50E+3", "1500"), (0, "0"), ("0.00", "0"), (0.1, "0.1"), ("2.50", "2.5")],
)  # fmt: skip
def test_amount_is_stored_as_a_plain_decimal(book: Book, given: Any, stored: str) -> None:
    event = book.last(ex("CommitmentMade", {"value": given}))
    assert event.data["value"] == stored
    assert json.loads(book.lines()[-1])["data"]["value"] == stored


def test_amount_keeps_every_digit_of_the_json_number(book: Book) -> None:
    """Decimals, never binary floats: 19 significant digits, more than a float holds."""
    text = json.dumps(ex("CommitmentMade")).replace(
        '"value": 5000', '"value": 12345678901234567.89'
    )
    assert float("12345678901234567.89") == float("12345678901234568")  # a float would lose it
    with Ledger(book.url) as ledger:
        event = ledger.import_jsonl(io.BytesIO(text.encode() + b"\n")).events[-1]
    assert event.data["value"] == "12345678901234567.89"


BAD_AMOUNTS = [-1, "-1", -0.5, "-0.01", True, False, "NaN", "nan", "Infinity", "-Infinity",
               "inf", "18,000", "1 000", " 5", "5 ", "+5", "0x10", "€5", "", ".5", "5.", "05",
               [5], {"amount": 5}]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_AMOUNTS, ids=repr)
def test_bad_amount_is_refused(book: Book, bad: Any) -> None:
    exc = book.refuse(ex("CommitmentMade", {"value": bad}), field="value")
    assert exc.value == bad


@pytest.mark.parametrize(("type_", "field"), AMOUNT_FIELDS)
@pytest.mark.parametrize("bad", [-1, "-0.5", True, "NaN", "Infinity"], ids=repr)
def test_every_amount_field_refuses_negatives_nan_and_booleans(
    book: Book, type_: str, field: str, bad: Any
) -> None:
    book.refuse(ex(type_, {field: bad}), field=field)


@pytest.mark.parametrize(("type_", "field"), AMOUNT_FIELDS)
@pytest.mark.parametrize(("given", "stored"), [(0, "0"), ("0.25", "0.25"), (7.5, "7.5")])
def test_every_amount_field_accepts_zero_and_fractions(
    book: Book, type_: str, field: str, given: Any, stored: str
) -> None:
    assert book.last(ex(type_, {field: given})).data[field] == stored


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_json_tokens_are_refused(book: Book, token: str) -> None:
    text = json.dumps(ex("CommitmentMade")).replace('"value": 5000', f'"value": {token}')
    assert token in text
    exc = book.refuse_raw(io.BytesIO(text.encode() + b"\n"), field="value")
    assert token in str(exc)
    assert str(exc).startswith("line 1: ")


@pytest.mark.parametrize(("type_", "field"), NUMBER_FIELDS)
@pytest.mark.parametrize(("given", "stored"), [(-2.5, "-2.5"), ("-40", "-40"), (0, "0"),
                                               ("1e2", "100")])  # fmt: skip
def test_indicator_numbers_may_be_negative(
    book: Book, type_: str, field: str, given: Any, stored: str
) -> None:
    assert book.last(ex(type_, {field: given})).data[field] == stored


@pytest.mark.parametrize(("type_", "field"), NUMBER_FIELDS)
@pytest.mark.parametrize("bad", ["NaN", "-Infinity", True, "abc", "", [1]], ids=repr)
def test_indicator_numbers_are_still_numbers(book: Book, type_: str, field: str, bad: Any) -> None:
    book.refuse(ex(type_, {field: bad}), field=field)


# -- field types: integers, quorum, currency, sha256, booleans, rule ids --------------------


@pytest.mark.parametrize(("type_", "field"), INT_FIELDS)
@pytest.mark.parametrize("bad", [0, -1, 1.5, "7", True, [7]], ids=repr)
def test_day_counts_are_integers_of_at_least_one(
    book: Book, type_: str, field: str, bad: Any
) -> None:
    exc = book.refuse(ex(type_, {field: bad}), field=field)
    assert exc.value == bad


@pytest.mark.parametrize(("type_", "field"), INT_FIELDS)
@pytest.mark.parametrize("good", [1, 7, 365])
def test_day_counts_accept_whole_numbers(book: Book, type_: str, field: str, good: int) -> None:
    assert book.last(ex(type_, {field: good})).data[field] == good


@pytest.mark.parametrize("bad", [0, "0", 1.5, "1.01", -0.5, True, "NaN", "half"], ids=repr)
def test_quorum_is_above_zero_and_at_most_one(book: Book, bad: Any) -> None:
    book.refuse(ex("DecisionRuleSet", {"quorum": bad}), field="quorum")


@pytest.mark.parametrize(("given", "stored"), [(1, "1"), (0.5, "0.5"), ("0.75", "0.75"),
                                               ("0.01", "0.01"), ("1.0", "1")])  # fmt: skip
def test_quorum_in_range_is_accepted(book: Book, given: Any, stored: str) -> None:
    assert book.last(ex("DecisionRuleSet", {"quorum": given})).data["quorum"] == stored


@pytest.mark.parametrize("bad", ["eur", "Eur", "EU", "EURO", "E1R", "", 978, "€"], ids=repr)
def test_currency_is_three_capital_letters(book: Book, bad: Any) -> None:
    book.refuse(ex("CommitmentMade", {"currency": bad}), field="currency")


@pytest.mark.parametrize("good", ["EUR", "USD", "KES"])
def test_currency_code_is_accepted(book: Book, good: str) -> None:
    assert book.last(ex("CommitmentMade", {"currency": good})).data["currency"] == good


@pytest.mark.parametrize(
    ("type_", "field"), [("AgreementDrafted", "document_sha256"), ("MeetingHeld", "minutes_sha256")]
)
@pytest.mark.parametrize(
    "bad", [SHA.upper(), SHA[:-1], SHA + "0", "g" + SHA[1:], "", f"sha256:{SHA}"[:64]]
)
def test_sha256_is_64_lowercase_hex_digits(book: Book, type_: str, field: str, bad: str) -> None:
    book.refuse(ex(type_, {field: bad}), field=field)
    book.add(ex(type_, {field: "f" * 64}))


@pytest.mark.parametrize("bad", ["yes", 1, 0, "true", None], ids=repr)
def test_international_is_a_boolean(book: Book, bad: Any) -> None:
    book.refuse(ex("PartnerIdentified", {"international": bad}), field="international")


@pytest.mark.parametrize("good", [True, False])
def test_international_true_or_false(book: Book, good: bool) -> None:
    assert book.last(ex("PartnerIdentified", {"international": good})).data["international"] is good


@pytest.mark.parametrize("bad", ["cm003", "C003", "ABCDE003", "CM03", "CM0031", "CM-003", ""])
def test_waiver_rule_is_a_rule_id(book: Book, bad: str) -> None:
    book.refuse(ex("FindingWaived", {"rule": bad}), field="rule")


@pytest.mark.parametrize("good", ["CM003", "TR002", "ABCD999"])
def test_waiver_rule_id_is_accepted(book: Book, good: str) -> None:
    assert book.last(ex("FindingWaived", {"rule": good})).data["rule"] == good


# -- field types: text ----------------------------------------------------------------------

TEXT_PAIRS = [(t, f) for t, names in TEXT_FIELDS.items() for f in fields(names)]
RICH_TEXT = "Zoë's plan — phase 2:\n\t* studios (50%)\n\t* stipends 🎧 \u2028 Ünïcode"


#: Fields of the remaining kinds, each tested in its own section.
OTHER_KIND_FIELDS = [
    ("PartnerIdentified", "partner"), ("PartnerJoined", "partner"),
    ("DecisionRuleSet", "quorum"), ("CommitmentMade", "currency"),
    ("AgreementDrafted", "document_sha256"), ("MeetingHeld", "minutes_sha256"),
    ("PartnerIdentified", "international"), ("DealBreakerDeclared", "none"),
    ("FindingWaived", "rule"), ("FindingWaived", "subject"), ("InformationShared", "subject"),
    ("AgreementDrafted", "version"), ("AgreementSigned", "version"),
    *((t, "partner") for t, how in OWN.items() if how == "partner"),
]  # fmt: skip


def test_every_field_has_its_kind_tested_here() -> None:
    """Each field of SPEC falls in exactly one of this file's kind lists."""
    kinds = [
        TEXT_PAIRS, TEXT_LIST_FIELDS, DATE_FIELDS, AMOUNT_FIELDS, NUMBER_FIELDS, INT_FIELDS,
        [(t, f) for t, f, _ in NEW_ID_FIELDS], REF_FIELDS, PARTNER_FIELDS,
        [(t, f) for t, f, _ in ENUM_FIELDS], OTHER_KIND_FIELDS,
    ]  # fmt: skip
    listed = [pair for kind in kinds for pair in kind]
    assert sorted(listed) == sorted(spec_fields(0) + spec_fields(1))


@pytest.mark.parametrize(("type_", "field"), TEXT_PAIRS)
def test_every_text_field_keeps_free_text(book: Book, type_: str, field: str) -> None:
    assert book.last(ex(type_, {field: RICH_TEXT})).data[field] == RICH_TEXT


@pytest.mark.parametrize(("type_", "field"), TEXT_PAIRS)
@pytest.mark.parametrize("bad", ["", "bell \u0007", 5], ids=repr)
def test_every_text_field_refuses_empty_control_characters_and_non_text(
    book: Book, type_: str, field: str, bad: Any
) -> None:
    exc = book.refuse(ex(type_, {field: bad}), field=field)
    assert exc.value == bad


@pytest.mark.parametrize(
    "bad",
    ["x" * 10_001, "\u0000", "a\rb", "\u0007", "\u001b[31m", "\u007f", "\u0085", "\u009f",
     "\x0b", "\x0c"],
    ids=["10001 chars", "NUL", "CR", "BEL", "ESC", "DEL", "NEL", "APC", "VT", "FF"],
)  # fmt: skip
def test_text_limits_and_control_characters(book: Book, bad: str) -> None:
    book.refuse(ex("VisionRevised", {"vision": bad}), field="vision")


@pytest.mark.parametrize(
    "good",
    ["x" * 10_000, "🎧" * 10_000, "two\nlines", "tab\there", " ", "é", "\u2028", "\u200d"],
    ids=["10000 chars", "10000 emoji", "LF", "TAB", "space", "accent", "LSEP", "ZWJ"],
)
def test_text_allows_newline_tab_and_non_control_unicode(book: Book, good: str) -> None:
    assert book.last(ex("VisionRevised", {"vision": good})).data["vision"] == good


# -- field types: lists and maps ------------------------------------------------------------


@pytest.mark.parametrize(("type_", "field"), TEXT_LIST_FIELDS)
def test_text_lists_hold_at_most_100_items(book: Book, type_: str, field: str) -> None:
    book.refuse(ex(type_, {field: [f"item {i}" for i in range(101)]}), field=field)
    items = [f"item {i}" for i in range(100)]
    assert thaw(book.last(ex(type_, {field: items})).data[field]) == items


@pytest.mark.parametrize(("type_", "field"), TEXT_LIST_FIELDS)
@pytest.mark.parametrize("bad", [[""], ["ok", "bell\u0007"], ["x" * 10_001], [5], "one item",
                                 {"a": "b"}], ids=repr)  # fmt: skip
def test_text_list_items_are_text(book: Book, type_: str, field: str, bad: Any) -> None:
    book.refuse(ex(type_, {field: bad}), field=field)


NON_EMPTY_LISTS = [
    ("CommunicationProtocolAgreed", "channels", ["email"]),
    ("MeetingHeld", "attendees", ["ministry"]),
    ("ReviewOpened", "lenses", ["partnership"]),
    ("InformationShared", "with", ["telco-x"]),
    ("DecisionRuleSet", "deciders", ["ministry"]),
    ("FindingWaived", "approved_by", ["ministry"]),
]


@pytest.mark.parametrize(("type_", "field", "one"), NON_EMPTY_LISTS)
def test_listed_lists_need_at_least_one_item(
    book: Book, type_: str, field: str, one: list[str]
) -> None:
    book.refuse(ex(type_, {field: []}), field=field)
    assert thaw(book.last(ex(type_, {field: one})).data[field]) == one


@pytest.mark.parametrize(("type_", "field"), [("AssessmentRecorded", "benefits"),
                                              ("AssessmentRecorded", "costs"),
                                              ("StakeholderMapped", "needs")])  # fmt: skip
def test_other_text_lists_may_be_empty(book: Book, type_: str, field: str) -> None:
    assert thaw(book.last(ex(type_, {field: []})).data[field]) == []


def test_partner_lists_hold_at_most_100_items(book: Book) -> None:
    many = [f"p-{i}" for i in range(101)]
    joins = [ev("PartnerJoined", {"partner": p, "engagement": "key", "name": p,
                                  "sector": "other"}) for p in many]  # fmt: skip
    book.refuse(*joins, ex("MeetingHeld", {"attendees": many}), field="attendees")
    assert book.last(*joins, ex("MeetingHeld", {"attendees": many[:100]})).data["attendees"]


@pytest.mark.parametrize(
    "bad",
    [{}, {"trust": "blue"}, {"trust": "Green"}, {"trust": "green", "cost": None}, {"": "green"},
     {"bell\u0007": "red"}, ["green"], "green", {"trust": ["green"]}],
    ids=repr,
)  # fmt: skip
def test_ratings_map_aspects_to_a_rating(book: Book, bad: Any) -> None:
    book.refuse(ex("ReviewSubmitted", {"ratings": bad}), field="ratings")


def test_ratings_accepts_one_aspect_and_free_text_aspects(book: Book) -> None:
    ratings = {"Is it worth it? (overall)": "red"}
    assert book.last(ex("ReviewSubmitted", {"ratings": ratings})).data["ratings"] == ratings


# -- enumerations ---------------------------------------------------------------------------


def enum_value(type_: str, field: str, value: Any) -> dict[str, Any]:
    """The example of ``type_`` with ``value`` where the enumeration is used."""
    changes: dict[str, Any] = {field: value}
    drop: list[str] = []
    if field == "lenses":
        changes = {field: [value]}
    elif field == "ratings":
        changes = {field: {"trust": value}}
    elif type_ == "DecisionRuleSet" and value not in ("majority", "committee"):
        drop = ["quorum"]
    return ex(type_, changes, drop=drop)


@pytest.mark.parametrize(
    ("type_", "field", "value"),
    [(t, f, v) for t, f, values in ENUM_FIELDS for v in values],
)
def test_every_enumeration_value_is_accepted(
    book: Book, type_: str, field: str, value: str
) -> None:
    event = enum_value(type_, field, value)
    assert thaw(book.last(event).data[field]) == event["data"][field]


NEAR_MISSES = {
    "sector": ["ngo", "civil society", "government"],
    "engagement": ["left", "member", "observer"],
    "phase": ["closing", "closed", "review"],
    "outcome": ["deferred", "accepted"],
    "position": ["yes", "veto", "against "],
    "reason": ["closed", "failed"],
    "ratings": ["yellow", "amber "],
    "lenses": ["budget", "programme"],
    "scope": ["global", "city"],
}


@pytest.mark.parametrize(
    ("type_", "field", "bad"),
    [(t, f, b) for t, f, values in ENUM_FIELDS
     for b in [values[0].upper(), values[0].title() + " ", "unknown", 1, *NEAR_MISSES.get(f, [])]],
)  # fmt: skip
def test_value_outside_the_enumeration_is_refused(
    book: Book, type_: str, field: str, bad: Any
) -> None:
    book.refuse(enum_value(type_, field, bad), field=field)


@pytest.mark.parametrize(
    ("type_", "field", "other"),
    [("PrincipleAdopted", "principle", "local ownership"),
     ("IndicatorDefined", "method", "Phone survey, twice a year")],
)  # fmt: skip
def test_free_text_fields_are_not_enumerations(
    book: Book, type_: str, field: str, other: str
) -> None:
    assert book.last(ex(type_, {field: other})).data[field] == other


@pytest.mark.parametrize("principle", ["equity", "transparency", "mutual-benefit",
                                       "responsibility", "complementarity"])  # fmt: skip
def test_named_principles_are_accepted(book: Book, principle: str) -> None:
    book.add(ex("PrincipleAdopted", {"principle": principle}))


# -- the envelope ---------------------------------------------------------------------------


def raw_line(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode() + b"\n")


@pytest.mark.parametrize("extra", ["note", "Actor", "occurredOn", "date"])
def test_unknown_envelope_field_is_refused(book: Book, extra: str) -> None:
    event = ex("VisionRevised")
    event[extra] = "x"
    exc = book.refuse_raw(jsonl(event), field=None, error=InvalidInput)
    assert extra in str(exc)
    book.add(ex("VisionRevised"))


@pytest.mark.parametrize("missing", ["partnership", "type", "actor", "data"])
def test_required_envelope_field_is_refused_when_missing(book: Book, missing: str) -> None:
    event = ex("VisionRevised")
    del event[missing]
    exc = book.refuse_raw(jsonl(event), field={missing}, error=LedgerError)
    assert missing in str(exc)


def test_occurred_on_defaults_to_today(book: Book) -> None:
    assert book.last(ex("VisionRevised", on=None)).occurred_on == TODAY


def test_occurred_on_is_never_after_the_recording_day(book: Book) -> None:
    exc = book.refuse(ex("VisionRevised", on="2026-06-02"), field="occurred_on")
    assert exc.value == "2026-06-02"
    assert book.last(ex("VisionRevised", on=TODAY)).occurred_on == TODAY


def test_recording_day_follows_pledger_now(book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEDGER_NOW", "2026-06-02T00:00:01Z")
    assert book.last(ex("VisionRevised", on="2026-06-02")).occurred_on == "2026-06-02"


@pytest.mark.parametrize(
    "text",
    [
        '{"partnership": "music-chain", "type": "VisionRevised", "actor": "broker", '
        '"actor": "ngo-sonar", "data": {"vision": "v", "reason": "r"}}',
        '{"partnership": "music-chain", "type": "VisionRevised", "actor": "broker", '
        '"data": {"vision": "v", "reason": "r", "vision": "w"}}',
        '{"partnership": "music-chain", "type": "ReviewSubmitted", "actor": "ngo-sonar", '
        '"data": {"review": "r-1", "partner": "ngo-sonar", '
        '"ratings": {"trust": "green", "trust": "red"}}}',
    ],
    ids=["envelope", "data", "ratings"],
)
def test_duplicate_json_keys_are_refused(book: Book, text: str) -> None:
    exc = book.refuse_raw(raw_line(text), field=None, error=InvalidInput)
    assert "duplicate" in str(exc)
    book.add(json.loads(text))  # the same line, keys deduplicated, is legal


@pytest.mark.parametrize("bad", [5, "", None, ["VisionRevised"]], ids=repr)
def test_type_must_be_a_type_name(book: Book, bad: Any) -> None:
    event = ex("VisionRevised")
    event["type"] = bad
    book.refuse_raw(jsonl(event), field={"type", None}, error=LedgerError)


def test_line_over_one_mebibyte_is_refused(book: Book) -> None:
    """Each "é" is written as the 6 bytes \\u00e9: 18 items of 10,000 make a line over 1 MiB
    (1,048,576 bytes), 17 one under it; every item is legal text."""
    item = "é" * 10_000
    big = jsonl(ex("LearningShared", {"audience": [item] * 18}))
    assert len(big.getvalue()) > 1024 * 1024
    exc = book.refuse_raw(big, field=None, error=InvalidInput)
    assert "1 MiB" in str(exc)
    assert book.last(ex("LearningShared", {"audience": [item] * 17})).data["audience"][0] == item


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"a string"', "{"])
def test_each_line_is_a_json_object(book: Book, text: str) -> None:
    book.refuse_raw(raw_line(text), field=None, error=InvalidInput)


def test_record_refuses_bad_drafts_and_writes_nothing(book: Book) -> None:
    actor, data = EXAMPLES["CommitmentMade"]
    with Ledger(book.url) as ledger:
        before = len(ledger.stream(PID))
        with pytest.raises(InvalidEvent) as info:
            ledger.record(Draft(PID, "CommitmentMade", actor, {**data, "value": "-5"}, DAY))
        assert (info.value.field, info.value.value) == ("value", "-5")
        assert len(ledger.stream(PID)) == before
        assert ledger.record(Draft(PID, "CommitmentMade", actor, data, DAY)).seq == before + 1


# -- the first event; the actor -------------------------------------------------------------


def test_first_event_must_be_partnership_founded(empty: Book) -> None:
    exc = empty.refuse(*founding()[1:], field="type")
    assert exc.event_type == "PartnerJoined"
    assert empty.lines() == []
    assert empty.add(*founding())[0].type == "PartnershipFounded"


def test_a_partnership_is_founded_once(book: Book) -> None:
    book.refuse(founding()[0], field="partnership")
    assert book.last(ex("PartnershipFounded")).partnership == OTHER  # another stream is fine


def test_streams_are_separate(book: Book) -> None:
    """Ids and references are per partnership: OTHER may reuse c-1 but not refer to BASE's."""
    joined = {"partner": "telco-x", "engagement": "key", "name": "T", "sector": "private"}
    other = [ex("PartnershipFounded"), ev("PartnerJoined", joined, partnership=OTHER)]
    confirm = ev("FulfilmentConfirmed", {"commitment": "c-1", "partner": "telco-x"},
                 actor="telco-x", partnership=OTHER)  # fmt: skip
    book.refuse(*other, confirm, field="commitment")
    made = ev("CommitmentMade", {"commitment": "c-1", "partner": "telco-x", "kind": "money",
              "description": "d"}, actor="telco-x", partnership=OTHER)  # fmt: skip
    assert book.last(*other, made).partnership == OTHER


@pytest.mark.parametrize(
    ("actor", "ok"),
    [("broker", True), ("ngo-sonar", True), ("ministry", True), ("stranger", False),
     ("uni-y", False), ("music-chain", False)],
)  # fmt: skip
def test_actor_is_the_convenor_or_a_partner(book: Book, actor: str, ok: bool) -> None:
    event = ex("VisionRevised", actor=actor)
    if ok:
        assert book.last(event).actor == actor
    else:
        assert book.refuse(event, field="actor").value == actor


def test_convenor_is_the_actor_of_partnership_founded(empty: Book) -> None:
    founded = line("PartnershipFounded", {"name": "N", "purpose": "P", "scope": "local"},
                   actor="someone-else")  # fmt: skip
    empty.add(founded)
    empty.refuse(ev("VisionRevised", {"vision": "v", "reason": "r"}), field="actor")
    empty.add(ev("VisionRevised", {"vision": "v", "reason": "r"}, actor="someone-else"))


# -- own acts -------------------------------------------------------------------------------


@pytest.mark.parametrize("type_", list(OWN))
@pytest.mark.parametrize("actor", ["broker", "other-partner"])
def test_own_act_is_recorded_by_the_partner_it_speaks_for(
    book: Book, type_: str, actor: str
) -> None:
    speaker = EXAMPLES[type_][0]
    if actor == "other-partner":
        actor = "ministry" if speaker != "ministry" else "telco-x"
    exc = book.refuse(ex(type_, actor=actor), field="actor")
    assert exc.value == actor
    assert book.last(ex(type_)).actor == speaker


@pytest.mark.parametrize("type_", ["CommitmentRevised", "CommitmentWithdrawn",
                                   "CommitmentFulfilled"])  # fmt: skip
def test_commitment_acts_speak_for_the_commitments_owner(book: Book, type_: str) -> None:
    """c-1 belongs to ngo-sonar; telco-x cannot revise, withdraw or fulfil it, only its own."""
    book.refuse(ex(type_, actor="telco-x"), field="actor")
    make = ex("CommitmentMade")  # c-2, owned by telco-x
    assert book.last(make, ex(type_, {"commitment": "c-2"}, actor="telco-x")).actor == "telco-x"


def test_fulfilment_is_confirmed_by_another_partner_than_the_owner(book: Book) -> None:
    own = ex("FulfilmentConfirmed", {"partner": "ngo-sonar"}, actor="ngo-sonar")
    assert book.refuse(own, field="partner").value == "ngo-sonar"
    book.add(ex("FulfilmentConfirmed", {"partner": "ministry"}, actor="ministry"))


def test_fulfilment_confirmed_needs_an_earlier_fulfilment(book: Book) -> None:
    make = ex("CommitmentMade")  # c-2, not fulfilled
    confirm = ex("FulfilmentConfirmed", {"commitment": "c-2", "partner": "ministry"},
                 actor="ministry")  # fmt: skip
    book.refuse(make, confirm, field="commitment")
    fulfil = ex("CommitmentFulfilled", {"commitment": "c-2"}, actor="telco-x")
    book.refuse(make, confirm, fulfil, field="commitment")  # the fulfilment must be earlier
    book.add(make, fulfil, confirm)


# -- ids: uniqueness and references ---------------------------------------------------------


@pytest.mark.parametrize(("type_", "field", "existing"), NEW_ID_FIELDS)
def test_ids_are_unique_in_their_kind(book: Book, type_: str, field: str, existing: str) -> None:
    assert book.refuse(ex(type_, {field: existing}), field=field).value == existing
    other_kind = "d-1" if field != "decision" else "c-1"  # the same id in another kind is fine
    assert book.last(ex(type_, {field: other_kind})).data[field] == other_kind


def test_id_used_twice_in_one_file_is_refused_at_the_second_line(book: Book) -> None:
    first = ex("ActivityPlanned")
    exc = book.refuse(ex("VisionRevised"), first, first, field="activity")
    assert str(exc).startswith("line 3: ")


def test_a_partner_is_identified_at_most_once(book: Book) -> None:
    again = ex("PartnerIdentified", {"partner": "uni-y"})  # identified in BASE
    assert book.refuse(again, field="partner").value == "uni-y"
    book.add(ex("PartnerIdentified"))


def test_a_partner_joins_only_when_not_already_a_partner(book: Book) -> None:
    join = ev("PartnerJoined", {"partner": "telco-x", "engagement": "active"})
    assert book.refuse(join, field="partner").value == "telco-x"
    book.add(ex("PartnerEngagementChanged"))  # engagement changes use this instead
    left = ex("PartnerLeft")
    assert book.refuse(left, join, join, field="partner").line == 3
    assert book.last(left, join).data == {"partner": "telco-x", "engagement": "active"}


@pytest.mark.parametrize("missing", ["name", "sector"])
def test_partner_joined_needs_name_and_sector_unless_identified(book: Book, missing: str) -> None:
    new = {"partner": "ngo-z", "engagement": "pilot", "name": "Z", "sector": "other"}
    book.refuse(ev("PartnerJoined", {k: v for k, v in new.items() if k != missing}),
                field=missing)  # fmt: skip
    book.add(ev("PartnerJoined", new))
    book.add(ev("PartnerJoined", {"partner": "uni-y", "engagement": "pilot"}))  # identified


@pytest.mark.parametrize(("type_", "field"), REF_FIELDS)
@pytest.mark.parametrize("target", ["zz-9", "other-kind"])
def test_references_name_something_recorded_earlier(
    book: Book, type_: str, field: str, target: str
) -> None:
    value = "uni-y" if target == "other-kind" else target  # a partner, not this kind
    assert book.refuse(ex(type_, {field: value}), field=field).value == value


def test_a_reference_to_a_later_line_is_refused(book: Book) -> None:
    vote = ex("VoteCast", {"decision": "d-2"})
    propose = ex("DecisionProposed")  # d-2
    book.refuse(vote, propose, field="decision")
    book.add(propose, vote)


@pytest.mark.parametrize(("type_", "field"), PARTNER_FIELDS)
@pytest.mark.parametrize("who", ["nobody", "uni-y", "broker"])
def test_fields_naming_partners_name_joined_ones(
    book: Book, type_: str, field: str, who: str
) -> None:
    """nobody is unknown, uni-y only identified, broker the convenor: none has joined."""
    value: Any = [who] if isinstance(EXAMPLES[type_][1][field], list) else who
    book.refuse(ex(type_, {field: value}), field=field)
    if who == "uni-y":  # once uni-y joins, it may be named
        book.add(ev("PartnerJoined", {"partner": "uni-y", "engagement": "key"}),
                 ex(type_, {field: value}))  # fmt: skip


@pytest.mark.parametrize("type_", [t for t, how in OWN.items() if how == "partner"])
def test_own_acts_name_joined_partners(book: Book, type_: str) -> None:
    book.refuse(ex(type_, {"partner": "uni-y"}, actor="uni-y"), field={"actor", "partner"})
    joined = ev("PartnerJoined", {"partner": "uni-y", "engagement": "key"})
    book.add(joined, ex(type_, {"partner": "uni-y"}, actor="uni-y"))


# -- decisions ------------------------------------------------------------------------------


def test_one_decision_taken_per_decision(book: Book) -> None:
    taken = ex("DecisionTaken")
    assert book.refuse(taken, taken, field="decision").line == 2
    book.add(ex("DecisionProposed"), taken, ex("DecisionTaken", {"decision": "d-2"}))


def test_no_vote_is_recorded_after_decision_taken(book: Book) -> None:
    vote, taken = ex("VoteCast"), ex("DecisionTaken")
    book.refuse(taken, vote, field="decision")
    book.add(vote, taken)


def test_a_partner_may_vote_again_before_decision_taken(book: Book) -> None:
    again = ex("VoteCast", {"position": "against"})
    assert [e.data["position"] for e in book.add(ex("VoteCast"), again)] == ["for", "against"]


def test_decision_taken_is_not_dated_before_a_vote(book: Book) -> None:
    vote = ex("VoteCast", on="2026-03-10")
    exc = book.refuse(vote, ex("DecisionTaken", on="2026-03-09"), field="occurred_on")
    assert exc.value == "2026-03-09"
    book.add(vote, ex("DecisionTaken", on="2026-03-10"))


def test_votes_and_decision_taken_need_a_proposed_decision(book: Book) -> None:
    for type_ in ("VoteCast", "DecisionTaken"):
        assert book.refuse(ex(type_, {"decision": "d-2"}), field="decision").value == "d-2"
        book.add(ex("DecisionProposed", {"decision": f"d-{type_.lower()}"}),
                 ex(type_, {"decision": f"d-{type_.lower()}"}))  # fmt: skip


# -- agreements -----------------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 3, 0])
def test_agreement_version_is_the_previous_plus_one(book: Book, version: int) -> None:
    exc = book.refuse(ex("AgreementDrafted", {"version": version}), field="version")
    assert exc.value == version
    assert book.last(ex("AgreementDrafted", {"version": 2})).data["version"] == 2


def test_first_agreement_version_is_one(empty: Book) -> None:
    draft = ev("AgreementDrafted", {"version": 2, "summary": "s"})
    empty.refuse(*founding(), draft, field="version")
    empty.add(*founding(), ev("AgreementDrafted", {"version": 1, "summary": "s"}))


@pytest.mark.parametrize("bad", ["2", 2.0, True, "v2"], ids=repr)
def test_agreement_version_is_an_integer(book: Book, bad: Any) -> None:
    book.refuse(ex("AgreementDrafted", {"version": bad}), field="version")


def test_a_signature_names_a_drafted_version(book: Book) -> None:
    sign2 = ex("AgreementSigned", {"version": 2})
    assert book.refuse(sign2, field="version").value == 2
    book.add(ex("AgreementDrafted"), sign2)


def test_each_partner_signs_a_version_once(book: Book) -> None:
    sign = ex("AgreementSigned")
    assert book.refuse(sign, sign, field="partner").line == 2
    other = ex("AgreementSigned", {"partner": "ministry"}, actor="ministry")
    book.add(sign, other, ex("AgreementDrafted"), ex("AgreementSigned", {"version": 2}))


# -- reviews --------------------------------------------------------------------------------


def test_a_review_is_concluded_once(book: Book) -> None:
    concluded = ex("ReviewConcluded")
    assert book.refuse(concluded, concluded, field="review").line == 2
    book.add(concluded, ex("ReviewOpened"), ex("ReviewConcluded", {"review": "r-2"}))


def test_submissions_come_only_before_the_review_is_concluded(book: Book) -> None:
    submit, concluded = ex("ReviewSubmitted"), ex("ReviewConcluded")
    book.refuse(concluded, submit, field="review")
    again = ex("ReviewSubmitted", {"worth": "green"})  # a partner may submit again
    assert len(book.add(submit, again, concluded)) == 3


# -- commitments ----------------------------------------------------------------------------


@pytest.mark.parametrize("type_", ["CommitmentFulfilled", "CommitmentRevised",
                                   "CommitmentWithdrawn"])  # fmt: skip
def test_withdrawn_commitment_is_closed(book: Book, type_: str) -> None:
    withdrawn = ex("CommitmentWithdrawn")
    assert book.refuse(withdrawn, ex(type_), field="commitment").value == "c-1"
    book.add(ex(type_))  # the same act on the live commitment


def test_commitment_may_be_fulfilled_more_than_once(book: Book) -> None:
    """BASE fulfilled c-1 once (delivered 1); two more partial deliveries are fine."""
    more = book.add(ex("CommitmentFulfilled"), ex("CommitmentFulfilled", {"delivered": "3"}))
    assert [e.data["delivered"] for e in more] == ["2", "3"]


@pytest.mark.parametrize(("drop", "missing"), [("currency", "currency"), ("value", "value")])
def test_commitment_value_and_currency_come_together(book: Book, drop: str, missing: str) -> None:
    book.refuse(ex("CommitmentMade", drop=[drop]), field=missing)
    assert "value" not in book.last(ex("CommitmentMade", drop=["value", "currency"])).data


def test_revised_value_needs_the_commitments_currency(book: Book) -> None:
    """CommitmentRevised keeps the commitment's currency; a commitment without one (so without
    a value) cannot be given a value by revision."""
    plain = ex("CommitmentMade", drop=["value", "currency"])  # c-2, by telco-x
    revise = ex("CommitmentRevised", {"commitment": "c-2"}, actor="telco-x")
    book.refuse(plain, revise, field="value")
    without = ex("CommitmentRevised", {"commitment": "c-2"}, drop=["value"], actor="telco-x")
    assert book.last(plain, without).data["quantity"] == "3"


def test_deal_breaker_has_text_or_none_exactly(book: Book) -> None:
    both = ex("DealBreakerDeclared", {"none": True})
    book.refuse(both, field={"text", "none"})
    neither = ex("DealBreakerDeclared", drop=["text"])
    book.refuse(neither, field={"text", "none"})
    book.refuse(ex("DealBreakerDeclared", {"none": False}, drop=["text"]), field="none")
    book.add(ex("DealBreakerDeclared"), ex("DealBreakerDeclared", {"none": True}, drop=["text"]))


@pytest.mark.parametrize("method", ["consensus", "unanimity"])
def test_quorum_applies_to_majority_and_committee_only(book: Book, method: str) -> None:
    book.refuse(ex("DecisionRuleSet", {"method": method}), field="quorum")
    book.add(ex("DecisionRuleSet", {"method": method}, drop=["quorum"]))
    book.add(ex("DecisionRuleSet", {"method": "committee"}))


# -- partners who left ----------------------------------------------------------------------

#: telco-x owns c-9, fulfilled; ngo-sonar (owner of c-1) then leaves.
LEAVE = [
    ex("CommitmentMade", {"commitment": "c-9"}),
    ex("CommitmentFulfilled", {"commitment": "c-9"}, actor="telco-x"),
    ev("PartnerLeft", {"partner": "ngo-sonar", "reason": "Closed down"}, on="2026-03-02"),
]
REJOIN = ev("PartnerJoined", {"partner": "ngo-sonar", "engagement": "key"}, on="2026-03-03")


def as_ngo_sonar(type_: str) -> dict[str, Any]:
    """The example of a barred act, by and for ngo-sonar."""
    changes = {"partner": "ngo-sonar"}
    if type_ == "FulfilmentConfirmed":
        changes["commitment"] = "c-9"
    return ex(type_, changes, actor="ngo-sonar", on="2026-03-04")


@pytest.mark.parametrize("type_", BARRED_AFTER_LEAVING)
def test_a_partner_that_left_records_none_of_the_barred_acts(book: Book, type_: str) -> None:
    exc = book.refuse(*LEAVE, as_ngo_sonar(type_), field={"actor", "partner"})
    assert exc.value == "ngo-sonar"
    assert book.last(*LEAVE, REJOIN, as_ngo_sonar(type_)).actor == "ngo-sonar"


@pytest.mark.parametrize("type_", ["CommitmentFulfilled", "CommitmentRevised",
                                   "CommitmentWithdrawn"])  # fmt: skip
def test_a_partner_that_left_still_settles_its_own_commitments(book: Book, type_: str) -> None:
    other = ex(type_, {"commitment": "c-9"}, actor="ngo-sonar", on="2026-03-04")
    book.refuse(*LEAVE, other, field="actor")  # not someone else's
    assert book.last(*LEAVE, ex(type_, on="2026-03-04")).actor == "ngo-sonar"


def test_a_partner_that_left_does_no_other_act(book: Book) -> None:
    book.refuse(*LEAVE, ex("VisionRevised", actor="ngo-sonar"), field="actor")
    book.add(*LEAVE, REJOIN, ex("VisionRevised", actor="ngo-sonar"))


def test_a_partner_that_left_is_in_no_decider_list(book: Book) -> None:
    deciders = ex("DecisionRuleSet", {"deciders": ["ngo-sonar", "telco-x"]})
    assert book.refuse(*LEAVE, deciders, field="deciders").value == "ngo-sonar"
    book.add(*LEAVE, ex("DecisionRuleSet", {"deciders": ["ministry", "telco-x"]}))


def test_a_partner_that_left_is_named_by_no_new_vote_or_signature(book: Book) -> None:
    """The convenor cannot record them for it either (own acts are the partner's)."""
    for type_ in ("VoteCast", "AgreementSigned", "CommitmentMade"):
        event = ex(type_, {"partner": "ngo-sonar"}, actor="broker")
        book.refuse(*LEAVE, event, field={"actor", "partner"})


@pytest.mark.parametrize("type_", BARRED_AFTER_LEAVING)
def test_a_convenor_that_left_as_partner_records_no_barred_act(book: Book, type_: str) -> None:
    """The convenor keeps convening after leaving as a partner, but acts no more as one."""
    joined = ev("PartnerJoined", {"partner": "broker", "engagement": "key", "name": "Broker",
                                  "sector": "other"})  # fmt: skip
    left = ev("PartnerLeft", {"partner": "broker", "reason": "Stays convenor"})
    changes = {"partner": "broker"}
    if type_ == "FulfilmentConfirmed":
        changes["commitment"] = "c-1"
    act = ex(type_, changes, actor="broker")
    assert book.refuse(joined, left, act, field="partner").value == "broker"
    assert book.last(joined, act).data["partner"] == "broker"
    book.add(left, ex("VisionRevised", actor="broker"))


def test_a_partner_that_left_may_rejoin(book: Book) -> None:
    rejoined = book.add(*LEAVE, REJOIN, ex("CommitmentMade", {"commitment": "c-3",
                        "partner": "ngo-sonar"}, actor="ngo-sonar"))  # fmt: skip
    assert rejoined[-2].type == "PartnerJoined"
    assert rejoined[-1].data["partner"] == "ngo-sonar"


# -- dates of events that refer to others ---------------------------------------------------

LATER, EARLIER = "2026-03-10", "2026-03-09"
UNI_Y_JOINS = ev("PartnerJoined", {"partner": "uni-y", "engagement": "key"}, on=LATER)


def introduced_later(type_: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    return ex(type_, changes, on=LATER)


#: (an event introducing something on LATER, an event referring to it, the field it refers by)
EARLY: list[tuple[dict[str, Any], dict[str, Any], str]] = [
    (introduced_later("DecisionProposed"), ex("VoteCast", {"decision": "d-2"}), "decision"),
    (introduced_later("DecisionProposed"), ex("DecisionTaken", {"decision": "d-2"}), "decision"),
    (introduced_later("CommitmentMade"),
     ex("CommitmentFulfilled", {"commitment": "c-2"}, actor="telco-x"), "commitment"),
    (introduced_later("CommitmentMade"),
     ex("CommitmentRevised", {"commitment": "c-2"}, actor="telco-x"), "commitment"),
    (introduced_later("CommitmentMade"),
     ex("CommitmentWithdrawn", {"commitment": "c-2"}, actor="telco-x"), "commitment"),
    (introduced_later("CommitmentMade"),
     ex("ProgressReported", {"partner": "telco-x", "commitment": "c-2"}, actor="telco-x"),
     "commitment"),
    (introduced_later("ResourceNeeded"),
     ex("CommitmentMade", {"commitment": "c-3", "need": "n-2"}), "need"),
    (introduced_later("ActivityPlanned"),
     ex("CommitmentMade", {"commitment": "c-3", "activity": "act-2"}), "activity"),
    (introduced_later("StakeholderMapped"),
     ex("StakeholderConsulted", {"stakeholder": "s-2"}), "stakeholder"),
    (introduced_later("RiskIdentified"), ex("RiskMitigated", {"risk": "k-2"}), "risk"),
    (introduced_later("IssueRaised"), ex("IssueResolved", {"issue": "is-2"}), "issue"),
    (introduced_later("ActionAgreed"), ex("ActionCompleted", {"action": "a-2"}), "action"),
    (introduced_later("IndicatorDefined"), ex("IndicatorMeasured", {"indicator": "i-2"}),
     "indicator"),
    (introduced_later("ReviewOpened"), ex("ReviewSubmitted", {"review": "r-2"}), "review"),
    (introduced_later("ReviewOpened"), ex("ReviewConcluded", {"review": "r-2"}), "review"),
    (introduced_later("ReviewOpened"), ex("ActionAgreed", {"review": "r-2"}), "review"),
    (introduced_later("AgreementDrafted"), ex("AgreementSigned", {"version": 2}), "version"),
    (introduced_later("AgreementDrafted"), ex("InformationShared", {"subject": "agreement:2"}),
     "subject"),
    (introduced_later("DecisionProposed"), ex("InformationShared", {"subject": "decision:d-2"}),
     "subject"),
    (introduced_later("MeetingHeld"), ex("InformationShared", {"subject": "meeting:m-2"}),
     "subject"),
    (introduced_later("CommitmentMade"),
     ex("FindingWaived", {"subject": "commitment:c-2", "partner": "telco-x",
                          "approved_by": ["ministry"]}), "subject"),
    (UNI_Y_JOINS, ex("IndicatorDefined", {"owner": "uni-y"}), "owner"),
    (UNI_Y_JOINS, ex("RiskIdentified", {"owner": "uni-y"}), "owner"),
    (UNI_Y_JOINS, ex("ActionAgreed", {"owner": "uni-y"}), "owner"),
    (UNI_Y_JOINS, ex("MeetingHeld", {"attendees": ["ministry", "uni-y"]}), "attendees"),
    (UNI_Y_JOINS, ex("DecisionProposed", {"proposer": "uni-y"}), "proposer"),
    (UNI_Y_JOINS, ex("DecisionRuleSet", {"deciders": ["uni-y"]}), "deciders"),
    (UNI_Y_JOINS, ex("IndicatorMeasured", {"partner": "uni-y"}), "partner"),
    (UNI_Y_JOINS, ex("InformationShared", {"with": ["uni-y"]}), "with"),
    (UNI_Y_JOINS, ex("PartnerEngagementChanged", {"partner": "uni-y"}), "partner"),
    (UNI_Y_JOINS, ex("PartnerLeft", {"partner": "uni-y"}), "partner"),
    (UNI_Y_JOINS, ex("FindingWaived", {"partner": "uni-y"}), "partner"),
    (UNI_Y_JOINS, ex("AssumptionDeclared", {"partner": "uni-y"}, actor="uni-y"), "partner"),
    (UNI_Y_JOINS, ex("VoteCast", {"partner": "uni-y"}, actor="uni-y"), "partner"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "event", "field"), EARLY, ids=[f"{e['type']}.{f}" for _, e, f in EARLY]
)
def test_an_event_never_occurs_before_what_it_refers_to(
    book: Book, first: dict[str, Any], event: dict[str, Any], field: str
) -> None:
    """Everything else the event names was there on DAY; only ``field`` came on LATER."""
    exc = book.refuse(first, {**event, "occurred_on": EARLIER}, field={"occurred_on", field})
    assert exc.line == 2
    assert EARLIER in str(exc) and LATER in str(exc)  # both dates are named
    book.add(first, {**event, "occurred_on": LATER})  # the same day is fine


def test_confirmation_never_occurs_before_the_fulfilment(book: Book) -> None:
    fulfil = ex("CommitmentFulfilled", {"commitment": "c-2"}, actor="telco-x", on="2026-03-05")
    confirm = ex("FulfilmentConfirmed", {"commitment": "c-2", "partner": "ministry"},
                 actor="ministry", on="2026-03-04")  # fmt: skip
    book.refuse(ex("CommitmentMade"), fulfil, confirm, field="occurred_on")
    book.add(ex("CommitmentMade"), fulfil, {**confirm, "occurred_on": "2026-03-05"})


def test_the_actor_is_not_checked_for_dates(book: Book) -> None:
    """ngo-sonar joined on DAY; as the actor of a non-own act it may date it earlier."""
    assert book.last(ex("VisionRevised", actor="ngo-sonar", on="2026-01-15")).actor == "ngo-sonar"


def test_events_need_not_follow_stream_order(book: Book) -> None:
    late = book.add(ex("VisionRevised", on="2026-05-01"), ex("PhaseChanged", on="2026-04-01"))
    assert [e.occurred_on for e in late] == ["2026-05-01", "2026-04-01"]


# -- closure --------------------------------------------------------------------------------

CLOSED = ex("PartnershipClosed", on="2026-03-05")
STILL_OPEN_TYPES = [t for t in EXAMPLES if t not in ("LearningShared", "FindingWaived",
                                                      "PartnershipFounded")]  # fmt: skip


@pytest.mark.parametrize("type_", STILL_OPEN_TYPES)
def test_nothing_is_recorded_after_partnership_closed(book: Book, type_: str) -> None:
    exc = book.refuse(CLOSED, ex(type_), field={"type", "occurred_on", None})
    assert exc.line == 2
    assert "closed" in str(exc).lower()
    if type_ != "PartnershipClosed":
        book.add(ex(type_), CLOSED)  # before the closure it was fine


@pytest.mark.parametrize("type_", ["LearningShared", "FindingWaived"])
def test_learning_and_waivers_follow_closure(book: Book, type_: str) -> None:
    later = book.last(CLOSED, ex(type_, on="2026-05-20"))  # even dated after the closure
    assert later.type == type_


def test_partnership_closed_is_not_dated_before_an_earlier_event(book: Book) -> None:
    late = ex("VisionRevised", on="2026-04-10")
    exc = book.refuse(late, ex("PartnershipClosed", on="2026-04-09"), field="occurred_on")
    assert exc.value == "2026-04-09"
    book.add(late, ex("PartnershipClosed", on="2026-04-10"))


def test_learning_dated_later_does_not_hold_back_the_closure(book: Book) -> None:
    book.add(ex("LearningShared", on="2026-05-01"), ex("PartnershipClosed", on="2026-04-01"))


# -- InformationShared ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    ["decision:d-1", "review:r-1", "commitment:c-1", "meeting:m-1", "agreement:1",
     "document:budget-2026", f"document:{SHA}"],
)  # fmt: skip
def test_shared_subject_kinds(book: Book, subject: str) -> None:
    assert book.last(ex("InformationShared", {"subject": subject})).data["subject"] == subject


@pytest.mark.parametrize(
    "subject",
    ["decision:d-9", "review:c-1", "meeting:zz", "agreement:2", "agreement:v1", "agreement:0",
     "partner:ngo-sonar", "risk:k-1", "indicator:i-1", "d-1", "decision:", ":d-1",
     "Decision:d-1", "document:Budget", "document:a b", 5],
    ids=repr,
)  # fmt: skip
def test_bad_shared_subject_is_refused(book: Book, subject: Any) -> None:
    assert book.refuse(ex("InformationShared", {"subject": subject}), field="subject")


@pytest.mark.parametrize(
    ("with_", "ok"),
    [(["all"], True), (["ngo-sonar", "telco-x"], True), ([], False), (["all", "ngo-sonar"], False),
     ("all", False), (["everyone"], False), (["ALL"], False)],
)  # fmt: skip
def test_shared_with_partners_or_all(book: Book, with_: Any, ok: bool) -> None:
    event = ex("InformationShared", {"with": with_})
    if ok:
        assert thaw(book.last(event).data["with"]) == with_
    else:
        book.refuse(event, field="with")


# -- FindingWaived --------------------------------------------------------------------------

#: telco-x is key until it becomes active on 2026-03-10 (recorded now, dated then).
DEMOTED = ev("PartnerEngagementChanged", {"partner": "telco-x", "engagement": "active",
                                          "reason": "Less time"}, on="2026-03-10")  # fmt: skip


def waiver(approved_by: list[str], on: str = "2026-03-05", **changes: Any) -> dict[str, Any]:
    return ex("FindingWaived", {"approved_by": approved_by, **changes}, on=on)


def test_waiver_approvers_are_key_partners_at_the_waivers_date(book: Book) -> None:
    book.add(DEMOTED, waiver(["telco-x"], on="2026-03-09"))  # still key on the 9th
    book.refuse(waiver(["telco-x"], on="2026-03-10"), field="approved_by")
    book.add(waiver(["ministry"], on="2026-03-10"))


def test_every_waiver_approver_must_qualify(book: Book) -> None:
    """Reading "approved_by: at least one partner key at the waiver's date, other than the
    partner the finding concerns" as: at least one item, and every item is such a partner.
    (Read as "at least one of them qualifies", both lists below would be legal.)"""
    book.refuse(DEMOTED, waiver(["ministry", "telco-x"], on="2026-04-01"), field="approved_by")
    book.refuse(waiver(["ministry", "ngo-sonar"]), field="approved_by")  # ngo-sonar: the partner
    book.add(DEMOTED, waiver(["ministry", "ngo-sonar"], on="2026-04-01", partner="telco-x",
                             subject="decision:d-1"))  # fmt: skip


def test_waiver_approvers_who_are_not_key_are_refused(book: Book) -> None:
    join = ev("PartnerJoined", {"partner": "uni-y", "engagement": "advisory"})
    book.refuse(join, waiver(["uni-y"]), field="approved_by")
    book.add(join, waiver(["ministry"]))


def test_waiver_approver_who_left_is_refused(book: Book) -> None:
    left = ev("PartnerLeft", {"partner": "ministry", "reason": "r"}, on="2026-03-02")
    book.refuse(left, waiver(["ministry"]), field="approved_by")
    book.add(left, waiver(["ministry"], on="2026-03-01"))  # it was key on the 1st


def test_waiver_is_not_approved_by_the_partner_it_concerns(book: Book) -> None:
    exc = book.refuse(waiver(["ngo-sonar"]), field="approved_by")  # partner: ngo-sonar
    assert exc.value in ("ngo-sonar", ["ngo-sonar"])
    book.add(waiver(["ngo-sonar"], partner="telco-x", subject="decision:d-1"))


@pytest.mark.parametrize(
    ("subject", "concerned"), [("commitment:c-1", "ngo-sonar"), ("partner:telco-x", "telco-x")]
)
def test_without_a_partner_the_subject_still_names_who_is_concerned(
    book: Book, subject: str, concerned: str
) -> None:
    """A commitment's owner, or the partner a partner: subject names, cannot approve a waiver of
    findings about it even when the waiver gives no partner."""
    event = ex("FindingWaived", {"subject": subject, "approved_by": [concerned]}, drop=["partner"])
    book.refuse(event, field="approved_by")
    book.add(ex("FindingWaived", {"subject": subject, "approved_by": ["ministry"]},
                drop=["partner"]))  # fmt: skip


@pytest.mark.parametrize(
    "subject",
    ["partnership:music-chain", "partner:telco-x", "commitment:c-1", "decision:d-1",
     "review:r-1", "indicator:i-1", "issue:is-1", "action:a-1"],
)  # fmt: skip
def test_waiver_subjects_are_finding_subjects(book: Book, subject: str) -> None:
    assert book.last(waiver(["ministry"], subject=subject)).data["subject"] == subject


@pytest.mark.parametrize(
    "subject",
    ["commitment:c-9", "partner:uni-y", "partner:nobody", "partnership:other-chain",
     "stakeholder:s-1", "c-1", "commitment:C-1", "Commitment:c-1", ""],
)  # fmt: skip
def test_bad_waiver_subject_is_refused(book: Book, subject: str) -> None:
    book.refuse(waiver(["ministry"], subject=subject), field={"subject", "occurred_on"})


def test_waiver_without_partner_may_be_approved_by_any_key_partner(book: Book) -> None:
    event = ex(
        "FindingWaived",
        {"approved_by": list(KEY_PARTNERS), "subject": "decision:d-1"},
        drop=["partner"],
    )
    assert thaw(book.last(event).data["approved_by"]) == list(KEY_PARTNERS)


# -- imports are all or nothing -------------------------------------------------------------


COMMITMENT = ex("CommitmentMade", drop=["need", "activity"])
BAD_LINE_5 = {
    # refused by the field checks, before the stream is read
    "field check": (ex("CommitmentMade", {"value": -5}, drop=["need", "activity"]), "value"),
    # refused by the stream checks, after lines 1-4 were placed in the stream
    "stream check": (ex("CommitmentMade", {"need": "n-9"}, drop=["activity"]), "need"),
}


@pytest.mark.parametrize("case", list(BAD_LINE_5))
def test_bad_line_5_leaves_an_empty_ledger_empty(db_url: str, case: str) -> None:
    bad, field = BAD_LINE_5[case]
    fresh = Book(db_url)
    exc = fresh.refuse(*founding(), bad, ex("VisionRevised"), field=field)  # bad is line 5
    assert exc.line == 5
    assert str(exc).startswith("line 5: ")
    with Ledger(db_url) as ledger:
        assert ledger.partnerships() == []
        assert list(ledger.export_lines()) == []
    assert len(fresh.add(*founding(), COMMITMENT, ex("VisionRevised"))) == 6


def test_bad_line_leaves_a_ledger_unchanged(book: Book) -> None:
    before = book.lines()
    other = [ex("PartnershipFounded"), ev("VisionRevised", {"vision": "v", "reason": "r"},
             partnership=OTHER)]  # fmt: skip
    exc = book.refuse(ex("VisionRevised"), *other, ex("ActionCompleted", {"action": "a-9"}),
                      field="action")  # fmt: skip
    assert exc.line == 4
    assert book.lines() == before
    with Ledger(book.url) as ledger:
        assert ledger.partnerships() == [PID]


def test_error_line_counts_blank_lines(book: Book) -> None:
    good = json.dumps(ex("VisionRevised"))
    bad = json.dumps(ex("VisionRevised", {"vision": ""}))
    raw = io.BytesIO(f"{good}\n\n{good}\n   \n{bad}\n{good}\n".encode())
    assert book.refuse_raw(raw, field="vision").line == 5


# -- the command line -----------------------------------------------------------------------


def test_cli_import_refuses_a_bad_file_with_exit_2(sqlite_url: str, tmp_path: Path) -> None:
    from ledger.cli.main import cli

    path = tmp_path / "events.jsonl"
    bad = ex("CommitmentMade", {"value": "-18000"})
    path.write_bytes(jsonl(*BASE, bad).getvalue())
    result = CliRunner().invoke(cli, ["--db", sqlite_url, "import", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    err = result.stderr.strip()
    assert "\n" not in err
    assert err.startswith(f"error: line {len(BASE) + 1}: ")
    assert "'value'" in err and "-18000" in err  # the field and the value
    with Ledger(sqlite_url) as ledger:
        assert ledger.partnerships() == []

    path.write_bytes(jsonl(*BASE, ex("CommitmentMade", {"value": "18000"})).getvalue())
    result = CliRunner().invoke(cli, ["--db", sqlite_url, "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"imported {len(BASE) + 1} events" in result.stdout
    with Ledger(sqlite_url) as ledger:
        assert ledger.stream(PID)[-1].data["value"] == "18000"


@pytest.mark.parametrize("type_", ["PartnerIdentified", "PartnerJoined"])
def test_the_partner_id_all_is_reserved(sqlite_url: str, type_: str) -> None:
    data = {"partner": "all", "name": "All", "sector": "other"}
    data |= {"value_added": "Everything"} if type_ == "PartnerIdentified" else {"engagement": "key"}
    with Ledger(sqlite_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
        with pytest.raises(InvalidEvent) as info:
            ledger.import_jsonl(jsonl(line(type_, data)))
        assert info.value.field == "partner" and "reserved" in str(info.value)
        ledger.import_jsonl(jsonl(line(type_, {**data, "partner": "all-stars"})))


def test_a_null_occurred_on_is_refused_not_taken_as_today(sqlite_url: str) -> None:
    with Ledger(sqlite_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
        with pytest.raises(InvalidEvent) as info:
            ledger.import_jsonl(
                jsonl(line("PhaseChanged", {"phase": "planning"}, on=None, occurred_on=None))
            )
        assert info.value.field == "occurred_on"
        assert len(ledger.stream(PID)) == 4

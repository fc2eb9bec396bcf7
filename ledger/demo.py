"""The example partnership that ``pledger demo`` records: Music Chain, a national youth music
partnership through the whole cycle of the seed (scoping, building, planning and agreement,
implementing, two reviews, sustaining), written only with EVENTS.md types.

The broker records the facts in sessions, usually days after they happen; each session keeps
its own recording time (``Draft.recorded_at``), so the history can be replayed *as known at*
any moment. A few lapses are left in on purpose, for an audit (RULES.md) to catch:

- ``c-venues`` (ministry) is revised to fall due on 2026-08-31 and never delivered: overdue by
  more than 30 days (FT001, error);
- ``d-branding`` is adopted with no rationale, neither proposed nor taken (TR001);
- ``d-showcase`` is taken while the ministry, a key partner, has not voted (EQ002);
- the second review ``rv-autumn`` concludes without the ministry's submission (FT005);
- the ministry's permit issue ``i-permits`` of 3 June is recorded only on 20 July (TR006).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.errors import InvalidInput
from ledger.events import Draft, now, parse_time
from ledger.store import Ledger, Written
from ledger.view import parse_known_at

DEMO_PARTNERSHIP = "music-chain"
BROKER = "broker"


@dataclass(frozen=True)
class Snapshot:
    """A moment ``pledger demo`` shows the partnership at (None: today, or now)."""

    label: str
    as_of: date | None
    known_at: datetime | None
    note: str


SNAPSHOTS = (
    Snapshot(
        "After planning",
        date(2026, 3, 8),
        None,
        "The agreement is signed; nothing has been delivered yet.",
    ),
    Snapshot(
        "Mid-implementation, as known on 1 July",
        date(2026, 6, 30),
        parse_known_at("2026-07-01"),
        "The ministry's permit issue of 3 June was recorded only on 20 July: not known yet.",
    ),
    Snapshot("Today", None, None, "After two reviews the partners chose to continue."),
)


Fact = tuple[str, str, str, dict[str, Any]]


def _f(on: str, actor: str, type_: str, **data: Any) -> Fact:
    return (on, actor, type_, data)


def _shared(on: str, subject: str, channel: str = "shared folder") -> Fact:
    return (
        on,
        BROKER,
        "InformationShared",
        {"subject": subject, "with": ["all"], "channel": channel},
    )


def _vote(on: str, decision: str, partner: str, position: str, **extra: Any) -> Fact:
    data = {"decision": decision, "partner": partner, "position": position, **extra}
    return (on, partner, "VoteCast", data)


ALL = ["ngo-sonar", "telco-x", "ministry", "uni-audio"]

#: (recording time, facts recorded then): the broker's sessions, in order.
SESSIONS: tuple[tuple[str, tuple[Fact, ...]], ...] = (
    (
        "2026-01-16T17:00:00Z",
        (
            _f(
                "2026-01-12",
                BROKER,
                "PartnershipFounded",
                name="Music Chain",
                purpose="Train young sound engineers and connect them with studios and festivals",
                scope="national",
                vision="Every region has a studio where young people learn the craft",
            ),
            _f(
                "2026-01-12", BROKER, "PhaseChanged", phase="scoping", reason="Preparatory research"
            ),
            _f(
                "2026-01-13",
                BROKER,
                "StakeholderMapped",
                stakeholder="youth-centres",
                name="Association of Youth Centres",
                sector="civil-society",
                needs=["Weekend activities for teenagers"],
                interests=["Skills that lead to jobs"],
                motivations=["Keep centres open at weekends"],
            ),
            _f(
                "2026-01-13",
                BROKER,
                "StakeholderMapped",
                stakeholder="studios-guild",
                name="Independent Studios Guild",
                sector="private",
                needs=["Trained assistants"],
            ),
            _f(
                "2026-01-15",
                BROKER,
                "StakeholderConsulted",
                stakeholder="youth-centres",
                summary="Centres can host studios if partners fit out the rooms",
            ),
        ),
    ),
    (
        "2026-01-30T16:00:00Z",
        (
            _f(
                "2026-01-19",
                BROKER,
                "PartnerIdentified",
                partner="ngo-sonar",
                name="Sonar Youth Music",
                sector="civil-society",
                value_added="Trainers and a network of youth centres",
            ),
            _f(
                "2026-01-19",
                BROKER,
                "PartnerIdentified",
                partner="telco-x",
                name="Telco X",
                sector="private",
                value_added="Seed funding and broadband for the studios",
            ),
            _f(
                "2026-01-20",
                BROKER,
                "PartnerIdentified",
                partner="uni-audio",
                name="University Audio Lab",
                sector="academic",
                value_added="Audio engineering students as mentors",
                international=False,
            ),
            _f(
                "2026-01-22",
                BROKER,
                "VisionRevised",
                vision="Every region has a studio where young people learn the craft and get "
                "their first paid work",
                reason="Studios asked that training lead to paid work",
            ),
            _f("2026-01-26", BROKER, "PhaseChanged", phase="building", reason="Partners invited"),
            _f(
                "2026-01-26",
                BROKER,
                "PartnerJoined",
                partner="ngo-sonar",
                engagement="key",
                representative="Ana Ruiz",
            ),
            _f(
                "2026-01-26",
                BROKER,
                "PartnerJoined",
                partner="telco-x",
                engagement="key",
                representative="Marc Dubois",
            ),
            _f(
                "2026-01-28",
                BROKER,
                "PartnerJoined",
                partner="ministry",
                engagement="key",
                name="Ministry of Culture",
                sector="public",
                representative="Jonas Berg",
            ),
            _f(
                "2026-01-29",
                BROKER,
                "PartnerJoined",
                partner="uni-audio",
                engagement="advisory",
                representative="Dr Lena Koch",
            ),
        ),
    ),
    (
        "2026-02-13T17:00:00Z",
        (
            _f(
                "2026-02-02",
                BROKER,
                "MeetingHeld",
                meeting="m-kickoff",
                purpose="Initial meeting: interests, working cultures, the broker's role",
                attendees=ALL,
            ),
            _f(
                "2026-02-03",
                "ngo-sonar",
                "AssessmentRecorded",
                partner="ngo-sonar",
                benefits=["Trainers gain studio experience", "More young people reached"],
                costs=["Two staff days a week"],
                risks=["Trainers leave for paid studio work"],
                verdict="go",
            ),
            _f(
                "2026-02-04",
                "telco-x",
                "AssessmentRecorded",
                partner="telco-x",
                benefits=["Visibility with young customers"],
                costs=["EUR 30,000 seed funding"],
                verdict="go",
            ),
            _f(
                "2026-02-05",
                "ministry",
                "AssessmentRecorded",
                partner="ministry",
                benefits=["Delivers the national youth culture plan"],
                costs=["Rooms in public youth centres", "Permit work"],
                verdict="pursue",
            ),
            _f(
                "2026-02-06",
                "uni-audio",
                "AssessmentRecorded",
                partner="uni-audio",
                benefits=["Placements for students"],
                costs=["Supervision time"],
                verdict="go",
            ),
            _f(
                "2026-02-06",
                "ngo-sonar",
                "AssumptionDeclared",
                partner="ngo-sonar",
                text="Youth centres stay open on weekends",
            ),
            _f(
                "2026-02-06",
                "telco-x",
                "AssumptionDeclared",
                partner="telco-x",
                text="Studios get broadband before the first workshop",
            ),
            _f(
                "2026-02-06",
                "telco-x",
                "DealBreakerDeclared",
                partner="telco-x",
                text="No exclusive branding for any one partner",
            ),
            _f("2026-02-09", "ngo-sonar", "DealBreakerDeclared", partner="ngo-sonar", none=True),
            _f(
                "2026-02-09",
                "ministry",
                "AssumptionDeclared",
                partner="ministry",
                text="Building permits take about two months",
            ),
            _f(
                "2026-02-10",
                "ministry",
                "DealBreakerDeclared",
                partner="ministry",
                text="Public money only for rooms in public buildings",
            ),
            _f(
                "2026-02-10",
                BROKER,
                "PrincipleAdopted",
                principle="equity",
                text="Each key partner has an equal voice at the table",
            ),
            _f("2026-02-10", BROKER, "PrincipleAdopted", principle="transparency"),
            _f(
                "2026-02-10",
                BROKER,
                "PrincipleAdopted",
                principle="mutual-benefit",
                text="Every partner names what it gains and what it gives",
            ),
            _f(
                "2026-02-11",
                BROKER,
                "GroundRuleAgreed",
                topic="code-of-conduct",
                text="Safeguarding rules of the youth centres apply to every partner",
            ),
            _f(
                "2026-02-11",
                BROKER,
                "GroundRuleAgreed",
                topic="terminology",
                text="'Ownership' means responsibility for sustaining outcomes, not branding",
            ),
        ),
    ),
    (
        "2026-03-06T18:00:00Z",
        (
            _f(
                "2026-02-16", BROKER, "PhaseChanged", phase="planning", reason="Agreed in principle"
            ),
            _f("2026-02-16", BROKER, "DecisionRuleSet", method="majority", quorum="0.6"),
            _f(
                "2026-02-16",
                BROKER,
                "CommunicationProtocolAgreed",
                audience="partners",
                channels=["monthly call", "shared folder", "e-mail"],
                every_days=30,
                share_within_days=7,
            ),
            _f("2026-02-17", BROKER, "ReviewScheduleSet", every_days=180),
            _f(
                "2026-02-18",
                "ministry",
                "ReportingNeedDeclared",
                partner="ministry",
                what="Spend and attendance",
                to_whom="Parliamentary culture committee",
                every_days=90,
            ),
            _f(
                "2026-02-19",
                BROKER,
                "ActivityPlanned",
                activity="a-workshops",
                title="Weekend studio workshops",
                outputs=["120 trainees trained"],
                outcomes=["Trainees find paid studio work"],
                starts="2026-04-04",
                ends="2026-10-31",
            ),
            _f(
                "2026-02-19",
                BROKER,
                "ActivityPlanned",
                activity="a-showcase",
                title="Trainee showcase at the Northern Lights Festival",
                starts="2026-09-12",
                ends="2026-09-13",
            ),
            _f(
                "2026-02-20",
                BROKER,
                "ResourceNeeded",
                need="n-trainers",
                kind="people",
                description="Trainers for the workshops",
                quantity=2,
                unit="trainers",
            ),
            _f(
                "2026-02-20",
                BROKER,
                "ResourceNeeded",
                need="n-rooms",
                kind="facilities",
                description="Rooms fitted as studios",
                quantity=3,
                unit="rooms",
            ),
            _f(
                "2026-02-23",
                "ngo-sonar",
                "CommitmentMade",
                commitment="c-trainers",
                partner="ngo-sonar",
                kind="people",
                description="Two trainers for the weekend workshops",
                quantity=2,
                unit="trainers",
                value=18000,
                currency="EUR",
                due="2026-09-30",
                need="n-trainers",
                activity="a-workshops",
            ),
            _f(
                "2026-02-23",
                "telco-x",
                "CommitmentMade",
                commitment="c-funds",
                partner="telco-x",
                kind="money",
                description="Seed funding for studio equipment",
                value=30000,
                currency="EUR",
                due="2026-04-30",
            ),
            _f(
                "2026-02-24",
                "ministry",
                "CommitmentMade",
                commitment="c-venues",
                partner="ministry",
                kind="facilities",
                description="Three youth-centre rooms fitted as studios",
                quantity=3,
                unit="rooms",
                due="2026-05-31",
                need="n-rooms",
                activity="a-workshops",
            ),
            _f(
                "2026-02-25",
                "uni-audio",
                "CommitmentMade",
                commitment="c-mentoring",
                partner="uni-audio",
                kind="skills",
                description="Mentoring by audio engineering students",
                quantity=40,
                unit="hours",
                value=6000,
                currency="EUR",
                due="2026-10-31",
                activity="a-workshops",
            ),
            _f(
                "2026-02-25",
                BROKER,
                "IndicatorDefined",
                indicator="ind-trainees",
                name="Young people trained",
                lens="project",
                method="Attendance sheets, counted monthly by Sonar",
                owner="ngo-sonar",
                baseline=0,
                target=120,
                unit="trainees",
                due="2026-10-31",
            ),
            _f(
                "2026-02-25",
                BROKER,
                "IndicatorDefined",
                indicator="ind-satisfaction",
                name="Partners satisfied with how the partnership works",
                lens="partnership",
                method="Share of green ratings in the first review",
                owner="ministry",
                baseline=0,
                target=80,
                unit="percent",
                due="2026-07-31",
            ),
            _f(
                "2026-02-26",
                BROKER,
                "RiskIdentified",
                risk="r-venues",
                description="Studio rooms may not be ready in time",
                likelihood="medium",
                impact="high",
                owner="ministry",
            ),
            _f(
                "2026-02-26",
                BROKER,
                "RiskIdentified",
                risk="r-dropout",
                description="Trainees drop out because of travel costs",
                likelihood="low",
                impact="medium",
                owner="ngo-sonar",
            ),
            _f(
                "2026-02-27",
                BROKER,
                "RiskMitigated",
                risk="r-dropout",
                action="Travel stipends paid from the seed fund",
            ),
            _f(
                "2026-03-02",
                BROKER,
                "AgreementDrafted",
                version=1,
                summary="Roles, resources, decision rules and communication",
            ),
            _f(
                "2026-03-04",
                BROKER,
                "AgreementDrafted",
                version=2,
                summary="Version 1 plus a plan B for the venues",
                document_sha256="5f2b1c9a3e7d4b6a8c0e2f4a6b8d0c2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c",
            ),
            _f(
                "2026-03-05",
                "ngo-sonar",
                "AgreementSigned",
                version=2,
                partner="ngo-sonar",
                signatory="Ana Ruiz",
            ),
            _f(
                "2026-03-05",
                "telco-x",
                "AgreementSigned",
                version=2,
                partner="telco-x",
                signatory="Marc Dubois",
            ),
            _f(
                "2026-03-06",
                "ministry",
                "AgreementSigned",
                version=2,
                partner="ministry",
                signatory="Jonas Berg",
            ),
            _shared("2026-03-06", "agreement:2"),
        ),
    ),
    (
        "2026-03-27T16:00:00Z",
        (
            _f(
                "2026-03-09",
                BROKER,
                "PhaseChanged",
                phase="implementing",
                reason="Agreement signed by all key partners",
            ),
            _f(
                "2026-03-16",
                BROKER,
                "DecisionProposed",
                decision="d-weekend",
                title="Run the workshops on weekends",
                proposer="ngo-sonar",
                rationale="Most trainees are at school on weekdays",
            ),
            _vote("2026-03-18", "d-weekend", "ngo-sonar", "for"),
            _vote("2026-03-18", "d-weekend", "telco-x", "for"),
            _vote("2026-03-19", "d-weekend", "ministry", "for"),
            _f(
                "2026-03-20",
                BROKER,
                "DecisionTaken",
                decision="d-weekend",
                outcome="adopted",
                rationale="All key partners agreed; centres open on weekends",
            ),
            _shared("2026-03-21", "decision:d-weekend", "monthly call"),
        ),
    ),
    (
        "2026-05-08T16:00:00Z",
        (
            _f(
                "2026-04-27",
                "telco-x",
                "CommitmentFulfilled",
                commitment="c-funds",
                delivered=30000,
                evidence="Bank transfer TX-2291 to Sonar",
            ),
            _f(
                "2026-04-30",
                "ngo-sonar",
                "FulfilmentConfirmed",
                commitment="c-funds",
                partner="ngo-sonar",
            ),
            _f(
                "2026-05-04",
                BROKER,
                "PartnerJoined",
                partner="festival",
                engagement="pilot",
                name="Northern Lights Festival",
                sector="private",
                representative="Mia Lund",
            ),
            _f(
                "2026-05-06",
                BROKER,
                "DecisionProposed",
                decision="d-branding",
                title="Co-branded T-shirts for trainees",
                proposer="telco-x",
            ),
            _vote("2026-05-07", "d-branding", "telco-x", "for"),
            _vote("2026-05-07", "d-branding", "ngo-sonar", "abstain"),
            _vote("2026-05-08", "d-branding", "ministry", "for"),
        ),
    ),
    (
        "2026-06-05T16:00:00Z",
        (
            _f("2026-05-12", BROKER, "DecisionTaken", decision="d-branding", outcome="adopted"),
            _shared("2026-05-13", "decision:d-branding"),
            _f(
                "2026-05-19",
                "ministry",
                "CommitmentRevised",
                commitment="c-venues",
                reason="Building permits for two rooms are delayed",
                due="2026-08-31",
            ),
            _f(
                "2026-05-20",
                BROKER,
                "PartnerEngagementChanged",
                partner="uni-audio",
                engagement="active",
                reason="Students now mentor every weekend",
            ),
            _f(
                "2026-06-03",
                BROKER,
                "MeetingHeld",
                meeting="m-june",
                purpose="Progress on the studio fit-out",
                attendees=[*ALL, "festival"],
            ),
            _f(
                "2026-06-04",
                "festival",
                "CommitmentMade",
                commitment="c-stage",
                partner="festival",
                kind="services",
                description="Stage and sound crew for the trainee showcase",
                quantity=1,
                unit="stage",
                due="2026-09-12",
                activity="a-showcase",
            ),
        ),
    ),
    (
        "2026-07-01T16:00:00Z",
        (
            _f(
                "2026-06-15",
                BROKER,
                "IndicatorMeasured",
                indicator="ind-trainees",
                value=46,
                period_end="2026-06-15",
                partner="ngo-sonar",
            ),
            _f(
                "2026-06-22",
                "ministry",
                "ProgressReported",
                partner="ministry",
                summary="The first room is fitted and in use",
                commitment="c-venues",
                delivered=1,
            ),
            _f("2026-07-01", BROKER, "PhaseChanged", phase="reviewing", reason="First review"),
            _f(
                "2026-07-01",
                BROKER,
                "ReviewOpened",
                review="rv-summer",
                lenses=["project", "partnership", "value"],
                due="2026-07-31",
            ),
        ),
    ),
    (
        "2026-07-20T16:00:00Z",
        (
            _f(
                "2026-06-03",
                "ministry",
                "IssueRaised",
                issue="i-permits",
                partner="ministry",
                description="Building permits for two rooms are delayed by the city",
            ),
            _f(
                "2026-07-08",
                "ngo-sonar",
                "ReviewSubmitted",
                review="rv-summer",
                partner="ngo-sonar",
                ratings={"delivery": "green", "communication": "amber"},
                worth="green",
                comments="Trainees love the weekend sessions",
            ),
            _f(
                "2026-07-10",
                "telco-x",
                "ReviewSubmitted",
                review="rv-summer",
                partner="telco-x",
                ratings={"delivery": "amber", "visibility": "red"},
                worth="amber",
                comments="Our support is invisible on the workshop materials",
            ),
            _f(
                "2026-07-14",
                "ministry",
                "ReviewSubmitted",
                review="rv-summer",
                partner="ministry",
                ratings={"delivery": "amber", "governance": "green"},
                worth="green",
            ),
            _f(
                "2026-07-15",
                "uni-audio",
                "ReviewSubmitted",
                review="rv-summer",
                partner="uni-audio",
                ratings={"delivery": "green"},
                worth="green",
            ),
            _f(
                "2026-07-16",
                BROKER,
                "IndicatorMeasured",
                indicator="ind-satisfaction",
                value=75,
                period_end="2026-07-15",
                partner="ministry",
            ),
        ),
    ),
    (
        "2026-08-07T16:00:00Z",
        (
            _f(
                "2026-07-24",
                BROKER,
                "IssueResolved",
                issue="i-permits",
                resolution="The city granted temporary permits for both rooms",
            ),
            _f(
                "2026-07-28",
                BROKER,
                "ReviewConcluded",
                review="rv-summer",
                findings="Workshops work and trainees stay; rooms are late; Telco X is unseen",
                story="Weekend workshops filled up within a month; permits were the obstacle",
                recommendations=["Agree a venue plan B", "Name every partner on materials"],
            ),
            _f(
                "2026-07-29",
                BROKER,
                "ActionAgreed",
                action="act-venue-plan",
                description="Agree a venue plan B with two private studios",
                owner="ministry",
                due="2026-08-31",
                review="rv-summer",
            ),
            _f(
                "2026-07-29",
                BROKER,
                "ActionAgreed",
                action="act-visibility",
                description="Name every partner on workshop materials",
                owner="ngo-sonar",
                due="2026-09-15",
                review="rv-summer",
            ),
            _f(
                "2026-07-30",
                BROKER,
                "PartnershipRevised",
                changes="Showcase confirmed for September; students mentor every weekend",
                reason="Recommendations of the summer review",
            ),
            _f(
                "2026-08-03",
                BROKER,
                "PhaseChanged",
                phase="implementing",
                reason="Back to delivery after the review",
            ),
            _f("2026-08-05", BROKER, "ActionCompleted", action="act-visibility"),
            _shared("2026-08-06", "review:rv-summer"),
        ),
    ),
    (
        "2026-09-18T16:00:00Z",
        (
            _f("2026-08-20", BROKER, "ActionCompleted", action="act-venue-plan"),
            _f(
                "2026-08-28",
                BROKER,
                "DecisionProposed",
                decision="d-showcase",
                title="Showcase the trainees at the festival",
                proposer="festival",
                rationale="A public stage is the first paid work for many trainees",
            ),
            _vote("2026-08-31", "d-showcase", "ngo-sonar", "for"),
            _vote(
                "2026-08-31", "d-showcase", "telco-x", "for", comment="If all partners are named"
            ),
            _f(
                "2026-09-02",
                BROKER,
                "DecisionTaken",
                decision="d-showcase",
                outcome="adopted",
                rationale="Two key partners in favour before the booking deadline",
            ),
            _shared("2026-09-03", "decision:d-showcase", "e-mail"),
            _f(
                "2026-09-12",
                "festival",
                "CommitmentFulfilled",
                commitment="c-stage",
                delivered=1,
                evidence="Stage and crew provided on 12 September",
            ),
            _f(
                "2026-09-14",
                "ngo-sonar",
                "FulfilmentConfirmed",
                commitment="c-stage",
                partner="ngo-sonar",
            ),
        ),
    ),
    (
        "2026-10-09T16:00:00Z",
        (
            _f(
                "2026-09-30",
                "ngo-sonar",
                "CommitmentFulfilled",
                commitment="c-trainers",
                delivered=2,
                evidence="Two trainers ran 22 workshop weekends",
            ),
            _f(
                "2026-10-02",
                "ministry",
                "FulfilmentConfirmed",
                commitment="c-trainers",
                partner="ministry",
            ),
            _f(
                "2026-10-05",
                BROKER,
                "IndicatorMeasured",
                indicator="ind-trainees",
                value=104,
                period_end="2026-09-30",
                partner="ngo-sonar",
            ),
            _f(
                "2026-10-06",
                BROKER,
                "PartnerLeft",
                partner="festival",
                reason="The pilot ended with the showcase",
                handover="Booking contacts passed to Sonar",
            ),
        ),
    ),
    (
        "2026-11-13T16:00:00Z",
        (
            _f("2026-10-19", BROKER, "PhaseChanged", phase="reviewing", reason="Second review"),
            _f(
                "2026-10-19",
                BROKER,
                "ReviewOpened",
                review="rv-autumn",
                lenses=["project", "partnership", "value"],
                due="2026-11-10",
            ),
            _f(
                "2026-10-26",
                "ngo-sonar",
                "ReviewSubmitted",
                review="rv-autumn",
                partner="ngo-sonar",
                ratings={"delivery": "green", "communication": "green"},
                worth="green",
            ),
            _f(
                "2026-10-28",
                "telco-x",
                "ReviewSubmitted",
                review="rv-autumn",
                partner="telco-x",
                ratings={"delivery": "green", "visibility": "amber"},
                worth="amber",
            ),
            _f(
                "2026-10-30",
                "uni-audio",
                "ReviewSubmitted",
                review="rv-autumn",
                partner="uni-audio",
                ratings={"delivery": "green"},
                worth="green",
            ),
            _f(
                "2026-10-31",
                "uni-audio",
                "CommitmentFulfilled",
                commitment="c-mentoring",
                delivered=40,
                evidence="Mentoring log: 40 hours over 20 weekends",
            ),
            _f(
                "2026-11-02",
                "ngo-sonar",
                "FulfilmentConfirmed",
                commitment="c-mentoring",
                partner="ngo-sonar",
            ),
            _f(
                "2026-11-06",
                BROKER,
                "IndicatorMeasured",
                indicator="ind-trainees",
                value=121,
                period_end="2026-10-31",
                partner="ngo-sonar",
            ),
            _f(
                "2026-11-10",
                BROKER,
                "ReviewConcluded",
                review="rv-autumn",
                findings="Target reached: 121 trainees; two of three rooms in use",
                recommendations=["Continue for a second year", "Set up a steering group"],
            ),
        ),
    ),
    (
        "2026-11-25T16:00:00Z",
        (
            _f("2026-11-16", BROKER, "PhaseChanged", phase="sustaining", reason="Next steps"),
            _f(
                "2026-11-17",
                BROKER,
                "DecisionProposed",
                decision="d-continue",
                title="Continue Music Chain for a second year",
                proposer="ministry",
                rationale="The target was reached and every partner rates it worth its cost",
            ),
            _vote("2026-11-18", "d-continue", "ngo-sonar", "for"),
            _vote("2026-11-18", "d-continue", "telco-x", "for"),
            _vote("2026-11-18", "d-continue", "ministry", "for"),
            _f(
                "2026-11-19",
                BROKER,
                "DecisionTaken",
                decision="d-continue",
                outcome="adopted",
                rationale="Unanimous: the partnership continues as it is",
            ),
            _shared("2026-11-20", "decision:d-continue", "monthly call"),
            _f(
                "2026-11-20",
                BROKER,
                "SustainabilityChosen",
                option="continue",
                rationale="The work continues as it is, with the same partners",
            ),
            _f(
                "2026-11-23",
                BROKER,
                "Institutionalised",
                structure="Music Chain steering group",
                description="The key partners meet quarterly; Sonar keeps the secretariat",
            ),
            _f(
                "2026-11-24",
                BROKER,
                "LearningShared",
                summary="Weekend studios in youth centres reach young people schools do not",
                audience=["UNESCO", "Association of Youth Centres"],
            ),
        ),
    ),
)


def demo_drafts() -> list[Draft]:
    """The example as drafts of new facts, each with its session's recording time."""
    return [
        Draft(
            partnership=DEMO_PARTNERSHIP,
            type=type_,
            actor=actor,
            data=data,
            occurred_on=on,
            recorded_at=recorded_at.replace("Z", ".000000Z"),
        )
        for recorded_at, facts in SESSIONS
        for on, actor, type_, data in facts
    ]


def last_recorded() -> datetime:
    return parse_time(SESSIONS[-1][0].replace("Z", "+00:00"))


def record_demo(ledger: Ledger) -> Written | None:
    """Record the example once, in one write: None if the ledger already holds it."""
    if ledger.stream(DEMO_PARTNERSHIP):
        return None
    clock = now()
    if clock < last_recorded():
        raise InvalidInput(
            f"the demo's history was recorded up to {last_recorded():%Y-%m-%d %H:%M} UTC, "
            f"after the clock ({clock:%Y-%m-%d %H:%M} UTC); check PLEDGER_NOW"
        )
    return ledger.append((None, draft) for draft in demo_drafts())

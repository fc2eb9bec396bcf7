"""Synthetic ledgers for the bench, written only with the types and rules of EVENTS.md.

Each partnership runs the partnering cycle: founding, stakeholders, 4 to 7 partners joining
(sectors varied), assessments, assumptions and deal-breakers, principles, ground rules, a
decision rule, a communication protocol, activities, needs, indicators, risks, an agreement
drafted and signed, then ``rounds`` rounds of implementation (commitments in money with a value
and currency, and in people, skills, facilities... with a quantity and unit; revisions,
fulfilments, confirmations, progress reports, decisions proposed, voted by the partners, taken
and shared, meetings, indicator measurements, issues, and a review opened, submitted and
concluded with an action), and a sustaining phase (a quarter of partnerships close).

Events are new facts (JSON Lines without ``seq``/``hash``: the ledger assigns them), in date
order within each partnership, whole partnerships one after another. Any prefix of a stream is a
valid stream too (every rule of EVENTS.md looks only backwards), which is how ``sized`` hits an
exact event count. Everything is drawn from ``random.Random`` seeded per partnership, so a seed
gives the same bytes on every machine.

Deliberate lapses give the audit (RULES.md) something to find, at rates a real ledger might
show: commitments never fulfilled (FT001), fulfilments nobody confirms (FT003), decisions not
shared (TR002) or taken without a rationale (TR001) or without every key partner's vote
(EQ002), reviews concluded without a key partner (FT005), actions never completed (FT008),
issues left open (FT007), key partners who never sign (GV001).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

#: The bench's clock (``PLEDGER_NOW``): every generated date is on or before it.
NOW = "2026-06-01T12:00:00Z"
TODAY = date(2026, 6, 1)
DEFAULT_ROUNDS = 4
ROUND_DAYS = 56
SETUP_DAYS = 84
CLOSING_DAYS = 28
CONVENOR = "broker"

#: Named sizes, in events: tiny is a few partnerships (what the tests run).
SIZES = {"tiny": 700, "200k": 200_000, "1m": 1_000_000}

Event = dict[str, Any]

#: (id, name, sector, value added): partners are drawn from here, sectors varied.
ORGANISATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("city-council", "City Council", "public", "Public rooms, permits and a link to policy"),
    ("ministry-culture", "Ministry of Culture", "public", "Co-funding and national reach"),
    ("regional-health", "Regional Health Authority", "public", "Clinics and health data"),
    ("school-board", "District School Board", "public", "Schools, teachers and timetables"),
    ("water-utility", "Water Utility", "public", "Engineers and monitoring stations"),
    ("telco-north", "Telco North", "private", "Connectivity and seed funding"),
    ("bank-coop", "Cooperative Bank", "private", "Grants, accounts and finance training"),
    ("builders-ltd", "Builders Ltd", "private", "Construction crews and materials"),
    ("agri-foods", "Agri Foods", "private", "Supply chains and cold storage"),
    ("media-house", "Media House", "private", "Publicity, studios and distribution"),
    ("ngo-green", "Green Futures", "civil-society", "Volunteers and community trust"),
    ("youth-forum", "Youth Forum", "civil-society", "Young people and youth workers"),
    ("women-net", "Women's Network", "civil-society", "Outreach to women-led households"),
    ("food-bank", "Food Bank", "civil-society", "Logistics and food distribution"),
    ("tenants-union", "Tenants' Union", "civil-society", "Residents' voices and meeting halls"),
    ("uni-tech", "University of Technology", "academic", "Research, students and evaluation"),
    ("public-health-lab", "Public Health Lab", "academic", "Methods and impact evaluation"),
    ("design-school", "School of Design", "academic", "Co-design workshops and prototypes"),
    ("un-agency", "UN Agency Office", "intergovernmental", "Standards and donor contacts"),
    ("dev-bank", "Regional Development Bank", "intergovernmental", "Loans and guarantees"),
    ("faith-council", "Interfaith Council", "other", "Congregations and volunteers"),
    ("sports-club", "Sports Club", "other", "Fields, coaches and young members"),
)

THEMES: tuple[tuple[str, str, str], ...] = (
    ("river-care", "River Care", "Clean and protect the river banks with the people who use them"),
    ("music-chain", "Music Chain", "Train young sound engineers and connect them with studios"),
    ("safe-water", "Safe Water", "Bring safe drinking water to the outlying villages"),
    ("food-rescue", "Food Rescue", "Redistribute surplus food to families in need"),
    ("green-roofs", "Green Roofs", "Fit public buildings with green roofs and solar panels"),
    ("first-jobs", "First Jobs", "Help school leavers find a first paid job in the district"),
    ("clinic-link", "Clinic Link", "Connect rural clinics to specialists by video"),
    ("open-books", "Open Books", "Keep neighbourhood libraries open in the evenings"),
    ("warm-homes", "Warm Homes", "Insulate the homes of low-income tenants before winter"),
    ("play-streets", "Play Streets", "Close streets to traffic on Sundays so children can play"),
)

#: (kind, unit, description) of non-money commitments; money ones carry a value and currency.
IN_KIND: tuple[tuple[str, str, str], ...] = (
    ("people", "staff", "Staff seconded to the programme two days a week"),
    ("skills", "hours", "Mentoring by experienced practitioners"),
    ("facilities", "rooms", "Rooms for workshops and meetings"),
    ("logistics", "trips", "Vans and drivers for deliveries"),
    ("services", "sessions", "Training sessions for volunteers"),
    ("publicity", "campaigns", "Campaigns in local media and on social networks"),
    ("information", "reports", "Data and reports shared with the partners"),
    ("products", "kits", "Equipment kits for the participants"),
)
MONEY = (
    "Grant for equipment and materials",
    "Co-funding of the coordinator's salary",
    "Travel stipends for participants",
    "Funds for the community events",
)
DECISIONS = (
    "Extend the programme to a second district",
    "Hire a part-time coordinator",
    "Move the monthly meeting online",
    "Publish the budget on the partnership's website",
    "Add a pilot with two more schools",
    "Share the evaluation data with the funders",
    "Change the name on the materials",
    "Start a waiting list for participants",
)
ISSUES = (
    "Deliveries are late because the vans are shared with another project",
    "Volunteers report that the rooms are locked on Saturdays",
    "Attendance dropped after the schedule changed",
    "The reporting template does not match the funders' forms",
)
RATINGS = ("green", "green", "green", "amber", "amber", "red")


class _Cycle:
    """One partnership's stream under construction: a date cursor that never goes back (so no
    event occurs before anything it refers to) and the ids introduced so far."""

    def __init__(self, pid: str, rng: random.Random, start: date) -> None:
        self.pid = pid
        self.rng = rng
        self.day = start
        self.events: list[Event] = []
        self.method = "majority"  # the decision rule, set during planning

    def at(self, day: date) -> None:
        """Move the cursor to ``day`` unless it is already later."""
        self.day = max(self.day, day)

    def later(self, low: int = 0, high: int = 2) -> None:
        self.day += timedelta(days=self.rng.randint(low, high))

    def emit(self, type_: str, actor: str, **data: Any) -> None:
        self.events.append(
            {
                "partnership": self.pid,
                "type": type_,
                "actor": actor,
                "occurred_on": self.day.isoformat(),
                "data": data,
            }
        )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def partnership(index: int, rounds: int, seed: int) -> list[Event]:
    """The whole stream of partnership ``index``: the same for the same arguments."""
    rng = random.Random(f"pledger-bench:{seed}:{index}")
    slug, name, purpose = THEMES[index % len(THEMES)]
    pid = f"{slug}-{index:05d}"
    span = SETUP_DAYS + rounds * ROUND_DAYS + CLOSING_DAYS
    start = TODAY - timedelta(days=span + rng.randint(7, 3 * 365))
    cycle = _Cycle(pid, rng, start)
    partners, keys, currency = _setup(cycle, name, purpose)
    open_commitments: list[tuple[str, str, int, date]] = []
    for number in range(1, rounds + 1):
        base = start + timedelta(days=SETUP_DAYS + (number - 1) * ROUND_DAYS)
        open_commitments = _round(cycle, number, base, partners, keys, currency, open_commitments)
    _closing(cycle, start + timedelta(days=span - CLOSING_DAYS), partners, open_commitments)
    return cycle.events


def _setup(cycle: _Cycle, name: str, purpose: str) -> tuple[dict[str, str], list[str], str]:
    """Scoping, building and planning up to the signed agreement and implementation start.
    Returns the partners (id: engagement), the key partners and the partnership's currency."""
    rng, emit = cycle.rng, cycle.emit
    scope = rng.choice(("local", "national", "regional", "international"))
    emit(
        "PartnershipFounded",
        CONVENOR,
        name=name,
        purpose=purpose,
        scope=scope,
        vision=f"{name}: a lasting change that every partner can point to",
    )
    emit("PhaseChanged", CONVENOR, phase="scoping", reason="Preparatory research")
    for number in (1, 2):
        cycle.later(1, 3)
        org = rng.choice(ORGANISATIONS)
        emit(
            "StakeholderMapped",
            CONVENOR,
            stakeholder=f"s-{number}",
            name=f"Users of {org[1]}",
            sector=org[2],
            needs=["Regular information", "A say in the plans"],
        )
    cycle.later(1, 4)
    emit(
        "StakeholderConsulted",
        CONVENOR,
        stakeholder="s-1",
        summary="They support the plan if meetings are held in the evenings",
    )
    chosen = _choose_partners(rng)
    for org in chosen[: len(chosen) // 2]:
        cycle.later(0, 2)
        emit(
            "PartnerIdentified",
            CONVENOR,
            partner=org[0],
            name=org[1],
            sector=org[2],
            value_added=org[3],
        )
    cycle.later(2, 5)
    emit("PhaseChanged", CONVENOR, phase="building", reason="Partners invited")
    partners: dict[str, str] = {}
    keys: list[str] = []
    for position, org in enumerate(chosen):
        engagement = "key" if position < 3 else rng.choice(("key", "active", "active", "pilot"))
        data: dict[str, Any] = {"partner": org[0], "engagement": engagement}
        if org not in chosen[: len(chosen) // 2]:
            data.update(name=org[1], sector=org[2])
        data["representative"] = f"Representative {position + 1} of {org[1]}"
        cycle.later(0, 2)
        emit("PartnerJoined", CONVENOR, **data)
        partners[org[0]] = engagement
        if engagement == "key":
            keys.append(org[0])
    cycle.later(1, 4)
    emit(
        "MeetingHeld",
        CONVENOR,
        meeting="m-kickoff",
        purpose="Kick-off: interests, working cultures and the broker's role",
        attendees=list(partners),
    )
    for partner in partners:
        cycle.later(0, 1)
        emit(
            "AssessmentRecorded",
            partner,
            partner=partner,
            benefits=["Reach people we cannot reach alone"],
            costs=["Staff time every week"],
            verdict=rng.choice(("go", "go", "pursue")),
        )
    for partner in keys:
        if rng.random() < 0.95:  # lapse otherwise (TR003)
            emit("AssumptionDeclared", partner, partner=partner, text="Funding stays in place")
        if rng.random() < 0.95:
            emit("DealBreakerDeclared", partner, partner=partner, none=True)
    cycle.later(1, 3)
    for principle in ("equity", "transparency", "mutual-benefit"):
        emit("PrincipleAdopted", CONVENOR, principle=principle)
    emit(
        "GroundRuleAgreed",
        CONVENOR,
        topic="code-of-conduct",
        text="Partners treat each other and participants with respect",
    )
    emit(
        "GroundRuleAgreed",
        CONVENOR,
        topic="finance",
        text="Spending above 5,000 is agreed by the key partners",
    )
    cycle.later(3, 7)
    emit("PhaseChanged", CONVENOR, phase="planning", reason="Agreed in principle")
    method = cycle.method = rng.choice(("majority", "majority", "consensus", "unanimity"))
    if method == "majority":
        emit("DecisionRuleSet", CONVENOR, method=method, quorum="0.6")
    else:
        emit("DecisionRuleSet", CONVENOR, method=method)
    emit(
        "CommunicationProtocolAgreed",
        CONVENOR,
        audience="partners",
        channels=["monthly call", "shared folder"],
        every_days=30,
        share_within_days=rng.choice((7, 10, 14)),
    )
    emit("ReviewScheduleSet", CONVENOR, every_days=ROUND_DAYS * 2)
    public = [p for p, _, sector, _ in chosen if sector == "public"]
    if public:
        emit(
            "ReportingNeedDeclared",
            public[0],
            partner=public[0],
            what="Spend and participants",
            to_whom="The council's audit committee",
            every_days=90,
        )
    cycle.later(1, 3)
    emit(
        "ActivityPlanned",
        CONVENOR,
        activity="a-main",
        title="The programme's core activities",
        outputs=["Participants trained"],
    )
    emit(
        "ResourceNeeded",
        CONVENOR,
        need="n-funds",
        kind="money",
        description="Funds for equipment and stipends",
    )
    for indicator, label, lens in (
        ("ind-reach", "Participants reached", "project"),
        ("ind-trust", "Partners satisfied with the partnership", "partnership"),
    ):
        emit(
            "IndicatorDefined",
            CONVENOR,
            indicator=indicator,
            name=label,
            lens=lens,
            method="Counted by the owner each round",
            owner=rng.choice(keys),
            baseline=0,
            target=rng.choice((50, 100, 200)),
        )
    emit(
        "RiskIdentified",
        CONVENOR,
        risk="r-funding",
        description="A funder withdraws before the end",
        likelihood="low",
        impact="high",
        owner=keys[0],
    )
    cycle.later(1, 3)
    emit("RiskMitigated", CONVENOR, risk="r-funding", action="Two funders for every budget line")
    cycle.later(2, 6)
    emit(
        "AgreementDrafted",
        CONVENOR,
        version=1,
        summary="Roles, resources, decision rules and communication",
    )
    version = 1
    if rng.random() < 0.3:
        cycle.later(1, 4)
        version = 2
        emit(
            "AgreementDrafted",
            CONVENOR,
            version=2,
            summary="Version 1 with the partners' comments",
            document_sha256=_sha256(f"{cycle.pid} agreement 2"),
        )
    for partner in partners:
        if partners[partner] == "key" and rng.random() < 0.03:
            continue  # lapse: a key partner never signs (GV001)
        cycle.later(0, 2)
        emit(
            "AgreementSigned",
            partner,
            version=version,
            partner=partner,
            signatory=f"Director of {partner}",
        )
    emit("InformationShared", CONVENOR, subject=f"agreement:{version}", **{"with": ["all"]})
    cycle.later(1, 3)
    emit("PhaseChanged", CONVENOR, phase="implementing", reason="Agreement signed")
    return partners, keys, rng.choice(("EUR", "EUR", "USD", "GBP", "KES", "INR"))


def _choose_partners(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """4 to 7 organisations of at least three sectors, civil society usually among them."""
    while True:
        chosen = rng.sample(ORGANISATIONS, rng.randint(4, 7))
        sectors = {org[2] for org in chosen}
        if len(sectors) >= 3 and ("civil-society" in sectors or rng.random() < 0.1):
            return chosen


def _round(
    cycle: _Cycle,
    number: int,
    base: date,
    partners: dict[str, str],
    keys: list[str],
    currency: str,
    due: list[tuple[str, str, int, date]],
) -> list[tuple[str, str, int, date]]:
    """One round of implementation; returns the commitments made in it, which the next round
    (or the closing) fulfils."""
    rng, emit = cycle.rng, cycle.emit
    cycle.at(base)
    names = list(partners)
    if number == 2 and rng.random() < 0.2:
        org = rng.choice([o for o in ORGANISATIONS if o[0] not in partners])
        emit(
            "PartnerJoined",
            CONVENOR,
            partner=org[0],
            engagement="pilot",
            name=org[1],
            sector=org[2],
        )
        partners[org[0]] = "pilot"
        names.append(org[0])
    # fulfil what the last round promised (most of it)
    fulfilled: list[tuple[str, str, int, date]] = []
    for commitment, owner, amount, due_on in due:
        if rng.random() < 0.12:
            cycle.later(0, 1)
            new_due = due_on + timedelta(days=rng.randint(7, 21))
            emit(
                "CommitmentRevised",
                owner,
                commitment=commitment,
                reason="The supplier needs two more weeks",
                due=new_due.isoformat(),
            )
        if rng.random() < 0.07:
            continue  # lapse: never fulfilled (FT001 once overdue)
        cycle.later(0, 2)
        emit(
            "CommitmentFulfilled",
            owner,
            commitment=commitment,
            delivered=amount,
            evidence=f"Delivered as promised; receipt filed under {commitment}",
        )
        fulfilled.append((commitment, owner, amount, due_on))
    for commitment, owner, _, _ in fulfilled:
        if rng.random() < 0.12:
            continue  # lapse: nobody confirms (FT003)
        confirmer = rng.choice([p for p in keys if p != owner] or [p for p in names if p != owner])
        cycle.later(0, 1)
        emit("FulfilmentConfirmed", confirmer, commitment=commitment, partner=confirmer)
    # new commitments, due in the next round
    made: list[tuple[str, str, int, date]] = []
    cycle.at(base + timedelta(days=6))
    for position, partner in enumerate(names):
        if partners[partner] == "advisory" or rng.random() < 0.1:
            continue
        commitment = f"c-{number}-{position + 1}"
        due_on = base + timedelta(days=ROUND_DAYS + rng.randint(10, 35))
        data: dict[str, Any] = {"commitment": commitment, "partner": partner}
        if rng.random() < 0.4:
            amount = rng.choice((2_000, 5_000, 10_000, 25_000, 50_000))
            data.update(
                kind="money",
                description=rng.choice(MONEY),
                value=amount,
                currency=currency,
            )
        else:
            kind, unit, description = rng.choice(IN_KIND)
            amount = rng.randint(1, 40)
            data.update(kind=kind, description=description, quantity=amount, unit=unit)
        if rng.random() < 0.97:
            data["due"] = due_on.isoformat()
        data["activity"] = "a-main"
        cycle.later(0, 1)
        emit("CommitmentMade", partner, **data)
        made.append((commitment, partner, amount, due_on))
    # progress on what was just promised
    for commitment, owner, amount, _ in rng.sample(made, min(2, len(made))):
        cycle.later(1, 4)
        emit(
            "ProgressReported",
            owner,
            partner=owner,
            summary="Work is under way and on schedule",
            commitment=commitment,
            delivered=max(1, amount // 2),
        )
    # decisions: proposed, voted by the key partners, taken, shared
    for letter in "ab":
        _decision(cycle, f"d-{number}{letter}", partners, keys)
    # a meeting, measurements, maybe an issue
    cycle.at(base + timedelta(days=30))
    attendees = [p for p in names if rng.random() < 0.8] or names[:2]
    emit(
        "MeetingHeld",
        CONVENOR,
        meeting=f"m-{number}",
        purpose=f"Round {number}: progress, money and next steps",
        attendees=attendees,
        minutes_sha256=_sha256(f"{cycle.pid} minutes {number}"),
    )
    for indicator, step in (("ind-reach", 12), ("ind-trust", 5)):
        cycle.later(0, 2)
        emit(
            "IndicatorMeasured",
            CONVENOR,
            indicator=indicator,
            value=step * number + rng.randint(0, step),
            period_end=cycle.day.isoformat(),
            partner=rng.choice(keys),
        )
    if rng.random() < 0.3:
        raiser = rng.choice(names)
        cycle.later(0, 2)
        emit(
            "IssueRaised",
            raiser,
            issue=f"i-{number}",
            partner=raiser,
            description=rng.choice(ISSUES),
        )
        if rng.random() < 0.8:  # lapse otherwise: left open (FT007)
            cycle.later(1, 5)
            emit(
                "IssueResolved",
                CONVENOR,
                issue=f"i-{number}",
                resolution="Agreed at the meeting; the broker follows up",
            )
    if rng.random() < 0.1:
        others = [p for p in names if partners[p] != "key"]
        if others:
            partner = rng.choice(others)
            engagement = rng.choice(
                [e for e in ("active", "pilot", "advisory") if e != partners[partner]]
            )
            partners[partner] = engagement
            emit(
                "PartnerEngagementChanged",
                CONVENOR,
                partner=partner,
                engagement=engagement,
                reason="Agreed at the meeting",
            )
    _review(cycle, number, base, names, keys)
    return made


def _decision(cycle: _Cycle, decision: str, partners: dict[str, str], keys: list[str]) -> None:
    rng, emit = cycle.rng, cycle.emit
    cycle.later(1, 3)
    proposed: dict[str, Any] = {
        "decision": decision,
        "title": rng.choice(DECISIONS),
        "proposer": rng.choice(list(partners)),
    }
    reasoned = rng.random() < 0.95
    if reasoned:
        proposed["rationale"] = "It serves more participants at little extra cost"
    emit("DecisionProposed", CONVENOR, **proposed)
    voters = list(keys)
    if rng.random() < 0.08:
        voters.remove(rng.choice(voters))  # lapse: a key partner is not heard (EQ002)
    voters += [p for p in partners if partners[p] == "active" and rng.random() < 0.3]
    cast: dict[str, str] = {}
    for voter in voters:
        cast[voter] = rng.choices(("for", "against", "abstain"), (88, 6, 6))[0]
        cycle.later(0, 1)
        emit("VoteCast", voter, decision=decision, partner=voter, position=cast[voter])
    cycle.later(0, 2)
    passed = _passes(cycle.method, [cast.get(k) for k in keys])
    outcome = "adopted" if passed or rng.random() < 0.03 else "rejected"  # lapse: EQ003
    if reasoned or rng.random() < 0.5:
        emit(
            "DecisionTaken",
            CONVENOR,
            decision=decision,
            outcome=outcome,
            rationale="Most partners were in favour",
        )
    else:
        emit("DecisionTaken", CONVENOR, decision=decision, outcome=outcome)  # TR001
    if rng.random() < 0.9:  # lapse otherwise: not shared (TR002)
        cycle.later(0, 3)
        emit(
            "InformationShared",
            CONVENOR,
            subject=f"decision:{decision}",
            channel="monthly call",
            **{"with": ["all"]},
        )


def _passes(method: str, votes: list[str | None]) -> bool:
    """Whether the key partners' votes carry a decision under the rule (RULES.md, EQ003)."""
    cast = [v for v in votes if v is not None]
    against = cast.count("against")
    if method == "consensus":
        return against == 0 and bool(cast)
    if method == "unanimity":
        return cast.count("for") == len(votes)
    return len(cast) >= 0.6 * len(votes) and cast.count("for") > against


def _review(cycle: _Cycle, number: int, base: date, names: list[str], keys: list[str]) -> None:
    """A participatory review closes each round; its action is completed early the next."""
    rng, emit = cycle.rng, cycle.emit
    review = f"rv-{number}"
    cycle.at(base + timedelta(days=ROUND_DAYS - 18))
    emit("PhaseChanged", CONVENOR, phase="reviewing", reason=f"Review of round {number}")
    emit(
        "ReviewOpened",
        CONVENOR,
        review=review,
        lenses=["project", "partnership"],
        due=(cycle.day + timedelta(days=14)).isoformat(),
    )
    submitters = [p for p in keys if rng.random() < 0.96]  # lapse otherwise (FT005)
    for partner in submitters:
        cycle.later(0, 2)
        emit(
            "ReviewSubmitted",
            partner,
            review=review,
            partner=partner,
            ratings={"delivery": rng.choice(RATINGS), "communication": rng.choice(RATINGS)},
            worth=rng.choice(RATINGS[:5]),
        )
    cycle.later(1, 3)
    emit(
        "ReviewConcluded",
        CONVENOR,
        review=review,
        findings="Delivery is mostly on time; communication can improve",
        recommendations=["Share the minutes within a week"],
    )
    owner = rng.choice(names)
    emit(
        "ActionAgreed",
        CONVENOR,
        action=f"act-{number}",
        description="Share the minutes within a week of each meeting",
        owner=owner,
        due=(cycle.day + timedelta(days=21)).isoformat(),
        review=review,
    )
    emit("PhaseChanged", CONVENOR, phase="implementing", reason="Back to delivery")
    if rng.random() < 0.9:  # lapse otherwise: never completed (FT008)
        cycle.later(2, 8)
        emit("ActionCompleted", CONVENOR, action=f"act-{number}")


def _closing(
    cycle: _Cycle, base: date, partners: dict[str, str], due: list[tuple[str, str, int, date]]
) -> None:
    """Deliver the last round's commitments and choose what comes next."""
    rng, emit = cycle.rng, cycle.emit
    cycle.at(base)
    keys = [p for p, engagement in partners.items() if engagement == "key"]
    for commitment, owner, amount, _ in due:
        if rng.random() < 0.15:
            continue  # lapse: the last promises are not all kept (FT001)
        cycle.later(0, 1)
        emit(
            "CommitmentFulfilled",
            owner,
            commitment=commitment,
            delivered=amount,
            evidence="Delivered before the end of the programme",
        )
        confirmer = rng.choice([p for p in keys if p != owner] or keys)
        if confirmer != owner and rng.random() < 0.85:
            emit("FulfilmentConfirmed", confirmer, commitment=commitment, partner=confirmer)
    cycle.later(1, 3)
    emit("PhaseChanged", CONVENOR, phase="sustaining", reason="The programme's last round ended")
    option = rng.choice(("continue", "continue", "institutionalise", "close"))
    emit("SustainabilityChosen", CONVENOR, option=option, rationale="Agreed by the key partners")
    cycle.later(1, 5)
    emit(
        "LearningShared",
        CONVENOR,
        summary="Small partners deliver when the money arrives on time",
        audience=["Funders", "The district's other partnerships"],
    )
    if option == "close":
        cycle.later(1, 5)
        emit(
            "PartnershipClosed",
            CONVENOR,
            reason="completed",
            learning="The work is now part of the partners' regular services",
        )


def generate(
    partnerships: int, rounds: int = DEFAULT_ROUNDS, seed: int = 0, first: int = 0
) -> Iterator[Event]:
    """New-fact events of ``partnerships`` partnerships (numbered from ``first``), whole
    partnerships one after another."""
    for index in range(first, first + partnerships):
        yield from partnership(index, rounds, seed)


def sized(
    events: int, rounds: int = DEFAULT_ROUNDS, seed: int = 0, first: int = 0
) -> Iterator[Event]:
    """Exactly ``events`` events: whole partnerships, the last one cut short (a prefix of a
    stream is a valid stream)."""
    left = events
    index = first
    while left > 0:
        for event in partnership(index, rounds, seed)[:left]:
            yield event
            left -= 1
        index += 1


def one_partnership(events: int, seed: int = 0, index: int = 99_999) -> list[Event]:
    """A single partnership of exactly ``events`` events (as many rounds as it takes)."""
    rounds = max(DEFAULT_ROUNDS, events // 30)
    stream = partnership(index, rounds, seed)
    while len(stream) < events:
        rounds *= 2
        stream = partnership(index, rounds, seed)
    return stream[:events]


def write_jsonl(path: Path, events: Iterable[Event]) -> tuple[int, int]:
    """Write events as JSON Lines (UTF-8, one per line); returns (events, bytes)."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for event in events:
            out.write(json.dumps(event, ensure_ascii=False))
            out.write("\n")
            count += 1
        size = out.tell()
    return count, size

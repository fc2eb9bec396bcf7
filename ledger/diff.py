"""What changed in a partnership between two dates: ``diff_views`` compares the views as of
each (as known at one time). Every fact that occurred in between is one ``Change``, described
in words; commitments whose status moved (including those that fell overdue with no event at
all) are listed as ``StatusChange`` records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.canonical import format_time
from ledger.errors import InvalidInput
from ledger.view import JSON_VERSION, PartnershipView

__all__ = ["SUMMARIES", "Change", "StatusChange", "ViewDiff", "diff_views"]

#: Data fields that name what an event is about, in the order they are looked for.
SUBJECT_FIELDS = (
    "commitment",
    "decision",
    "review",
    "indicator",
    "issue",
    "action",
    "risk",
    "need",
    "activity",
    "stakeholder",
    "meeting",
)
#: Acts on a commitment whose partner is the commitment's owner.
OWNER_ACTS = frozenset({"CommitmentRevised", "CommitmentWithdrawn", "CommitmentFulfilled"})
_CLIP = 80


@dataclass(frozen=True)
class Change:
    """One fact that occurred between the two dates."""

    occurred_on: date
    seq: int
    type: str
    subject: str
    partner: str | None
    summary: str


@dataclass(frozen=True)
class StatusChange:
    """A commitment whose status differs between the two dates (``before`` is None for a
    commitment made in between)."""

    commitment: str
    owner: str
    before: str | None
    after: str


@dataclass(frozen=True)
class ViewDiff:
    partnership: str
    start: date
    end: date
    known_at: datetime
    phase_before: str
    phase_after: str
    changes: tuple[Change, ...]
    statuses: tuple[StatusChange, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (docs/view.md, "Diff")."""
        return {
            "version": JSON_VERSION,
            "partnership": self.partnership,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "known_at": format_time(self.known_at),
            "phase": {"from": self.phase_before, "to": self.phase_after},
            "changes": [
                {
                    "occurred_on": c.occurred_on.isoformat(),
                    "seq": c.seq,
                    "type": c.type,
                    "subject": c.subject,
                    "partner": c.partner,
                    "summary": c.summary,
                }
                for c in self.changes
            ],
            "statuses": [
                {"commitment": s.commitment, "owner": s.owner, "from": s.before, "to": s.after}
                for s in self.statuses
            ],
        }


def diff_views(old: PartnershipView, new: PartnershipView) -> ViewDiff:
    """The changes from ``old`` to ``new``: two views of one partnership, ``old`` as of an
    earlier date (or the same), as known at the same time, so ``new`` holds all of ``old``."""
    if old.partnership != new.partnership:
        raise ValueError(f"cannot compare {old.partnership} with {new.partnership}")
    if old.as_of > new.as_of:
        raise InvalidInput(f"the earlier date {old.as_of} is after the later one {new.as_of}")
    seen = {e.seq for e in old.events}
    added = sorted((e for e in new.events if e.seq not in seen), key=lambda e: (e.occurred, e.seq))
    changes = []
    for event in added:
        data = event.data
        partner = data.get("partner") if isinstance(data.get("partner"), str) else None
        if event.type in OWNER_ACTS and data["commitment"] in new.commitments:
            partner = new.commitments[data["commitment"]].owner
        describe = SUMMARIES.get(event.type)
        summary = describe(data) if describe else ", ".join(f"{k}={v}" for k, v in data.items())
        changes.append(
            Change(
                occurred_on=event.occurred,
                seq=event.seq,
                type=event.type,
                subject=_subject(event.type, data, new.partnership),
                partner=partner,
                summary=_clip(summary, 2 * _CLIP),
            )
        )
    statuses = []
    for cid, commitment in new.commitments.items():
        after = commitment.status(new.as_of)
        earlier = old.commitments.get(cid)
        before = earlier.status(old.as_of) if earlier is not None else None
        if before != after and (before is not None or after != "open"):
            statuses.append(StatusChange(cid, commitment.owner, before, after))
    return ViewDiff(
        partnership=new.partnership,
        start=old.as_of,
        end=new.as_of,
        known_at=new.known_at,
        phase_before=old.phase,
        phase_after=new.phase,
        changes=tuple(changes),
        statuses=tuple(statuses),
    )


def _subject(event_type: str, data: Mapping[str, Any], partnership: str) -> str:
    """``kind:id`` as findings name subjects (RULES.md)."""
    if event_type in ("AgreementDrafted", "AgreementSigned"):
        return f"agreement:{data['version']}"
    if event_type in ("InformationShared", "FindingWaived"):
        return str(data["subject"])
    for key in SUBJECT_FIELDS:
        if isinstance(data.get(key), str):
            return f"{key}:{data[key]}"
    if isinstance(data.get("partner"), str):
        return f"partner:{data['partner']}"
    return f"partnership:{partnership}"


def _clip(text: Any, limit: int = _CLIP) -> str:
    """One line, at most ``limit`` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _amounts(d: Mapping[str, Any]) -> str:
    parts = []
    if "quantity" in d:
        parts.append(f"{d['quantity']} {d.get('unit', '')}".strip())
    if "value" in d:
        parts.append(f"{d['value']} {d.get('currency', '')}".strip())
    if "due" in d:
        parts.append(f"due {d['due']}")
    return f" ({', '.join(parts)})" if parts else ""


def _revision(d: Mapping[str, Any]) -> str:
    parts = [f"{key} {d[key]}" for key in ("due", "quantity", "value") if key in d]
    return f"revised: {', '.join(parts) or 'no change of terms'}; {_clip(d['reason'])}"


#: One plain sentence per event type (EVENTS.md's catalogue).
SUMMARIES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "PartnershipFounded": lambda d: f"founded: {_clip(d['name'])} ({d['scope']})",
    "VisionRevised": lambda d: f"vision revised: {_clip(d['vision'])}",
    "StakeholderMapped": lambda d: f"stakeholder mapped: {_clip(d['name'])}",
    "StakeholderConsulted": lambda d: f"consulted: {_clip(d['summary'])}",
    "PartnerIdentified": lambda d: f"{d['partner']} identified: {_clip(d['value_added'])}",
    "PartnerJoined": lambda d: f"{d['partner']} joined as {d['engagement']}",
    "PartnerEngagementChanged": lambda d: (
        f"{d['partner']} became {d['engagement']}: {_clip(d['reason'])}"
    ),
    "PartnerLeft": lambda d: f"{d['partner']} left: {_clip(d['reason'])}",
    "AssessmentRecorded": lambda d: f"{d['partner']} assessed the partnership: {d['verdict']}",
    "AssumptionDeclared": lambda d: f"{d['partner']} assumes: {_clip(d['text'])}",
    "DealBreakerDeclared": lambda d: (
        f"{d['partner']} declared no deal-breaker"
        if d.get("none")
        else f"{d['partner']} deal-breaker: {_clip(d['text'])}"
    ),
    "PrincipleAdopted": lambda d: f"principle adopted: {_clip(d['principle'])}",
    "GroundRuleAgreed": lambda d: f"ground rule ({d['topic']}): {_clip(d['text'])}",
    "DecisionRuleSet": lambda d: (
        f"decisions by {d['method']}"
        + (f", quorum {d['quorum']}" if "quorum" in d else "")
        + (f", deciders {', '.join(d['deciders'])}" if "deciders" in d else "")
    ),
    "CommunicationProtocolAgreed": lambda d: (
        f"{d['audience']} communication: {', '.join(d['channels'])}"
    ),
    "ReviewScheduleSet": lambda d: f"reviews every {d['every_days']} days",
    "ReportingNeedDeclared": lambda d: f"{d['partner']} reports {_clip(d['what'])}",
    "ActivityPlanned": lambda d: f"activity planned: {_clip(d['title'])}",
    "ResourceNeeded": lambda d: f"{d['kind']} needed: {_clip(d['description'])}",
    "CommitmentMade": lambda d: f"{d['partner']} committed {_clip(d['description'])}{_amounts(d)}",
    "CommitmentRevised": _revision,
    "CommitmentWithdrawn": lambda d: f"withdrawn: {_clip(d['reason'])}",
    "CommitmentFulfilled": lambda d: (
        "fulfilled"
        + (f" ({d['delivered']} delivered)" if "delivered" in d else "")
        + f": {_clip(d['evidence'])}"
    ),
    "FulfilmentConfirmed": lambda d: f"fulfilment confirmed by {d['partner']}",
    "IndicatorDefined": lambda d: f"indicator defined: {_clip(d['name'])} ({d['lens']})",
    "RiskIdentified": lambda d: f"risk identified: {_clip(d['description'])}",
    "RiskMitigated": lambda d: f"risk mitigated: {_clip(d['action'])}",
    "AgreementDrafted": lambda d: f"version {d['version']} drafted: {_clip(d['summary'])}",
    "AgreementSigned": lambda d: f"{d['partner']} signed version {d['version']}",
    "DecisionProposed": lambda d: f"{d['proposer']} proposed: {_clip(d['title'])}",
    "VoteCast": lambda d: f"{d['partner']} voted {d['position']}",
    "DecisionTaken": lambda d: (
        d["outcome"] + (f": {_clip(d['rationale'])}" if "rationale" in d else " (no rationale)")
    ),
    "InformationShared": lambda d: f"shared with {', '.join(d['with'])}",
    "PhaseChanged": lambda d: f"phase: {d['phase']}",
    "MeetingHeld": lambda d: f"meeting: {_clip(d['purpose'])} ({len(d['attendees'])} partners)",
    "ProgressReported": lambda d: f"{d['partner']} reported: {_clip(d['summary'])}",
    "IssueRaised": lambda d: f"{d['partner']} raised: {_clip(d['description'])}",
    "IssueResolved": lambda d: f"resolved: {_clip(d['resolution'])}",
    "IndicatorMeasured": lambda d: f"measured {d['value']} for the period to {d['period_end']}",
    "ReviewOpened": lambda d: f"review opened ({', '.join(d['lenses'])})",
    "ReviewSubmitted": lambda d: (
        f"{d['partner']} submitted" + (f" (worth: {d['worth']})" if "worth" in d else "")
    ),
    "ReviewConcluded": lambda d: f"concluded: {_clip(d['findings'])}",
    "ActionAgreed": lambda d: f"{d['owner']} to {_clip(d['description'])}",
    "ActionCompleted": lambda d: "completed",
    "PartnershipRevised": lambda d: f"partnership revised: {_clip(d['changes'])}",
    "SustainabilityChosen": lambda d: f"next step chosen: {d['option']}",
    "Institutionalised": lambda d: f"institutionalised: {_clip(d['structure'])}",
    "LearningShared": lambda d: f"learning shared: {_clip(d['summary'])}",
    "PartnershipClosed": lambda d: f"closed ({d['reason']})",
    "FindingWaived": lambda d: f"{d['rule']} waived: {_clip(d['reason'])}",
    "PartnerKeyRegistered": lambda d: f"{d['partner']} registered key {d['fingerprint'][:16]}",
    "PartnerKeyRevoked": lambda d: (
        f"{d['partner']}'s key {d['fingerprint'][:16]} revoked: {_clip(d['reason'])}"
    ),
}

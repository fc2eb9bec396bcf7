"""The rules of EVENTS.md that need the stream: who may act, what may be referred to, in
which order. ``PartnershipState`` is the partnership aggregate's state; ``admit`` checks an
event against it and folds it in, ``apply`` folds without checking (replaying a stream that
was checked when it was written).

The state also holds the partnership's key registry (docs/signing.md): which keys each
partner registered and revoked, in stream order. ``check_signature`` judges every signature
against the registry as it stands at that point of the stream, so the same code refuses a
write and reports a stored event to ``verify``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.catalogue import KEY_TYPES, Catalogue, EventType
from ledger.errors import InvalidEvent, SignatureError
from ledger.events import Envelope
from ledger.keys import decode_public_key, endorsement_message, fingerprint_of, unsigned_leaf
from ledger.keys import verify as verify_signature

#: Acts a partner that has left may no longer record, nor be named in (EVENTS.md).
BARRED_AFTER_LEAVING = frozenset(
    {
        "CommitmentMade",
        "VoteCast",
        "AgreementSigned",
        "ReviewSubmitted",
        "AssessmentRecorded",
        "AssumptionDeclared",
        "DealBreakerDeclared",
        "ReportingNeedDeclared",
        "IssueRaised",
        "ProgressReported",
        "FulfilmentConfirmed",
    }
)
#: Acts a partner that has left may still record about its own commitments.
ALLOWED_AFTER_LEAVING = frozenset(
    {"CommitmentFulfilled", "CommitmentRevised", "CommitmentWithdrawn"}
)
#: The only acts recorded after, or dated after, ``PartnershipClosed``.
AFTER_CLOSURE = frozenset({"LearningShared", "FindingWaived"})


@dataclass(slots=True)
class PartnerState:
    identified_on: str | None = None
    first_joined_on: str | None = None
    member: bool = False
    #: (occurred_on, seq, engagement or "left"), in seq order
    history: list[tuple[str, int, str]] = field(default_factory=list)

    def engagement_at(self, day: str) -> str | None:
        """The partner's engagement on ``day`` by business time, or None if not a partner."""
        known = sorted((h for h in self.history if h[0] <= day), key=lambda h: (h[0], h[1]))
        if not known or known[-1][2] == "left":
            return None
        return known[-1][2]


@dataclass(slots=True)
class CommitmentState:
    owner: str
    currency: str | None
    withdrawn: bool = False
    first_fulfilled_on: str | None = None


@dataclass(slots=True)
class KeyState:
    """One registered key: whose it is, and where in the stream it was registered and (if
    it was) revoked. It is live from its registration until its revocation."""

    fingerprint: str
    partner: str
    public_key: str
    registered_seq: int
    registered_on: str
    revoked_seq: int | None = None
    revoked_on: str | None = None
    revoked_because: str | None = None

    @property
    def live(self) -> bool:
        return self.revoked_seq is None


@dataclass(slots=True)
class DecisionState:
    proposed_on: str
    taken: bool = False
    last_vote_on: str | None = None


class PartnershipState:
    """What validation needs to know about one partnership's stream so far."""

    def __init__(
        self, partnership: str, catalogue: Catalogue, *, require_signatures: bool = False
    ) -> None:
        self.partnership = partnership
        self.catalogue = catalogue
        #: ``require-signatures = true``: refuse unsigned own acts of partners with a live key
        self.require_signatures = require_signatures
        #: the key registry, by fingerprint, in registration order
        self.keys: dict[str, KeyState] = {}
        self.seq = 0
        self.last_recorded_at: str | None = None
        self.convenor: str | None = None
        self.partners: dict[str, PartnerState] = {}
        self.ids: dict[str, dict[str, str]] = {}
        self.commitments: dict[str, CommitmentState] = {}
        self.decisions: dict[str, DecisionState] = {}
        self.agreements: dict[int, str] = {}
        self.signatures: set[tuple[int, str]] = set()
        self.reviews_concluded: set[str] = set()
        self.closed_on: str | None = None
        self.latest_dated: str = ""

    # -- checking -------------------------------------------------------------------------

    def admit(self, event: Envelope) -> None:
        """Refuse ``event`` with an ``InvalidEvent`` unless EVENTS.md allows it here."""
        self.check(event)
        self.apply(event)

    def check(self, event: Envelope) -> None:
        etype = self.catalogue.get(event.type)
        if etype is None:
            raise InvalidEvent(event.type, "type", event.type, "unknown event type")
        name = event.type
        if event.seq != self.seq + 1:
            raise InvalidEvent(
                name, "seq", event.seq, f"the stream continues at seq {self.seq + 1}"
            )
        if event.occurred_on > event.recorded_at[:10]:
            raise InvalidEvent(
                name,
                "occurred_on",
                event.occurred_on,
                f"is after the day it is recorded ({event.recorded_at[:10]})",
            )
        if self.last_recorded_at is not None and event.recorded_at < self.last_recorded_at:
            raise InvalidEvent(
                name,
                "recorded_at",
                event.recorded_at,
                f"is earlier than the previous event's ({self.last_recorded_at}); "
                "check the clock or PLEDGER_NOW",
            )
        if self.seq == 0:
            if name != "PartnershipFounded":
                raise InvalidEvent(
                    name, "type", name, "a partnership's first event is PartnershipFounded"
                )
            self.check_signature(event, etype)  # no key is registered yet: never signed
            return
        if name == "PartnershipFounded":
            raise InvalidEvent(name, "partnership", event.partnership, "is already founded")
        if self.closed_on is not None and name not in AFTER_CLOSURE:
            raise InvalidEvent(
                name,
                "type",
                name,
                f"the partnership closed on {self.closed_on}; only LearningShared and "
                "FindingWaived may follow",
            )
        self._check_actor(etype, event)
        self._check_fields(etype, event)
        check = getattr(self, f"_check_{name}", None)
        if check is not None:
            check(event, event.data)
        self._check_own(etype, event)
        self.check_signature(event, etype)  # last: a SignatureError means all else holds

    def _check_actor(self, etype: EventType, event: Envelope) -> None:
        actor = event.actor
        if actor == self.convenor:
            return
        partner = self.partners.get(actor)
        if partner is not None and partner.member:
            return
        if partner is not None and partner.first_joined_on and etype.name in ALLOWED_AFTER_LEAVING:
            return  # the own-act check below makes sure the commitment is the actor's
        why = (
            "has left the partnership"
            if partner and partner.first_joined_on
            else ("is neither the convenor nor a partner that has joined")
        )
        raise InvalidEvent(etype.name, "actor", actor, why)

    def _check_fields(self, etype: EventType, event: Envelope) -> None:
        data, day = event.data, event.occurred_on
        for fld in etype.fields:
            if fld.name not in data:
                continue
            value = data[fld.name]
            if fld.kind == "new":
                if value in self.ids.get(fld.name, {}):
                    raise InvalidEvent(
                        etype.name, fld.name, value, f"{fld.name} id is already used"
                    )
            elif fld.kind == "ref":
                self._check_ref(etype.name, fld.name, fld.name, value, day)
            elif fld.kind in ("partner", "partners", "with"):
                names = value if isinstance(value, (list, tuple)) else [value]
                for partner in names:
                    if partner != "all" or fld.kind != "with":
                        self._check_partner(etype.name, fld.name, partner, day)
        if etype.name in BARRED_AFTER_LEAVING and "partner" in data:
            self._check_member(etype.name, "partner", data["partner"])

    def _check_ref(self, name: str, fname: str, kind: str, value: str, day: str) -> None:
        introduced = self.ids.get(kind, {}).get(value)
        if introduced is None:
            raise InvalidEvent(name, fname, value, f"no {kind} with this id was recorded earlier")
        if day < introduced:
            raise InvalidEvent(
                name, "occurred_on", day, f"is before {kind} {value} was introduced ({introduced})"
            )

    def _check_partner(self, name: str, fname: str, partner: str, day: str) -> None:
        state = self.partners.get(partner)
        if state is None or state.first_joined_on is None:
            raise InvalidEvent(name, fname, partner, "names no partner that has joined")
        if day < state.first_joined_on:
            raise InvalidEvent(
                name,
                "occurred_on",
                day,
                f"is before partner {partner} joined ({state.first_joined_on})",
            )

    def _check_member(self, name: str, fname: str, partner: str) -> None:
        state = self.partners.get(partner)
        if state is None or not state.member:
            raise InvalidEvent(name, fname, partner, "this partner has left the partnership")

    def _check_own(self, etype: EventType, event: Envelope) -> None:
        speaker = self.speaker(etype, event.data)
        if speaker is not None and event.actor != speaker:
            raise InvalidEvent(
                etype.name,
                "actor",
                event.actor,
                f"an own act of {speaker} must be recorded by {speaker}",
            )

    def speaker(self, etype: EventType, data: Mapping[str, Any]) -> str | None:
        """The partner an own act speaks for (None for acts that are not own acts)."""
        if etype.own == "partner":
            return data.get("partner")
        if etype.own == "owner":
            commitment = self.commitments.get(data.get("commitment", ""))
            return commitment.owner if commitment else None
        return None

    # -- per-type rules -------------------------------------------------------------------

    def _check_PartnerIdentified(self, event: Envelope, data: Any) -> None:
        self._check_not_reserved(event, data)
        if data["partner"] in self.partners:
            raise InvalidEvent(
                event.type, "partner", data["partner"], "is already identified or joined"
            )

    def _check_not_reserved(self, event: Envelope, data: Any) -> None:
        if data["partner"] == "all":
            raise InvalidEvent(
                event.type, "partner", "all", 'is reserved: with: ["all"] means every partner'
            )

    def _check_PartnerJoined(self, event: Envelope, data: Any) -> None:
        self._check_not_reserved(event, data)
        partner = self.partners.get(data["partner"])
        if partner is not None and partner.member:
            raise InvalidEvent(
                event.type,
                "partner",
                data["partner"],
                "is already a partner (use PartnerEngagementChanged)",
            )
        if partner is None:
            for required in ("name", "sector"):
                if required not in data:
                    raise InvalidEvent(
                        event.type,
                        required,
                        None,
                        "required for a partner that was not identified before",
                    )

    def _check_PartnerEngagementChanged(self, event: Envelope, data: Any) -> None:
        self._check_member(event.type, "partner", data["partner"])

    def _check_PartnerLeft(self, event: Envelope, data: Any) -> None:
        self._check_member(event.type, "partner", data["partner"])

    def _check_DealBreakerDeclared(self, event: Envelope, data: Any) -> None:
        if ("text" in data) == ("none" in data):
            raise InvalidEvent(
                event.type, "text", data.get("text"), "give exactly one of text or none: true"
            )

    def _check_DecisionRuleSet(self, event: Envelope, data: Any) -> None:
        if "quorum" in data and data["method"] not in ("majority", "committee"):
            raise InvalidEvent(
                event.type, "quorum", data["quorum"], "applies to majority and committee only"
            )
        for partner in data.get("deciders", []):
            self._check_member(event.type, "deciders", partner)

    def _check_CommitmentMade(self, event: Envelope, data: Any) -> None:
        if ("value" in data) != ("currency" in data):
            missing = "currency" if "value" in data else "value"
            raise InvalidEvent(event.type, missing, None, "value and currency come both or neither")

    def _live_commitment(self, event: Envelope, data: Any) -> CommitmentState:
        commitment = self.commitments[data["commitment"]]
        if commitment.withdrawn:
            raise InvalidEvent(event.type, "commitment", data["commitment"], "was withdrawn")
        return commitment

    def _check_CommitmentRevised(self, event: Envelope, data: Any) -> None:
        commitment = self._live_commitment(event, data)
        if "value" in data and commitment.currency is None:
            raise InvalidEvent(
                event.type,
                "value",
                data["value"],
                "the commitment has no currency, so it cannot be given a value",
            )

    def _check_CommitmentWithdrawn(self, event: Envelope, data: Any) -> None:
        self._live_commitment(event, data)

    def _check_CommitmentFulfilled(self, event: Envelope, data: Any) -> None:
        self._live_commitment(event, data)

    def _check_FulfilmentConfirmed(self, event: Envelope, data: Any) -> None:
        commitment = self.commitments[data["commitment"]]
        if commitment.first_fulfilled_on is None:
            raise InvalidEvent(
                event.type, "commitment", data["commitment"], "has no fulfilment to confirm"
            )
        if data["partner"] == commitment.owner:
            raise InvalidEvent(
                event.type, "partner", data["partner"], "owners cannot confirm their own fulfilment"
            )
        if event.occurred_on < commitment.first_fulfilled_on:
            raise InvalidEvent(
                event.type,
                "occurred_on",
                event.occurred_on,
                f"is before the fulfilment it confirms ({commitment.first_fulfilled_on})",
            )

    def _check_AgreementDrafted(self, event: Envelope, data: Any) -> None:
        expected = len(self.agreements) + 1
        if data["version"] != expected:
            raise InvalidEvent(
                event.type, "version", data["version"], f"the next version is {expected}"
            )

    def _check_AgreementSigned(self, event: Envelope, data: Any) -> None:
        version = data["version"]
        drafted = self.agreements.get(version)
        if drafted is None:
            raise InvalidEvent(
                event.type, "version", version, "no such agreement version was drafted"
            )
        if event.occurred_on < drafted:
            raise InvalidEvent(
                event.type,
                "occurred_on",
                event.occurred_on,
                f"is before version {version} was drafted ({drafted})",
            )
        if (version, data["partner"]) in self.signatures:
            raise InvalidEvent(
                event.type, "partner", data["partner"], f"already signed version {version}"
            )

    def _open_decision(self, event: Envelope, data: Any) -> DecisionState:
        decision = self.decisions[data["decision"]]
        if decision.taken:
            raise InvalidEvent(event.type, "decision", data["decision"], "was already taken")
        return decision

    def _check_VoteCast(self, event: Envelope, data: Any) -> None:
        self._open_decision(event, data)

    def _check_DecisionTaken(self, event: Envelope, data: Any) -> None:
        decision = self._open_decision(event, data)
        if decision.last_vote_on is not None and event.occurred_on < decision.last_vote_on:
            raise InvalidEvent(
                event.type,
                "occurred_on",
                event.occurred_on,
                f"is before a vote on it ({decision.last_vote_on})",
            )

    def _check_InformationShared(self, event: Envelope, data: Any) -> None:
        kind, _, ident = data["subject"].partition(":")
        if kind in ("decision", "review", "commitment", "meeting"):
            self._check_ref(event.type, "subject", kind, ident, event.occurred_on)
        elif kind == "agreement":
            self._check_agreement_subject(event, int(ident))

    def _check_agreement_subject(self, event: Envelope, version: int) -> None:
        drafted = self.agreements.get(version)
        if drafted is None:
            raise InvalidEvent(
                event.type, "subject", f"agreement:{version}", "no such agreement version"
            )
        if event.occurred_on < drafted:
            raise InvalidEvent(
                event.type,
                "occurred_on",
                event.occurred_on,
                f"is before agreement version {version} was drafted ({drafted})",
            )

    def _check_ReviewSubmitted(self, event: Envelope, data: Any) -> None:
        if data["review"] in self.reviews_concluded:
            raise InvalidEvent(event.type, "review", data["review"], "was already concluded")

    def _check_ReviewConcluded(self, event: Envelope, data: Any) -> None:
        self._check_ReviewSubmitted(event, data)

    def _check_PartnershipClosed(self, event: Envelope, data: Any) -> None:
        if event.occurred_on < self.latest_dated:
            raise InvalidEvent(
                event.type,
                "occurred_on",
                event.occurred_on,
                f"events are dated after it (up to {self.latest_dated})",
            )

    def _check_FindingWaived(self, event: Envelope, data: Any) -> None:
        kind, _, ident = data["subject"].partition(":")
        day = event.occurred_on
        if kind == "partnership":
            if ident != self.partnership:
                raise InvalidEvent(
                    event.type, "subject", data["subject"], "names another partnership"
                )
        elif kind == "partner":
            self._check_partner(event.type, "subject", ident, day)
        elif kind == "agreement":
            self._check_agreement_subject(event, int(ident))
        else:
            self._check_ref(event.type, "subject", kind, ident, day)
        concerned = {data.get("partner")}
        if kind == "partner":
            concerned.add(ident)
        elif kind == "commitment":
            concerned.add(self.commitments[ident].owner)
        for approver in data["approved_by"]:
            if approver in concerned:
                raise InvalidEvent(
                    event.type,
                    "approved_by",
                    approver,
                    "the partner a finding concerns cannot approve its own waiver",
                )
            if self.partners[approver].engagement_at(day) != "key":
                raise InvalidEvent(
                    event.type, "approved_by", approver, f"was not a key partner on {day}"
                )

    def _check_PartnerKeyRegistered(self, event: Envelope, data: Any) -> None:
        raw = decode_public_key(data["public_key"])
        assert raw is not None  # the field's kind was checked
        if data["fingerprint"] != fingerprint_of(raw):
            raise InvalidEvent(
                event.type,
                "fingerprint",
                data["fingerprint"],
                f"is not the SHA-256 of public_key (that is {fingerprint_of(raw)})",
            )
        known = self.keys.get(data["fingerprint"])
        if known is not None:
            raise InvalidEvent(
                event.type,
                "fingerprint",
                data["fingerprint"],
                f"was already registered (to {known.partner}, seq {known.registered_seq}); "
                "a key is registered once",
            )
        if ("endorsed_by" in data) != ("endorsement" in data):
            missing = "endorsement" if "endorsed_by" in data else "endorsed_by"
            raise InvalidEvent(
                event.type, missing, None, "endorsed_by and endorsement come both or neither"
            )

    def _check_PartnerKeyRevoked(self, event: Envelope, data: Any) -> None:
        partner, day = data["partner"], event.occurred_on
        key = self.keys.get(data["fingerprint"])
        if key is None or key.partner != partner:
            raise InvalidEvent(
                event.type, "fingerprint", data["fingerprint"], f"names no key of {partner}"
            )
        if key.revoked_seq is not None:
            raise InvalidEvent(
                event.type,
                "fingerprint",
                data["fingerprint"],
                f"was already revoked (seq {key.revoked_seq})",
            )
        if day < key.registered_on:
            raise InvalidEvent(
                event.type,
                "occurred_on",
                day,
                f"is before the key was registered ({key.registered_on})",
            )
        approvers = data.get("approved_by")
        if approvers is None:
            return  # then it must be signed by a live key of the partner (check_signature)
        others = {
            p for p, s in self.partners.items() if p != partner and s.engagement_at(day) == "key"
        }
        for approver in approvers:
            if approver == partner:
                raise InvalidEvent(
                    event.type,
                    "approved_by",
                    approver,
                    "the partner whose key is revoked is not one of its approvers",
                )
            if approver not in others:
                raise InvalidEvent(
                    event.type, "approved_by", approver, f"was not a key partner on {day}"
                )
        missing = sorted(others - set(approvers))
        if missing:
            raise InvalidEvent(
                event.type,
                "approved_by",
                list(approvers),
                f"a revocation without {partner}'s signature needs every other key partner; "
                f"missing {', '.join(missing)}",
            )
        if event.actor not in approvers:
            raise InvalidEvent(
                event.type,
                "actor",
                event.actor,
                "an approved revocation is recorded by one of its approvers",
            )

    # -- signatures -----------------------------------------------------------------------

    def live_keys(self, partner: str) -> list[KeyState]:
        """The partner's keys that are registered and not revoked at this point."""
        return [k for k in self.keys.values() if k.partner == partner and k.live]

    def check_signature(self, event: Envelope, etype: EventType | None = None) -> None:
        """Refuse with a ``SignatureError`` a signature that does not verify over the event,
        or whose key the registry does not allow here (unknown, revoked, another partner's),
        and an unsigned event that must be signed (docs/signing.md). ``etype`` is None for
        the opaque events of a plugin that is not installed: only the signature is judged."""
        name = event.type
        if event.signer is None or event.signature is None:
            if event.signer is not None or event.signature is not None:
                raise SignatureError(
                    name, "signature", event.signature, "signer and signature come together"
                )
            if etype is not None:
                self._check_unsigned(etype, event)
            return
        registering = etype is not None and name == "PartnerKeyRegistered"
        if registering:
            key = None
            public_key = event.data["public_key"]
            if event.signer != event.data["fingerprint"]:
                raise SignatureError(
                    name,
                    "signer",
                    event.signer,
                    "a key registration is signed by the key it registers (proof of possession)",
                )
        else:
            key = self.keys.get(event.signer)
            if key is None:
                raise SignatureError(
                    name,
                    "signer",
                    event.signer,
                    f"no key with this fingerprint is registered in {self.partnership}",
                )
            public_key = key.public_key
        if not verify_signature(public_key, unsigned_leaf(event), event.signature):
            raise SignatureError(
                name,
                "signature",
                event.signature,
                "does not verify: the signer's key did not sign this event "
                "(altered, or copied from another event)",
            )
        if registering:
            self._check_endorsement(event, event.data)
            return
        assert key is not None
        if key.partner != event.actor:
            raise SignatureError(
                name,
                "signer",
                event.signer,
                f"is a key of {key.partner}, not of the actor {event.actor}",
            )
        if key.revoked_seq is not None:
            raise SignatureError(
                name,
                "signer",
                event.signer,
                f"this key of {key.partner} was revoked (seq {key.revoked_seq})",
            )
        if name == "PartnerKeyRevoked" and "approved_by" not in event.data:
            partner = event.data["partner"]
            if key.partner != partner:
                raise SignatureError(
                    name,
                    "signer",
                    event.signer,
                    f"a revocation without approved_by is signed by a live key of {partner}",
                )

    def _check_endorsement(self, event: Envelope, data: Any) -> None:
        """A partner's first key is trusted on first use; a further key must carry the
        endorsement of one of the partner's live keys."""
        partner, endorser = data["partner"], data.get("endorsed_by")
        live = self.live_keys(partner)
        if not live:
            if endorser is not None:
                raise SignatureError(
                    event.type,
                    "endorsed_by",
                    endorser,
                    f"{partner} has no live key to endorse a further one",
                )
            return
        if endorser is None:
            raise SignatureError(
                event.type,
                "endorsed_by",
                None,
                f"{partner} already has a live key ({live[0].fingerprint[:16]}...): a further "
                "key must be endorsed by one (pledger keys register --signed-by FILE)",
            )
        key = self.keys.get(endorser)
        if key is None or key.partner != partner or not key.live:
            raise SignatureError(
                event.type, "endorsed_by", endorser, f"is not a live key of {partner}"
            )
        message = endorsement_message(self.partnership, partner, data["fingerprint"])
        if not verify_signature(key.public_key, message, data["endorsement"]):
            raise SignatureError(
                event.type,
                "endorsement",
                data["endorsement"],
                f"does not verify: endorsed_by did not endorse this key for {partner} "
                f"in {self.partnership}",
            )

    def _check_unsigned(self, etype: EventType, event: Envelope) -> None:
        name, data = event.type, event.data
        if name == "PartnerKeyRegistered":
            raise SignatureError(
                name,
                "signature",
                None,
                "a key registration is signed by the key it registers (proof of possession; "
                "use pledger keys register)",
            )
        if name == "PartnerKeyRevoked":
            if "approved_by" not in data:
                raise SignatureError(
                    name,
                    "signature",
                    None,
                    f"a revocation is signed by a live key of {data['partner']}, or, for a "
                    "lost key, carries approved_by (every other key partner)",
                )
            if self.live_keys(event.actor):
                raise SignatureError(
                    name,
                    "signature",
                    None,
                    f"the approver recording it, {event.actor}, has a live key: sign with it",
                )
        if self.require_signatures:
            speaker = self.speaker(etype, data)
            if speaker is not None and self.live_keys(speaker):
                raise SignatureError(
                    name,
                    "signature",
                    None,
                    f"an own act of {speaker}, who has a live key, must be signed "
                    "(require-signatures = true; give --key or PLEDGER_KEY)",
                )

    # -- folding --------------------------------------------------------------------------

    def apply(self, event: Envelope, *, keys: bool = True) -> None:
        """Fold a checked event into the state. ``keys=False`` leaves the key registry as it
        was (``verify`` folds a key event whose signature failed that way)."""
        self.seq = event.seq
        self.last_recorded_at = event.recorded_at
        name, data, day = event.type, event.data, event.occurred_on
        if name not in AFTER_CLOSURE and day > self.latest_dated:
            self.latest_dated = day
        etype = self.catalogue.get(name)
        if etype is None:
            return  # an opaque event of a plugin that is not installed
        for fld in etype.fields:
            if fld.kind == "new" and fld.name in data:
                self.ids.setdefault(fld.name, {})[data[fld.name]] = day
        if not keys and name in KEY_TYPES:
            return
        fold = getattr(self, f"_fold_{name}", None)
        if fold is not None:
            fold(event, data)

    def _fold_PartnershipFounded(self, event: Envelope, data: Any) -> None:
        self.convenor = event.actor

    def _fold_PartnerIdentified(self, event: Envelope, data: Any) -> None:
        self.partners[data["partner"]] = PartnerState(identified_on=event.occurred_on)

    def _fold_PartnerJoined(self, event: Envelope, data: Any) -> None:
        partner = self.partners.setdefault(data["partner"], PartnerState())
        if partner.first_joined_on is None or event.occurred_on < partner.first_joined_on:
            partner.first_joined_on = event.occurred_on
        partner.member = True
        partner.history.append((event.occurred_on, event.seq, data["engagement"]))

    def _fold_PartnerEngagementChanged(self, event: Envelope, data: Any) -> None:
        self.partners[data["partner"]].history.append(
            (event.occurred_on, event.seq, data["engagement"])
        )

    def _fold_PartnerLeft(self, event: Envelope, data: Any) -> None:
        partner = self.partners[data["partner"]]
        partner.member = False
        partner.history.append((event.occurred_on, event.seq, "left"))

    def _fold_CommitmentMade(self, event: Envelope, data: Any) -> None:
        self.commitments[data["commitment"]] = CommitmentState(
            data["partner"], data.get("currency")
        )

    def _fold_CommitmentWithdrawn(self, event: Envelope, data: Any) -> None:
        self.commitments[data["commitment"]].withdrawn = True

    def _fold_CommitmentFulfilled(self, event: Envelope, data: Any) -> None:
        commitment = self.commitments[data["commitment"]]
        if (
            commitment.first_fulfilled_on is None
            or event.occurred_on < commitment.first_fulfilled_on
        ):
            commitment.first_fulfilled_on = event.occurred_on

    def _fold_AgreementDrafted(self, event: Envelope, data: Any) -> None:
        self.agreements[data["version"]] = event.occurred_on

    def _fold_AgreementSigned(self, event: Envelope, data: Any) -> None:
        self.signatures.add((data["version"], data["partner"]))

    def _fold_DecisionProposed(self, event: Envelope, data: Any) -> None:
        self.decisions[data["decision"]] = DecisionState(event.occurred_on)

    def _fold_VoteCast(self, event: Envelope, data: Any) -> None:
        decision = self.decisions[data["decision"]]
        if decision.last_vote_on is None or event.occurred_on > decision.last_vote_on:
            decision.last_vote_on = event.occurred_on

    def _fold_DecisionTaken(self, event: Envelope, data: Any) -> None:
        self.decisions[data["decision"]].taken = True

    def _fold_ReviewConcluded(self, event: Envelope, data: Any) -> None:
        self.reviews_concluded.add(data["review"])

    def _fold_PartnershipClosed(self, event: Envelope, data: Any) -> None:
        self.closed_on = event.occurred_on

    def _fold_PartnerKeyRegistered(self, event: Envelope, data: Any) -> None:
        self.keys[data["fingerprint"]] = KeyState(
            data["fingerprint"], data["partner"], data["public_key"], event.seq, event.occurred_on
        )

    def _fold_PartnerKeyRevoked(self, event: Envelope, data: Any) -> None:
        key = self.keys[data["fingerprint"]]
        key.revoked_seq = event.seq
        key.revoked_on = event.occurred_on
        key.revoked_because = data["reason"]

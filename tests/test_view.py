"""Replay: ``PartnershipView`` as of a date, as known at a time; worked examples, properties
over generated valid streams, immutability, the JSON form and the diff."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.catalogue import CORE_TYPES, Catalogue
from ledger.demo import demo_drafts
from ledger.diff import SUMMARIES, diff_views
from ledger.errors import InvalidInput
from ledger.events import Draft, Envelope
from ledger.state import PartnershipState
from ledger.view import (
    Fact,
    Moment,
    Partner,
    PartnershipView,
    ViewBuilder,
    Window,
    parse_known_at,
)

PID = "pact"
FAR = date(2099, 12, 31)
LATER = datetime(2099, 12, 31, tzinfo=UTC)


def day(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    """A known-at time: a bare date is the end of that day."""
    return parse_known_at(text)


class History:
    """A stream built in memory, each event checked by the validation state as it is added."""

    def __init__(self, partnership: str = PID) -> None:
        self.state = PartnershipState(partnership, Catalogue())
        self.events: list[Envelope] = []
        self.partnership = partnership

    def add(
        self, type_: str, on: str, recorded: str | None = None, actor: str = "broker", **data: Any
    ) -> Envelope:
        """``recorded`` is a date (noon UTC that day) or a canonical time; default noon of
        ``on``."""
        recorded = recorded or on
        if len(recorded) == 10:
            recorded += "T12:00:00.000000Z"
        etype = CORE_TYPES.get(type_)
        payload = etype.parse_data(data) if etype else data
        seq = len(self.events) + 1
        envelope = Envelope(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.partnership}/{seq}")),
            partnership=self.partnership,
            seq=seq,
            type=type_,
            occurred_on=on,
            recorded_at=recorded,
            actor=actor,
            data=payload,
            hash="0" * 64,
        )
        if etype is None:  # a plugin's type: stored, never checked by the core
            self.state.apply(envelope)
        else:
            self.state.admit(envelope)
        self.events.append(envelope)
        return envelope

    def view(self, as_of: str | date = FAR, known_at: str | datetime = LATER) -> PartnershipView:
        return PartnershipView.replay(
            self.events,
            as_of=day(as_of) if isinstance(as_of, str) else as_of,
            known_at=at(known_at) if isinstance(known_at, str) else known_at,
        )


def founded(*partners: str, on: str = "2026-01-05") -> History:
    h = History()
    h.add("PartnershipFounded", on, name="Pact", purpose="Test", scope="local", vision="V1")
    for partner in partners:
        h.add(
            "PartnerJoined",
            on,
            partner=partner,
            engagement="key",
            name=partner.title(),
            sector="public",
        )
    return h


# -- 1. worked examples: as of and known at, by hand ----------------------------------------


def test_a_late_recorded_fulfilment_by_as_of_and_known_at() -> None:
    h = founded("a", "b")
    h.add(
        "CommitmentMade",
        "2026-03-01",
        actor="a",
        commitment="c",
        partner="a",
        kind="money",
        description="Funds",
        value="100",
        currency="EUR",
        due="2026-04-15",
    )
    h.add(
        "CommitmentFulfilled",
        "2026-04-10",
        recorded="2026-05-20",
        actor="a",
        commitment="c",
        delivered="100",
        evidence="Transfer",
    )

    def status(as_of: str, known_at: str) -> str:
        return h.view(as_of, known_at).commitments["c"].status(day(as_of))

    assert status("2026-04-05", "2026-05-21") == "open"  # before the fulfilment and the due date
    assert status("2026-04-30", "2026-05-01") == "overdue"  # as known then: not delivered
    assert status("2026-04-30", "2026-05-21") == "fulfilled"  # the late record tells otherwise
    assert status("2026-04-20", "2026-05-21") == "fulfilled"
    assert h.view("2026-04-30", "2026-05-01").commitments["c"].days_overdue(day("2026-04-30")) == 15
    assert h.view("2026-02-28").commitments == {}  # not made yet
    known = h.view("2026-04-30", "2026-05-21").commitments["c"]
    assert known.latest_fulfilment is not None
    assert known.latest_fulfilment.delivered == Decimal("100")
    assert known.value == Decimal("100") and known.currency == "EUR"


def test_a_back_dated_engagement_change_is_ordered_by_business_time() -> None:
    h = founded("a", "b")
    h.add(
        "PartnerEngagementChanged",
        "2026-03-10",
        partner="a",
        engagement="advisory",
        reason="Less time",
    )  # seq 4
    h.add(
        "PartnerEngagementChanged",
        "2026-03-05",
        recorded="2026-03-12",
        partner="a",
        engagement="active",
        reason="Back-dated",
    )  # seq 5, occurred earlier
    full = h.view().partners["a"]
    assert [e.seq for e in full.history] == [2, 5, 4]  # before-order, not stream order
    assert full.engagement == "advisory"  # the latest by business time, though recorded first
    assert full.engagement_at(day("2026-03-07")) == "active"
    assert full.engagement_at(day("2026-03-04")) == "key"
    # as known on 11 March the back-dated change did not exist yet
    then = h.view(known_at="2026-03-11").partners["a"]
    assert then.engagement_at(day("2026-03-07")) == "key"
    assert [e.seq for e in then.history] == [2, 4]
    assert h.view().key_partners_at(day("2026-03-04")) == ("a", "b")
    assert h.view().key_partners_at(day("2026-03-06")) == ("b",)


def test_a_partner_leaving_and_rejoining() -> None:
    h = founded("a", "b", on="2026-01-10")
    h.add("PartnerLeft", "2026-02-01", partner="a", reason="Budget")  # seq 4
    h.add("PartnerJoined", "2026-03-01", partner="a", engagement="active")  # seq 5
    h.add("PartnerLeft", "2026-04-01", partner="a", reason="Again")  # seq 6
    h.add("PartnerJoined", "2026-04-01", partner="a", engagement="pilot")  # seq 7, same day
    a = h.view().partners["a"]
    answers = {
        "2026-01-09": None,
        "2026-01-10": "key",
        "2026-01-31": "key",
        "2026-02-01": None,
        "2026-02-15": None,
        "2026-03-01": "active",
        "2026-04-01": "pilot",  # left and rejoined that day: the rejoin has the higher seq
    }
    for when, engagement in answers.items():
        assert a.engagement_at(day(when)) == engagement, when
        assert a.is_partner_at(day(when)) == (engagement is not None), when
    assert not a.is_key_at(day("2026-03-01")) and a.is_key_at(day("2026-01-31"))
    assert a.engagement_at(Moment(day("2026-04-01"), 6)) is None  # at the leave itself
    assert a.engagement_at(Moment(day("2026-04-01"), 5)) == "active"  # before it
    assert a.joined_on == day("2026-01-10")
    assert a.latest_join is not None and a.latest_join.seq == 7
    assert [e.kind for e in a.history] == ["joined", "left", "joined", "left", "joined"]
    # as of mid-February the partner has left; the view says so
    feb = h.view("2026-02-15").partners["a"]
    assert not feb.is_partner and feb.engagement is None
    assert h.view("2026-02-15").partners_at(day("2026-02-15")) == ("b",)
    assert h.view("2026-03-15").partners_at(day("2026-03-15")) == ("a", "b")
    assert a.entry_at(day("2026-01-09")) is None
    assert [a.entry_at(Moment(day("2026-04-01"), s)).seq for s in (5, 6, 7)] == [5, 6, 7]


def test_engagements_at_answers_as_each_partner_does() -> None:
    """The view's memoised answer for all partners at once is each partner's own answer, at
    every moment of the history and between them, asked in any order and again."""
    h = founded("a", "b", on="2026-01-10")
    h.add("PartnerLeft", "2026-02-01", partner="a", reason="Budget")
    h.add("PartnerEngagementChanged", "2026-02-01", partner="b", engagement="advisory", reason="R")
    h.add("PartnerJoined", "2026-03-01", partner="a", engagement="active")
    h.add(
        "PartnerJoined", "2026-03-02", partner="c", engagement="pilot", name="C", sector="academic"
    )
    h.add("PartnerLeft", "2026-02-15", recorded="2026-03-20", partner="a", reason="Minutes")
    view = h.view()
    moments = [Moment(e.occurred, e.seq) for e in h.events]
    days = [day(d) for d in ("2026-01-09", "2026-01-10", "2026-02-01", "2026-02-20", "2026-12-31")]
    for when in [*reversed(moments), *days, *moments]:
        expected = {
            p.id: p.engagement_at(when)
            for p in view.partners.values()
            if p.engagement_at(when) is not None
        }
        assert dict(view.engagements_at(when)) == expected, when
        assert view.partners_at(when) == tuple(sorted(expected))
        assert view.key_partners_at(when) == tuple(
            sorted(p for p, engaged in expected.items() if engaged == "key")
        )
    assert dict(view.engagements_at(day("2026-02-20"))) == {"b": "advisory"}
    assert dict(view.engagements_at(day("2026-03-31"))) == {
        "a": "active",
        "b": "advisory",
        "c": "pilot",
    }


def test_recording_time_never_goes_back_so_known_at_is_a_prefix() -> None:
    h = founded("a")
    h.add("PrincipleAdopted", "2026-02-01", recorded="2026-03-01", principle="equity")
    with pytest.raises(Exception, match="earlier than the previous"):
        h.add("PrincipleAdopted", "2026-02-02", recorded="2026-02-20", principle="transparency")


def test_a_leave_back_dated_before_a_rejoin_counts_by_business_time() -> None:
    h = founded("a", "b", on="2026-01-10")
    h.add("PartnerLeft", "2026-02-01", partner="a", reason="Budget")  # seq 4
    h.add("PartnerJoined", "2026-03-01", partner="a", engagement="active")  # seq 5
    h.add("PartnerLeft", "2026-02-15", recorded="2026-03-20", partner="a", reason="Minutes")
    a = h.view("2026-03-31").partners["a"]
    assert [e.seq for e in a.history] == [2, 4, 6, 5]
    assert a.is_partner and a.engagement == "active"  # the rejoin of 1 March is the latest
    assert not a.is_partner_at(day("2026-02-20"))
    # validation, by stream order, no longer lets a act: another question (decisions.md)
    assert not h.state.partners["a"].member


def revised_history() -> History:
    h = founded("a")
    h.add(
        "CommitmentMade",
        "2026-02-01",
        actor="a",
        commitment="c",
        partner="a",
        kind="facilities",
        description="Rooms",
        quantity="3",
        unit="rooms",
        due="2026-05-31",
    )  # seq 3
    h.add(
        "CommitmentRevised",
        "2026-05-20",
        actor="a",
        commitment="c",
        reason="Permits",
        due="2026-08-31",
    )  # seq 4
    h.add(
        "CommitmentRevised",
        "2026-05-22",
        recorded="2026-06-08",
        actor="a",
        commitment="c",
        reason="Fewer rooms",
        quantity="2",
    )  # seq 5: quantity only
    h.add(
        "CommitmentRevised",
        "2026-05-25",
        recorded="2026-06-10",
        actor="a",
        commitment="c",
        reason="Sooner",
        due="2026-07-15",
    )  # seq 6
    h.add(
        "CommitmentRevised",
        "2026-05-18",
        recorded="2026-06-11",
        actor="a",
        commitment="c",
        reason="A correction dated before seq 4",
        due="2026-06-30",
    )  # seq 7
    return h


@pytest.mark.parametrize(
    ("as_of", "known_at", "due", "quantity", "status"),
    [
        ("2026-05-01", "2026-07-01", "2026-05-31", "3", "open"),  # before any revision
        ("2026-05-18", "2026-07-01", "2026-06-30", "3", "open"),  # seq 7 occurred that day
        ("2026-05-19", "2026-06-01", "2026-05-31", "3", "open"),  # seq 7 not known yet
        ("2026-05-21", "2026-07-01", "2026-08-31", "3", "open"),  # seq 4 beats seq 7 (later day)
        ("2026-05-23", "2026-06-09", "2026-08-31", "2", "open"),  # quantity revised, due kept
        ("2026-05-26", "2026-06-09", "2026-08-31", "2", "open"),  # seq 6 not known on 9 June
        ("2026-05-26", "2026-06-10", "2026-07-15", "2", "open"),  # ...and known on 10 June
        ("2026-07-20", "2026-06-09", "2026-08-31", "2", "open"),  # as known on 9 June
        ("2026-07-20", "2026-07-01", "2026-07-15", "2", "overdue"),  # as known later
        ("2026-09-01", "2026-06-05", "2026-08-31", "3", "overdue"),  # knew only seq 4
    ],
)
def test_due_quantity_and_status_from_the_latest_revision(
    as_of: str, known_at: str, due: str, quantity: str, status: str
) -> None:
    c = revised_history().view(as_of, known_at).commitments["c"]
    assert (c.due, c.quantity, c.status(day(as_of))) == (day(due), Decimal(quantity), status)
    assert c.original_due == day("2026-05-31") and c.original_quantity == Decimal("3")


def test_due_at_a_moment_and_the_revision_history_in_before_order() -> None:
    c = revised_history().view().commitments["c"]
    assert [r.seq for r in c.revisions] == [7, 4, 5, 6]
    assert c.due_at(day("2026-05-17")) == day("2026-05-31")
    assert c.due_at(day("2026-05-19")) == day("2026-06-30")
    assert c.due_at(day("2026-05-24")) == day("2026-08-31")
    assert c.due_at(Moment(day("2026-05-20"), 3)) == day("2026-06-30")  # before seq 4
    assert c.due == day("2026-07-15") and c.live and not c.fulfilled


def test_a_decision_as_of_each_of_its_events() -> None:
    h = founded("a", "b", "c")
    h.add("DecisionRuleSet", "2026-02-01", method="majority")
    h.add("DecisionProposed", "2026-03-01", decision="d", title="Saturdays", proposer="a")
    h.add("VoteCast", "2026-03-03", actor="a", decision="d", partner="a", position="against")
    h.add("VoteCast", "2026-03-04", actor="b", decision="d", partner="b", position="for")
    h.add(
        "VoteCast",
        "2026-03-04",
        actor="a",
        decision="d",
        partner="a",
        position="for",
        comment="Convinced",
    )
    h.add("DecisionTaken", "2026-03-05", decision="d", outcome="adopted")
    h.add("InformationShared", "2026-03-06", subject="decision:d", **{"with": ["all"]})
    assert h.view("2026-02-28").decisions == {}
    proposed = h.view("2026-03-02").decisions["d"]
    assert (proposed.status, proposed.votes, proposed.outcome) == ("proposed", (), None)
    one = h.view("2026-03-03").decisions["d"]
    assert {p: v.position for p, v in one.latest_votes.items()} == {"a": "against"}
    taken = h.view("2026-03-05")
    d = taken.decisions["d"]
    assert d.status == "adopted" and d.taken is not None and d.taken.seq == 10
    assert [v.seq for v in d.votes] == [7, 8, 9]
    assert {p: v.position for p, v in d.latest_votes.items()} == {"a": "for", "b": "for"}
    assert not d.has_rationale and d.shares == ()
    assert taken.eligible_deciders(d.taken.moment) == ("a", "b", "c")
    rule = taken.rule_in_force(d.taken.moment)
    assert rule is not None and rule.quorum is None and rule.effective_quorum == Decimal("0.5")
    assert set(taken.cast_votes("d")) == {"a", "b"}
    shared = h.view("2026-03-06").decisions["d"]
    assert len(shared.shares) == 1 and shared.shares[0].to_all
    assert h.view().shares_of("decision:d") == shared.shares


def test_deciders_named_by_the_rule_in_force() -> None:
    h = founded("a", "b", "c")
    h.add("DecisionRuleSet", "2026-02-01", method="committee", quorum="0.6", deciders=["a", "b"])
    h.add("PartnerLeft", "2026-02-10", partner="b", reason="Gone")
    h.add("DecisionRuleSet", "2026-03-01", method="consensus")
    v = h.view()
    assert v.eligible_deciders(day("2026-01-31")) == ("a", "b", "c")  # no rule: key partners
    assert v.eligible_deciders(day("2026-02-05")) == ("a", "b")
    assert v.eligible_deciders(day("2026-02-20")) == ("a",)  # b is no partner any more
    assert v.eligible_deciders(day("2026-03-01")) == ("a", "c")  # consensus names nobody
    committee = v.rule_in_force(day("2026-02-20"))
    assert committee is not None and committee.effective_quorum == Decimal("0.6")
    consensus = v.rule_in_force(day("2026-03-02"))
    assert consensus is not None and consensus.effective_quorum is None


def test_deciders_and_cast_votes_kept_with_the_view_answer_as_a_fresh_view_does() -> None:
    """``eligible_deciders`` and ``cast_votes`` keep their answers with the view (rules ask
    them of each decision several times); asked in any order and again, each answer is the
    one a fresh view gives, whose first answer nothing was kept for."""
    h = founded("a", "b", "c")
    h.add("DecisionRuleSet", "2026-02-01", method="committee", quorum="0.6", deciders=["a", "b"])
    h.add("DecisionProposed", "2026-02-02", decision="d1", title="One", proposer="a")
    h.add("VoteCast", "2026-02-03", actor="b", decision="d1", partner="b", position="for")
    h.add("DecisionTaken", "2026-02-04", decision="d1", outcome="adopted")
    h.add("PartnerLeft", "2026-02-10", partner="b", reason="Gone")
    h.add("DecisionRuleSet", "2026-03-01", method="consensus")
    h.add("DecisionProposed", "2026-03-02", decision="d2", title="Two", proposer="c")
    h.add("VoteCast", "2026-03-03", actor="c", decision="d2", partner="c", position="for")
    h.add("VoteCast", "2026-03-03", actor="a", decision="d2", partner="a", position="block")
    kept = h.view()
    whens = [day(d) for d in ("2026-01-31", "2026-02-05", "2026-02-20", "2026-03-01")]
    whens += [Moment(e.occurred, e.seq) for e in h.events]
    for when in [*whens, *reversed(whens)]:
        assert kept.eligible_deciders(when) == h.view().eligible_deciders(when), when
    for decision in ("d2", "d1", "d2", "d1"):
        assert dict(kept.cast_votes(decision)) == dict(h.view().cast_votes(decision))
    assert set(kept.cast_votes("d1")) == {"b"} and set(kept.cast_votes("d2")) == {"a", "c"}
    assert kept.eligible_deciders(day("2026-02-20")) == ("a",)


def test_the_partnership_itself_phases_agreements_and_waivers() -> None:
    h = founded("a", "b")
    assert h.view("2026-01-04").founding is None  # founded on 5 January
    assert h.view("2026-01-04").name is None and h.view("2026-01-04").phase == "scoping"
    h.add("VisionRevised", "2026-01-20", vision="V2", reason="Input")
    h.add("PhaseChanged", "2026-02-01", phase="planning")
    h.add("AgreementDrafted", "2026-02-10", version=1, summary="Roles")
    h.add("AgreementDrafted", "2026-02-20", version=2, summary="Roles and money")
    h.add("AgreementSigned", "2026-02-21", actor="b", version=2, partner="b", signatory="Bo")
    h.add("PhaseChanged", "2026-03-01", phase="implementing")
    h.add(
        "FindingWaived",
        "2026-03-02",
        rule="FT001",
        subject="partner:a",
        reason="Agreed",
        approved_by=["b"],
        until="2026-04-30",
    )
    v = h.view("2026-03-15")
    assert (v.name, v.vision, v.convenor, v.scope) == ("Pact", "V2", "broker", "local")
    assert h.view("2026-01-19").vision == "V1"
    assert v.phase == "implementing" and [p.phase for p in v.phases] == ["planning", "implementing"]
    assert v.implementation_start is not None and v.implementation_start.seq == 9
    assert list(v.agreements) == [1, 2] and v.latest_agreement is not None
    assert v.latest_agreement.signed_by == frozenset({"b"})
    assert v.agreement_at(day("2026-02-15")) is not None
    assert v.agreement_at(day("2026-02-15")).version == 1  # type: ignore[union-attr]
    (waiver,) = v.waivers
    assert waiver.in_force(day("2026-04-30")) and not waiver.in_force(day("2026-05-01"))
    h.add("PartnershipClosed", "2026-06-01", reason="completed", learning="Much")
    closed = h.view()
    assert closed.closed and closed.phase == "closed"


def test_events_of_unknown_types_are_kept_in_events_only() -> None:
    h = founded("a")
    h.add("PluginNoted", "2026-02-01", note="opaque")
    h.add("PrincipleAdopted", "2026-02-02", principle="equity")
    v = h.view()
    assert [e.type for e in v.events] == [
        "PartnershipFounded",
        "PartnerJoined",
        "PluginNoted",
        "PrincipleAdopted",
    ]
    assert [p.principle for p in v.principles] == ["equity"]
    assert v.to_json()["event_count"] == 4


def test_the_view_holds_exactly_the_events_in_its_window_in_seq_order() -> None:
    h = founded("a")
    h.add("PrincipleAdopted", "2026-01-20", recorded="2026-03-01", principle="equity")  # late
    h.add("PrincipleAdopted", "2026-03-01", principle="transparency")
    h.add("PrincipleAdopted", "2026-02-01", recorded="2026-03-02", principle="mutual-benefit")
    assert [e.seq for e in h.view().events] == [1, 2, 3, 4, 5]
    assert [e.seq for e in h.view("2026-02-15").events] == [1, 2, 3, 5]
    assert [e.seq for e in h.view(known_at="2026-03-01").events] == [1, 2, 3, 4]
    assert [e.seq for e in h.view("2026-02-15", "2026-03-01").events] == [1, 2, 3]
    principles = [p.principle for p in h.view().principles]
    assert principles == ["equity", "mutual-benefit", "transparency"]  # before-order


def test_defaults_are_today_and_now_from_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEDGER_NOW", "2026-03-10T08:30:00Z")
    h = founded("a")
    h.add(
        "PrincipleAdopted", "2026-03-10", recorded="2026-03-10T09:00:00.000000Z", principle="equity"
    )  # recorded after "now"
    v = PartnershipView.replay(h.events)
    assert v.as_of == date(2026, 3, 10)
    assert v.known_at == datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    assert v.principles == ()


def test_the_builder_checks_order_and_partnership() -> None:
    h = founded("a")
    builder = ViewBuilder(as_of=FAR, known_at=LATER)
    builder.apply(h.events[0])
    with pytest.raises(ValueError, match="seq order"):
        builder.apply(h.events[0])
    other = History("other")
    other.add("PartnershipFounded", "2026-01-05", name="O", purpose="O", scope="local")
    with pytest.raises(ValueError, match="other"):
        builder.apply(other.events[0])
    empty = PartnershipView.replay([], partnership="nothing", as_of=FAR, known_at=LATER)
    assert empty.partnership == "nothing" and empty.events == () and empty.founding is None
    assert builder.apply(h.events[1]) is True
    assert ViewBuilder(as_of=date(2026, 1, 1), known_at=LATER).apply(h.events[0]) is False
    h.add("PrincipleAdopted", "2026-03-01", principle="equity")  # after the window below
    batch = ViewBuilder(as_of=date(2026, 2, 1), known_at=LATER)
    assert batch.apply_all(h.events) == len(h.events) - 1
    with pytest.raises(ValueError, match="seq order"):
        ViewBuilder(as_of=FAR, known_at=LATER).apply_all([h.events[1], h.events[0]])


@pytest.mark.parametrize(
    ("as_of", "known_at", "expected_as_of", "expected_known"),
    [
        ("2026-05-01", "2026-05-02", date(2026, 5, 1), "2026-05-02T23:59:59.999999+00:00"),
        (None, "2026-05-02T10:00:00+02:00", date(2026, 6, 1), "2026-05-02T08:00:00+00:00"),
        ("2026-05-01", None, date(2026, 5, 1), "2026-06-01T12:00:00+00:00"),
    ],
)
def test_window_parsing(
    as_of: str | None, known_at: str | None, expected_as_of: date, expected_known: str
) -> None:
    window = Window.parse(as_of, known_at)
    assert window.as_of == expected_as_of
    assert window.known_at == datetime.fromisoformat(expected_known)


@pytest.mark.parametrize(
    ("as_of", "known_at"),
    [("2026-02-30", None), ("soon", None), (None, "yesterday"), (None, "2026-13-01")],
)
def test_bad_window_text_is_refused(as_of: str | None, known_at: str | None) -> None:
    with pytest.raises(InvalidInput):
        Window.parse(as_of, known_at)


# -- 2. the demo partnership as a rich example -----------------------------------------------


def demo_history() -> History:
    h = History("music-chain")
    for draft in demo_drafts():
        assert draft.recorded_at is not None and draft.occurred_on is not None
        h.add(
            draft.type,
            draft.occurred_on,
            recorded=draft.recorded_at,
            actor=draft.actor or "",
            **dict(draft.data),
        )
    return h


@pytest.fixture(scope="module")
def demo_view() -> PartnershipView:
    return demo_history().view(as_of=date(2026, 11, 27), known_at=LATER)


def test_amounts_are_decimals_and_dates_are_dates(demo_view: PartnershipView) -> None:
    trainers = demo_view.commitments["c-trainers"]
    assert trainers.value == Decimal("18000") and isinstance(trainers.quantity, Decimal)
    assert trainers.due == date(2026, 9, 30)
    indicator = demo_view.indicators["ind-trainees"]
    assert indicator.target == Decimal("120")
    latest = indicator.latest_measurement
    assert latest is not None
    assert (latest.value, latest.period_end) == (Decimal("121"), date(2026, 10, 31))
    assert demo_view.activities["a-workshops"].starts == date(2026, 4, 4)
    rule = demo_view.decision_rules[0]
    assert rule.quorum == Decimal("0.6")


def test_amounts_keep_their_text_and_absent_fields_their_defaults() -> None:
    """The fold keeps amounts by their text (view._AMOUNTS) across views: equal amounts
    written differently stay as written, and a field absent from the data is its default."""
    h = founded("a")
    made = h.add(
        "CommitmentMade",
        "2026-03-01",
        actor="a",
        commitment="c1",
        partner="a",
        kind="money",
        description="Funds",
        quantity="100",
    )
    events = [*h.events]  # the same amount as the catalogue would not write it, then again
    for seq, (ident, quantity) in enumerate((("c2", "100.00"), ("c3", "100")), len(events) + 1):
        data = {**made.data, "commitment": ident, "quantity": quantity}
        events.append(dataclasses.replace(made, seq=seq, data=data))
    for v in (PartnershipView.replay(events), PartnershipView.replay(events)):
        quantities = [v.commitments[c].quantity for c in ("c1", "c2", "c3")]
        assert [str(quantity) for quantity in quantities] == ["100", "100.00", "100"]
        assert v.commitments["c1"].unit is None and v.commitments["c1"].value is None


def walk(value: Any, path: str = "view") -> list[tuple[str, Any]]:
    """Every value reachable from ``value`` with its path (records, mappings, tuples)."""
    found = [(path, value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for fld in dataclasses.fields(value):
            found += walk(getattr(value, fld.name), f"{path}.{fld.name}")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            found += walk(item, f"{path}[{key!r}]")
    elif isinstance(value, (tuple, list, set, frozenset)):
        for i, item in enumerate(value):
            found += walk(item, f"{path}[{i}]")
    return found


def test_nothing_in_the_view_can_be_changed(demo_view: PartnershipView) -> None:
    items = walk(demo_view)
    assert len(items) > 1000
    records = [(p, v) for p, v in items if dataclasses.is_dataclass(v)]
    assert len({type(v) for _, v in records}) >= 35
    for path, value in items:
        assert not isinstance(value, (list, dict, set, bytearray)), path
        if isinstance(value, Mapping):
            assert isinstance(value, MappingProxyType), path
            with pytest.raises(TypeError):
                value["x"] = 1  # type: ignore[index]
    for path, record in records:
        name = dataclasses.fields(record)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, name, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.extra = 1  # new attributes neither
        assert path


def test_typical_accidents_raise(demo_view: PartnershipView) -> None:
    with pytest.raises(TypeError):
        demo_view.commitments["c-new"] = demo_view.commitments["c-funds"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del demo_view.partners["telco-x"]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        demo_view.decisions["d-weekend"].votes.append(None)  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo_view.commitments["c-funds"].original_due = date(2030, 1, 1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        demo_view.reviews["rv-summer"].submissions[0].ratings["delivery"] = "red"  # type: ignore[index]
    with pytest.raises(TypeError):
        demo_view.events[0].data["name"] = "Renamed"  # type: ignore[index]
    with pytest.raises(TypeError):
        demo_view.decisions["d-weekend"].latest_votes["x"] = None  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo_view.as_of = date(2020, 1, 1)  # type: ignore[misc]
    assert demo_view.commitments["c-funds"].due == date(2026, 4, 30)


def test_the_json_form(demo_view: PartnershipView) -> None:
    out = demo_view.to_json()
    text = json.dumps(out)  # plain JSON data only: no Decimal, date or mapping proxies
    assert json.loads(text) == out
    assert out["version"] == 1
    assert (out["partnership"], out["as_of"], out["phase"]) == (
        "music-chain",
        "2026-11-27",
        "sustaining",
    )
    assert out["known_at"] == "2099-12-31T00:00:00.000000Z"
    assert out["event_count"] == len(demo_view.events) == out["last_seq"]
    venues = out["commitments"]["c-venues"]
    assert venues["status"] == "overdue" and venues["days_overdue"] == 88
    assert venues["due"] == "2026-08-31" and venues["original_due"] == "2026-05-31"
    assert venues["quantity"] == "3" and venues["revisions"][0]["reason"]
    assert out["commitments"]["c-trainers"]["value"] == "18000"
    assert out["partners"]["festival"]["engagement"] is None
    assert out["partners"]["festival"]["history"][-1]["kind"] == "left"
    assert out["decisions"]["d-branding"]["has_rationale"] is False
    assert out["decisions"]["d-showcase"]["latest_votes"]["ngo-sonar"]["position"] == "for"
    assert out["agreements"]["2"]["signed_by"] == ["ministry", "ngo-sonar", "telco-x"]
    assert "events" not in out


def test_demo_view_content(demo_view: PartnershipView) -> None:
    v = demo_view
    assert [p.phase for p in v.phases] == [
        "scoping",
        "building",
        "planning",
        "implementing",
        "reviewing",
        "implementing",
        "reviewing",
        "sustaining",
    ]
    assert v.sustainability[0].option == "continue" and v.institutionalisations
    assert v.key_partners_at(v.as_of) == ("ministry", "ngo-sonar", "telco-x")
    assert not v.partners["festival"].is_partner
    assert v.partners["uni-audio"].engagement == "active"
    assert v.partners["ministry"].name == "Ministry of Culture"  # from its join
    assert v.partners["ngo-sonar"].name == "Sonar Youth Music"  # from its identification
    showcase = v.decisions["d-showcase"]
    assert showcase.taken is not None
    assert set(v.eligible_deciders(showcase.taken.moment)) - set(v.cast_votes("d-showcase")) == {
        "ministry"
    }
    autumn = v.reviews["rv-autumn"]
    assert autumn.concluded and "ministry" not in autumn.latest_submissions
    issue = v.issues["i-permits"]
    recorded = next(e for e in v.events if e.seq == issue.seq).recorded_at
    assert (date.fromisoformat(recorded[:10]) - issue.occurred_on).days > 30


# -- 3. properties over generated valid streams ----------------------------------------------

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
SHORT = st.text("abcdefgh ", min_size=1, max_size=6).filter(str.strip)


class Generator:
    """A valid stream, drawn act by act from what the validation state allows next."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.h = History("gen")
        self.clock = START
        self.count = 0

    def new_id(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    @property
    def state(self) -> PartnershipState:
        return self.h.state

    def members(self) -> list[str]:
        return sorted(p for p, s in self.state.partners.items() if s.member)

    def joined(self, partner: str) -> str:
        first = self.state.partners[partner].first_joined_on
        assert first is not None
        return first

    def add(self, type_: str, *lows: str, actor: str = "broker", **data: Any) -> None:
        """Record at a later time; date it any day from the latest of ``lows`` to today, so
        facts are often back-dated (recorded late) and out of stream order."""
        self.clock += timedelta(minutes=self.draw(st.integers(1, 60 * 24 * 12)))
        today = self.clock.date()
        low = max([date(2025, 12, 1), *(date.fromisoformat(x) for x in lows)])
        on = self.draw(st.dates(min_value=min(low, today), max_value=today))
        stamp = self.clock.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        self.h.add(type_, on.isoformat(), recorded=stamp, actor=actor, **data)

    def pick(self, options: list[Any]) -> Any:
        return self.draw(st.sampled_from(options))

    # -- acts

    def join(self) -> None:
        left = sorted(p for p, s in self.state.partners.items() if not s.member)
        if left and self.draw(st.booleans()):
            partner = self.pick(left)
            lows = [self.state.partners[partner].first_joined_on or "2025-12-01"]
            self.add("PartnerJoined", *lows, partner=partner, engagement=self.engagement())
            return
        partner = self.new_id("p")
        extra = {}
        if self.draw(st.booleans()):
            self.add(
                "PartnerIdentified", partner=partner, name="N", sector="public", value_added="V"
            )
        else:
            extra = {"name": "N", "sector": "private"}
        self.add("PartnerJoined", partner=partner, engagement=self.engagement(), **extra)

    def engagement(self) -> str:
        return str(self.pick(["key", "key", "active", "pilot", "advisory"]))

    def change(self) -> None:
        partner = self.pick(self.members())
        self.add(
            "PartnerEngagementChanged",
            self.joined(partner),
            partner=partner,
            engagement=self.engagement(),
            reason="R",
        )

    def leave(self) -> None:
        partner = self.pick(self.members())
        self.add("PartnerLeft", self.joined(partner), partner=partner, reason="R")

    def commit(self) -> None:
        partner = self.pick(self.members())
        data: dict[str, Any] = {
            "commitment": self.new_id("c"),
            "partner": partner,
            "kind": "money",
            "description": "D",
        }
        if self.draw(st.booleans()):
            data |= {"value": str(self.draw(st.integers(0, 999))), "currency": "EUR"}
        if self.draw(st.booleans()):
            data["quantity"] = f"{self.draw(st.integers(0, 99))}.5"
        if self.draw(st.booleans()):
            data["due"] = self.draw(st.dates(date(2026, 1, 1), date(2026, 12, 31))).isoformat()
        self.add("CommitmentMade", self.joined(partner), actor=partner, **data)

    def live(self) -> list[str]:
        return sorted(c for c, s in self.state.commitments.items() if not s.withdrawn)

    def on_commitment(self, type_: str, **data: Any) -> None:
        ident = self.pick(self.live())
        made = self.state.ids["commitment"][ident]
        owner = self.state.commitments[ident].owner
        self.add(type_, made, actor=owner, commitment=ident, **data)

    def revise(self) -> None:
        ident = self.pick(self.live())
        data: dict[str, Any] = {"reason": "R"}
        if self.draw(st.booleans()):
            data["due"] = self.draw(st.dates(date(2026, 1, 1), date(2026, 12, 31))).isoformat()
        if self.draw(st.booleans()):
            data["quantity"] = str(self.draw(st.integers(0, 50)))
        if self.state.commitments[ident].currency and self.draw(st.booleans()):
            data["value"] = str(self.draw(st.integers(0, 50)))
        made = self.state.ids["commitment"][ident]
        owner = self.state.commitments[ident].owner
        self.add("CommitmentRevised", made, actor=owner, commitment=ident, **data)

    def confirmable(self) -> list[tuple[str, str]]:
        return [
            (c, p)
            for c, s in sorted(self.state.commitments.items())
            if s.first_fulfilled_on
            for p in self.members()
            if p != s.owner
        ]

    def confirm(self) -> None:
        ident, partner = self.pick(self.confirmable())
        fulfilled = self.state.commitments[ident].first_fulfilled_on
        assert fulfilled is not None
        self.add(
            "FulfilmentConfirmed",
            fulfilled,
            self.joined(partner),
            actor=partner,
            commitment=ident,
            partner=partner,
        )

    def open_decisions(self) -> list[str]:
        return sorted(d for d, s in self.state.decisions.items() if not s.taken)

    def propose(self) -> None:
        proposer = self.pick(self.members())
        self.add(
            "DecisionProposed",
            self.joined(proposer),
            decision=self.new_id("d"),
            title="T",
            proposer=proposer,
        )

    def vote(self) -> None:
        ident, partner = self.pick(self.open_decisions()), self.pick(self.members())
        proposed = self.state.decisions[ident].proposed_on
        self.add(
            "VoteCast",
            proposed,
            self.joined(partner),
            actor=partner,
            decision=ident,
            partner=partner,
            position=self.pick(["for", "against", "abstain", "block"]),
        )

    def decide(self) -> None:
        ident = self.pick(self.open_decisions())
        s = self.state.decisions[ident]
        self.add(
            "DecisionTaken",
            s.proposed_on,
            s.last_vote_on or s.proposed_on,
            decision=ident,
            outcome=self.pick(["adopted", "rejected"]),
        )

    def share(self) -> None:
        ident = self.pick(sorted(self.state.decisions))
        everyone = self.draw(st.booleans()) or not self.members()
        recipients = ["all"] if everyone else self.members()
        self.add(
            "InformationShared",
            self.state.ids["decision"][ident],
            *(self.joined(p) for p in recipients if p != "all"),
            subject=f"decision:{ident}",
            **{"with": recipients},
        )

    def draft(self) -> None:
        self.add("AgreementDrafted", version=len(self.state.agreements) + 1, summary="S")

    def signable(self) -> list[tuple[int, str]]:
        return [
            (v, p)
            for v in sorted(self.state.agreements)
            for p in self.members()
            if (v, p) not in self.state.signatures
        ]

    def sign(self) -> None:
        version, partner = self.pick(self.signable())
        self.add(
            "AgreementSigned",
            self.state.agreements[version],
            self.joined(partner),
            actor=partner,
            version=version,
            partner=partner,
            signatory="S",
        )

    def open_reviews(self) -> list[str]:
        reviews = self.state.ids.get("review", {})
        return sorted(r for r in reviews if r not in self.state.reviews_concluded)

    def review(self) -> None:
        self.add("ReviewOpened", review=self.new_id("r"), lenses=["project"])

    def submit(self) -> None:
        ident, partner = self.pick(self.open_reviews()), self.pick(self.members())
        self.add(
            "ReviewSubmitted",
            self.state.ids["review"][ident],
            self.joined(partner),
            actor=partner,
            review=ident,
            partner=partner,
            ratings={"x": self.pick(["green", "red"])},
        )

    def conclude(self) -> None:
        ident = self.pick(self.open_reviews())
        self.add("ReviewConcluded", self.state.ids["review"][ident], review=ident, findings="F")

    def indicator(self) -> None:
        owner = self.pick(self.members())
        self.add(
            "IndicatorDefined",
            self.joined(owner),
            indicator=self.new_id("i"),
            name="N",
            lens="project",
            method="M",
            owner=owner,
        )

    def measure(self) -> None:
        ident = self.pick(sorted(self.state.ids["indicator"]))
        partner = self.pick(self.members())
        self.add(
            "IndicatorMeasured",
            self.state.ids["indicator"][ident],
            self.joined(partner),
            indicator=ident,
            value=str(self.draw(st.integers(-9, 9))),
            period_end="2026-06-30",
            partner=partner,
        )

    def phase(self) -> None:
        self.add("PhaseChanged", phase=self.pick(["planning", "implementing", "reviewing"]))

    def rule(self) -> None:
        deciders = self.members()[:2]
        self.add(
            "DecisionRuleSet",
            *(self.joined(p) for p in deciders),
            method="majority",
            deciders=deciders,
        )

    def plugin(self) -> None:
        self.add("PluginNoted", note="opaque")

    def possible(self) -> list[str]:
        acts = ["join", "draft", "review", "phase", "plugin"]
        members = self.members()
        if members:
            acts += ["change", "commit", "commit", "propose", "indicator", "rule"]
        if len(members) > 1:
            acts.append("leave")
        if self.live():
            acts += ["revise", "revise", "fulfil", "withdraw"]
        if self.confirmable():
            acts.append("confirm")
        if self.open_decisions() and members:
            acts += ["vote", "vote", "decide"]
        if self.state.decisions:
            acts.append("share")
        if self.signable():
            acts.append("sign")
        if self.open_reviews():
            acts += ["conclude"] + ["submit"] * bool(members)
        if self.state.ids.get("indicator") and members:
            acts.append("measure")
        return acts

    def fulfil(self) -> None:
        self.on_commitment("CommitmentFulfilled", evidence="E")

    def withdraw(self) -> None:
        self.on_commitment("CommitmentWithdrawn", reason="R")


@st.composite
def valid_streams(draw: st.DrawFn) -> list[Envelope]:
    g = Generator(draw)
    g.add("PartnershipFounded", name="G", purpose="P", scope="local")
    for _ in range(draw(st.integers(1, 3))):
        g.join()
    for _ in range(draw(st.integers(0, 30))):
        getattr(g, draw(st.sampled_from(g.possible())))()
    return g.h.events


@st.composite
def windows(draw: st.DrawFn, events: list[Envelope]) -> tuple[date, datetime]:
    """A window at or around the dates and times of the stream's events."""
    event = draw(st.sampled_from(events))
    as_of = event.occurred + timedelta(days=draw(st.integers(-1, 1)))
    recorded = datetime.fromisoformat(draw(st.sampled_from(events)).recorded_at)
    known_at = recorded + timedelta(microseconds=draw(st.sampled_from([-1, 0])))
    return as_of, known_at


PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(data=st.data())
def test_replaying_any_prefix_equals_the_view_built_incrementally(data: st.DataObject) -> None:
    events = data.draw(valid_streams())
    as_of, known_at = data.draw(st.sampled_from([(FAR, LATER), None])) or data.draw(windows(events))
    builder = ViewBuilder(as_of=as_of, known_at=known_at)
    snapshots = []
    for event in events:
        builder.apply(event)
        snapshots.append(builder.view())
    # every snapshot is still what it was when taken: later events changed none of them
    for size, snapshot in enumerate(snapshots, 1):
        assert snapshot == PartnershipView.replay(events[:size], as_of=as_of, known_at=known_at)


@PROPERTY
@given(data=st.data())
def test_a_window_holds_the_events_it_should_and_folds_them_alone(data: st.DataObject) -> None:
    events = data.draw(valid_streams())
    as_of, known_at = data.draw(windows(events))
    view = PartnershipView.replay(events, as_of=as_of, known_at=known_at)
    stamp = known_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    inside = [e for e in events if e.occurred <= as_of and e.recorded_at <= stamp]
    assert view.events == tuple(inside)
    # folding only those events, with no window at all, gives the same contents
    alone = PartnershipView.replay(inside, as_of=FAR, known_at=LATER, partnership="gen")
    assert dataclasses.replace(alone, as_of=as_of, known_at=known_at) == view
    assert_before_order(view)


def assert_before_order(view: PartnershipView) -> None:
    for path, value in walk(view):
        if isinstance(value, tuple) and value and all(isinstance(v, Fact) for v in value):
            moments = [v.moment for v in value]
            assert moments == sorted(moments), path
        if (
            isinstance(value, Mapping)
            and value
            and all(isinstance(v, Fact) for v in value.values())
        ):
            moments = [v.moment for v in value.values()]
            assert moments == sorted(moments), path


@PROPERTY
@given(events=valid_streams())
def test_the_view_agrees_with_the_validation_state(events: list[Envelope]) -> None:
    view = PartnershipView.replay(events, as_of=FAR, known_at=LATER)
    state = PartnershipState("gen", Catalogue())
    for event in events:
        state.apply(event)
    assert set(view.partners) == set(state.partners)
    days = sorted({e.occurred for e in events} | {e.occurred - timedelta(days=1) for e in events})
    for pid, partner in view.partners.items():
        assert isinstance(partner, Partner)
        for when in days:
            expected = state.partners[pid].engagement_at(when.isoformat())
            assert partner.engagement_at(when) == expected, (pid, when)
        # is_partner is RULES.md's business time, not validation's stream order ("member"):
        # the two differ when a leave is back-dated before a rejoin recorded earlier
        last = max(days).isoformat()
        assert partner.is_partner == (state.partners[pid].engagement_at(last) is not None)
    for cid, commitment in view.commitments.items():
        assert commitment.live == (not state.commitments[cid].withdrawn)
        days = [f.occurred_on.isoformat() for f in commitment.fulfilments]
        assert (min(days) if days else None) == state.commitments[cid].first_fulfilled_on
    for did, decision in view.decisions.items():
        assert (decision.taken is not None) == state.decisions[did].taken
    assert {(v, s.partner) for v, a in view.agreements.items() for s in a.signatures} == (
        state.signatures
    )


# -- 4. the diff -----------------------------------------------------------------------------


def test_every_core_type_has_a_summary() -> None:
    assert set(SUMMARIES) == set(CORE_TYPES)


def test_diff_between_two_dates_as_known_at_one_time() -> None:
    h = founded("a", "b")
    h.add(
        "CommitmentMade",
        "2026-02-01",
        actor="a",
        commitment="c1",
        partner="a",
        kind="money",
        description="Funds",
        value="10",
        currency="EUR",
        due="2026-03-01",
    )
    h.add(
        "CommitmentMade",
        "2026-02-02",
        actor="b",
        commitment="c2",
        partner="b",
        kind="skills",
        description="Mentors",
        due="2026-06-30",
    )
    h.add("DecisionProposed", "2026-02-10", decision="d", title="T", proposer="a")
    h.add("VoteCast", "2026-02-11", actor="b", decision="d", partner="b", position="for")
    h.add("DecisionTaken", "2026-02-12", decision="d", outcome="adopted", rationale="Yes")
    h.add("PartnerLeft", "2026-03-10", partner="b", reason="Done")
    h.add("PhaseChanged", "2026-03-11", phase="implementing")
    h.add(
        "CommitmentFulfilled",
        "2026-02-20",
        recorded="2026-04-01",
        actor="b",
        commitment="c2",
        evidence="Done",
    )  # recorded late, by a partner that has left since
    old = h.view("2026-02-05", "2026-03-20")
    new = h.view("2026-03-15", "2026-03-20")
    result = diff_views(old, new)
    assert [c.type for c in result.changes] == [
        "DecisionProposed",
        "VoteCast",
        "DecisionTaken",
        "PartnerLeft",
        "PhaseChanged",
    ]  # the fulfilment was not known on 20 March
    assert [(c.subject, c.partner) for c in result.changes][:2] == [
        ("decision:d", None),
        ("decision:d", "b"),
    ]
    assert result.changes[2].summary == "adopted: Yes"
    assert [(s.commitment, s.before, s.after) for s in result.statuses] == [
        ("c1", "open", "overdue")  # fell overdue on 2 March with no event at all
    ]
    assert (result.phase_before, result.phase_after) == ("scoping", "implementing")
    later = diff_views(h.view("2026-02-05", "2026-04-02"), h.view("2026-03-15", "2026-04-02"))
    assert "CommitmentFulfilled" in [c.type for c in later.changes]
    assert ("c2", "open", "fulfilled") in [
        (s.commitment, s.before, s.after) for s in later.statuses
    ]
    out = result.to_json()
    assert json.loads(json.dumps(out)) == out
    assert (out["version"], out["from"], out["to"]) == (1, "2026-02-05", "2026-03-15")
    assert out["statuses"] == [{"commitment": "c1", "owner": "a", "from": "open", "to": "overdue"}]
    with pytest.raises(InvalidInput):
        diff_views(new, old)


def test_a_diff_lists_new_commitments_with_their_status() -> None:
    h = founded("a")
    h.add(
        "CommitmentMade",
        "2026-02-01",
        actor="a",
        commitment="c",
        partner="a",
        kind="money",
        description="Funds",
        due="2026-02-10",
    )
    result = diff_views(h.view("2026-01-31"), h.view("2026-03-01"))
    assert [(s.commitment, s.before, s.after) for s in result.statuses] == [("c", None, "overdue")]
    assert result.changes[0].summary == "a committed Funds (due 2026-02-10)"
    quiet = diff_views(h.view("2026-01-31"), h.view("2026-02-05"))
    assert quiet.statuses == ()  # new and open: listed as a change, not as a status


# -- 5. packaging: the view is exported lazily and light --------------------------------------


def test_ledger_exports_the_view_lazily_without_loading_the_storage_stack() -> None:
    code = (
        "import sys, ledger; assert 'ledger.view' not in sys.modules; "
        "v = ledger.PartnershipView; b = ledger.ViewBuilder; "
        "import ledger.diff; "
        "assert v.__module__ == 'ledger.view', v; "
        "heavy = ('sqlalchemy', 'eventsourcing', 'click', 'rich'); "
        "loaded = [m for m in heavy if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_new_fact_keeps_the_recording_time_its_draft_carries(sqlite_url: str) -> None:
    from ledger.store import Ledger

    def draft(on: str, recorded: str, principle: str) -> Draft:
        return Draft(
            partnership=PID,
            type="PrincipleAdopted",
            actor="broker",
            data={"principle": principle},
            occurred_on=on,
            recorded_at=recorded,
        )

    with Ledger(sqlite_url) as ledger:
        ledger.record(
            Draft(
                partnership=PID,
                type="PartnershipFounded",
                actor="broker",
                occurred_on="2026-01-05",
                data={"name": "P", "purpose": "P", "scope": "local"},
                recorded_at="2026-01-05T10:00:00.000000Z",
            )
        )
        event = ledger.record(draft("2026-01-02", "2026-02-20T10:00:00.000000Z", "equity"))
        assert event.recorded_at == "2026-02-20T10:00:00.000000Z" and event.seq == 2
        with pytest.raises(Exception, match="earlier than the previous"):
            ledger.record(draft("2026-01-02", "2026-02-19T10:00:00.000000Z", "transparency"))
        with pytest.raises(Exception, match="after the day it is recorded"):
            ledger.record(draft("2026-02-21", "2026-02-20T11:00:00.000000Z", "transparency"))
        assert len(ledger.stream(PID)) == 2

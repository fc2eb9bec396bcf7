"""Equity rules EQ001-EQ006 (RULES.md, "Equity"), each shown firing and staying silent on the
nearest legal case: threshold boundaries, as-of dates either side of the event that matters,
partners who left or rejoined, engagement changes, late and out-of-order records, thresholds
agreed in the ledger, options and waivers."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import Envelope
from ledger.plugins import equity
from ledger.plugins.equity import (
    agenda_dominance,
    burden_concentration,
    decision_rule_breach,
    key_partner_limit,
    no_contribution,
    unheard_decider,
)
from ledger.rules import Finding, Rule
from ledger.testing import LedgerBuilder, PartnershipBuilder

FOUNDED = "2026-01-10"
JOINED = "2026-01-12"


def founded(
    book: LedgerBuilder, *keys: str, on: str = JOINED, pid: str = "p"
) -> PartnershipBuilder:
    """Partnership ``pid`` founded on 2026-01-10; ``keys`` join as key partners ``on``."""
    p = book.partnership(pid, on=FOUNDED)
    for partner in keys:
        p.partner(partner, on=on)
    return p


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def waive(p: PartnershipBuilder, rule: str, subject: str, by: str, **extra: Any) -> int:
    return p.record(
        "FindingWaived",
        on="2026-05-01",
        rule=rule,
        subject=subject,
        reason="Agreed at the steering meeting",
        approved_by=[by],
        **extra,
    ).seq


# -- the module ------------------------------------------------------------------------------


def test_the_module_gives_the_six_rules_of_rules_md() -> None:
    rules: list[Rule] = equity.pledger_rules()
    table = {(r.id, r.name, r.principle, r.severity, tuple(r.options.items())) for r in rules}
    assert table == {
        ("EQ001", "key-partner-limit", "equity", "warning", (("max_key_partners", 6),)),
        ("EQ002", "unheard-decider", "equity", "error", ()),
        ("EQ003", "decision-rule-breach", "equity", "error", ()),
        ("EQ004", "no-contribution", "equity", "warning", (("grace_days", 30),)),
        ("EQ005", "burden-concentration", "equity", "warning", (("max_share", 0.6),)),
        (
            "EQ006",
            "agenda-dominance",
            "equity",
            "info",
            (("min_decisions", 5), ("max_share", 0.7)),
        ),
    }
    for r in rules:
        assert r.summary and r.description and r.example, r.id


# -- EQ001 key-partner-limit -----------------------------------------------------------------


def test_eq001_silent_with_six_key_partners(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f")
    p.partner("g", on="2026-02-01", engagement="active")
    assert p.audit(key_partner_limit, as_of="2026-06-01") == []


def test_eq001_fires_when_a_seventh_partner_is_key(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f")
    seventh = p.partner("g", on="2026-02-01").seq
    f = only(p.audit(key_partner_limit, as_of="2026-02-01"))
    assert (f.rule, f.subject, f.partner, f.severity) == (
        "EQ001",
        "partnership:p",
        None,
        "warning",
    )
    assert f.evidence == (seventh,)
    assert f.message == (
        "7 partners were key at once on 2026-02-01 (a, b, c, d, e, f and g), more than the "
        "limit of 6."
    )
    assert p.audit(key_partner_limit, as_of="2026-01-31") == []


def test_eq001_engagement_change_crosses_the_limit(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f")
    p.partner("g", on=JOINED, engagement="active")
    change = p.record(
        "PartnerEngagementChanged", on="2026-03-01", partner="g", engagement="key", reason="Board"
    ).seq
    assert only(p.audit(key_partner_limit, as_of="2026-03-01")).evidence == (change,)
    assert p.audit(key_partner_limit, as_of="2026-02-28") == []


def test_eq001_a_same_day_swap_recorded_out_of_order_is_no_crossing(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f")
    p.partner("g", on="2026-03-01")  # recorded first, so for a moment seven are key...
    p.record("PartnerLeft", on="2026-03-01", partner="a", reason="Merged")  # ...but not that day
    assert p.audit(key_partner_limit, as_of="2026-06-01") == []


def test_eq001_partners_that_left_do_not_count_until_they_rejoin(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f")
    p.record("PartnerLeft", on="2026-02-01", partner="a", reason="Funding ended")
    p.partner("g", on="2026-02-10")
    assert p.audit(key_partner_limit, as_of="2026-03-31") == []
    rejoin = p.partner("a", on="2026-04-01").seq
    f = only(p.audit(key_partner_limit, as_of="2026-04-01"))
    assert f.evidence == (rejoin,)
    assert "on 2026-04-01" in f.message


def test_eq001_counts_further_crossings_and_the_peak(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f")
    g = p.partner("g", on="2026-02-01").seq
    p.record("PartnerLeft", on="2026-02-15", partner="g", reason="Pilot over")
    h = p.partner("h", on="2026-03-01").seq
    i = p.partner("i", on="2026-03-02").seq
    f = only(p.audit(key_partner_limit, as_of="2026-06-01"))
    assert f.evidence == (g, h, i)
    assert f.message == (
        "7 partners were key at once on 2026-02-01 (a, b, c, d, e, f and g), more than the "
        "limit of 6; the limit was crossed 2 times; at most 8 were key at once, on 2026-03-02."
    )


def test_eq001_a_swap_while_above_the_limit_crosses_nothing(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f", "g")
    p.record("PartnerLeft", on="2026-02-10", partner="a", reason="Merged")
    p.partner("h", on="2026-02-10")
    f = only(p.audit(key_partner_limit, as_of="2026-06-01"))
    assert f.evidence == tuple(range(2, 9))  # the seven joins of 12 January
    assert f.message.startswith("7 partners were key at once on 2026-01-12 (a, b, c, d, e, f")


def test_eq001_back_dated_join_recorded_late(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f")
    p.record("PhaseChanged", on="2026-04-01", phase="planning")
    late = p.partner("g", on="2026-02-01", at="2026-04-02T09:00:00Z").seq
    assert p.audit(key_partner_limit, as_of="2026-05-01", known_at="2026-04-01T23:00:00Z") == []
    f = only(p.audit(key_partner_limit, as_of="2026-05-01"))
    assert f.evidence == (late,)
    assert "on 2026-02-01" in f.message


def test_eq001_option_max_key_partners(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f", "g")
    options = {"max_key_partners": 7}
    assert p.audit(key_partner_limit, as_of="2026-06-01", options=options) == []
    p.partner("h", on="2026-03-01")
    f = only(p.audit(key_partner_limit, as_of="2026-06-01", options=options))
    assert f.message.startswith("8 partners were key at once on 2026-03-01")
    assert "limit of 7" in f.message


def test_eq001_waived(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c", "d", "e", "f", "g")
    waive(p, "EQ001", "partnership:p", by="a")
    assert only(p.audit(key_partner_limit, as_of="2026-06-01")).waived


# -- EQ002 unheard-decider -------------------------------------------------------------------


def propose(
    p: PartnershipBuilder, decision: str = "d-1", on: str = "2026-03-01", by: str = "a"
) -> Envelope:
    return p.record(
        "DecisionProposed", on=on, decision=decision, title="Open a second site", proposer=by
    )


def vote(p: PartnershipBuilder, partner: str, position: str = "for", **kw: Any) -> int:
    on = kw.pop("on", "2026-03-05")
    return p.record(
        "VoteCast", on=on, decision=kw.pop("decision", "d-1"), partner=partner, position=position
    ).seq


def take(p: PartnershipBuilder, outcome: str = "adopted", **kw: Any) -> int:
    on = kw.pop("on", "2026-03-10")
    return p.record("DecisionTaken", on=on, decision=kw.pop("decision", "d-1"), outcome=outcome).seq


def test_eq002_fires_for_the_decider_who_cast_no_vote(ledger_builder: LedgerBuilder) -> None:
    p = ledger_builder.partnership("p", on=FOUNDED)
    p.partner("a", on=JOINED)
    p.partner("b", on=JOINED)
    c_join = p.partner("c", on=JOINED).seq
    rule_set = p.record("DecisionRuleSet", on="2026-02-01", method="majority").seq
    proposal = propose(p).seq
    vote(p, "a")
    vote(p, "b", "against")
    taken = take(p)
    f = only(p.audit(unheard_decider, as_of="2026-06-01"))
    assert (f.rule, f.subject, f.partner, f.severity) == ("EQ002", "decision:d-1", "c", "error")
    assert f.evidence == (taken, c_join, rule_set, proposal)
    assert f.message == (
        'Decision d-1 ("Open a second site") was adopted on 2026-03-10 without a vote from c, '
        "an eligible decider under the majority rule of 2026-02-01 (2 of 3 eligible deciders "
        "voted)."
    )
    assert p.audit(unheard_decider, as_of="2026-03-09") == []  # still open: not judged


def test_eq002_silent_when_every_decider_voted_and_one_per_missing_decider(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder, "a", "b", "c")
    propose(p, "d-1")
    propose(p, "d-2")
    for partner in ("a", "b", "c"):
        vote(p, partner, "abstain")
    take(p, "rejected")
    vote(p, "a", decision="d-2")
    take(p, decision="d-2")
    found = p.audit(unheard_decider, as_of="2026-06-01")
    assert [(f.subject, f.partner) for f in found] == [("decision:d-2", "b"), ("decision:d-2", "c")]
    assert "rejected" not in " ".join(f.message for f in found)
    assert "no decision rule (the key partners decide)" in found[0].message


def test_eq002_only_key_partners_decide_without_named_deciders(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder, "a", "b")
    p.partner("adv", on=JOINED, engagement="advisory")
    p.partner("act", on=JOINED, engagement="active")
    propose(p)
    vote(p, "a")
    vote(p, "b")
    take(p)
    assert p.audit(unheard_decider, as_of="2026-06-01") == []


def test_eq002_named_deciders(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c")
    act_join = p.partner("act", on=JOINED, engagement="active").seq
    rule_set = p.record(
        "DecisionRuleSet", on="2026-02-01", method="committee", deciders=["a", "act"]
    ).seq
    propose(p)
    vote(p, "a")
    taken = take(p)
    f = only(p.audit(unheard_decider, as_of="2026-06-01"))  # b and c are key but not named
    assert (f.partner, f.evidence[:3]) == ("act", (taken, act_join, rule_set))
    assert "1 of 2 eligible deciders voted" in f.message


def test_eq002_decider_who_left_is_not_eligible_until_it_rejoins(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder, "a", "b", "c")
    propose(p, "d-1")
    propose(p, "d-2")
    vote(p, "a", on="2026-03-02")
    vote(p, "b", on="2026-03-02")
    p.record("PartnerLeft", on="2026-03-03", partner="c", reason="Paused")
    take(p, on="2026-03-04")
    assert p.audit(unheard_decider, as_of="2026-06-01") == []
    rejoin = p.partner("c", on="2026-03-06").seq
    vote(p, "a", on="2026-03-07", decision="d-2")
    vote(p, "b", on="2026-03-07", decision="d-2")
    taken = take(p, on="2026-03-08", decision="d-2")
    f = only(p.audit(unheard_decider, as_of="2026-06-01"))
    assert (f.subject, f.partner, f.evidence[:2]) == ("decision:d-2", "c", (taken, rejoin))


def test_eq002_a_vote_cast_before_leaving_and_rejoining_counts(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder, "a", "b")
    propose(p)
    vote(p, "a", on="2026-03-02")
    vote(p, "b", on="2026-03-02")
    p.record("PartnerLeft", on="2026-03-03", partner="b", reason="Paused")
    p.partner("b", on="2026-03-04")
    take(p)
    assert p.audit(unheard_decider, as_of="2026-06-01") == []


def test_eq002_engagement_changes_before_decision_time(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c")
    p.partner("d", on=JOINED, engagement="active")
    p.record(
        "PartnerEngagementChanged", on="2026-03-01", partner="c", engagement="active", reason="-"
    )
    promoted = p.record(
        "PartnerEngagementChanged", on="2026-03-01", partner="d", engagement="key", reason="Lead"
    ).seq
    proposal = propose(p).seq
    vote(p, "a")
    vote(p, "b")
    taken = take(p)
    f = only(p.audit(unheard_decider, as_of="2026-06-01"))
    assert (f.partner, f.evidence) == ("d", (taken, promoted, proposal))


def test_eq002_a_rule_set_the_same_day_after_the_decision_is_not_in_force(
    ledger_builder: LedgerBuilder,
) -> None:
    p = founded(ledger_builder, "a", "b", "c")
    p.record("DecisionRuleSet", on="2026-02-01", method="majority", deciders=["a", "b"])
    propose(p)
    vote(p, "a", on="2026-03-10")
    vote(p, "b", on="2026-03-10")
    take(p, on="2026-03-10")
    p.record("DecisionRuleSet", on="2026-03-10", method="majority", deciders=["a", "b", "c"])
    assert p.audit(unheard_decider, as_of="2026-06-01") == []


def test_eq002_back_dated_join_recorded_after_the_decision(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b")
    propose(p)
    vote(p, "a")
    vote(p, "b")
    taken = take(p)
    late = p.partner("c", on="2026-03-01", at="2026-04-15T09:00:00Z").seq
    assert p.audit(unheard_decider, as_of="2026-06-01", known_at="2026-04-14T23:59:59Z") == []
    f = only(p.audit(unheard_decider, as_of="2026-06-01"))
    assert (f.partner, f.evidence[:2]) == ("c", (taken, late))


def test_eq002_waived_for_the_partner_it_names(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c")
    propose(p)
    vote(p, "a")
    take(p)
    waive(p, "EQ002", "decision:d-1", by="a", partner="b")
    found = p.audit(unheard_decider, as_of="2026-06-01")
    assert [(f.partner, f.waived) for f in found] == [("b", True), ("c", False)]
    assert [f.waived for f in p.audit(unheard_decider, as_of="2026-04-30")] == [False, False]


# -- EQ003 decision-rule-breach --------------------------------------------------------------


def decided(
    book: LedgerBuilder,
    positions: dict[str, str],
    outcome: str = "adopted",
    keys: tuple[str, ...] = ("a", "b", "c", "d"),
    pid: str = "p",
    **rule: Any,
) -> tuple[PartnershipBuilder, dict[str, int]]:
    """Key partners ``keys``; a rule set (if ``rule`` names a method); decision d-1 with one
    vote per partner in ``positions``; taken with ``outcome``. Returns the builder and seqs."""
    p = founded(book, *keys, pid=pid)
    seqs: dict[str, int] = {}
    if rule:
        seqs["rule"] = p.record("DecisionRuleSet", on="2026-02-01", **rule).seq
    seqs["proposal"] = propose(p).seq
    for partner, position in positions.items():
        seqs[partner] = vote(p, partner, position)
    seqs["taken"] = take(p, outcome)
    return p, seqs


def test_eq003_consensus_against(ledger_builder: LedgerBuilder) -> None:
    p, s = decided(
        ledger_builder, {"a": "for", "b": "against", "c": "abstain", "d": "for"}, method="consensus"
    )
    f = only(p.audit(decision_rule_breach, as_of="2026-06-01"))
    assert (f.rule, f.subject, f.partner, f.severity) == (
        "EQ003",
        "decision:d-1",
        None,
        "error",
    )
    assert f.evidence == (s["taken"], s["b"], s["rule"], s["proposal"])
    assert f.message == (
        'Decision d-1 ("Open a second site") was adopted on 2026-03-10 in breach of the '
        "consensus rule of 2026-02-01: b voted against."
    )


def test_eq003_consensus_silent_without_against_or_when_rejected(
    ledger_builder: LedgerBuilder,
) -> None:
    p, _ = decided(
        ledger_builder, {"a": "for", "b": "abstain", "c": "for", "d": "for"}, method="consensus"
    )
    assert p.audit(decision_rule_breach, as_of="2026-06-01") == []


def test_eq003_rejected_decisions_are_not_judged(ledger_builder: LedgerBuilder) -> None:
    p, _ = decided(ledger_builder, {"a": "block", "b": "against"}, "rejected", method="consensus")
    assert p.audit(decision_rule_breach, as_of="2026-06-01") == []


def test_eq003_block_breaks_every_method_even_without_a_rule(
    ledger_builder: LedgerBuilder,
) -> None:
    p, s = decided(ledger_builder, {"a": "for", "b": "for", "c": "block", "d": "for"})
    f = only(p.audit(decision_rule_breach, as_of="2026-06-01"))
    assert f.evidence == (s["taken"], s["c"], s["proposal"])
    assert f.message == (
        'Decision d-1 ("Open a second site") was adopted on 2026-03-10 although c voted block '
        "(no decision rule was in force)."
    )
    q, _ = decided(ledger_builder, {"a": "for", "b": "against"}, keys=("a", "b"), pid="q")
    assert q.audit(decision_rule_breach, as_of="2026-06-01") == []


def test_eq003_block_under_majority(ledger_builder: LedgerBuilder) -> None:
    p, s = decided(
        ledger_builder, {"a": "for", "b": "for", "c": "block", "d": "for"}, method="majority"
    )
    f = only(p.audit(decision_rule_breach, as_of="2026-06-01"))
    assert f.evidence == (s["taken"], s["c"], s["rule"], s["proposal"])
    assert f.message.endswith("in breach of the majority rule of 2026-02-01: c voted block.")


def test_eq003_only_cast_votes_count(ledger_builder: LedgerBuilder) -> None:
    """A block by a partner that is not an eligible decider, or replaced by a later vote, is
    not a cast vote."""
    p = founded(ledger_builder, "a", "b")
    p.partner("act", on=JOINED, engagement="active")
    p.record("DecisionRuleSet", on="2026-02-01", method="consensus")
    propose(p)
    vote(p, "act", "block")
    vote(p, "a", "block", on="2026-03-02")
    vote(p, "a", "for", on="2026-03-03")
    vote(p, "b", "for")
    take(p)
    assert p.audit(decision_rule_breach, as_of="2026-06-01") == []


def test_eq003_unanimity(ledger_builder: LedgerBuilder) -> None:
    p, _ = decided(
        ledger_builder, {"a": "for", "b": "for", "c": "for", "d": "for"}, method="unanimity"
    )
    assert p.audit(decision_rule_breach, as_of="2026-06-01") == []
    q, s = decided(
        ledger_builder, {"a": "for", "b": "for", "c": "abstain"}, pid="q", method="unanimity"
    )
    f = only(q.audit(decision_rule_breach, as_of="2026-06-01"))
    assert f.evidence == (s["taken"], s["c"], s["rule"], s["proposal"])
    assert f.message.endswith(
        "in breach of the unanimity rule of 2026-02-01: not every eligible decider voted for "
        "(c voted abstain, d did not vote)."
    )


@pytest.mark.parametrize(
    ("positions", "quorum", "breach"),
    [
        ({"a": "for", "b": "abstain"}, None, None),  # 2 of 4 = the default quorum 0.5
        (
            {"a": "for"},
            None,
            "only 1 of 4 eligible deciders voted, below the quorum of 50%",
        ),
        # the quorum agreed in the ledger wins over the default
        (
            {"a": "for", "b": "for"},
            "0.75",
            "only 2 of 4 eligible deciders voted, below the quorum of 75%",
        ),
        ({"a": "for", "b": "for", "c": "abstain"}, "0.75", None),
        ({"a": "for"}, "0.25", None),
        ({"a": "for", "b": "for", "c": "against"}, None, None),
        (
            {"a": "for", "b": "for", "c": "against", "d": "against"},
            None,
            "2 for did not outnumber 2 against",
        ),
        ({"a": "abstain", "b": "abstain"}, None, "0 for did not outnumber 0 against"),
    ],
)
@pytest.mark.parametrize("method", ["majority", "committee"])
def test_eq003_majority_and_committee_quorum_and_count(
    ledger_builder: LedgerBuilder,
    method: str,
    positions: dict[str, str],
    quorum: str | None,
    breach: str | None,
) -> None:
    rule = {"method": method, **({"quorum": quorum} if quorum else {})}
    p, s = decided(ledger_builder, positions, **rule)
    found = p.audit(decision_rule_breach, as_of="2026-06-01")
    if breach is None:
        assert found == []
        return
    f = only(found)
    assert f.message.endswith(f"in breach of the {method} rule of 2026-02-01: {breach}.")
    against = [s[x] for x, pos in positions.items() if pos == "against"]
    assert f.evidence == (s["taken"], *against, s["rule"], s["proposal"])


def test_eq003_named_deciders_set_the_quorum_base(ledger_builder: LedgerBuilder) -> None:
    p, _ = decided(ledger_builder, {"a": "for"}, method="majority", deciders=["a", "b"])
    assert p.audit(decision_rule_breach, as_of="2026-06-01") == []  # 1 of 2 meets 0.5


def test_eq003_the_rule_in_force_at_decision_time_judges(ledger_builder: LedgerBuilder) -> None:
    p, _ = decided(ledger_builder, {"a": "for", "b": "against", "c": "for"}, method="majority")
    p.record("DecisionRuleSet", on="2026-04-01", method="consensus")
    assert p.audit(decision_rule_breach, as_of="2026-06-01") == []
    # a consensus rule recorded late but dated before the decision was in force at the time
    p.record("DecisionRuleSet", on="2026-03-01", method="consensus", at="2026-04-20T10:00:00Z")
    assert p.audit(decision_rule_breach, as_of="2026-06-01", known_at="2026-04-19T23:59:59Z") == []
    f = only(p.audit(decision_rule_breach, as_of="2026-06-01"))
    assert "consensus rule of 2026-03-01: b voted against" in f.message


def test_eq003_waived(ledger_builder: LedgerBuilder) -> None:
    p, _ = decided(ledger_builder, {"a": "for", "b": "against"}, method="consensus")
    waive(p, "EQ003", "decision:d-1", by="c")
    assert only(p.audit(decision_rule_breach, as_of="2026-06-01")).waived


# -- EQ004 no-contribution -------------------------------------------------------------------


X_JOINED, FIRST_SIGNATURE = 3, 5  # seqs in ``signed("a", "x")``


def signed(book: LedgerBuilder, *partners: str, joined: str = "2026-01-01") -> PartnershipBuilder:
    """``partners`` join as key on ``joined``; agreement version 1 drafted and signed by the
    first one on 2026-01-20; every partner but the last commits people."""
    p = book.partnership("p", on="2025-12-01")
    for partner in partners:
        p.partner(partner, on=joined)
    p.record("AgreementDrafted", on="2026-01-15", version=1, summary="Who does what")
    p.record("AgreementSigned", on="2026-01-20", version=1, partner=partners[0], signatory="Ana")
    for n, partner in enumerate(partners[:-1]):
        commit(p, f"c-{n}", partner)
    return p


def commit(p: PartnershipBuilder, commitment: str, partner: str, **fields: Any) -> int:
    fields.setdefault("kind", "people")
    return p.record(
        "CommitmentMade",
        on=fields.pop("on", "2026-01-25"),
        commitment=commitment,
        partner=partner,
        description=f"What {partner} brings",
        **fields,
    ).seq


def test_eq004_grace_days_boundary(ledger_builder: LedgerBuilder) -> None:
    p = signed(ledger_builder, "a", "x")
    assert p.audit(no_contribution, as_of="2026-01-31") == []  # 30 days after joining
    f = only(p.audit(no_contribution, as_of="2026-02-01"))  # 31 days
    assert (f.rule, f.subject, f.partner, f.severity) == ("EQ004", "partner:x", "x", "warning")
    assert f.evidence == (X_JOINED, FIRST_SIGNATURE)
    assert f.message == (
        "x, a key partner that joined on 2026-01-01 (31 days before the audit date, more than "
        "the 30-day grace period), holds no live commitment although the agreement was first "
        "signed on 2026-01-20."
    )


def test_eq004_silent_before_the_first_signature(ledger_builder: LedgerBuilder) -> None:
    p = ledger_builder.partnership("p", on="2025-12-01")
    p.partner("x", on="2026-01-01")
    p.record("AgreementDrafted", on="2026-01-15", version=1, summary="Who does what")
    assert p.audit(no_contribution, as_of="2026-05-01") == []
    p.record("AgreementSigned", on="2026-05-02", version=1, partner="x", signatory="Xi")
    assert p.audit(no_contribution, as_of="2026-05-01") == []
    assert only(p.audit(no_contribution, as_of="2026-05-02")).partner == "x"


def test_eq004_any_live_commitment_counts(ledger_builder: LedgerBuilder) -> None:
    p = signed(ledger_builder, "a", "x")
    commit(p, "c-x", "x", kind="contacts")  # non-money, no value: counts fully
    assert p.audit(no_contribution, as_of="2026-06-01") == []


def test_eq004_fulfilled_counts_withdrawn_does_not(ledger_builder: LedgerBuilder) -> None:
    p = signed(ledger_builder, "a", "x")
    commit(p, "c-x", "x")
    p.record("CommitmentFulfilled", on="2026-02-10", commitment="c-x", evidence="Trainers came")
    assert p.audit(no_contribution, as_of="2026-06-01") == []
    withdrawal = p.record(
        "CommitmentWithdrawn", on="2026-03-01", commitment="c-x", reason="No budget"
    ).seq
    assert p.audit(no_contribution, as_of="2026-02-28") == []
    f = only(p.audit(no_contribution, as_of="2026-03-01"))
    assert f.evidence == (X_JOINED, FIRST_SIGNATURE, withdrawal)
    assert f.message.endswith("; the 1 commitment it made was withdrawn.")


def test_eq004_only_key_and_active_partners(ledger_builder: LedgerBuilder) -> None:
    p = signed(ledger_builder, "a", "x")
    p.partner("pil", on="2026-01-01", engagement="pilot")
    p.partner("adv", on="2026-01-01", engagement="advisory")
    act = p.partner("act", on="2026-01-01", engagement="active").seq
    found = p.audit(no_contribution, as_of="2026-06-01")
    assert [(f.subject, f.partner) for f in found] == [("partner:act", "act"), ("partner:x", "x")]
    assert found[0].message.startswith("act, an active partner that joined on 2026-01-01")
    assert found[0].evidence == (act, FIRST_SIGNATURE)


def test_eq004_engagement_changes(ledger_builder: LedgerBuilder) -> None:
    p = signed(ledger_builder, "a", "x")
    p.record(
        "PartnerEngagementChanged",
        on="2026-03-01",
        partner="x",
        engagement="advisory",
        reason="Stepping back",
    )
    assert p.audit(no_contribution, as_of="2026-04-01") == []
    back = p.record(
        "PartnerEngagementChanged",
        on="2026-04-02",
        partner="x",
        engagement="active",
        reason="Back in",
    ).seq
    assert only(p.audit(no_contribution, as_of="2026-04-02")).evidence == (
        X_JOINED,
        FIRST_SIGNATURE,
        back,
    )


def test_eq004_grace_runs_from_the_latest_join(ledger_builder: LedgerBuilder) -> None:
    p = signed(ledger_builder, "a", "x")
    p.record("PartnerLeft", on="2026-03-01", partner="x", reason="Paused")
    assert p.audit(no_contribution, as_of="2026-03-15") == []  # left: not judged
    rejoin = p.partner("x", on="2026-04-01").seq
    assert p.audit(no_contribution, as_of="2026-05-01") == []  # 30 days after rejoining
    f = only(p.audit(no_contribution, as_of="2026-05-02"))
    assert f.evidence == (rejoin, FIRST_SIGNATURE)
    assert "joined on 2026-04-01 (31 days before the audit date" in f.message


def test_eq004_option_grace_days(ledger_builder: LedgerBuilder) -> None:
    p = signed(ledger_builder, "a", "x")
    assert p.audit(no_contribution, as_of="2026-03-02", options={"grace_days": 60}) == []
    f = only(p.audit(no_contribution, as_of="2026-03-03", options={"grace_days": 60}))
    assert "(61 days before the audit date, more than the 60-day grace period)" in f.message


def test_eq004_back_dated_commitment_recorded_late(ledger_builder: LedgerBuilder) -> None:
    p = signed(ledger_builder, "a", "x")
    p.record("PhaseChanged", on="2026-04-01", phase="implementing")
    commit(p, "c-x", "x", on="2026-02-01", at="2026-04-10T08:00:00Z")
    before = p.audit(no_contribution, as_of="2026-05-01", known_at="2026-04-09T23:59:59Z")
    assert only(before).partner == "x"
    assert p.audit(no_contribution, as_of="2026-05-01") == []


def test_eq004_waived(ledger_builder: LedgerBuilder) -> None:
    p = signed(ledger_builder, "a", "x")
    waive(p, "EQ004", "partner:x", by="a", partner="x")
    f = only(p.audit(no_contribution, as_of="2026-06-01"))
    assert (f.partner, f.waived) == ("x", True)


# -- EQ005 burden-concentration --------------------------------------------------------------


def burdened(book: LedgerBuilder, values: dict[str, Any], pid: str = "p") -> Any:
    """Key partners a, b, c; one EUR commitment per entry of ``values`` (partner -> value)."""
    p = founded(book, "a", "b", "c", pid=pid)
    seqs = {
        owner: commit(p, f"c-{owner}", owner, kind="money", value=str(v), currency="EUR")
        for owner, v in values.items()
    }
    return p, seqs


def test_eq005_fires_above_the_share(ledger_builder: LedgerBuilder) -> None:
    p, s = burdened(ledger_builder, {"a": 70000, "b": 20000, "c": 10000})
    f = only(p.audit(burden_concentration, as_of="2026-06-01"))
    assert (f.rule, f.subject, f.partner, f.severity) == (
        "EQ005",
        "partnership:p",
        "a",
        "warning",
    )
    assert f.evidence == (s["a"],)
    assert f.message == (
        "a holds 70% of the value of live EUR commitments (70,000 of 100,000 EUR, among 3 "
        "partners), more than the limit of 60%."
    )


def test_eq005_at_the_limit_and_just_above(ledger_builder: LedgerBuilder) -> None:
    p, _ = burdened(ledger_builder, {"a": 6000, "b": 3000, "c": 1000})
    assert p.audit(burden_concentration, as_of="2026-06-01") == []
    q, _ = burdened(ledger_builder, {"a": 6001, "b": 3000, "c": 999}, pid="q")
    assert (
        "a holds 60.01% of the value"
        in only(q.audit(burden_concentration, as_of="2026-06-01")).message
    )


def test_eq005_needs_three_holders_per_currency(ledger_builder: LedgerBuilder) -> None:
    p = founded(ledger_builder, "a", "b", "c")
    commit(p, "c-a", "a", kind="money", value="90000", currency="EUR")
    commit(p, "c-b", "b", kind="money", value="5000", currency="EUR")
    commit(p, "c-c", "c", kind="money", value="5000", currency="USD")
    commit(p, "c-c2", "c", kind="people")
    assert p.audit(burden_concentration, as_of="2026-06-01") == []


def test_eq005_valueless_commitments_are_left_out_and_counted(
    ledger_builder: LedgerBuilder,
) -> None:
    p, _ = burdened(ledger_builder, {"a": 8000, "b": 1000, "c": 1000})
    commit(p, "c-b2", "b", kind="facilities")
    commit(p, "c-c2", "c", kind="skills")
    f = only(p.audit(burden_concentration, as_of="2026-06-01"))
    assert f.message.endswith("; 2 live commitments without a value left out.")


def test_eq005_revisions_and_withdrawals(ledger_builder: LedgerBuilder) -> None:
    p, s = burdened(ledger_builder, {"a": 5000, "b": 3000, "c": 2000})
    assert p.audit(burden_concentration, as_of="2026-06-01") == []
    revised = p.record(
        "CommitmentRevised", on="2026-03-01", commitment="c-a", reason="More", value="12000"
    ).seq
    assert p.audit(burden_concentration, as_of="2026-02-28") == []
    f = only(p.audit(burden_concentration, as_of="2026-03-01"))
    assert f.evidence == (s["a"], revised)
    assert "(12,000 of 17,000 EUR" in f.message
    # withdrawn on 1 April, recorded on 10 May: until then a still held 70.59%
    p.record(
        "CommitmentWithdrawn", on="2026-04-01", commitment="c-c", reason="Cut", at="2026-05-10"
    )
    early = p.audit(burden_concentration, as_of="2026-04-01", known_at="2026-05-09T23:59:59Z")
    assert "a holds 70.59% of the value" in only(early).message
    assert p.audit(burden_concentration, as_of="2026-04-01") == []  # two holders left


def test_eq005_largest_commitment_first_and_fulfilled_ones_count(
    ledger_builder: LedgerBuilder,
) -> None:
    p, s = burdened(ledger_builder, {"a": 1000, "b": 1000, "c": 1000})
    big = commit(p, "c-a2", "a", kind="money", value="9000", currency="EUR")
    p.record("CommitmentFulfilled", on="2026-02-01", commitment="c-a2", evidence="Paid")
    f = only(p.audit(burden_concentration, as_of="2026-06-01"))
    assert f.evidence == (big, s["a"])
    assert "a holds 83.34% of the value" in f.message  # 10,000 of 12,000, rounded up


def test_eq005_one_finding_per_partner_over_currencies(ledger_builder: LedgerBuilder) -> None:
    p, s = burdened(ledger_builder, {"a": 8000, "b": 1000, "c": 1000})
    usd = commit(p, "c-a-usd", "a", kind="money", value="900", currency="USD")
    commit(p, "c-b-usd", "b", kind="money", value="50", currency="USD")
    commit(p, "c-c-usd", "c", kind="money", value="50", currency="USD")
    f = only(p.audit(burden_concentration, as_of="2026-06-01"))
    assert f.evidence == (s["a"], usd)
    assert f.message.startswith("a holds 80% of the value of live EUR commitments")
    assert "; it is over the limit in 2 currencies." in f.message


def test_eq005_option_max_share(ledger_builder: LedgerBuilder) -> None:
    p, _ = burdened(ledger_builder, {"a": 70000, "b": 20000, "c": 10000})
    assert p.audit(burden_concentration, as_of="2026-06-01", options={"max_share": 0.7}) == []
    f = only(p.audit(burden_concentration, as_of="2026-06-01", options={"max_share": 0.65}))
    assert "more than the limit of 65%" in f.message


def test_eq005_waived(ledger_builder: LedgerBuilder) -> None:
    p, _ = burdened(ledger_builder, {"a": 70000, "b": 20000, "c": 10000})
    waive(p, "EQ005", "partnership:p", by="b", partner="a")
    assert only(p.audit(burden_concentration, as_of="2026-06-01")).waived


# -- EQ006 agenda-dominance ------------------------------------------------------------------


def agenda(book: LedgerBuilder, proposers: str, keys: str = "abc", pid: str = "p") -> Any:
    """Key partners ``keys``; one decision per letter of ``proposers``, proposed by it."""
    p = founded(book, *keys, pid=pid)
    seqs = [
        propose(p, f"d-{n}", on=f"2026-03-{n + 1:02d}", by=by).seq for n, by in enumerate(proposers)
    ]
    return p, seqs


def test_eq006_fires_above_the_share(ledger_builder: LedgerBuilder) -> None:
    p, seqs = agenda(ledger_builder, "aabaa")
    f = only(p.audit(agenda_dominance, as_of="2026-06-01"))
    assert (f.rule, f.subject, f.partner, f.severity) == ("EQ006", "partnership:p", "a", "info")
    assert f.evidence == (seqs[0], seqs[1], seqs[3], seqs[4])
    assert f.message == (
        "a proposed 4 of the 5 decisions (80%), more than the limit of 70% in a partnership "
        "of 3 partners."
    )
    assert p.audit(agenda_dominance, as_of="2026-03-04") == []  # 4 decisions so far


def test_eq006_at_the_limit_and_just_above(ledger_builder: LedgerBuilder) -> None:
    p, _ = agenda(ledger_builder, "aaaaaaabcb")  # 7 of 10
    assert p.audit(agenda_dominance, as_of="2026-06-01") == []
    q, _ = agenda(ledger_builder, "aaaaaaaabc", pid="q")  # 8 of 10
    assert (
        "a proposed 8 of the 10 decisions (80%)"
        in only(q.audit(agenda_dominance, as_of="2026-06-01")).message
    )
    r, _ = agenda(ledger_builder, "aabab", pid="r")  # 3 of 5
    assert r.audit(agenda_dominance, as_of="2026-06-01") == []


def test_eq006_needs_three_partners_at_the_audit_date(ledger_builder: LedgerBuilder) -> None:
    p, _ = agenda(ledger_builder, "aaaaa", keys="ab")
    p.partner("c", on="2026-04-01", engagement="advisory")
    assert p.audit(agenda_dominance, as_of="2026-03-31") == []
    assert only(p.audit(agenda_dominance, as_of="2026-04-01")).partner == "a"
    p.record("PartnerLeft", on="2026-05-01", partner="c", reason="Done")
    assert p.audit(agenda_dominance, as_of="2026-05-01") == []


def test_eq006_options(ledger_builder: LedgerBuilder) -> None:
    p, _ = agenda(ledger_builder, "aaab")
    assert p.audit(agenda_dominance, as_of="2026-06-01") == []  # 4 decisions, fewer than 5
    f = only(p.audit(agenda_dominance, as_of="2026-06-01", options={"min_decisions": 4}))
    assert "a proposed 3 of the 4 decisions (75%)" in f.message
    assert (
        p.audit(
            agenda_dominance, as_of="2026-06-01", options={"min_decisions": 4, "max_share": 0.75}
        )
        == []
    )


def test_eq006_waived(ledger_builder: LedgerBuilder) -> None:
    p, _ = agenda(ledger_builder, "aaaaa")
    waive(p, "EQ006", "partnership:p", by="b", partner="a")
    assert only(p.audit(agenda_dominance, as_of="2026-06-01")).waived

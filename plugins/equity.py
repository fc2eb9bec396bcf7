"""Equity (EQ): an equal right to be at the table (RULES.md).

Every term is RULES.md's and comes from the view: "partner at T" and "key partners at T" are
``Partner.is_partner_at`` / ``PartnershipView.key_partners_at``; the rule in force, the eligible
deciders and the cast votes of a decision are taken at decision time (``decision.taken.moment``,
so a fact of the same day counts only if it comes earlier in the stream).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import ROUND_UP, Decimal
from itertools import groupby
from typing import TYPE_CHECKING

from ledger import hookimpl, rule
from ledger.rules import Context, Finding, Rule

if TYPE_CHECKING:
    from ledger.view import (
        Commitment,
        DecisionRule,
        PartnershipView,
        Vote,
    )


#: RULES.md: a finding keeps at most 20 evidence seqs (the total goes in the message).
MAX_EVIDENCE = 20

# -- small helpers ---------------------------------------------------------------------------


def _pct(share: Decimal) -> str:
    """A share as a percentage, to at most two decimals, rounded up so that a share above a
    limit never reads as the limit: 0.6 -> "60%", 2/3 -> "66.67%", 0.60001 -> "60.01%"."""
    text = f"{(share * 100).quantize(Decimal('0.01'), rounding=ROUND_UP):f}"
    return text.rstrip("0").rstrip(".") + "%"


def _amount(value: Decimal) -> str:
    return f"{value:,f}"


def _names(ids: Iterable[str]) -> str:
    ids = list(ids)
    return ", ".join(ids[:-1]) + f" and {ids[-1]}" if len(ids) > 1 else "".join(ids)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _cut(evidence: list[int], what: str) -> str:
    """The clause telling how much evidence there is when more than a finding keeps."""
    return f" ({len(evidence)} {what} in all)" if len(evidence) > MAX_EVIDENCE else ""


def _rule_text(found: DecisionRule | None) -> str:
    if found is None:
        return "no decision rule (the key partners decide)"
    return f"the {found.method} rule of {found.occurred_on}"


# -- the rules -------------------------------------------------------------------------------


@rule(
    "EQ001",
    name="key-partner-limit",
    principle="equity",
    severity="warning",
    options={"max_key_partners": 6},
    example="Six partners join as key on 2026-01-10; a seventh joins as key on 2026-02-01 "
    "(or an active partner becomes key): one finding on partnership:ID, evidence that join.",
)
def key_partner_limit(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """At some date more than `max_key_partners` partners were key at once.

    Key partners are counted at the end of each day on which a partner joined, changed
    engagement or left, so a swap on one day (one key partner leaves, another joins) is not
    a crossing whatever order it was recorded in. A crossing is a day that ends with more key
    partners than the limit after a day that did not; the evidence is the joins and engagement
    changes that made partners key on the days the count rose above the limit, the first
    crossing first. One finding per partnership: further crossings and the peak are counted in
    the message."""
    limit = ctx.options["max_key_partners"]
    if len(view.partners) <= limit:
        return  # never more key partners than partners
    # Every join, engagement change and leave, in "before" order; sweeping them day by day
    # keeps the key partners at the end of each day (a partner's latest entry is in force).
    entries = sorted(
        ((p.id, e) for p in view.partners.values() for e in p.history),
        key=lambda pe: (pe[1].occurred_on, pe[1].seq),
    )
    evidence: list[int] = []
    crossings: list[tuple[date, tuple[str, ...]]] = []
    peak: tuple[int, date] | None = None
    key: set[str] = set()  # the key partners at the end of the day swept last
    before = 0
    for day, group in groupby(entries, key=lambda pe: pe[1].occurred_on):
        changes = list(group)
        key_the_day_before = set(key)
        for pid, entry in changes:
            if entry.kind != "left" and entry.engagement == "key":
                key.add(pid)
            else:
                key.discard(pid)
        count = len(key)
        if count > limit and count > before:
            if before <= limit:
                crossings.append((day, tuple(sorted(key))))
            evidence += [
                e.seq
                for pid, e in changes
                if e.kind != "left" and e.engagement == "key" and pid not in key_the_day_before
            ]
        if count > limit and (peak is None or count > peak[0]):
            peak = (count, day)
        before = count
    if not crossings or peak is None:
        return
    day, keys = crossings[0]
    message = (
        f"{len(keys)} partners were key at once on {day} ({_names(keys)}), more than the limit "
        f"of {limit}"
    )
    if len(crossings) > 1:
        message += f"; the limit was crossed {len(crossings)} times"
    if peak[0] > len(keys):
        message += f"; at most {peak[0]} were key at once, on {peak[1]}"
    message += _cut(evidence, "joins and engagement changes") + "."
    yield ctx.finding(f"partnership:{view.partnership}", message, evidence=evidence)


@rule(
    "EQ002",
    name="unheard-decider",
    principle="equity",
    severity="error",
    example="DecisionRuleSet majority; key partners a, b and c; only a and b vote on d-1 before "
    "DecisionTaken d-1: one finding on decision:d-1 for partner c.",
)
def unheard_decider(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A decision was taken while an eligible decider of the rule in force at decision time had
    cast no vote; one finding per missing decider.

    Adopted and rejected decisions alike. The eligible deciders are the rule's named deciders
    who are partners at decision time, else the key partners at decision time; a vote counts
    if it is the decider's, on the decision and before decision time, even if cast before the
    decider left and rejoined. Open decisions are not judged. Evidence: the DecisionTaken, the
    join or engagement change that made the partner a decider, the rule in force, the
    proposal."""
    for decision in view.decisions.values():
        taken = decision.taken
        if taken is None:
            continue
        when = taken.moment
        eligible = view.eligible_deciders(when)
        cast = view.cast_votes(decision.id)
        if len(cast) == len(eligible):
            continue  # every eligible decider voted (the cast votes are theirs only)
        in_force = view.rule_in_force(when)  # only for the message, so only now
        for partner in eligible:
            if partner in cast:
                continue
            entry = view.partners[partner].entry_at(when)
            yield ctx.finding(
                f"decision:{decision.id}",
                f'Decision {decision.id} ("{decision.title}") was {taken.outcome} on '
                f"{taken.occurred_on} without a vote from {partner}, an eligible "
                f"decider under {_rule_text(in_force)} ({len(cast)} of "
                f"{_plural(len(eligible), 'eligible decider')} voted).",
                partner=partner,
                evidence=[
                    taken.seq,
                    *([entry.seq] if entry else []),
                    *([in_force.seq] if in_force else []),
                    decision.seq,
                ],
            )


@rule(
    "EQ003",
    name="decision-rule-breach",
    principle="equity",
    severity="error",
    example="DecisionRuleSet consensus; b votes against d-1; DecisionTaken d-1 adopted: one "
    "finding on decision:d-1.",
)
def decision_rule_breach(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A decision was adopted although a cast vote is block (every method); under consensus, a
    cast vote is against; under unanimity, not every eligible decider cast for; under majority
    and committee, fewer than the quorum of the eligible deciders cast a vote (abstentions count
    as cast), or the for votes do not outnumber the against votes.

    Only the cast votes count: the latest vote of each eligible decider before decision time,
    so a block by a partner that is not a decider, or one replaced by a later vote, does not.
    The quorum is the one the rule in force recorded, else 0.5; it is met when the votes cast
    are at least that share of the eligible deciders. With no rule in force only a block is a
    breach. Rejected and open decisions are not judged. The message lists every breach;
    evidence: the DecisionTaken, the votes that breach, the rule in force, the proposal."""
    for decision in view.decisions.values():
        taken = decision.taken
        if taken is None or taken.outcome != "adopted":
            continue
        when = taken.moment
        in_force = view.rule_in_force(when)
        eligible = view.eligible_deciders(when)
        reasons, votes = _breaches(in_force, eligible, view.cast_votes(decision.id))
        if not reasons:
            continue
        how = "although" if in_force is None else f"in breach of {_rule_text(in_force)}:"
        yield ctx.finding(
            f"decision:{decision.id}",
            f'Decision {decision.id} ("{decision.title}") was adopted on '
            f"{taken.occurred_on} {how} {'; '.join(reasons)}"
            + (" (no decision rule was in force)" if in_force is None else "")
            + ".",
            evidence=[
                taken.seq,
                *votes,
                *([in_force.seq] if in_force else []),
                decision.seq,
            ],
        )


def _breaches(
    in_force: DecisionRule | None, eligible: tuple[str, ...], cast: Mapping[str, Vote]
) -> tuple[list[str], list[int]]:
    """What in the cast votes breaks the rule in force: reasons, and the seqs of the votes.

    Judged on the positions alone; who voted so is looked up only for a breach (rare)."""
    reasons: list[str] = []
    votes: list[int] = []
    positions = [v.position for v in cast.values()]
    if "block" in positions:
        blocks = _voters(cast, "block")
        reasons.append(f"{_names(blocks)} voted block")
        votes += [cast[p].seq for p in blocks]
    method = in_force.method if in_force else None
    if method == "consensus" and "against" in positions:
        against = _voters(cast, "against")
        reasons.append(f"{_names(against)} voted against")
        votes += [cast[p].seq for p in against]
    elif method == "unanimity":
        others = [p for p in eligible if p not in cast or cast[p].position != "for"]
        if others:
            said = [
                f"{p} voted {cast[p].position}" if p in cast else f"{p} did not vote"
                for p in others
            ]
            reasons.append(f"not every eligible decider voted for ({', '.join(said)})")
            votes += [cast[p].seq for p in others if p in cast]
    elif in_force is not None and in_force.effective_quorum is not None:
        quorum = in_force.effective_quorum
        if Decimal(len(cast)) < quorum * len(eligible):
            reasons.append(
                f"only {len(cast)} of {_plural(len(eligible), 'eligible decider')} voted, "
                f"below the quorum of {_pct(quorum)}"
            )
        pro, con = positions.count("for"), positions.count("against")
        if pro <= con:
            reasons.append(f"{pro} for did not outnumber {con} against")
            votes += [cast[p].seq for p in _voters(cast, "against")]
    return reasons, votes


def _voters(cast: Mapping[str, Vote], position: str) -> list[str]:
    """The deciders whose cast vote is ``position``, in the cast votes' order."""
    return [p for p, v in cast.items() if v.position == position]


@rule(
    "EQ004",
    name="no-contribution",
    principle="equity",
    severity="warning",
    options={"grace_days": 30},
    example="AgreementSigned on 2026-02-01; partner x joined as key on 2026-01-10 and made no "
    "commitment: audited as of 2026-02-10 (31 days after joining), one finding on partner:x.",
)
def no_contribution(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """Once the first AgreementSigned has occurred, a partner that is key or active at the
    audit date, and whose latest PartnerJoined is more than `grace_days` days before the
    audit date, holds no live commitment (of any kind: non-money counts fully).

    A live commitment is one made and not withdrawn by the audit date, fulfilled or not, even
    if made before the partner left and rejoined. Pilot and advisory partners, and partners
    that have left, are not judged; the grace period runs from the latest join, so a rejoin
    starts it again. Evidence: the latest PartnerJoined, the first AgreementSigned, the
    engagement change in force (if any), then the withdrawals of its commitments."""
    grace = ctx.options["grace_days"]
    signatures = [s for a in view.agreements.values() for s in a.signatures]
    if not signatures:
        return
    # the partners holding a live commitment are not judged: set them aside at once
    unheld = _holding_nothing(view)
    if not unheld:
        return  # every partner holds one (the usual case)
    first = min(signatures, key=lambda s: (s.occurred_on, s.seq))
    for partner in view.partners.values():
        if partner.id not in unheld:
            continue
        engagement = partner.engagement_at(ctx.audit_date)
        if engagement not in ("key", "active"):
            continue
        joined = partner.latest_join
        if joined is None:
            continue
        days = (ctx.audit_date - joined.occurred_on).days
        if days <= grace:
            continue
        withdrawn = [  # it holds no live commitment: every one it made was withdrawn
            c.withdrawal.seq
            for c in view.commitments.values()
            if c.owner == partner.id and c.withdrawal is not None
        ]
        entry = partner.history[-1]  # the entry in force at the audit date
        article = "an" if engagement == "active" else "a"
        message = (
            f"{partner.id}, {article} {engagement} partner that joined on {joined.occurred_on} "
            f"({_plural(days, 'day')} before the audit date, more than the {grace}-day grace "
            f"period), holds no live commitment although the agreement was first signed on "
            f"{first.occurred_on}"
        )
        if withdrawn:
            n = len(withdrawn)
            message += f"; the {_plural(n, 'commitment')} it made {'was' if n == 1 else 'were'}"
            message += " withdrawn"
        yield ctx.finding(
            f"partner:{partner.id}",
            message + ".",
            partner=partner.id,
            evidence=[
                joined.seq,
                first.seq,
                *([entry.seq] if entry.kind == "changed" else []),
                *withdrawn,
            ],
        )


def _holding_nothing(view: PartnershipView) -> set[str]:
    """The partners that hold no live commitment. The commitments are read only until every
    partner has been seen holding one, which is the usual case."""
    unheld = set(view.partners)
    for c in view.commitments.values():
        if c.withdrawal is None:
            unheld.discard(c.owner)
            if not unheld:
                break
    return unheld


@rule(
    "EQ005",
    name="burden-concentration",
    principle="equity",
    severity="warning",
    options={"max_share": 0.6},
    example="Live EUR commitments: a 70,000, b 20,000, c 10,000: a holds 70% (more than 60%) "
    "of the value among 3 partners: one finding on partnership:ID for partner a.",
)
def burden_concentration(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """Per currency, among live commitments with a value: with at least 3 partners holding
    such commitments, one partner holds more than `max_share` of the total; commitments
    without a value are left out and counted in the message.

    The value is the one in force (the latest CommitmentRevised that sets one, else the
    commitment's own); withdrawn commitments are left out, fulfilled ones count, and so do
    those of partners that have left. A commitment that got a value by revision but has no
    currency is left out with those without a value. A total of 0 is not judged. One finding
    per partner: a second currency it dominates is counted in the message. Evidence: that
    partner's commitments in the currency, largest first, with the revisions that set their
    value."""
    limit = Decimal(str(ctx.options["max_share"]))
    valueless = 0  # live commitments without a value (or without a currency)
    by_currency: dict[str, list[tuple[Commitment, Decimal]]] = defaultdict(list)
    for c in view.commitments.values():
        if c.withdrawal is not None:
            continue  # not live
        value = c.value  # the value in force
        if value is None or c.currency is None:
            valueless += 1
        else:
            by_currency[c.currency].append((c, value))
    found: dict[str, list[tuple[str, list[int]]]] = defaultdict(list)
    for currency, held in sorted(by_currency.items()):
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for c, value in held:
            totals[c.owner] += value or Decimal(0)
        total = sum(totals.values(), Decimal(0))
        if len(totals) < 3 or total == 0:
            continue
        for owner, amount in totals.items():
            if amount / total <= limit:
                continue
            own = [(c, value) for c, value in held if c.owner == owner]
            own.sort(key=lambda cv: -(cv[1] or 0))  # largest first
            found[owner].append(
                (
                    f"{owner} holds {_pct(amount / total)} of the value of live {currency} "
                    f"commitments ({_amount(amount)} of {_amount(total)} {currency}, among "
                    f"{len(totals)} partners), more than the limit of {_pct(limit)}",
                    [s for c, _ in own for s in (c.seq, *_value_revision(c))],
                )
            )
    for owner, cases in found.items():
        message = cases[0][0]
        evidence = [s for _, seqs in cases for s in seqs]
        if len(cases) > 1:
            message += f"; it is over the limit in {len(cases)} currencies"
        if valueless:
            message += f"; {_plural(valueless, 'live commitment')} without a value left out"
        yield ctx.finding(
            f"partnership:{view.partnership}",
            message + _cut(evidence, "events") + ".",
            partner=owner,
            evidence=evidence,
        )


def _value_revision(commitment: Commitment) -> list[int]:
    revisions = [r.seq for r in commitment.revisions if r.value is not None]
    return revisions[-1:]


@rule(
    "EQ006",
    name="agenda-dominance",
    principle="equity",
    severity="info",
    options={"min_decisions": 5, "max_share": 0.7},
    example="Three partners; a proposes 4 of the 5 decisions (80%, more than 70%): one finding "
    "on partnership:ID for partner a.",
)
def agenda_dominance(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """With at least `min_decisions` decisions proposed and at least 3 partners, one partner
    proposed more than `max_share` of them.

    Every decision proposed by the audit date counts, whether taken or still open. The
    partners counted are the partners at the audit date. Evidence: that partner's
    DecisionProposed events, in order."""
    decisions = list(view.decisions.values())
    if len(decisions) < ctx.options["min_decisions"]:
        return
    partners = len(view.engagements_at(ctx.audit_date))  # the partners at the audit date
    if partners < 3:
        return
    limit = Decimal(str(ctx.options["max_share"]))
    proposers: dict[str, list[int]] = defaultdict(list)
    for decision in decisions:
        proposers[decision.proposer].append(decision.seq)
    for proposer, seqs in proposers.items():
        share = Decimal(len(seqs)) / len(decisions)
        if share <= limit:
            continue
        yield ctx.finding(
            f"partnership:{view.partnership}",
            f"{proposer} proposed {len(seqs)} of the {len(decisions)} decisions ({_pct(share)}), "
            f"more than the limit of {_pct(limit)} in a partnership of {partners} partners"
            + _cut(seqs, "proposals")
            + ".",
            partner=proposer,
            evidence=seqs,
        )


@hookimpl
def pledger_rules() -> list[Rule]:
    return [
        key_partner_limit,
        unheard_decider,
        decision_rule_breach,
        no_contribution,
        burden_concentration,
        agenda_dominance,
    ]

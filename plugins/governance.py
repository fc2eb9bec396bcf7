"""Governance of the process (GV): the partners set up how they work before they work (RULES.md).

"Before" is RULES.md's: an earlier ``occurred_on``, or the same day and a lower ``seq``; record
``moment``s compare exactly that way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ledger import hookimpl, rule
from ledger.rules import Context, Finding, Rule

if TYPE_CHECKING:
    from datetime import date

    from ledger.view import Fact, PartnershipView, Signature

REQUIRED_PRINCIPLES = ("equity", "transparency", "mutual-benefit")
NAMED = 5  # cases named in a message; the rest are counted


def _start(view: PartnershipView) -> tuple[Fact, str] | None:
    """RULES.md's implementation start, and how it came about, in words."""
    start = view.implementation_start
    if start is None:
        return None
    for change in view.phases:
        if change.seq == start.seq:
            return start, "the phase changed to implementing"
    for report in view.progress:
        if report.seq == start.seq:
            return start, f"{report.partner} reported progress"
    for commitment in view.commitments.values():
        if any(f.seq == start.seq for f in commitment.fulfilments):
            return start, f"{commitment.owner} fulfilled commitment {commitment.id}"
    return start, "implementation started"


def _first_signature(view: PartnershipView) -> tuple[int, Signature] | None:
    """The first ``AgreementSigned`` of any version, with its version."""
    first: tuple[int, Signature] | None = None
    first_at: tuple[date, int] | None = None  # its moment
    for agreement in view.agreements.values():
        for s in agreement.signatures:
            at = (s.occurred_on, s.seq)
            if first_at is None or at < first_at:
                first, first_at = (agreement.version, s), at
    return first


def _named(ids: list[str]) -> str:
    shown = ", ".join(ids[:NAMED])
    return shown + (f" and {len(ids) - NAMED} more" if len(ids) > NAMED else "")


@rule(
    "GV001",
    name="unsigned-implementation",
    principle="governance",
    severity="error",
    example="AgreementDrafted version 1 on 2026-02-01, signed by city only; PhaseChanged to "
    "implementing on 2026-03-01 while ngo is key: one finding for ngo.",
)
def unsigned_implementation(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """At implementation start, a partner key at that moment had not signed the latest
    agreement version drafted before it (or no agreement had been drafted: one finding,
    partner null).

    Implementation start is the first PhaseChanged to implementing, else the first
    CommitmentFulfilled or ProgressReported. "Before" is an earlier day, or the same day and an
    earlier record, so a partner that joins, or signs, later on the day implementation starts
    is judged as it stood before. The latest version is the highest version number drafted
    before the start; only signatures of that version made before the start count, so a later
    signature does not cure the finding (the message says when it came). Partners that had left
    at the start, or were then active, pilot or advisory, are not asked to have signed."""
    found = _start(view)
    if found is None:
        return
    start, how = found
    started = (start.occurred_on, start.seq)
    subject = f"partnership:{view.partnership}"
    drafted = [a for a in view.agreements.values() if (a.occurred_on, a.seq) < started]
    if not drafted:
        later = list(view.agreements.values())[:1]
        yield ctx.finding(
            subject,
            f"Implementation started on {start.occurred_on} ({how}) before any partnership "
            "agreement was drafted"
            + "".join(f"; version {a.version} was drafted only on {a.occurred_on}" for a in later)
            + ".",
            evidence=(start.seq, *(a.seq for a in later)),
        )
        return
    agreement = max(drafted, key=lambda a: a.version)
    # Every partner key at the start (in id order) that had not signed that version before it.
    signed_before = {s.partner for s in agreement.signatures if (s.occurred_on, s.seq) < started}
    for pid in sorted(view.partners):
        if pid in signed_before:
            continue
        partner = view.partners[pid]
        made_key = partner.entry_at(start.moment)  # its engagement entry at the start
        if made_key is None or made_key.kind == "left" or made_key.engagement != "key":
            continue  # not a key partner at the start
        signatures = [s for s in agreement.signatures if s.partner == pid]  # all came later
        joined = [e for e in partner.history if e.kind == "joined" and e.moment <= made_key.moment]
        late = "".join(f"; it signed only on {s.occurred_on}" for s in signatures)
        yield ctx.finding(
            subject,
            f"Implementation started on {start.occurred_on} ({how}) while key partner {pid} "
            f"had not signed agreement version {agreement.version}, drafted on "
            f"{agreement.occurred_on}{late}.",
            partner=pid,
            evidence=(
                start.seq,
                made_key.seq,
                *(e.seq for e in joined[-1:]),
                agreement.seq,
                *(s.seq for s in signatures),
            ),
        )


@rule(
    "GV002",
    name="no-indicators",
    principle="governance",
    severity="warning",
    example="PhaseChanged to implementing on 2026-03-01; the first IndicatorDefined on 2026-04-01.",
)
def no_indicators(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """Implementation started with no IndicatorDefined before it.

    Without indicators agreed up front, nobody can later tell whether the partnership did
    what it set out to do. An indicator defined later the same day as the start, or on a
    later day, comes too late; the message says when the first one came."""
    found = _start(view)
    if found is None:
        return
    start, how = found
    started = (start.occurred_on, start.seq)
    if any((i.occurred_on, i.seq) < started for i in view.indicators.values()):
        return
    later = list(view.indicators.values())[:1]
    yield ctx.finding(
        f"partnership:{view.partnership}",
        f"Implementation started on {start.occurred_on} ({how}) with no indicator defined to "
        "measure it"
        + "".join(f"; the first, {i.id}, was defined only on {i.occurred_on}" for i in later)
        + ".",
        evidence=(start.seq, *(i.seq for i in later)),
    )


@rule(
    "GV003",
    name="no-decision-rules",
    principle="governance",
    severity="warning",
    example="DecisionTaken d-1 on 2026-02-01; the first DecisionRuleSet on 2026-02-10.",
)
def no_decision_rules(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A decision was taken with no DecisionRuleSet before it (one finding, on the first such
    decision).

    Decision time is the decision's DecisionTaken, whether it adopted or rejected. Decisions
    are ordered by decision time, not by proposal; the later decisions also taken before any
    rule was set are counted in the message and cited after the first. A DecisionRuleSet
    recorded later but dated before the decision counts."""
    first_rule = view.decision_rules[0] if view.decision_rules else None
    first_set_at = (first_rule.occurred_on, first_rule.seq) if first_rule is not None else None
    # the decisions taken before the first rule (its moment: first_set_at), by decision time
    ruleless = sorted(
        (
            (d.taken, d)
            for d in view.decisions.values()
            if d.taken is not None
            and (first_set_at is None or (d.taken.occurred_on, d.taken.seq) < first_set_at)
        ),
        key=lambda td: (td[0].occurred_on, td[0].seq),
    )
    if not ruleless:
        return
    (when, first), others = ruleless[0], ruleless[1:]
    n = len(others)
    more = f", and so {'were' if n > 1 else 'was'} {n} later decision{'s' * (n > 1)}"
    more += f" ({_named([d.id for _, d in others])})"
    rule_set = (
        f"; the first rule was set on {first_rule.occurred_on}"
        if first_rule
        else "; none has been set yet"
    )
    yield ctx.finding(
        f"decision:{first.id}",
        f'Decision {first.id} ("{first.title}") was taken on {when.occurred_on} before the '
        f"partners had set any decision-making rule{more if others else ''}{rule_set}.",
        evidence=(
            when.seq,
            *((first_rule.seq,) if first_rule else ()),
            *(t.seq for t, _ in others),
        ),
    )


@rule(
    "GV004",
    name="risks-not-discussed",
    principle="governance",
    severity="warning",
    example="AgreementSigned version 1 by city on 2026-02-01; the first RiskIdentified on "
    "2026-03-01.",
)
def risks_not_discussed(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """The first AgreementSigned has no RiskIdentified before it.

    The first signature is the earliest AgreementSigned of any version, by any partner. A risk
    identified later, even the same day with a later record, does not count; the message says
    when the first one came. Nothing is judged before anyone signs."""
    first = _first_signature(view)
    if first is None:
        return
    version, signature = first
    signed = (signature.occurred_on, signature.seq)
    if any((r.occurred_on, r.seq) < signed for r in view.risks.values()):
        return
    later = list(view.risks.values())[:1]
    yield ctx.finding(
        f"partnership:{view.partnership}",
        f"{signature.partner} signed agreement version {version} on {signature.occurred_on}, "
        "the first signature, before any risk had been identified"
        + "".join(f"; the first risk, {r.id}, was identified on {r.occurred_on}" for r in later)
        + ".",
        evidence=(signature.seq, *(r.seq for r in later)),
    )


@rule(
    "GV005",
    name="principles-not-adopted",
    principle="governance",
    severity="info",
    example="AgreementSigned on 2026-02-01 after PrincipleAdopted equity only: transparency and "
    "mutual-benefit were not adopted.",
)
def principles_not_adopted(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """The first AgreementSigned came before equity, transparency and mutual-benefit were each
    adopted with PrincipleAdopted.

    A principle counts when a PrincipleAdopted before the first signature names it exactly
    (`equity`, `transparency`, `mutual-benefit`); other principles and free text do not
    replace them. The message names the principles missing at the first signature and cites
    their later adoptions, if any. Nothing is judged before anyone signs."""
    first = _first_signature(view)
    if first is None:
        return
    version, signature = first
    signed = (signature.occurred_on, signature.seq)
    adopted = {p.principle for p in view.principles if (p.occurred_on, p.seq) < signed}
    missing = [name for name in REQUIRED_PRINCIPLES if name not in adopted]
    if not missing:
        return
    later = [
        next(p for p in view.principles if p.principle == name)
        for name in missing
        if any(p.principle == name for p in view.principles)
    ]
    yield ctx.finding(
        f"partnership:{view.partnership}",
        f"{signature.partner} signed agreement version {version} on {signature.occurred_on}, "
        f"the first signature, before the partners had adopted {' and '.join(missing)} as "
        f"principle{'s' * (len(missing) > 1)}.",
        evidence=(signature.seq, *(p.seq for p in later)),
    )


@rule(
    "GV006",
    name="closure-without-learning",
    principle="governance",
    severity="warning",
    example="PartnershipClosed on 2026-12-01 while commitment c-1 is neither fulfilled nor "
    "withdrawn, and no LearningShared.",
)
def closure_without_learning(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """The partnership closed with live commitments neither fulfilled nor withdrawn, or with no
    LearningShared by the audit date.

    A commitment is settled by any CommitmentFulfilled (partial deliveries included) or by its
    CommitmentWithdrawn. The `learning` field of PartnershipClosed does not replace a
    LearningShared, which may come before or after the closure: a LearningShared dated by
    the audit date, and recorded by the known-at time, clears that part. One finding names
    the open commitments (counted past five) and the missing learning."""
    closure = view.closure
    if closure is None:
        return
    open_ = [c for c in view.commitments.values() if c.live and not c.fulfilled]
    parts = []
    if open_:
        names = _named([f"{c.id} of {c.owner}" for c in open_])
        many = len(open_) > 1
        parts.append(
            f"{len(open_)} commitment{'s' * many} neither fulfilled nor withdrawn ({names})"
        )
    if not view.learning:
        parts.append(f"no learning shared by {ctx.audit_date}")
    if not parts:
        return
    yield ctx.finding(
        f"partnership:{view.partnership}",
        f"The partnership closed on {closure.occurred_on} with {' and with '.join(parts)}.",
        evidence=(closure.seq, *(c.seq for c in open_)),
    )


@hookimpl
def pledger_rules() -> list[Rule]:
    return [
        unsigned_implementation,
        no_indicators,
        no_decision_rules,
        risks_not_discussed,
        principles_not_adopted,
        closure_without_learning,
    ]

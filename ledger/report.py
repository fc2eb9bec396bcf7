"""The HTML report (``pledger report``, ``pledger audit --format html``): one self-contained page
a partnership's board can open offline or receive by e-mail.

The page is built in two steps so each can be tested on its own: ``build_page`` turns a
``PartnershipView`` and its audit findings into plain records (counts, amounts, the vote
matrix...), and ``render_html`` pours them into the jinja2 template ``templates/report.html``
with autoescaping on. Charts are SVG drawn by pygal in Python and inlined; pygal escapes the
labels it is given (they are XML text), and ``_svg`` drops its configuration script and checks
what is left is inert SVG before the page marks it safe. No user text is ever marked safe.
The page loads nothing: no script, font, stylesheet or image from anywhere, and a
Content-Security-Policy that forbids them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from ledger.errors import InvalidInput

if TYPE_CHECKING:
    import pluggy
    from markupsafe import Markup

    from ledger.audit import AuditedPartnership, AuditReport
    from ledger.config import Config
    from ledger.rules import Finding
    from ledger.store import Ledger
    from ledger.view import PartnershipView

#: The cycle in order (EVENTS.md ``PhaseChanged.phase``, then ``PartnershipClosed``).
PHASES = ("scoping", "building", "planning", "implementing", "reviewing", "sustaining", "closed")
STATUSES = ("fulfilled", "open", "overdue", "withdrawn")
POSITIONS = ("for", "against", "abstain", "block")
#: A matrix cell besides a vote: an eligible decider with no vote on a taken decision, one
#: still to vote on an open decision, and a partner that was not a decider.
NOT_HEARD, PENDING, NOT_DECIDER = "not heard", "pending", ""
RATINGS = ("green", "amber", "red")
SEVERITY_ORDER = ("error", "warning", "info")

# Colours: the Okabe-Ito palette (safe for colour-blind readers), kept meaningful: green is
# done or good, vermillion late or bad, amber in between, blue still open.
COLOURS = {
    "fulfilled": "#009E73",
    "open": "#56B4E9",
    "overdue": "#D55E00",
    "withdrawn": "#BBBBBB",
    "green": "#009E73",
    "amber": "#E69F00",
    "red": "#D55E00",
    "for": "#009E73",
    "against": "#D55E00",
    "abstain": "#BBBBBB",
    "block": "#882255",
    NOT_HEARD: "#E69F00",
    "error": "#D55E00",
    "warning": "#E69F00",
    "info": "#56B4E9",
    "phase": "#0072B2",
}
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif'


# -- the records the template reads -------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    on: date
    seq: int
    kind: str
    text: str


@dataclass(frozen=True)
class PartnerLine:
    id: str
    name: str
    sector: str
    engagement: str
    joined_on: date | None
    representative: str | None
    signed: bool | None


@dataclass(frozen=True)
class Amounts:
    """Value promised by a set of commitments (withdrawn ones aside), split by status."""

    fulfilled: Decimal = Decimal(0)
    open: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)

    @property
    def promised(self) -> Decimal:
        return self.fulfilled + self.open + self.overdue

    def plus(self, status: str, value: Decimal) -> Amounts:
        if status == "withdrawn":
            return self
        return replace(self, **{status: getattr(self, status) + value})


@dataclass(frozen=True)
class PartnerCommitments:
    partner: str
    name: str
    counts: Mapping[str, int]
    money: Mapping[str, Amounts]
    in_kind: Mapping[str, Amounts]
    non_money: Mapping[str, int]
    quantities: Mapping[str, Amounts]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CommitmentLine:
    id: str
    owner: str
    owner_name: str
    kind: str
    description: str
    amount: str
    due: date | None
    status: str
    days_overdue: int


@dataclass(frozen=True)
class DecisionColumn:
    id: str
    title: str
    proposer: str
    status: str
    on: date
    tally: Mapping[str, int]


@dataclass(frozen=True)
class MatrixRow:
    partner: str
    name: str
    cells: tuple[str, ...]
    totals: Mapping[str, int]
    comments: tuple[str | None, ...]


@dataclass(frozen=True)
class ReviewLine:
    id: str
    opened: date
    concluded: date | None
    ratings: Mapping[str, int]
    worth: Mapping[str, int]
    aspects: Mapping[str, Mapping[str, int]]
    submitted: tuple[str, ...]
    missing: tuple[str, ...]
    findings: str | None
    recommendations: tuple[str, ...]
    comments: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        return f"{self.id} ({self.concluded or self.opened})"


@dataclass(frozen=True)
class Evidence:
    seq: int
    on: date | None
    type: str
    summary: str


@dataclass(frozen=True)
class FindingLine:
    finding: Finding
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class RuleGroup:
    """One rule's findings on one partnership."""

    rule: str
    name: str
    summary: str
    findings: tuple[FindingLine, ...]

    @property
    def severities(self) -> dict[str, int]:
        counts = Counter(line.finding.severity for line in self.findings)
        return {s: counts[s] for s in SEVERITY_ORDER if counts[s]}

    @property
    def folded(self) -> bool:
        """Info-only rules are folded: a board reads errors and warnings first."""
        return all(line.finding.severity == "info" for line in self.findings)


@dataclass(frozen=True)
class PrincipleGroup:
    principle: str
    rules: tuple[RuleGroup, ...]

    @property
    def findings(self) -> tuple[FindingLine, ...]:
        return tuple(line for rule in self.rules for line in rule.findings)

    @property
    def severities(self) -> dict[str, int]:
        counts = Counter(line.finding.severity for line in self.findings)
        return {s: counts[s] for s in SEVERITY_ORDER if counts[s]}


@dataclass
class PartnershipPage:
    """Everything the page shows about one partnership; ``view`` is None for a findings-only
    page (an audit renderer called without the ledger)."""

    id: str
    name: str
    checkpoint: str | None
    events: int
    findings: tuple[PrincipleGroup, ...]
    waived: tuple[FindingLine, ...]
    summary: Mapping[str, int]
    view: PartnershipView | None = None
    partners: tuple[PartnerLine, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    commitments: tuple[PartnerCommitments, ...] = ()
    commitment_lines: tuple[CommitmentLine, ...] = ()
    currencies: tuple[str, ...] = ()
    status_counts: Mapping[str, int] = field(default_factory=dict)
    decisions: tuple[DecisionColumn, ...] = ()
    matrix: tuple[MatrixRow, ...] = ()
    reviews: tuple[ReviewLine, ...] = ()
    charts: dict[str, Markup] = field(default_factory=dict)

    @property
    def overdue(self) -> tuple[CommitmentLine, ...]:
        late = [c for c in self.commitment_lines if c.status == "overdue"]
        return tuple(sorted(late, key=lambda c: -c.days_overdue))

    def totals(self, currency: str, money: bool) -> Amounts:
        total = Amounts()
        for line in self.commitments:
            bucket = (line.money if money else line.in_kind).get(currency)
            if bucket is not None:
                total = Amounts(
                    total.fulfilled + bucket.fulfilled,
                    total.open + bucket.open,
                    total.overdue + bucket.overdue,
                )
        return total


@dataclass(frozen=True)
class Report:
    """The whole page: one ``PartnershipPage`` per audited partnership, and the audit's
    provenance for the footer (the date and time it speaks for, config hash, plugins)."""

    as_of: date
    known_at: datetime
    pages: tuple[PartnershipPage, ...]
    summary: Mapping[str, int]
    fail_on: str
    config_sha256: str
    plugins: tuple[tuple[str, str], ...]
    version: str


# -- building -------------------------------------------------------------------------------------


def build_report(audit: AuditReport, views: Mapping[str, PartnershipView] | None = None) -> Report:
    """The report of an audit; each audited partnership gets its full page when ``views``
    holds its view (replayed as of the audit's date, as known at its time), else findings
    only."""
    summaries = {rid: rule.summary for rid, rule in audit.rules.items()}
    pages = []
    for audited in audit.partnerships:
        view = (views or {}).get(audited.id)
        found = [f for f in audit.findings if f.partnership == audited.id]
        pages.append(build_page(audited, found, view, summaries))
    return Report(
        as_of=audit.as_of,
        known_at=audit.known_at,
        pages=tuple(pages),
        summary=audit.summary,
        fail_on=audit.fail_on,
        config_sha256=audit.config_sha256,
        plugins=audit.plugins,
        version=_version(),
    )


def build_page(
    audited: AuditedPartnership,
    findings: Sequence[Finding],
    view: PartnershipView | None,
    summaries: Mapping[str, str] | None = None,
) -> PartnershipPage:
    """One partnership's page: the view's sections (when there is a view) and its findings."""
    summary: Counter[str] = Counter({s: 0 for s in (*SEVERITY_ORDER, "waived")})
    for f in findings:
        summary["waived" if f.waived else f.severity] += 1
    evidence = _evidence_index(view) if view is not None else {}
    groups = _principle_groups([f for f in findings if not f.waived], evidence, summaries or {})
    waived = tuple(_finding_line(f, evidence) for f in findings if f.waived)
    page = PartnershipPage(
        id=audited.id,
        name=(view.name if view is not None else None) or audited.id,
        checkpoint=audited.checkpoint,
        events=audited.events,
        findings=groups,
        waived=waived,
        summary=dict(summary),
        view=view,
    )
    if view is None:
        page.charts["findings"] = _findings_chart(page)
        return page
    page.partners = _partners(view)
    page.milestones = _milestones(view)
    page.commitments, page.commitment_lines = _commitments(view)
    page.currencies = tuple(
        sorted({cur for line in page.commitments for cur in (*line.money, *line.in_kind)})
    )
    page.status_counts = dict(Counter(c.status for c in page.commitment_lines))
    page.decisions, page.matrix = _decisions(view)
    page.reviews = _reviews(view)
    page.charts = _charts(page, view)
    return page


def _name(view: PartnershipView, partner: str) -> str:
    record = view.partners.get(partner)
    return (record.name if record is not None else None) or partner


def _partners(view: PartnershipView) -> tuple[PartnerLine, ...]:
    agreement = view.latest_agreement
    lines = []
    for p in view.partners.values():
        if p.engagement is not None:
            engagement = p.engagement
        else:
            engagement = "left" if p.history else "identified"
        lines.append(
            PartnerLine(
                id=p.id,
                name=p.name or p.id,
                sector=p.sector or "",
                engagement=engagement,
                joined_on=p.joined_on,
                representative=p.representative,
                signed=None if agreement is None else p.id in agreement.signed_by,
            )
        )
    order = {"key": 0, "active": 1, "pilot": 2, "advisory": 3, "identified": 4, "left": 5}
    return tuple(sorted(lines, key=lambda line: order.get(line.engagement, 9)))


def _milestones(view: PartnershipView) -> tuple[Milestone, ...]:
    """The cycle's landmarks: founding, phases, partners joining and leaving (grouped by day),
    agreement versions and their signatures, reviews, next steps, closure."""
    out: list[Milestone] = []
    if view.founding is not None:
        f = view.founding
        out.append(Milestone(f.occurred_on, f.seq, "founded", f"Founded: {f.name}"))
    for change in view.phases:
        text = f"Phase: {change.phase}" + (f" ({change.reason})" if change.reason else "")
        out.append(Milestone(change.occurred_on, change.seq, "phase", text))
    joins: dict[tuple[int, int], list[tuple[date, int, str]]] = defaultdict(list)
    for p in view.partners.values():
        for entry in p.history:
            if entry.kind == "joined":
                month = (entry.occurred_on.year, entry.occurred_on.month)
                joins[month].append((entry.occurred_on, entry.seq, p.name or p.id))
            elif entry.kind == "left":
                text = f"{p.name or p.id} left" + (f": {entry.reason}" if entry.reason else "")
                out.append(Milestone(entry.occurred_on, entry.seq, "left", text))
    for joined in joins.values():  # one line a month: a big partnership joins over weeks
        joined.sort()
        names = [name for _, _, name in joined]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        noun = "partner joined" if len(names) == 1 else "partners joined"
        first = joined[0]
        out.append(Milestone(first[0], first[1], "joined", f"{len(names)} {noun}: {shown}"))
    for version in view.agreements.values():
        out.append(
            Milestone(
                version.occurred_on,
                version.seq,
                "agreement",
                f"Agreement v{version.version} drafted: {version.summary}",
            )
        )
        if version.signatures:
            last = max(version.signatures, key=lambda s: s.moment)
            n = len(version.signed_by)
            out.append(
                Milestone(
                    last.occurred_on,
                    last.seq,
                    "signed",
                    f"Agreement v{version.version} signed by {n} partner{'s' * (n != 1)}",
                )
            )
    for review in view.reviews.values():
        out.append(
            Milestone(review.occurred_on, review.seq, "review", f"Review {review.id} opened")
        )
        if review.conclusion is not None:
            c = review.conclusion
            out.append(
                Milestone(
                    c.occurred_on, c.seq, "review", f"Review {review.id} concluded: {c.findings}"
                )
            )
    for choice in view.sustainability:
        out.append(
            Milestone(
                choice.occurred_on,
                choice.seq,
                "next",
                f"Next step: {choice.option} ({choice.rationale})",
            )
        )
    for inst in view.institutionalisations:
        out.append(
            Milestone(inst.occurred_on, inst.seq, "next", f"Institutionalised: {inst.structure}")
        )
    if view.closure is not None:
        closure = view.closure
        out.append(
            Milestone(closure.occurred_on, closure.seq, "closed", f"Closed: {closure.reason}")
        )
    return tuple(sorted(out, key=lambda m: (m.on, m.seq)))


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,f}"


def _commitments(
    view: PartnershipView,
) -> tuple[tuple[PartnerCommitments, ...], tuple[CommitmentLine, ...]]:
    """Per partner: commitments by status, money and valued in-kind commitments by currency,
    the quantities of the rest; and every commitment as a line."""
    day = view.as_of
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    money: dict[str, dict[str, Amounts]] = defaultdict(dict)
    in_kind: dict[str, dict[str, Amounts]] = defaultdict(dict)
    non_money: dict[str, Counter[str]] = defaultdict(Counter)
    quantities: dict[str, dict[str, Amounts]] = defaultdict(dict)
    lines = []
    for c in view.commitments.values():
        status = c.status(day)
        counts[c.owner][status] += 1
        if c.kind != "money":
            non_money[c.owner][status] += 1
        if c.value is not None and c.currency:
            bucket = money if c.kind == "money" else in_kind
            bucket[c.owner][c.currency] = (
                bucket[c.owner].get(c.currency, Amounts()).plus(status, c.value)
            )
        parts = []
        if c.quantity is not None:
            parts.append(f"{_amount(c.quantity)} {c.unit or ''}".strip())
            if c.kind != "money":
                unit = c.unit or c.kind
                quantities[c.owner][unit] = (
                    quantities[c.owner].get(unit, Amounts()).plus(status, c.quantity)
                )
        if c.value is not None:
            parts.append(f"{c.currency} {_amount(c.value)}")
        lines.append(
            CommitmentLine(
                id=c.id,
                owner=c.owner,
                owner_name=_name(view, c.owner),
                kind=c.kind,
                description=c.description,
                amount=", ".join(parts),
                due=c.due,
                status=status,
                days_overdue=c.days_overdue(day),
            )
        )
    owners = [p for p in view.partners if p in counts or view.partners[p].is_partner]
    per_partner = tuple(
        PartnerCommitments(
            partner=p,
            name=_name(view, p),
            counts={s: counts[p][s] for s in STATUSES},
            money=dict(sorted(money[p].items())),
            in_kind=dict(sorted(in_kind[p].items())),
            non_money={s: non_money[p][s] for s in STATUSES},
            quantities=dict(sorted(quantities[p].items())),
        )
        for p in owners
    )
    return per_partner, tuple(lines)


def _decisions(view: PartnershipView) -> tuple[tuple[DecisionColumn, ...], tuple[MatrixRow, ...]]:
    """The participation matrix: for each partner and decision, its latest vote before
    decision time, else whether it was an eligible decider left unheard (RULES.md)."""
    columns = []
    cells: dict[str, list[str]] = {p: [] for p in view.partners}
    comments: dict[str, list[str | None]] = {p: [] for p in view.partners}
    for d in view.decisions.values():
        when = d.taken.moment if d.taken is not None else view.as_of
        eligible = set(view.eligible_deciders(when))
        latest = d.latest_votes
        tally: Counter[str] = Counter()
        for p in cells:
            if p in latest:
                cell = latest[p].position
            elif p in eligible:
                cell = NOT_HEARD if d.taken is not None else PENDING
            else:
                cell = NOT_DECIDER
            cells[p].append(cell)
            comments[p].append(latest[p].comment if p in latest else None)
            if cell:
                tally[cell] += 1
        columns.append(
            DecisionColumn(
                id=d.id,
                title=d.title,
                proposer=_name(view, d.proposer),
                status=d.status,
                on=d.taken.occurred_on if d.taken is not None else d.occurred_on,
                tally=dict(tally),
            )
        )
    rows = tuple(
        MatrixRow(
            partner=p,
            name=_name(view, p),
            cells=tuple(row),
            totals=dict(Counter(c for c in row if c)),
            comments=tuple(comments[p]),
        )
        for p, row in cells.items()
        if any(row) or view.partners[p].is_partner
    )
    return tuple(columns), rows


def _reviews(view: PartnershipView) -> tuple[ReviewLine, ...]:
    out = []
    for r in view.reviews.values():
        ratings: Counter[str] = Counter()
        worth: Counter[str] = Counter()
        aspects: dict[str, Counter[str]] = defaultdict(Counter)
        for sub in r.latest_submissions.values():
            for aspect, rating in sub.ratings.items():
                ratings[rating] += 1
                aspects[aspect][rating] += 1
            if sub.worth:
                worth[sub.worth] += 1
        end = r.conclusion.moment if r.conclusion is not None else view.as_of
        expected = set(view.key_partners_at(r.moment)) & set(view.partners_at(end))
        out.append(
            ReviewLine(
                id=r.id,
                opened=r.occurred_on,
                concluded=r.conclusion.occurred_on if r.conclusion is not None else None,
                ratings={k: ratings[k] for k in RATINGS},
                worth={k: worth[k] for k in RATINGS},
                aspects={a: {k: n[k] for k in RATINGS} for a, n in sorted(aspects.items())},
                submitted=tuple(_name(view, p) for p in r.latest_submissions),
                missing=tuple(_name(view, p) for p in sorted(expected - set(r.latest_submissions))),
                findings=r.conclusion.findings if r.conclusion is not None else None,
                recommendations=r.conclusion.recommendations if r.conclusion is not None else (),
                comments=tuple(
                    (_name(view, p), sub.comments)
                    for p, sub in r.latest_submissions.items()
                    if sub.comments
                ),
            )
        )
    return tuple(out)


def _evidence_index(view: PartnershipView) -> dict[int, Evidence]:
    from ledger.diff import SUMMARIES

    index = {}
    for event in view.events:
        describe = SUMMARIES.get(event.type)
        try:
            summary = describe(event.data) if describe else ""
        except (KeyError, TypeError, ValueError):  # a plugin's type may lack a field we expect
            summary = ""
        index[event.seq] = Evidence(event.seq, event.occurred, event.type, summary)
    return index


def _finding_line(finding: Finding, evidence: Mapping[int, Evidence]) -> FindingLine:
    return FindingLine(
        finding,
        tuple(evidence.get(seq) or Evidence(seq, None, "", "") for seq in sorted(finding.evidence)),
    )


def _principle_groups(
    findings: Sequence[Finding], evidence: Mapping[int, Evidence], summaries: Mapping[str, str]
) -> tuple[PrincipleGroup, ...]:
    """Findings by principle (the audit's order), then by rule, the most severe rules first."""
    from ledger.formats import PRINCIPLE_ORDER

    present = {f.principle for f in findings}
    order = [p for p in PRINCIPLE_ORDER if p in present] + sorted(present - set(PRINCIPLE_ORDER))
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    groups = []
    for principle in order:
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            if f.principle == principle:
                by_rule[f.rule].append(f)
        rules = [
            RuleGroup(
                rule=rid,
                name=found[0].name,
                summary=summaries.get(rid, ""),
                findings=tuple(_finding_line(f, evidence) for f in found),
            )
            for rid, found in by_rule.items()
        ]
        rules.sort(
            key=lambda r: (min(rank.get(line.finding.severity, 9) for line in r.findings), r.rule)
        )
        groups.append(PrincipleGroup(principle, tuple(rules)))
    return tuple(groups)


# -- charts ---------------------------------------------------------------------------------------


def _charts(page: PartnershipPage, view: PartnershipView) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    key = page.id
    if view.founding is not None:
        charts["cycle"] = _cycle_chart(view, f"{key}-cycle")
    for currency in page.currencies:
        for money in (True, False):
            rows = [
                (line.name, (line.money if money else line.in_kind).get(currency))
                for line in page.commitments
            ]
            present = [(name, amounts) for name, amounts in rows if amounts and amounts.promised]
            if present:
                kind = "money" if money else "inkind"
                title = f"Money, {currency}" if money else f"In kind, valued in {currency}"
                charts[f"{kind}-{currency}"] = _amounts_chart(
                    present, title, f"{key}-{kind}-{currency}"
                )
    counted = [line for line in page.commitments if sum(line.non_money.values())]
    if counted:
        charts["non-money"] = _status_count_chart(counted, f"{key}-nonmoney")
    if page.decisions:
        charts["votes"] = _votes_chart(page.matrix, f"{key}-votes")
    if page.reviews:
        charts["ratings"] = _ratings_chart(page.reviews, "ratings", f"{key}-ratings")
        if any(sum(r.worth.values()) for r in page.reviews):
            charts["worth"] = _ratings_chart(page.reviews, "worth", f"{key}-worth")
    charts["findings"] = _findings_chart(page)
    return charts


def _style(colours: Sequence[str]) -> Any:
    from pygal.style import Style

    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1f2933",
        foreground_strong="#111827",
        foreground_subtle="#d5d9de",
        opacity="1",
        opacity_hover="0.85",
        transition="0ms",
        colors=tuple(colours),
        font_family=FONT,
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=12,
        title_font_size=14,
        value_font_size=11,
        value_label_font_size=11,
        tooltip_font_size=12,
        guide_stroke_color="#e5e7eb",
        major_guide_stroke_color="#d1d5db",
    )


def _config(colours: Sequence[str], width: int, height: int, **extra: Any) -> dict[str, Any]:
    return {
        "style": _style(colours),
        "width": width,
        "height": height,
        "explicit_size": True,
        "js": [],
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": len(colours) if len(colours) <= 3 else -(-len(colours) // 2),
        "legend_box_size": 12,
        "margin": 12,
        "spacing": 8,
        "truncate_label": 28,
        "truncate_legend": 24,
        "show_minor_x_labels": True,
        "print_zeroes": False,
        "max_scale": 6,
        **extra,
    }


def _bar_height(rows: int) -> int:
    return max(160, 28 * rows + 110)


def _amounts_chart(rows: Sequence[tuple[str, Amounts | None]], title: str, key: str) -> Markup:
    import pygal

    colours = [COLOURS[s] for s in ("fulfilled", "open", "overdue")]
    chart = pygal.HorizontalStackedBar(
        **_config(colours, 560, _bar_height(len(rows)), title=title),
        value_formatter=lambda v: f"{Decimal(str(v)):,.0f}" if v else "",
    )
    rows = list(reversed(rows))  # pygal draws the first label at the bottom
    chart.x_labels = [name for name, _ in rows]
    for status in ("fulfilled", "open", "overdue"):
        chart.add(
            status,
            [
                float(getattr(a, status)) if a is not None and getattr(a, status) else None
                for _, a in rows
            ],
        )
    return _svg(chart, key)


def _status_count_chart(rows: Sequence[PartnerCommitments], key: str) -> Markup:
    import pygal

    colours = [COLOURS[s] for s in STATUSES]
    chart = pygal.HorizontalStackedBar(
        **_config(
            colours, 560, _bar_height(len(rows)), title="Non-money commitments (count)", order_min=0
        )
    )
    rows = list(reversed(rows))
    chart.x_labels = [line.name for line in rows]
    for status in STATUSES:
        chart.add(status, [line.non_money[status] or None for line in rows])
    return _svg(chart, key)


def _votes_chart(rows: Sequence[MatrixRow], key: str) -> Markup:
    import pygal

    kinds = (*POSITIONS, NOT_HEARD)
    colours = [COLOURS[k] for k in kinds]
    voters = [r for r in reversed(rows) if r.totals]
    chart = pygal.HorizontalStackedBar(
        **_config(colours, 560, _bar_height(len(voters)), title="Votes per partner", order_min=0)
    )
    chart.x_labels = [r.name for r in voters]
    for kind in kinds:
        chart.add(kind, [r.totals.get(kind) or None for r in voters])
    return _svg(chart, key)


def _ratings_chart(reviews: Sequence[ReviewLine], what: str, key: str) -> Markup:
    import pygal

    colours = [COLOURS[r] for r in RATINGS]
    title = "Ratings per review" if what == "ratings" else "Is partnering worth its cost?"
    chart = pygal.StackedBar(
        **_config(
            colours,
            560,
            300,
            title=title,
            order_min=0,
            x_label_rotation=0 if len(reviews) < 4 else 30,
        )
    )
    chart.x_labels = [r.label for r in reviews]
    for rating in RATINGS:
        chart.add(rating, [getattr(r, what)[rating] or None for r in reviews])
    return _svg(chart, key)


def _findings_chart(page: PartnershipPage) -> Markup:
    import pygal

    groups = list(reversed(page.findings))
    colours = [COLOURS[s] for s in SEVERITY_ORDER]
    chart = pygal.HorizontalStackedBar(
        **_config(
            colours,
            560,
            _bar_height(max(len(groups), 1)),
            title="Findings by principle",
            order_min=0,
        )
    )
    chart.x_labels = [g.principle for g in groups]
    for severity in SEVERITY_ORDER:
        chart.add(
            severity,
            [sum(1 for f in g.findings if f.finding.severity == severity) or None for g in groups],
        )
    return _svg(chart, f"{page.id}-findings")


def _cycle_chart(view: PartnershipView, key: str) -> Markup:
    """The phase over time, as steps: up the cycle and back (a review returns to delivery);
    a dot marks each change."""
    import pygal

    assert view.founding is not None
    steps: list[tuple[date, str]] = [(view.founding.occurred_on, "scoping")]
    for change in view.phases:
        steps.append((change.occurred_on, change.phase))
    if view.closure is not None:
        steps.append((view.closure.occurred_on, "closed"))
    end = max(view.as_of, steps[-1][0])
    line: list[tuple[datetime, int]] = []
    for i, (day, phase) in enumerate(steps):
        until = steps[i + 1][0] if i + 1 < len(steps) else end
        level = PHASES.index(phase)
        line += [(_dt(day), level), (_dt(until), level)]
    chart = pygal.DateTimeLine(
        **_config(
            [COLOURS["phase"], COLOURS["phase"]],
            1120,
            280,
            title="The cycle: phase over time",
            show_legend=False,
            fill=False,
            range=(0, len(PHASES) - 1),
            x_label_rotation=0,
            x_value_formatter=lambda d: d.strftime("%Y-%m-%d"),
            truncate_label=-1,
            stroke_style={"width": 3},
        )
    )
    chart.y_labels = [{"label": p, "value": i} for i, p in enumerate(PHASES)]
    chart.x_labels = _month_ticks(steps[0][0], end)
    chart.add("phase", line, show_dots=False)
    chart.add("change", [(_dt(d), PHASES.index(p)) for d, p in steps], stroke=False, dots_size=4)
    return _svg(chart, key)


def _dt(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _month_ticks(start: date, end: date) -> list[datetime]:
    """At most eight ticks, on month starts within the two dates."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    every = max(1, -(-months // 8))
    ticks = []
    year, month = start.year, start.month
    for i in range(months + 1):
        tick = datetime(year, month, 1)
        if i % every == 0 and _dt(start) <= tick <= _dt(end):
            ticks.append(tick)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ticks


#: What an inlined chart may contain: pygal's drawing elements, and nothing that runs, loads
#: or embeds (no script, foreignObject, image, use of outside files, or event attributes).
_SVG_TAGS = frozenset(
    [
        "svg",
        "g",
        "defs",
        "style",
        "title",
        "desc",
        "rect",
        "path",
        "line",
        "circle",
        "ellipse",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "clipPath",
        "linearGradient",
        "radialGradient",
        "stop",
    ]
)
_SVG_NS = "{http://www.w3.org/2000/svg}"


def _svg(chart: Any, key: str) -> Markup:
    """pygal's SVG, made inert and stable: its configuration script and comments removed, its
    random id replaced by ``key``, then checked element by element before it is marked safe
    (labels are XML text, escaped by pygal's serializer)."""
    from markupsafe import Markup

    svg = chart.render(is_unicode=True)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<script\b[^>]*>.*?</script>", "", svg, flags=re.S)
    svg = re.sub(
        r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "chart-" + re.sub(r"[^a-zA-Z0-9_-]", "_", key),
        svg,
    )
    _check_inert(svg)
    return Markup(svg)


def _check_inert(svg: str) -> None:
    root = ET.fromstring(svg)
    for element in root.iter():
        tag = element.tag.removeprefix(_SVG_NS)
        if tag not in _SVG_TAGS:
            raise ValueError(f"chart SVG holds a <{tag}> element")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or (local == "href" and not value.startswith("#")):
                raise ValueError(f"chart SVG holds an attribute {local}={value!r}")


# -- rendering ------------------------------------------------------------------------------------


def render_html(report: Report) -> str:
    """The page, as one string of HTML."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("ledger", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["amount"] = _amount
    env.filters["plural"] = lambda n, word: f"{n} {word}{'s' * (n != 1)}"
    return env.get_template("report.html").render(
        report=report,
        colours=COLOURS,
        phases=PHASES,
        statuses=STATUSES,
        positions=POSITIONS,
        ratings=RATINGS,
        NOT_HEARD=NOT_HEARD,
        PENDING=PENDING,
    )


def load_views(ledger: Ledger, audit: AuditReport) -> dict[str, PartnershipView]:
    """The view of each audited partnership, as of the audit's date, as known at its time."""
    from ledger.view import PartnershipView

    return {
        p.id: PartnershipView.replay(
            ledger.stream(p.id), as_of=audit.as_of, known_at=audit.known_at, partnership=p.id
        )
        for p in audit.partnerships
    }


def make_report(
    ledger: Ledger,
    partnerships: Sequence[str] | None,
    *,
    as_of: date | None,
    known_at: datetime | None,
    config: Config,
    pm: pluggy.PluginManager,
) -> Report:
    """Audit the partnerships (None: all) and build their report, views and findings alike."""
    from ledger.audit import run_audit

    audit = run_audit(ledger, partnerships, as_of=as_of, known_at=known_at, config=config, pm=pm)
    if not audit.partnerships:
        raise InvalidInput("the ledger holds no partnership to report on")
    return build_report(audit, load_views(ledger, audit))


def html_renderer(ledger: Ledger, audit: AuditReport) -> Callable[[AuditReport, IO[str]], None]:
    """``audit --format html``: a renderer of the ``(report, stream)`` shape whose page also
    shows each audited partnership, replayed now while the ledger is open."""
    built = build_report(audit, load_views(ledger, audit))

    def render(_: AuditReport, stream: IO[str]) -> None:
        stream.write(render_html(built))

    return render


def render_audit_html(audit: AuditReport, stream: IO[str]) -> None:
    """``audit --format html`` without a ledger at hand: the findings-only page."""
    stream.write(render_html(build_report(audit)))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pledger")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


__all__ = [
    "Report",
    "build_page",
    "build_report",
    "html_renderer",
    "load_views",
    "make_report",
    "render_audit_html",
    "render_html",
]

"""Replay commands: ``show`` (a partnership as of a date, as known at a time) and ``diff`` (what
changed between two dates). The view and the diff are computed in :mod:`ledger`; this module
only renders them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ledger.cli.common import (
    as_of_option,
    console_for_tables,
    format_option,
    known_at_option,
    open_ledger,
    partnership_option,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from ledger.diff import ViewDiff
    from ledger.view import Commitment, PartnershipView

STATUS_STYLE = {"overdue": "bold red", "fulfilled": "green", "withdrawn": "dim", "open": ""}


@click.command()
@partnership_option
@as_of_option
@known_at_option
@format_option("text", "json")
@click.pass_context
def show(
    ctx: click.Context,
    partnership: str | None,
    as_of: str | None,
    known_at: str | None,
    fmt: str,
) -> None:
    """Show a partnership as of a date (default today), as known at a time (default now)."""
    from ledger.view import Window, load_view

    window = Window.parse(as_of, known_at)
    with open_ledger(ctx, create=False) as ledger:
        view = load_view(ledger, partnership, as_of=window.as_of, known_at=window.known_at)
    if fmt == "json":
        click.echo(json.dumps(view.to_json(), ensure_ascii=False, indent=2))
        return
    render_view(view)


@click.command()
@partnership_option
@click.option("--from", "start", required=True, metavar="DATE", help="The earlier date.")
@click.option("--to", "end", metavar="DATE", help="The later date (default today).")
@known_at_option
@format_option("text", "json")
@click.pass_context
def diff(
    ctx: click.Context,
    partnership: str | None,
    start: str,
    end: str | None,
    known_at: str | None,
    fmt: str,
) -> None:
    """Show what changed in a partnership between two dates, as known at a time."""
    from ledger.diff import diff_views
    from ledger.view import Window, load_view, parse_as_of

    later = Window.parse(end, known_at)
    with open_ledger(ctx, create=False) as ledger:
        pid = ledger.choose(partnership)
        old = load_view(ledger, pid, as_of=parse_as_of(start), known_at=later.known_at)
        new = load_view(ledger, pid, as_of=later.as_of, known_at=later.known_at)
    result = diff_views(old, new)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    render_diff(result)


# -- rendering ---------------------------------------------------------------------------------


def _table(title: str, *columns: str) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for i, column in enumerate(columns):
        table.add_column(column, overflow="fold", no_wrap=i == 0)
    return table


def _amounts(commitment: Commitment) -> str:
    parts = []
    if commitment.quantity is not None:
        parts.append(f"{commitment.quantity} {commitment.unit or ''}".strip())
    if commitment.value is not None:
        parts.append(f"{commitment.currency} {commitment.value}")
    return ", ".join(parts) or "-"


def render_view(view: PartnershipView, console: Console | None = None) -> None:
    """The view as text: a heading, then one table per part of the partnership that has any."""
    from ledger.cli.common import safe as escape

    console = console or console_for_tables()
    day = view.as_of
    title = escape(view.name or "(not founded yet)")
    console.print(f"[bold]{title}[/bold] ({view.partnership}) · phase [bold]{view.phase}[/bold]")
    console.print(
        f"as of {day.isoformat()}, as known at {view.known_at:%Y-%m-%d %H:%M:%S} UTC · "
        f"{len(view.events)} events"
    )
    if view.founding is not None:
        console.print(f"purpose: {escape(view.purpose or '')} · scope {view.scope}")
        console.print(f"convenor: {view.convenor}")
        if view.vision:
            console.print(f"vision: {escape(view.vision)}")

    partners = _table("Partners", "partner", "name", "sector", "engagement", "history")
    for p in view.partners.values():
        history = "; ".join(
            f"{e.occurred_on} {'left' if e.kind == 'left' else e.engagement}" for e in p.history
        )
        engagement = p.engagement or ("left" if p.history else "identified")
        partners.add_row(p.id, escape(p.name or ""), p.sector or "", engagement, history)

    commitments = _table(
        "Commitments", "commitment", "owner", "what", "amount", "due", "status", "delivered"
    )
    for c in view.commitments.values():
        status = c.status(day)
        label = f"{status} {c.days_overdue(day)} days" if status == "overdue" else status
        due = str(c.due or "-")
        if c.original_due is not None and c.due != c.original_due:
            due += f" (was {c.original_due})"
        done = ""
        if c.latest_fulfilment is not None:
            done = str(c.latest_fulfilment.occurred_on)
            if c.confirmations:
                done += ", confirmed by " + ", ".join(x.partner for x in c.confirmations)
        commitments.add_row(
            c.id,
            c.owner,
            f"{c.kind}: {escape(c.description)}",
            escape(_amounts(c)),
            due,
            f"[{STATUS_STYLE[status]}]{label}[/]" if STATUS_STYLE[status] else label,
            done,
        )

    decisions = _table("Decisions", "decision", "title", "proposer", "votes", "outcome", "shared")
    for d in view.decisions.values():
        votes = ", ".join(f"{p} {v.position}" for p, v in d.latest_votes.items()) or "-"
        outcome = d.status if d.taken is None else f"{d.status} {d.taken.occurred_on}"
        if d.taken is not None and not d.has_rationale:
            outcome += " (no rationale)"
        shared = ", ".join(f"{'/'.join(s.recipients)} {s.occurred_on}" for s in d.shares) or "-"
        decisions.add_row(d.id, escape(d.title), d.proposer, votes, outcome, shared)

    agreements = _table("Agreement", "version", "drafted", "summary", "signed by")
    for a in view.agreements.values():
        signed = ", ".join(f"{s.partner} {s.occurred_on}" for s in a.signatures) or "-"
        agreements.add_row(str(a.version), str(a.occurred_on), escape(a.summary), signed)

    reviews = _table("Reviews", "review", "opened", "due", "submissions", "concluded")
    for r in view.reviews.values():
        submitted = ", ".join(
            f"{p}" + (f" (worth {s.worth})" if s.worth else "")
            for p, s in r.latest_submissions.items()
        )
        concluded = str(r.conclusion.occurred_on) if r.conclusion else "open"
        reviews.add_row(r.id, str(r.occurred_on), str(r.due or "-"), submitted or "-", concluded)

    indicators = _table("Indicators", "indicator", "name", "owner", "baseline → target", "latest")
    for i in view.indicators.values():
        unit = f" {i.unit}" if i.unit else ""
        goal = f"{i.baseline if i.baseline is not None else '-'} → {i.target or '-'}{unit}"
        latest = i.latest_measurement
        measured = f"{latest.value}{unit} to {latest.period_end}" if latest else "not measured"
        indicators.add_row(i.id, escape(i.name), i.owner, goal, measured)

    items = _table("Risks, issues and actions", "item", "owner", "about", "state")
    for risk in view.risks.values():
        state = f"{len(risk.mitigations)} mitigation(s)" if risk.mitigated else "not mitigated"
        items.add_row(f"risk {risk.id}", risk.owner or "-", escape(risk.description), state)
    for issue in view.issues.values():
        state = f"resolved {issue.resolution.occurred_on}" if issue.resolution else "open"
        items.add_row(f"issue {issue.id}", issue.partner, escape(issue.description), state)
    for action in view.actions.values():
        state = f"done {action.completion.occurred_on}" if action.completion else "open"
        if action.completion is None and action.due is not None:
            state += f", due {action.due}"
        items.add_row(f"action {action.id}", action.owner, escape(action.description), state)

    phases = _table("Phases", "since", "phase", "reason")
    for change in view.phases:
        phases.add_row(str(change.occurred_on), change.phase, escape(change.reason or ""))
    if view.closure is not None:
        phases.add_row(str(view.closure.occurred_on), "closed", view.closure.reason)

    for table in (partners, commitments, decisions, agreements, reviews, indicators, items, phases):
        if table.row_count:
            console.print(table)


def render_diff(result: ViewDiff, console: Console | None = None) -> None:
    from ledger.cli.common import safe as escape

    console = console or console_for_tables()
    console.print(
        f"[bold]{result.partnership}[/bold]: from {result.start} to {result.end}, "
        f"as known at {result.known_at:%Y-%m-%d %H:%M:%S} UTC"
    )
    if result.phase_before != result.phase_after:
        console.print(f"phase: {result.phase_before} → {result.phase_after}")
    else:
        console.print(f"phase: {result.phase_after} (unchanged)")
    changes = _table("Changes", "occurred", "seq", "type", "subject", "summary")
    for c in result.changes:
        changes.add_row(str(c.occurred_on), str(c.seq), c.type, c.subject, escape(c.summary))
    statuses = _table("Commitment status", "commitment", "owner", "from", "to")
    for s in result.statuses:
        statuses.add_row(s.commitment, s.owner, s.before or "(new)", s.after)
    if not result.changes and not result.statuses:
        console.print("nothing changed")
    for table in (changes, statuses):
        if table.row_count:
            console.print(table)
    console.print(f"{len(result.changes)} change{'s' * (len(result.changes) != 1)}")


COMMANDS = [show, diff]

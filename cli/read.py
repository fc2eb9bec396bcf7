"""Commands that read: init, demo, log, events."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ledger.cli.common import (
    as_of_option,
    catalogue,
    console_for_tables,
    format_option,
    known_at_option,
    open_ledger,
    partnership_option,
    safe,
    settings,
)

if TYPE_CHECKING:
    from ledger.events import Envelope


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database and its tables (safe to run again)."""
    with open_ledger(ctx, create=True) as ledger:
        count = len(ledger.partnerships())
        click.echo(
            f"ledger ready at {ledger.display_url} ({count} partnership{'s' * (count != 1)})"
        )


@click.command()
@partnership_option
@click.option(
    "--type", "types", multiple=True, metavar="TYPE", help="Only events of this type (repeatable)."
)
@click.option("--partner", metavar="ID", help="Only events recorded by or naming this partner.")
@click.option("--since", metavar="DATE", help="Only events that occurred on or after DATE.")
@click.option("--until", metavar="DATE", help="Only events that occurred on or before DATE.")
@as_of_option
@known_at_option
@format_option("text", "json")
@click.pass_context
def log(
    ctx: click.Context,
    partnership: str | None,
    types: tuple[str, ...],
    partner: str | None,
    since: str | None,
    until: str | None,
    as_of: str | None,
    known_at: str | None,
    fmt: str,
) -> None:
    """List recorded events, in stream order (all of them, unless --as-of or --known-at
    narrow them to the events a view as of that date, as known at that time, holds)."""
    from ledger.events import EventFilter
    from ledger.view import Window

    event_filter = EventFilter.build(types=types, partner=partner, since=since, until=until)
    window = Window.parse(as_of, known_at) if as_of or known_at else None
    with open_ledger(ctx, create=False) as ledger:
        pid = partnership
        if pid is not None:
            ledger.choose(pid)
        events = [
            e
            for e in ledger.events(pid)
            if event_filter.matches(e, ledger.catalogue) and (window is None or window.contains(e))
        ]
    if fmt == "json":
        click.echo(json.dumps([e.as_dict() for e in events], ensure_ascii=False, indent=2))
        return
    print_events(events)


def print_events(events: list[Envelope]) -> None:
    """The events as a table, one row each, with a count."""
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("partnership", "seq", "occurred", "type", "actor", "data"):
        table.add_column(column, overflow="fold")
    for e in events:
        summary = ", ".join(f"{k}={v}" for k, v in e.data.items())
        table.add_row(
            e.partnership, str(e.seq), e.occurred_on, safe(e.type), e.actor, safe(summary)
        )
    console = console_for_tables()
    console.print(table)
    console.print(f"{len(events)} event{'s' * (len(events) != 1)}")


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Record the example partnership Music Chain (once), show it as of a few dates, and
    audit it (the audit is shown, not enforced: the demo exits 0)."""
    from ledger.audit import run_audit
    from ledger.cli.audit import render_text
    from ledger.cli.show import render_view
    from ledger.demo import DEMO_PARTNERSHIP, SNAPSHOTS, record_demo
    from ledger.view import load_view

    with open_ledger(ctx, create=True) as ledger:
        written = record_demo(ledger)
        if written is None:
            click.echo(
                f"{DEMO_PARTNERSHIP} is already in {ledger.display_url}; recorded nothing new"
            )
        else:
            click.echo(
                f"recorded {len(written.events)} events of {DEMO_PARTNERSHIP} "
                f"in {ledger.display_url}"
            )
        views = [
            (shot, load_view(ledger, DEMO_PARTNERSHIP, as_of=shot.as_of, known_at=shot.known_at))
            for shot in SNAPSHOTS
        ]
        config, pm = settings(ctx)
        report = run_audit(ledger, [DEMO_PARTNERSHIP], config=config, pm=pm)
    console = console_for_tables()
    for shot, view in views:
        console.print()
        console.rule(f"[bold]{shot.label}[/bold]")
        console.print(shot.note)
        render_view(view, console)
    console.print()
    console.rule("[bold]Audit, as of today[/bold]")
    render_text(report, None)
    console.print()
    console.print(
        f"Replay it yourself: pledger show -P {DEMO_PARTNERSHIP} --as-of 2026-06-30 "
        "--known-at 2026-07-20; "
        f"pledger diff -P {DEMO_PARTNERSHIP} --from 2026-03-08 --to 2026-06-30; "
        f"pledger log -P {DEMO_PARTNERSHIP} --known-at 2026-07-01"
    )
    console.print(
        f"For the partnership's board, one page with charts: pledger report -P {DEMO_PARTNERSHIP}"
    )


@click.command()
@format_option("text", "json")
@click.pass_context
def events(ctx: click.Context, fmt: str) -> None:
    """List the event catalogue: every type, its fields and the seed's instruction."""
    types = list(catalogue(ctx))
    if fmt == "json":
        out = [
            {
                "type": t.name,
                "phase": t.phase,
                "own": t.own,
                "seed": t.seed,
                "fields": [
                    {"name": f.name, "kind": "enum" if f.enum else f.kind, "required": f.required}
                    | ({"values": list(f.enum)} if f.enum else {})
                    for f in t.fields
                ],
            }
            for t in types
        ]
        click.echo(json.dumps(out, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    phase = None
    table: Table | None = None
    for t in types:
        if t.phase != phase:
            if table is not None:
                console.print(table)
            phase = t.phase
            table = Table(title=phase, title_justify="left", box=None, header_style="bold")
            for column in ("type", "own", "fields", "seed"):
                table.add_column(column, overflow="fold")
        assert table is not None
        table.add_row(t.name, t.own or "", " ".join(f.describe() for f in t.fields), t.seed)
    if table is not None:
        console.print(table)


COMMANDS = [init, demo, log, events]

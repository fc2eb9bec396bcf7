"""``pledger report``: the partnership as one self-contained HTML page (ledger/report.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger.cli.common import (
    as_of_option,
    known_at_option,
    open_ledger,
    partnership_option,
    settings,
)


@click.command()
@partnership_option
@click.option("--all", "all_", is_flag=True, help="One page for every partnership in the ledger.")
@as_of_option
@known_at_option
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write the page to FILE (atomically; '-' for standard output) "
    "[default: PARTNERSHIP-report-DATE.html].",
)
@click.pass_context
def report(
    ctx: click.Context,
    partnership: str | None,
    all_: bool,
    as_of: str | None,
    known_at: str | None,
    output: str | None,
) -> None:
    """Write an HTML report: the partnership at a glance, its timeline, commitments, decision
    participation, reviews and audit findings, with charts. One offline file: it loads
    nothing and runs no script, so it can be sent as an e-mail attachment.

    The report shows the audit; it does not fail on it (exit 0)."""
    from ledger.report import make_report, render_html
    from ledger.view import Window

    if partnership and all_:
        raise click.UsageError("give -P or --all, not both")
    window = Window.parse(as_of, known_at)
    config, pm = settings(ctx)
    with open_ledger(ctx, create=False) as ledger:
        targets = None if all_ else [ledger.choose(partnership)]
        built = make_report(
            ledger, targets, as_of=window.as_of, known_at=window.known_at, config=config, pm=pm
        )
    page = render_html(built).encode("utf-8")
    if output == "-":
        sys.stdout.buffer.write(page)
        sys.stdout.buffer.flush()
        return
    from ledger.cli.transfer import write_atomically

    if output is None:
        stem = targets[0] if targets else "pledger"
        output = f"{stem}-report-{window.as_of.isoformat()}.html"
    write_atomically(Path(output), [page])
    click.echo(f"wrote {output}")


COMMANDS = [report]

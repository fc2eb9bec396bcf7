"""Options and helpers shared by the command modules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ledger.store import Ledger


def open_ledger(ctx: click.Context, *, create: bool) -> Ledger:
    """The ledger of ``--db``; read commands pass ``create=False`` so a typo creates nothing."""
    from ledger.store import Ledger

    db = ctx.find_root().obj["db"] if ctx.find_root().obj else None
    return Ledger(db, create=create)


partnership_option = click.option(
    "-P", "--partnership", metavar="ID", help="Partnership id (may be left out when there is one)."
)


def format_option(*choices: str) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )

"""Options and helpers shared by the command modules."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pluggy
    from rich.console import Console

    from ledger.catalogue import Catalogue
    from ledger.config import Config
    from ledger.store import Ledger


def open_ledger(ctx: click.Context, *, create: bool) -> Ledger:
    """The ledger of ``--db``; read commands pass ``create=False`` so a typo creates nothing.
    Its catalogue includes the event types of the loaded plugins; the config's
    ``require-signatures`` applies to its writes."""
    from ledger.store import Ledger

    db = ctx.find_root().obj["db"] if ctx.find_root().obj else None
    config = settings(ctx)[0]
    return Ledger(
        db,
        create=create,
        catalogue=catalogue(ctx),
        require_signatures=config.require_signatures,
    )


def settings(ctx: click.Context) -> tuple[Config, pluggy.PluginManager]:
    """The config file and the plugin manager (``-p`` plugins, then the config's), loaded once
    per command."""
    from ledger.config import load_config
    from ledger.manager import get_plugin_manager

    obj = ctx.find_root().obj
    if obj is None:
        obj = ctx.find_root().obj = {"db": None, "plugins": ()}
    if "pm" not in obj:
        config = load_config()
        obj["config"] = config
        obj["pm"] = get_plugin_manager([*obj.get("plugins", ()), *config.plugins])
    return obj["config"], obj["pm"]


def catalogue(ctx: click.Context) -> Catalogue:
    """The event catalogue: the core's types and every loaded plugin's."""
    from ledger.manager import plugin_catalogue

    return plugin_catalogue(settings(ctx)[1])


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


as_of_option = click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="Business date: only facts that occurred on or before it (default today).",
)
known_at_option = click.option(
    "--known-at",
    "known_at",
    metavar="TIME",
    help="Recording time: only facts recorded by then; a bare date means the end of that day "
    "(default now).",
)


@contextlib.contextmanager
def progress_bar(label: str, unit: str = "") -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr for long work, when stderr is a terminal; otherwise
    None, so pipes, files and CI logs get no bar at all."""
    import sys

    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    columns = (f"[bold]{label}", BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def console_for_tables() -> Console:
    """A console for the tables: the terminal's width, or 120 columns when writing to a pipe
    or file (rich's 80 folds the tables into unreadable slivers)."""
    from rich.console import Console

    console = Console(soft_wrap=False, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 120
    return console


#: C0/C1 control characters (newline and tab aside) and the bidirectional overrides that could
#: make text display as something else.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """User text for a terminal: control characters shown as ``\\xNN`` / ``\\uNNNN``, so no
    text in the ledger can move the cursor, recolour or hide what follows it."""
    return _UNPRINTABLE.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        str(text),
    )


def safe(text: object) -> str:
    """User text for rich output: ``printable``, with rich markup escaped so that a name like
    ``[red]`` cannot restyle a report."""
    from rich.markup import escape

    return escape(printable(text))

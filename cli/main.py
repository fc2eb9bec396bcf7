"""The ``pledger`` group: global options, error handling, and the command list."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ledger.errors import LedgerError


class PledgerGroup(click.Group):
    """Turns every error, the ledger's and click's usage errors alike, into one line on stderr
    (exit code 2, or 1 for a history that does not verify)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            fail(exc.format_message())
            raise  # pragma: no cover - fail() exits

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as exc:
            fail(str(exc), getattr(exc, "exit_code", 2))
        except click.UsageError as exc:
            fail(exc.format_message())
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            fail("interrupted; nothing was written")
        except Exception as exc:
            if os.environ.get("PLEDGER_DEBUG"):
                raise
            fail(
                f"internal error: {type(exc).__name__}: {exc} (set PLEDGER_DEBUG=1 for a traceback)"
            )


def fail(message: str, code: int = 2) -> None:
    """Print one line to stderr and exit (2: bad usage or input; 1: history does not verify)."""
    click.echo("error: " + " ".join(message.split()), err=True)
    sys.exit(code)


@click.group(cls=PledgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="PLEDGER_DB",
    metavar="URL",
    help="Database URL or SQLite path [env PLEDGER_DB; default sqlite:///pledger.db].",
)
@click.option(
    "-p",
    "--plugin",
    "plugins",
    multiple=True,
    metavar="MODULE_OR_FILE",
    help="Load a rule plugin: a module name or a .py file (repeatable).",
)
@click.version_option(package_name="pledger", prog_name="pledger")
@click.pass_context
def cli(ctx: click.Context, db: str | None, plugins: tuple[str, ...]) -> None:
    """Pledger: a tamper-evident ledger of partnership commitments, decisions and reviews."""
    ctx.obj = {"db": db, "plugins": plugins}


def _register() -> None:
    from ledger.cli import audit, integrity, read, record, show, transfer

    for module in (read, record, show, transfer, integrity, audit):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="pledger")

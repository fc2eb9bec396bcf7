"""The ``pledger`` group: global options, error handling, and the command list."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ledger.errors import LedgerError


class PledgerGroup(click.Group):
    """Turns every ``LedgerError`` into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as exc:
            fail(str(exc), getattr(exc, "exit_code", 2))
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
@click.version_option(package_name="pledger", prog_name="pledger")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Pledger: a tamper-evident ledger of partnership commitments, decisions and reviews."""
    ctx.obj = {"db": db}


def _register() -> None:
    from ledger.cli import integrity, read, record, transfer

    for module in (read, record, transfer, integrity):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="pledger")

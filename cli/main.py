"""The ``pledger`` group: global options, error handling, and the command list."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any

import click

from ledger import __version__
from ledger.errors import LedgerError

#: Each command and the module of ``ledger.cli`` that defines it. A module is imported only
#: when one of its commands is run or listed, so ``pledger --version`` imports none of them
#: (tests/test_cli.py checks this table against every module's ``COMMANDS``).
COMMAND_MODULES = {
    **dict.fromkeys(("init", "demo", "log", "events"), "read"),
    **dict.fromkeys(
        ("record", "new", "partner", "commit", "fulfil", "propose", "vote", "decide", "share"),
        "record",
    ),
    "review": "record",
    **dict.fromkeys(("show", "diff"), "show"),
    **dict.fromkeys(("import", "export", "template"), "transfer"),
    **dict.fromkeys(("checkpoint", "verify", "prove", "verify-proof"), "integrity"),
    **dict.fromkeys(("audit", "rules", "rule", "plugins", "waive"), "audit"),
    "report": "report",
    "keys": "keys",
}


class PledgerGroup(click.Group):
    """Turns every error, the ledger's and click's usage errors alike, into one line on stderr
    (exit code 2, or 1 for a history that does not verify); loads commands when needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMAND_MODULES:
            module = importlib.import_module(f"ledger.cli.{COMMAND_MODULES[name]}")
            for command in module.COMMANDS:
                self.add_command(command)
        return self.commands.get(name)

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
@click.version_option(__version__, prog_name="pledger")
@click.pass_context
def cli(ctx: click.Context, db: str | None, plugins: tuple[str, ...]) -> None:
    """Pledger: a tamper-evident ledger of partnership commitments, decisions and reviews."""
    ctx.obj = {"db": db, "plugins": plugins}


def main() -> None:
    try:
        cli(prog_name="pledger")
    finally:
        # The process ends here: spare the collector its last pass over everything loaded
        # (a tenth of a second after a large audit); the operating system frees the memory.
        gc.freeze()

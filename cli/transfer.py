"""Import and export of the JSON Lines interchange format."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import click

from ledger.cli.common import format_option, open_ledger, partnership_option
from ledger.errors import InvalidInput


@click.command(name="import")
@click.argument("file", metavar="FILE|-")
@format_option("jsonl")
@click.pass_context
def import_(ctx: click.Context, file: str, fmt: str) -> None:
    """Import events from a JSON Lines file (- for standard input): all lines or none."""
    if file != "-" and not Path(file).is_file():
        raise InvalidInput(f"cannot read {file}: no such file")
    with open_ledger(ctx, create=True) as ledger:
        if file == "-":
            with tempfile.NamedTemporaryFile(prefix="pledger-stdin-") as spool:
                # spooled so that a retry against a concurrent writer can read it again
                shutil.copyfileobj(sys.stdin.buffer, spool)
                spool.flush()
                written = ledger.import_file(Path(spool.name))
        else:
            try:
                written = ledger.import_file(Path(file))
            except OSError as exc:
                raise InvalidInput(f"cannot read {file}: {exc.strerror}") from None
    ranges = written.ranges()
    detail = ", ".join(f"{pid} {a}-{b}" for pid, (a, b) in ranges.items())
    count = written.count
    click.echo(f"imported {count} event{'s' * (count != 1)}" + (f" ({detail})" if detail else ""))


@click.command()
@partnership_option
@format_option("jsonl")
@click.option(
    "-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout."
)
@click.pass_context
def export(ctx: click.Context, partnership: str | None, fmt: str, output: str | None) -> None:
    """Export events canonically: partnerships in id order, events in seq order."""
    with open_ledger(ctx, create=False) as ledger:
        lines = ledger.export_lines(partnership)
        if output is None:
            out = sys.stdout.buffer
            for line in lines:
                out.write(line.encode("utf-8"))
            out.flush()
        else:
            write_atomically(Path(output), (line.encode("utf-8") for line in lines))


def write_atomically(target: Path, chunks: Iterable[bytes]) -> None:
    """Write to a temporary file beside ``target`` and rename it into place, so a reader
    never sees a half-written file; an existing file keeps its permissions."""
    folder = target.parent
    if not folder.is_dir():
        raise InvalidInput(f"cannot write {target}: no folder {folder}")
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


COMMANDS = [import_, export]

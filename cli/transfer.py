"""Import and export: the JSON Lines interchange format, CSV spreadsheets of one event type
(``ledger.tabular``), and the IATI and Kumu exports of a partnership's view."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledger.cli.common import catalogue, open_ledger, partnership_option, progress_bar
from ledger.cli.keys import key_option, signer_for
from ledger.cli.record import actor_option, on_option
from ledger.errors import InvalidEvent, InvalidInput

if TYPE_CHECKING:
    from ledger.catalogue import EventType
    from ledger.store import Written


CSV_ONLY = "--type, -P, --actor and --on apply to CSV import (each JSON Lines line names its own)"
DELIMITER = {",": ",", ";": ";", "tab": "\t"}
delimiter_option = click.option(
    "--delimiter",
    type=click.Choice(list(DELIMITER)),
    help="CSV: ',' (default), ';' (what spreadsheets expect where decimals take a comma) or tab.",
)


@click.command(name="import")
@click.argument("file", metavar="FILE|-")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    help="Input format [default: csv for a .csv file, else jsonl].",
)
@click.option("--type", "event_type", metavar="TYPE", help="CSV: the event type of every row.")
@partnership_option
@actor_option
@on_option
@key_option
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="JSON Lines: check and hash a large file in this many processes, each taking whole "
    "partnerships [default: the usable cores; 1 with --key].",
)
@click.pass_context
def import_(
    ctx: click.Context,
    file: str,
    fmt: str | None,
    event_type: str | None,
    partnership: str | None,
    actor: str | None,
    occurred_on: str | None,
    key_file: str | None,
    jobs: int | None,
) -> None:
    """Import events from a JSON Lines or CSV file (- for standard input): all or none.

    A CSV file holds events of one --type, with a header row of field names (see `pledger
    template TYPE`); -P, --actor and --on stand in for empty partnership, actor and
    occurred_on cells.
    """
    if fmt is None:
        fmt = "csv" if file != "-" and Path(file).suffix.lower() == ".csv" else "jsonl"
    if file != "-" and not Path(file).is_file():
        raise InvalidInput(f"cannot read {file}: no such file")
    if fmt == "csv":
        if jobs is not None:
            raise click.UsageError("--jobs applies to JSON Lines import (CSV is read in one go)")
        written = _import_csv(ctx, file, event_type, partnership, actor, occurred_on, key_file)
    else:
        given = [event_type, partnership, occurred_on]
        if ctx.get_parameter_source("actor") == click.core.ParameterSource.COMMANDLINE:
            given.append(actor)
        if any(value is not None for value in given):
            raise click.UsageError(CSV_ONLY)
        written = _import_jsonl(ctx, file, key_file, jobs)
    ranges = written.ranges()
    detail = ", ".join(f"{pid} {a}-{b}" for pid, (a, b) in ranges.items())
    count = written.count
    click.echo(f"imported {count} event{'s' * (count != 1)}" + (f" ({detail})" if detail else ""))


def _import_jsonl(
    ctx: click.Context, file: str, key_file: str | None = None, jobs: int | None = None
) -> Written:
    from ledger.importer import usable_cpus

    signer = signer_for(key_file)  # signs each new fact; restore lines keep their own
    jobs = jobs or usable_cpus()
    with open_ledger(ctx, create=True) as ledger:
        if file == "-":
            with tempfile.NamedTemporaryFile(prefix="pledger-stdin-") as spool:
                # spooled so that a retry against a concurrent writer can read it again
                shutil.copyfileobj(sys.stdin.buffer, spool)
                spool.flush()
                return ledger.import_file(Path(spool.name), signer=signer, jobs=jobs)
        try:
            with progress_bar("Importing") as progress:
                return ledger.import_file(Path(file), signer=signer, progress=progress, jobs=jobs)
        except OSError as exc:
            raise InvalidInput(f"cannot read {file}: {exc.strerror}") from None


def _import_csv(
    ctx: click.Context,
    file: str,
    event_type: str | None,
    partnership: str | None,
    actor: str | None,
    occurred_on: str | None,
    key_file: str | None,
) -> Written:
    from ledger.tabular import import_sheet, read_sheet

    if event_type is None:
        raise click.UsageError("a CSV file holds one event type: give it with --type TYPE")
    etype = _event_type(ctx, event_type)
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}") from None
    sheet = read_sheet(data, etype, partnership=partnership, actor=actor, occurred_on=occurred_on)
    if sheet.ignored:
        click.echo(
            f"note: columns {', '.join(sheet.ignored)} are not imported: the ledger assigns "
            "them (restore a ledger from JSON Lines)",
            err=True,
        )
    signer = signer_for(key_file)
    with open_ledger(ctx, create=True) as ledger:
        return import_sheet(ledger, sheet, signer=signer)


def _event_type(ctx: click.Context, name: str) -> EventType:
    etype = catalogue(ctx).get(name)
    if etype is None:
        raise InvalidEvent(name, "type", name, "unknown event type (see `pledger events`)")
    return etype


@click.command()
@partnership_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "iati", "kumu"]),
    default="jsonl",
    show_default=True,
    help="jsonl: every event, canonically; csv: one --type; iati: IATI activity XML; "
    "kumu: a Kumu map (JSON).",
)
@click.option("--type", "event_type", metavar="TYPE", help="CSV: the event type to export.")
@delimiter_option
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte order mark (Excel).")
@click.option(
    "--reporting-org", metavar="REF", help="IATI: the reporting organisation's identifier."
)
@click.option(
    "-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout."
)
@click.pass_context
def export(
    ctx: click.Context,
    partnership: str | None,
    fmt: str,
    event_type: str | None,
    delimiter: str | None,
    bom: bool,
    reporting_org: str | None,
    output: str | None,
) -> None:
    """Export: JSON Lines (partnerships in id order, events in seq order), CSV of one event
    type, or a partnership today as IATI XML or a Kumu map."""
    if fmt != "csv" and (event_type is not None or delimiter is not None or bom):
        raise click.UsageError("--type, --delimiter and --bom apply to --format csv")
    if fmt != "iati" and reporting_org is not None:
        raise click.UsageError("--reporting-org applies to --format iati")
    if fmt == "csv" and event_type is None:
        raise click.UsageError("--format csv exports one event type: give it with --type TYPE")
    chunks: Iterable[bytes]
    with open_ledger(ctx, create=False) as ledger:
        if fmt == "jsonl":
            with progress_bar("Exporting") as bar:
                lines = ledger.export_lines(partnership, progress=bar)
                chunks = (line.encode("utf-8") for line in lines)
                if output is None:
                    _write_stdout(chunks)
                else:
                    write_atomically(Path(output), chunks)
            return
        if fmt == "csv":
            from ledger.tabular import export_sheet

            assert event_type is not None
            etype = _event_type(ctx, event_type)
            payload = export_sheet(
                ledger, etype, partnership, delimiter=DELIMITER[delimiter or ","], bom=bom
            )
        else:
            from ledger.view import load_view

            view = load_view(ledger, partnership)
            if fmt == "iati":
                from ledger.iati import iati_activities

                payload = iati_activities(view, reporting_org=reporting_org)
            else:
                from ledger.kumu import kumu_json

                payload = kumu_json(view).encode("utf-8")
    if output is None:
        _write_stdout([payload])
    else:
        write_atomically(Path(output), [payload])


@click.command()
@click.argument("event_type", metavar="TYPE")
@delimiter_option
@click.pass_context
def template(ctx: click.Context, event_type: str, delimiter: str | None) -> None:
    """Print the header row of a CSV file of TYPE events, ready to fill in and import."""
    from ledger.tabular import template_columns

    etype = _event_type(ctx, event_type)
    click.echo(DELIMITER[delimiter or ","].join(template_columns(etype)))


def _write_stdout(chunks: Iterable[bytes]) -> None:
    out = sys.stdout.buffer
    for chunk in chunks:
        out.write(chunk)
    out.flush()


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


COMMANDS = [import_, export, template]

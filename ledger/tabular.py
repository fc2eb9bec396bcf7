"""Spreadsheets: CSV files of one event type, read into drafts and written from envelopes.

A sheet holds one event type (given by the caller, not the file). Its header row names the
columns: the type's data fields and the envelope columns ``partnership``, ``occurred_on`` and
``actor``; the columns export adds for people reading the file (``seq``, ``id``,
``recorded_at``) are accepted and ignored, since the ledger assigns them. A cell is read the
way ``pledger record FIELD=VALUE`` reads a value (``EventType.parse_text_value``: lists
``a;b``, ratings ``aspect=rating;...``), or as JSON when it starts with ``:=``; an empty cell
leaves its field out. Export writes the plain form whenever it reads back to the same value
and is not a spreadsheet formula, and ``:=JSON`` otherwise, so export then import gives the
same facts. docs/csv.md is the user's guide.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.catalogue import NUMBER_RE, EventType, Field, parse_value
from ledger.errors import InvalidEvent, InvalidInput, LedgerError, UnknownPartnership, show
from ledger.events import Draft, Envelope, loads, thaw

if TYPE_CHECKING:
    from ledger.store import Ledger, Signer, Written

#: Envelope columns a sheet may carry; each is optional (defaults: -P, --on or today, --actor
#: or the partner an own act speaks for).
ENVELOPE_COLUMNS = ("partnership", "occurred_on", "actor")
#: Columns export writes for readers and import ignores: the ledger assigns them anew.
EXPORT_ONLY_COLUMNS = ("seq", "id", "recorded_at")
EXPORT_COLUMNS = ("partnership", "seq", "id", "occurred_on", "recorded_at", "actor")
#: The envelope columns of ``pledger template``: the ones worth filling in by hand.
TEMPLATE_COLUMNS = ("occurred_on", "actor")
JSON_PREFIX = ":="
#: A cell starting with one of these opens as a formula in spreadsheets (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (",", ";", "\t")
_ENVELOPE_FIELDS = {
    "partnership": Field("partnership", "id"),
    "occurred_on": Field("occurred_on", "date"),
    "actor": Field("actor", "id"),
}
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_LINE_BREAK = re.compile(r"\r\n?")


def template_columns(etype: EventType) -> tuple[str, ...]:
    """The header ``pledger template`` prints: the envelope columns filled by hand, then the
    type's data fields in catalogue order."""
    return (*TEMPLATE_COLUMNS, *(f.name for f in etype.fields))


def cell_value(etype: EventType, name: str, cell: str) -> Any:
    """The JSON value a non-empty cell gives its field: JSON after ``:=``, else the field's
    text form, read exactly as ``pledger record FIELD=VALUE`` reads it."""
    if cell.startswith(JSON_PREFIX):
        try:
            return loads(cell[len(JSON_PREFIX) :])
        except InvalidInput as exc:
            raise InvalidEvent(etype.name, name, cell, str(exc)) from None
    return etype.parse_text_value(name, cell)


@dataclass(frozen=True)
class SheetRow:
    """One data row: its spreadsheet row number and what its cells give (None: not given)."""

    row: int
    partnership: str | None
    occurred_on: str | None
    actor: str | None
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Sheet:
    """A CSV file read and checked against its event type, ready to import."""

    event_type: str
    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    partnership: str | None = None

    @property
    def ignored(self) -> tuple[str, ...]:
        """The export-only columns present, which import does not use."""
        return tuple(c for c in self.columns if c in EXPORT_ONLY_COLUMNS)


def read_sheet(
    data: bytes,
    etype: EventType,
    *,
    partnership: str | None = None,
    actor: str | None = None,
    occurred_on: str | None = None,
) -> Sheet:
    """Read and check a CSV file of ``etype`` events, without a ledger: every cell is checked
    on its own here, references and order when the sheet is imported. ``partnership``,
    ``actor`` and ``occurred_on`` stand in for empty cells of those columns. Every error
    names the row (the header is row 1) and, where there is one, the column."""
    defaults = {"partnership": partnership, "occurred_on": occurred_on, "actor": actor}
    for name, value in defaults.items():
        if value is not None:
            parse_value(etype.name, _ENVELOPE_FIELDS[name], value)
    records = _records(data)
    try:
        first, header = next(records)
    except StopIteration:
        raise InvalidInput(
            f"the file is empty; its first row names the columns "
            f"(see `pledger template {etype.name}`)"
        ).at_row(1) from None
    _check_utf8(first, header, ())
    columns = _header(etype, first, header)
    rows = []
    for row, cells in records:
        _check_utf8(row, cells, columns)
        for index in range(len(columns), len(cells)):
            if cells[index]:
                raise InvalidInput(
                    f"extra cell {show(cells[index])}: the header names {len(columns)} columns"
                ).at_row(row, _column_label(index))
        given = {name: cell for name, cell in zip(columns, cells, strict=False) if cell}
        rows.append(_row(etype, row, given, defaults))
    return Sheet(etype.name, columns, tuple(rows), partnership)


def _records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` of every row with a non-empty cell; cells are stripped and
    their line breaks made ``\\n``. Handles a UTF-8 byte order mark, CRLF, quoted cells over
    several lines, and the delimiter the header uses (``,``; ``;`` as spreadsheets write it in
    much of Europe; or tab). Bytes that are not UTF-8 are kept as surrogates for
    ``_check_utf8`` to report by cell."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput("the file is UTF-16; save it as CSV UTF-8").at_row(1)
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    header = re.search(r"[^\r\n]*\S[^\r\n]*", text)  # the first line that is not blank
    first_line = header.group() if header else ""
    delimiter = max(DELIMITERS, key=first_line.count)  # ties (none at all): the comma
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    row = 0
    while True:
        row += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(f"not valid CSV: {exc}").at_row(row) from None
        cells = [_LINE_BREAK.sub("\n", cell).strip() for cell in record]
        if any(cells):
            yield row, cells


def _check_utf8(row: int, cells: list[str], columns: tuple[str, ...]) -> None:
    for index, cell in enumerate(cells):
        if _NOT_UTF8.search(cell):
            column = columns[index] if index < len(columns) else _column_label(index)
            raise InvalidInput("not valid UTF-8; save the file as CSV UTF-8").at_row(row, column)


def _header(etype: EventType, row: int, names: list[str]) -> tuple[str, ...]:
    """The column names, checked: known, once each, every required field present. Empty
    names at the end (a spreadsheet's trailing delimiters) are dropped."""
    names = list(names)
    while names and not names[-1]:
        names.pop()
    known = [*ENVELOPE_COLUMNS, *EXPORT_ONLY_COLUMNS, *etype.by_name]
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not name:
            raise InvalidInput("the column has no name").at_row(row, _column_label(index))
        if name in seen:
            raise InvalidInput("named twice in the header").at_row(row, _label(name))
        if name not in known:
            close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise InvalidInput(
                f"not a field of {etype.name}{hint} (see `pledger template {etype.name}`)"
            ).at_row(row, _label(name))
        seen.add(name)
    for fld in etype.fields:
        if fld.required and fld.name not in seen:
            raise InvalidInput(
                f"missing from the header; it is a required field of {etype.name}"
            ).at_row(row, fld.name)
    return tuple(names)


def _row(
    etype: EventType, row: int, given: dict[str, str], defaults: dict[str, str | None]
) -> SheetRow:
    envelope = dict(defaults)
    for name in ENVELOPE_COLUMNS:
        if name in given:
            try:
                envelope[name] = parse_value(etype.name, _ENVELOPE_FIELDS[name], given[name])
            except LedgerError as exc:
                raise exc.at_row(row, name) from None
    option = defaults["partnership"]
    if option is not None and envelope["partnership"] != option:
        raise InvalidEvent(
            etype.name, "partnership", envelope["partnership"], f"but -P says {option}"
        ).at_row(row, "partnership")
    if envelope["partnership"] is None and etype.name == "PartnershipFounded":
        raise InvalidEvent(
            etype.name, "partnership", None, "the new partnership's id: give -P or fill the cell"
        ).at_row(row, "partnership")
    data = {}
    for fld in etype.fields:
        cell = given.get(fld.name)
        if cell is None:
            if fld.required:
                raise InvalidEvent(
                    etype.name, fld.name, "", "is required but the cell is empty"
                ).at_row(row, fld.name)
            continue
        try:
            data[fld.name] = cell_value(etype, fld.name, cell)
        except LedgerError as exc:
            raise exc.at_row(row, fld.name) from None
    try:
        data = etype.parse_data(data)
    except InvalidEvent as exc:
        raise exc.at_row(row, exc.field) from None
    return SheetRow(row, envelope["partnership"], envelope["occurred_on"], envelope["actor"], data)


def import_sheet(ledger: Ledger, sheet: Sheet, *, signer: Signer | None = None) -> Written:
    """Write every row of a sheet in one ledger write, in row order: all rows or none. Rows
    without a partnership go to ``sheet.partnership``, else to the ledger's only one; with
    ``signer``, each row is signed."""
    default = sheet.partnership
    if sheet.event_type != "PartnershipFounded":
        if default is not None:
            ledger.choose(default)  # refuses an unknown partnership by name
        known: set[str] = set()
        for item in sheet.rows:
            if item.partnership is None:
                default = default or ledger.choose(None)
            elif item.partnership not in known:
                if not ledger.has_partnership(item.partnership):
                    raise UnknownPartnership(
                        f"no partnership {item.partnership!r} in this ledger"
                    ).at_row(item.row, "partnership")
                known.add(item.partnership)
    drafts: list[tuple[int | None, Draft]] = []
    for item in sheet.rows:
        pid = item.partnership or default
        assert pid is not None  # read_sheet and the loop above leave none without one
        draft = Draft(pid, sheet.event_type, item.actor, item.data, item.occurred_on)
        drafts.append((item.row, draft))
    try:
        return ledger.append(drafts, signer=signer)
    except LedgerError as exc:
        if exc.line is None:
            raise
        raise exc.at_row(exc.line, _column_of(ledger, sheet, exc)) from None


def _column_of(ledger: Ledger, sheet: Sheet, exc: LedgerError) -> str | None:
    """The column an error of the ledger's checks is about: the field it names, or for an
    actor taken from an own act, the column it was taken from."""
    field = getattr(exc, "field", None)
    etype = ledger.catalogue.get(sheet.event_type)
    if field == "actor" and etype is not None:
        row = next((item for item in sheet.rows if item.row == exc.line), None)
        if row is not None and row.actor is None:
            field = {"partner": "partner", "owner": "commitment"}.get(etype.own or "")
    if field in sheet.columns and field not in EXPORT_ONLY_COLUMNS:
        return str(field)
    return None


def export_sheet(
    ledger: Ledger,
    etype: EventType,
    partnership: str | None = None,
    *,
    delimiter: str = ",",
    bom: bool = False,
) -> bytes:
    """The ``etype`` events of one partnership (or of all, in id order) as a CSV file."""
    if partnership is not None and not ledger.has_partnership(partnership):
        raise UnknownPartnership(f"no partnership {partnership!r} in this ledger")
    return export_csv(ledger.events(partnership), etype, delimiter=delimiter, bom=bom)


def export_csv(
    events: Iterable[Envelope], etype: EventType, *, delimiter: str = ",", bom: bool = False
) -> bytes:
    """The events of ``etype`` among ``events`` as a CSV file (RFC 4180, UTF-8, CRLF): the
    envelope columns of ``EXPORT_COLUMNS``, then the data fields. Built whole before anything
    is written, so a refusal writes nothing."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([*EXPORT_COLUMNS, *(f.name for f in etype.fields)])
    limit = csv.field_size_limit()
    for event in events:
        if event.type != etype.name:
            continue
        cells = [
            event.partnership,
            str(event.seq),
            event.id,
            event.occurred_on,
            event.recorded_at,
            event.actor,
        ]
        for fld in etype.fields:
            value = event.data.get(fld.name)
            cell = "" if value is None else export_cell(etype, fld, value)
            if len(cell) > limit:
                raise InvalidInput(
                    f"{event.partnership} seq {event.seq} field {fld.name!r}: {len(cell):,} "
                    f"characters, more than a CSV cell may hold here ({limit:,}); export it "
                    "as JSON Lines"
                )
            cells.append(cell)
        writer.writerow(cells)
    return ("\ufeff" if bom else "").encode("utf-8") + buffer.getvalue().encode("utf-8")


def export_cell(etype: EventType, fld: Field, value: Any) -> str:
    """A field's cell: its plain text form when that reads back to the same value and cannot
    open as a spreadsheet formula; else ``:=`` and the value as JSON, which always reads
    back (and starts with ``:``, which no spreadsheet evaluates)."""
    value = thaw(value)
    plain = _plain(value)
    if plain and plain == plain.strip() and not _formula(plain):
        try:
            if parse_value(etype.name, fld, cell_value(etype, fld.name, plain)) == value:
                return plain
        except LedgerError:
            pass
    return JSON_PREFIX + json.dumps(value, ensure_ascii=False)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    if isinstance(value, dict):
        return ";".join(f"{key}={item}" for key, item in value.items())
    return str(value)


def _formula(cell: str) -> bool:
    """Whether a spreadsheet would evaluate the cell; a plain number is safe (and stays one)."""
    return cell.startswith(FORMULA_START) and not NUMBER_RE.fullmatch(cell)


def _column_label(index: int) -> str:
    """A column without a name, by number and spreadsheet letter: ``7 (G)``."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{index + 1} ({letters})"


def _label(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name) else show(name)

"""Storage: one eventsourcing stream per partnership, in SQLite or PostgreSQL.

Events are stored in ``eventsourcing-sqlalchemy``'s table ``pledger_events`` as the
``eventsourcing`` application maps them (one domain event class per event type, with an
explicit topic ``pledger:<Type>``), whose unique index on (stream, version) gives optimistic
concurrency; the write and audit paths build and parse those very rows in bulk. Every write
runs in one transaction that first takes a per-partnership lock (``BEGIN IMMEDIATE`` on
SQLite, ``pg_advisory_xact_lock`` on PostgreSQL), re-reads the stream, checks the new events
against it and inserts them; a lost race is retried a bounded number of times.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import itertools
import json
import json.scanner
import operator
import os
import re
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any, Protocol

import orjson

from ledger.canonical import envelope_leaf, format_time, leaf_bytes, leaf_hash, quote_json
from ledger.catalogue import Catalogue
from ledger.errors import (
    ConflictError,
    InvalidEvent,
    InvalidInput,
    LedgerError,
    NoLedger,
    NotIntact,
    UnknownPartnership,
)
from ledger.events import Draft, Envelope, freeze, now, parse_time, read_drafts
from ledger.merkle import Frontier
from ledger.state import PartnershipState

if TYPE_CHECKING:
    from ledger.application import PledgerApp


class Signer(Protocol):
    """A partner's signing key as the write path sees it: it signs the canonical leaf of a
    new event, which has no ``signer`` or ``signature`` yet (DESIGN.md, Integrity)."""

    @property
    def fingerprint(self) -> str: ...

    def sign(self, message: bytes) -> str:
        """The standard-base64 signature of ``message``."""
        ...


#: Called now and then by long reads and writes: (work done, work in all).
Progress = Callable[[int, int], None]

DEFAULT_URL = "sqlite:///pledger.db"
#: Namespace of the uuid5 stream ids: uuid5(NAMESPACE_URL, "urn:pledger:partnership").
STREAM_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:pledger:partnership")
TOPIC_PREFIX = "pledger:"
#: The stored events' table (eventsourcing-sqlalchemy names it after the application).
EVENTS_TABLE = "pledger_events"
WRITE_ATTEMPTS = 8
#: Rows fetched per round trip by long reads from PostgreSQL.
PAGE_SIZE = 2000
#: Events inserted per round trip inside a write's transaction.
BATCH_SIZE = 1000
#: How long one write waits for a PostgreSQL lock before it counts as a lost race.
LOCK_TIMEOUT_S = 20
_SCHEMA_LOCK = 0x706C6564  # "pled"
_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "pledger_immediate", default=False
)
#: A stored row as inserted: (stream id as the column binds it, version, topic, state).
Row = tuple[Any, int, str, bytes]
#: A stream a write has opened: its validation state, its Merkle frontier, and whether its
#: lines so far restore events (None before the first).
OpenStream = tuple[PartnershipState, Frontier, "bool | None"]


@functools.lru_cache(maxsize=4096)
def stream_id(partnership: str) -> uuid.UUID:
    """The eventsourcing aggregate id of a partnership."""
    return uuid.uuid5(STREAM_NAMESPACE, partnership)


def resolve_url(db: str | None = None) -> str:
    """``--db`` or ``PLEDGER_DB`` or the default; a bare path is a SQLite file."""
    url = db or os.environ.get("PLEDGER_DB") or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url[len(plain) :]
    return url


def mask_password(url: str) -> str:
    """``postgresql://ann:secret@host/db`` -> ``postgresql://ann:***@host/db``."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: hide everything between : and @
        return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


def _create_private(path: Path) -> None:
    """Create a new SQLite file readable and writable by its owner only (its WAL and shared
    memory files take the same permissions)."""
    with contextlib.suppress(FileExistsError):  # created meanwhile by another writer
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory SQLite."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path)


# -- the stored form, read and written in bulk -----------------------------------------
# eventsourcing's mapper turns a domain event into a row (topic, and the transcoder's JSON of
# the event's attributes) and back. Writing and reading thousands of rows through it and the
# ORM costs several times more than the rows themselves, so the write and audit paths build
# and parse the very same rows directly (tests/test_storage.py proves the application reads
# them, and that they are byte-identical to the mapper's).

_RECORDED_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def _thawed(value: Any) -> Any:
    if isinstance(value, (MappingProxyType, Mapping)):  # the first is a quick C type check
        return dict(value)
    raise TypeError(f"{type(value).__name__} cannot be stored")


#: Event data as the mapper's transcoder writes it: compact, in its own key order.
_encode_data = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_thawed).encode


def stored_state(envelope: Envelope) -> bytes:
    """The ``state`` bytes eventsourcing's mapper writes for this event (same bytes)."""
    return stored_row_state(envelope, _encode_data(envelope.data))


def _json_or_null(value: str | None) -> str:
    return "null" if value is None else quote_json(value)


def stored_row_state(envelope: Envelope, data_json: str) -> bytes:
    """``stored_state`` with the data already encoded (compact, in its own key order): the
    write path encodes each event's data once, for the leaf and the row alike."""
    return (
        f'{{"timestamp":{{"_type_":"datetime_iso","_data_":'
        f"{quote_json(_timestamp(envelope.recorded_at))}}},"
        f'"event_id":{quote_json(envelope.id)},"partnership":{quote_json(envelope.partnership)},'
        f'"occurred_on":{quote_json(envelope.occurred_on)},"actor":{quote_json(envelope.actor)},'
        f'"data":{data_json},"hash":{quote_json(envelope.hash)},'
        f'"signer":{_json_or_null(envelope.signer)},'
        f'"signature":{_json_or_null(envelope.signature)}}}'
    ).encode()


def _timestamp(recorded_at: str) -> str:
    """``recorded_at`` as the transcoder writes a UTC datetime (``isoformat()``)."""
    if _RECORDED_AT.fullmatch(recorded_at):
        base = recorded_at[:-1]
        return (base[:-7] if base.endswith(".000000") else base) + "+00:00"
    return parse_time(recorded_at).isoformat()


def _recorded_at(timestamp: str) -> str:
    if timestamp.endswith("+00:00"):
        if len(timestamp) == 25:
            return timestamp[:19] + ".000000Z"
        if len(timestamp) == 32:
            return timestamp[:26] + "Z"
    return format_time(parse_time(timestamp))


def _frozen_object(obj: dict[str, Any]) -> Mapping[str, Any]:
    """The decoder's hook for objects holding lists: lists become tuples, the object read-only
    (inner objects came through here first, so the whole value ends up frozen)."""
    for key, value in obj.items():
        if type(value) is list:
            obj[key] = _frozen_list(value)
    return MappingProxyType(obj)


def _frozen_list(items: list[Any]) -> tuple[Any, ...]:
    return tuple([_frozen_list(item) if type(item) is list else item for item in items])


class _FrozenDecoder:
    """Decodes a stored row's JSON with every object read-only (and, in texts holding lists,
    lists as tuples: JSON has no list hook, so only those texts pay for the slower hook).

    It calls the C scanner that ``json.loads`` runs underneath, without the Python wrapper
    around it (two whitespace regexes and two calls per text); what is not a whole JSON
    document goes to ``json.JSONDecoder.decode``, which says why."""

    def __init__(self) -> None:
        self._frozen = json.JSONDecoder(object_hook=MappingProxyType)
        self._with_lists = json.JSONDecoder(object_hook=_frozen_object)
        scanner = json.scanner.make_scanner  # typeshed takes the decoder for another type
        self._scan_frozen = scanner(self._frozen)  # type: ignore[arg-type]
        self._scan_with_lists = scanner(self._with_lists)  # type: ignore[arg-type]

    def __call__(self, text: str) -> Any:
        lists = "[" in text
        try:
            value, end = (self._scan_with_lists if lists else self._scan_frozen)(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):  # not one JSON value and nothing else: let the decoder say why
            value = (self._with_lists if lists else self._frozen).decode(text)
        return value


_decode_frozen = _FrozenDecoder()


#: What orjson reads as a container (anything else it gives is a plain value).
_CONTAINERS = frozenset({dict, list})


_STREAM_OF = operator.itemgetter(0)
_TOPIC_START = len(TOPIC_PREFIX)
_new_envelope = functools.partial(object.__new__, Envelope)
_setattr = object.__setattr__


def envelope_from_state(version: int, topic: str, state: bytes) -> Envelope:
    """The event of a stored row, parsed straight from its JSON (the audit's read path, where
    this is most of the cost of reading: no copy, no dataclass ``__init__``).

    Rows are read by ``orjson`` (about twice as fast as ``json``) and only the data made
    read-only: flat data (most events') by a read-only view of it, data holding maps or
    lists by ``freeze``. A row ``orjson`` refuses (an integer past 64 bits, say) goes through
    ``json`` with every object frozen on the way."""
    try:
        stored = orjson.loads(state)
    except orjson.JSONDecodeError:
        stored = _decode_frozen(state.decode("utf-8"))
        data = stored["data"]
    else:
        data = stored["data"]
        for value in data.values():
            if type(value) in _CONTAINERS:
                data = freeze(data)
                break
        else:
            data = MappingProxyType(data)
    envelope = _new_envelope()
    _setattr(  # what Envelope.frozen does, minus the keyword-argument dict
        envelope,
        "__dict__",
        {
            "id": stored["event_id"],
            "partnership": stored["partnership"],
            "seq": version,
            "type": topic[_TOPIC_START:],
            "occurred_on": stored["occurred_on"],
            "recorded_at": _recorded_at(stored["timestamp"]["_data_"]),
            "actor": stored["actor"],
            "data": data,
            "hash": stored["hash"],
            "signer": stored.get("signer"),
            "signature": stored.get("signature"),
        },
    )
    return envelope


_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS pledger_events_no_update BEFORE UPDATE ON pledger_events "
        "BEGIN SELECT RAISE(ABORT, 'pledger_events is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS pledger_events_no_delete BEFORE DELETE ON pledger_events "
        "BEGIN SELECT RAISE(ABORT, 'pledger_events is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION pledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'pledger_events is append-only'; END $$",
        "CREATE OR REPLACE TRIGGER pledger_events_no_update BEFORE UPDATE OR DELETE "
        "ON pledger_events FOR EACH ROW EXECUTE FUNCTION pledger_append_only()",
        "CREATE OR REPLACE TRIGGER pledger_events_no_truncate BEFORE TRUNCATE "
        "ON pledger_events FOR EACH STATEMENT EXECUTE FUNCTION pledger_append_only()",
    ],
}


_HEADS_DDL = {
    "sqlite": [
        "CREATE TABLE IF NOT EXISTS pledger_tree_heads (partnership TEXT NOT NULL, "
        "size INTEGER NOT NULL, root TEXT NOT NULL, frontier TEXT NOT NULL, "
        "recorded_at TEXT NOT NULL, PRIMARY KEY (partnership, size))",
        "CREATE TRIGGER IF NOT EXISTS pledger_tree_heads_no_update BEFORE UPDATE "
        "ON pledger_tree_heads BEGIN SELECT RAISE(ABORT, 'pledger_tree_heads is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS pledger_tree_heads_no_delete BEFORE DELETE "
        "ON pledger_tree_heads BEGIN SELECT RAISE(ABORT, 'pledger_tree_heads is append-only'); END",
    ],
    "postgresql": [
        "CREATE TABLE IF NOT EXISTS pledger_tree_heads (partnership TEXT NOT NULL, "
        "size BIGINT NOT NULL, root TEXT NOT NULL, frontier TEXT NOT NULL, "
        "recorded_at TEXT NOT NULL, PRIMARY KEY (partnership, size))",
        "CREATE OR REPLACE TRIGGER pledger_tree_heads_no_update BEFORE UPDATE OR DELETE "
        "ON pledger_tree_heads FOR EACH ROW EXECUTE FUNCTION pledger_append_only()",
        "CREATE OR REPLACE TRIGGER pledger_tree_heads_no_truncate BEFORE TRUNCATE "
        "ON pledger_tree_heads FOR EACH STATEMENT EXECUTE FUNCTION pledger_append_only()",
    ],
}

_TRIGGER_NAMES = {
    "sqlite": (
        "pledger_events_no_update",
        "pledger_events_no_delete",
        "pledger_tree_heads_no_update",
        "pledger_tree_heads_no_delete",
    ),
    "postgresql": (
        "pledger_events_no_update",
        "pledger_events_no_truncate",
        "pledger_tree_heads_no_update",
        "pledger_tree_heads_no_truncate",
    ),
}


@dataclass(frozen=True)
class TreeHead:
    """A tree head Pledger recorded when it appended to a stream: the size and root after
    that write, and the frontier that lets the next write extend the tree without rehashing."""

    partnership: str
    size: int
    root: str
    frontier: str
    recorded_at: str


@dataclass(frozen=True)
class StoredRow:
    """One row of the events table as stored, before any interpretation."""

    stream: uuid.UUID
    version: int
    topic: str
    state: bytes


@dataclass
class Written:
    """What one write added: how many events, the seq range per partnership, and (unless a
    streaming import) the events themselves, in the order given."""

    events: list[Envelope] = field(default_factory=list)
    count: int = 0
    _ranges: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, event: Envelope, keep: bool) -> None:
        self.note(event.partnership, event.seq)
        if keep:
            self.events.append(event)

    def note(self, partnership: str, seq: int) -> None:
        """Count one event written, without keeping it."""
        self.count += 1
        first, _ = self._ranges.get(partnership, (seq, seq))
        self._ranges[partnership] = (first, seq)

    def ranges(self) -> dict[str, tuple[int, int]]:
        """First and last new seq per partnership."""
        return dict(self._ranges)


class Ledger:
    """A Pledger ledger in one database: record, import, read and export partnerships.

    Writes go through the ``eventsourcing`` application (``ledger.application``), made when
    first needed. A SQLite file is read with the ``sqlite3`` module itself (the same rows and
    SQL): a read command then starts without importing SQLAlchemy, which took most of its
    start-up. Other databases are read through the application's SQLAlchemy engine."""

    def __init__(
        self,
        db: str | None = None,
        *,
        create: bool = True,
        catalogue: Catalogue | None = None,
        require_signatures: bool = False,
    ) -> None:
        self.url = resolve_url(db)
        path = sqlite_path(self.url)
        if path is not None and not create and not path.exists():
            raise NoLedger(f"no ledger at {path} (run `pledger init` or pass --db)")
        if path is not None and path.parent != Path("") and not path.parent.exists():
            raise NoLedger(f"no folder {path.parent} for a ledger at {path}")
        if path is not None and not path.exists():
            _create_private(path)
        self.catalogue = catalogue or Catalogue()
        #: refuse unsigned own acts of partners with a live key (docs/signing.md)
        self.require_signatures = require_signatures
        #: the kind of database, as SQLAlchemy names its dialect: sqlite, postgresql...
        self.dialect: str = self.url.split(":", 1)[0].split("+", 1)[0]
        self._file = path
        self._readers: dict[int, sqlite3.Connection] = {}
        try:
            if not (self._file is not None and self._schema_ready(self._reader())):
                self._ensure_schema()
        except Exception as exc:
            if isinstance(exc, sqlite3.DatabaseError) or type(exc).__name__ in _CANNOT_OPEN:
                raise LedgerError(
                    f"cannot open the ledger at {self.display_url}: {_first_line(exc)}"
                ) from None
            raise

    @functools.cached_property
    def _app(self) -> PledgerApp:
        from sqlalchemy import event

        from ledger.application import open_app

        app = open_app(self.url)
        if self.dialect == "sqlite":
            engine = app.factory.datastore.engine  # type: ignore[attr-defined]
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        return app

    @property
    def _datastore(self) -> Any:
        return self._app.factory.datastore  # type: ignore[attr-defined]

    @property
    def _engine(self) -> Any:
        return self._datastore.engine

    @property
    def display_url(self) -> str:
        """The database URL with any password masked: what may be printed or reported."""
        return mask_password(self.url)

    def close(self) -> None:
        self.release_connections()

    def release_connections(self) -> None:
        """Close the database connections; the next use opens new ones. A process about to
        fork calls it, so that no child inherits a connection."""
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()
        if "_app" in self.__dict__:  # never made just to be closed
            self._engine.dispose()

    def process_context(self) -> Any:
        """How worker processes start (a parallel audit or import). Forked where that is
        safe, which makes them start in milliseconds rather than most of a second: on Linux,
        in a process running no other thread (a fork copies only the calling thread, so a
        lock another thread held would stay locked), after closing this ledger's database
        connections so that no child inherits one (SQLite and PostgreSQL both forbid sharing
        a connection across a fork; each worker opens its own). Spawned everywhere else (and
        with a progress bar, which runs a thread)."""
        import multiprocessing

        if sys.platform == "linux" and threading.active_count() == 1:
            self.release_connections()
            return multiprocessing.get_context("fork")
        return multiprocessing.get_context("spawn")

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        """Create the events table and its triggers unless they are all there already."""
        from sqlalchemy import text

        with self._engine.connect() as conn:
            if self._schema_ready(conn.connection.driver_connection):
                return
        token = _immediate.set(True)
        try:
            with self._engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
                for table in self._app.recorder.tables:  # type: ignore[attr-defined]
                    table.create(conn, checkfirst=True)
                for statement in [*_TRIGGERS[self.dialect], *_HEADS_DDL[self.dialect]]:
                    conn.exec_driver_sql(statement)
        finally:
            _immediate.reset(token)

    def _schema_ready(self, driver_connection: Any) -> bool:
        names = _TRIGGER_NAMES.get(self.dialect)
        if names is None:
            return False
        if self.dialect == "sqlite":
            query = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({})"
        else:
            query = (
                "SELECT count(*) FROM pg_trigger WHERE tgrelid IN "
                "(to_regclass('pledger_events'), to_regclass('pledger_tree_heads')) "
                "AND tgenabled <> 'D' AND tgname IN ({})"
            )
        cursor = driver_connection.cursor()
        try:
            cursor.execute(query.format(", ".join(f"'{n}'" for n in names)))
            found = cursor.fetchone()[0]
        finally:
            cursor.close()
        return bool(found == len(names))

    # -- reading --------------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        """This thread's connection to the SQLite file, for reads: autocommit, so each query
        reads one consistent snapshot and holds no transaction open between queries."""
        thread = threading.get_ident()
        reader = self._readers.get(thread)
        if reader is None:
            assert self._file is not None
            # used by this thread only; closed by whichever thread closes the ledger
            reader = sqlite3.connect(self._file, isolation_level=None, check_same_thread=False)
            reader.execute("PRAGMA busy_timeout = 30000")
            self._readers[thread] = reader
        return reader

    @contextlib.contextmanager
    def _rows(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        session: Any = None,
        *,
        large: bool = False,
    ) -> Iterator[Iterable[Any]]:
        """The rows of a read query (SQL with ``:name`` parameters), to read inside the
        block straight from the driver's cursor: a SQLAlchemy row, or even a Python generator
        in between, costs more per event than decoding it. Inside ``session`` when given (a
        write re-reading a stream), else from a SQLite file through ``sqlite3``, else in a
        read-only transaction of the application's engine. A ``large`` read comes from a
        server-side cursor on PostgreSQL (psycopg), so that memory holds one page of it;
        SQLite's cursors step through the rows as they are read anyway."""
        params = dict(params or {})
        if session is None and self._file is None:
            with (
                self._datastore.transaction(commit=False) as own,
                self._rows(sql, params, own, large=large) as rows,
            ):
                yield rows
            return
        if session is None:
            cursor = self._reader().cursor()
        else:
            driver = session.connection().connection.driver_connection
            if self.dialect == "sqlite":
                cursor = driver.cursor()
            elif self._engine.dialect.driver == "psycopg":
                if large:
                    cursor = driver.cursor(name="pledger_read")
                    cursor.itersize = PAGE_SIZE  # rows fetched per round trip as it is read
                else:
                    cursor = driver.cursor()
                sql = re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql)
            else:  # another driver: its own parameter style, so through SQLAlchemy
                from sqlalchemy import text

                query = text(sql).execution_options(yield_per=PAGE_SIZE) if large else text(sql)
                yield session.execute(query, params)
                return
        try:
            cursor.execute(sql, params)
            yield cursor
        finally:
            cursor.close()

    def partnerships(self) -> list[str]:
        """Every partnership id in the ledger, sorted."""
        with self._rows(f"SELECT state FROM {EVENTS_TABLE} WHERE originator_version = 1") as rows:
            return sorted(json.loads(bytes(state))["partnership"] for (state,) in rows)

    def count_partnerships(self) -> int:
        """How many partnerships the ledger holds (one indexed count, nothing decoded)."""
        query = f"SELECT COUNT(*) FROM {EVENTS_TABLE} WHERE originator_version = 1"
        with self._rows(query) as rows:
            return int(next(iter(rows))[0])

    def stream(self, partnership: str, session: Any = None) -> list[Envelope]:
        """The partnership's events in seq order (empty if it has none)."""
        with self._rows(
            f"SELECT originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
            "WHERE originator_id = :id ORDER BY originator_version",
            {"id": self._stream_value(partnership)},
            session,
        ) as rows:
            return self._decode(list(rows), partnership)

    def streams(self, shard: tuple[int, int] | None = None) -> Iterator[tuple[str, list[Envelope]]]:
        """Every partnership's events, one partnership at a time (in stream id order), read
        in one pass: memory holds one partnership, not the ledger.

        ``shard`` (k, n) reads only the k-th of n equal ranges of stream ids (uuid5 ids are
        uniform, so each holds about 1/n of the partnerships): parallel audits read disjoint
        ranges, each in one pass."""
        # the stream id is only compared, so it stays as the driver gives it
        where, params = "", {}
        if shard is not None:
            k, n = shard
            bounds = [(k * 2**128) // n, ((k + 1) * 2**128) // n]
            names = ("lo", "hi")
            conditions = []
            for name, op, bound in zip(names, (">=", "<"), bounds, strict=True):
                if 0 < bound < 2**128:
                    conditions.append(f"originator_id {op} :{name}")
                    params[name] = self._stream_bound(uuid.UUID(int=bound))
            where = " WHERE " + " AND ".join(conditions) if conditions else ""
        with self._rows(
            "SELECT originator_id, originator_version, topic, state "
            f"FROM {EVENTS_TABLE}{where} ORDER BY originator_id, originator_version",
            params,
            large=True,
        ) as rows:
            for _, stream in itertools.groupby(rows, _STREAM_OF):  # rows come stream by stream
                events = self._decode(list(stream))
                yield events[0].partnership, events

    def _decode(self, rows: list[Any], partnership: str | None = None) -> list[Envelope]:
        """The events of a stream's rows (stream id, version, topic, state)."""
        try:
            return [envelope_from_state(seq, topic, bytes(state)) for _, seq, topic, state in rows]
        except (ValueError, KeyError, TypeError):  # again, one by one, to name the bad row
            events = []
            for stream, version, topic, state in rows:
                try:
                    events.append(envelope_from_state(version, topic, bytes(state)))
                except (ValueError, KeyError, TypeError) as exc:
                    pid = partnership or (events[0].partnership if events else None)
                    which = pid or f"stream {_as_uuid(stream)}"
                    verify = f"pledger verify -P {pid}" if pid else "pledger verify"
                    raise NotIntact(
                        f"seq {version} of {which} cannot be read ({_first_line(exc)}); "
                        f"run `{verify}`"
                    ) from None
            return events

    def events(self, partnership: str | None = None) -> Iterator[Envelope]:
        """Events of one partnership, or of all in id order, each in seq order."""
        for pid in [partnership] if partnership else self.partnerships():
            yield from self.stream(pid)

    def state(self, partnership: str) -> PartnershipState:
        """Replay a stream into the validation state (no checks: it was checked when written)."""
        return self._replay(partnership, self.stream(partnership))

    def _replay(self, partnership: str, events: Iterable[Envelope]) -> PartnershipState:
        state = PartnershipState(
            partnership, self.catalogue, require_signatures=self.require_signatures
        )
        for event in events:
            state.apply(event)
        return state

    def tree_heads(self, partnership: str | None = None) -> list[TreeHead]:
        """The tree heads recorded by writes, by partnership and size."""
        query = "SELECT partnership, size, root, frontier, recorded_at FROM pledger_tree_heads"
        params = {}
        if partnership is not None:
            query += " WHERE partnership = :p"
            params["p"] = partnership
        with self._rows(query + " ORDER BY partnership, size", params) as rows:
            return [TreeHead(r[0], int(r[1]), r[2], r[3], r[4]) for r in rows]

    def stored_rows(self, partnership: str | None = None) -> list[StoredRow]:
        """Rows of the events table exactly as stored, by stream and version (for verify)."""
        query = f"SELECT originator_id, originator_version, topic, state FROM {EVENTS_TABLE}"
        params = {}
        if partnership is not None:
            query += " WHERE originator_id = :id"
            params["id"] = self._stream_value(partnership)
        with self._rows(query + " ORDER BY originator_id, originator_version", params) as rows:
            return [StoredRow(_as_uuid(r[0]), int(r[1]), r[2], bytes(r[3])) for r in rows]

    def has_partnership(self, partnership: str) -> bool:
        """Whether the partnership has any event stored (cheap: one indexed row)."""
        with self._rows(
            f"SELECT originator_version FROM {EVENTS_TABLE} WHERE originator_id = :id LIMIT 1",
            {"id": self._stream_value(partnership)},
        ) as rows:
            return any(True for _ in rows)

    @property
    def transcoder(self) -> Any:
        """Encodes and decodes the stored state of event rows (for verify)."""
        return self._app.mapper.transcoder

    def choose(self, partnership: str | None) -> str:
        """The partnership a command means: the one given, or the only one in the ledger."""
        if partnership:
            if not self.has_partnership(partnership):
                raise UnknownPartnership(f"no partnership {partnership!r} in this ledger")
            return partnership
        ids = self.partnerships()
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise UnknownPartnership("the ledger holds no partnership yet")
        raise UnknownPartnership(f"the ledger holds {len(ids)} partnerships: choose one with -P")

    # -- writing --------------------------------------------------------------------------

    def record(self, draft: Draft, *, signer: Signer | None = None) -> Envelope:
        """Record one new event; returns it as stored."""
        return self.append([(None, draft)], signer=signer).events[0]

    def import_jsonl(self, stream: IO[bytes], *, signer: Signer | None = None) -> Written:
        """Import a JSON Lines stream: all of it, or (on the first bad line) none of it."""
        return self.append(read_drafts(stream), signer=signer)

    def import_file(
        self,
        path: Path,
        *,
        signer: Signer | None = None,
        progress: Progress | None = None,
        jobs: int = 1,
    ) -> Written:
        """Import a JSON Lines file, streaming: memory stays bounded by the partnerships'
        state, not the file's size, and the new events are counted rather than kept.
        ``progress`` hears (bytes read, bytes in all) now and then. With ``jobs`` > 1, a
        large file is checked and hashed in that many processes (``ledger.importer``; not
        when signing, whose key stays in this process): the same rows, in the same order."""
        if jobs < 1:
            raise InvalidInput(f"--jobs {jobs} must be 1 or more")
        if jobs > 1 and signer is None:
            from ledger import importer

            if path.stat().st_size >= importer.PARALLEL_MIN_BYTES:
                return self._retried(
                    lambda: importer.import_in_parallel(self, path, jobs, progress)
                )

        def lines() -> Iterator[tuple[int | None, Draft]]:
            with open(path, "rb") as stream:
                if progress is None:
                    yield from read_drafts(stream)
                    return
                total = os.fstat(stream.fileno()).st_size
                for item in read_drafts(stream):
                    if item[0] % 1000 == 0:
                        progress(stream.tell(), total)
                    yield item
                progress(total, total)

        return self._retried(lambda: self._write(lines(), False, signer))

    def append(
        self, drafts: Iterable[tuple[int | None, Draft]], *, signer: Signer | None = None
    ) -> Written:
        """Check and write events atomically: every one, or none and a ``LedgerError``.
        With ``signer``, each new fact that carries no signature of its own is signed."""
        items = list(drafts)
        return self._retried(lambda: self._write(iter(items), True, signer))

    def _retried(self, write: Callable[[], Written]) -> Written:
        """Run a write (one transaction), again from the start when a concurrent writer
        wins a race, a bounded number of times."""
        import sqlalchemy.exc
        from eventsourcing.persistence import IntegrityError, OperationalError

        for attempt in range(WRITE_ATTEMPTS):
            try:
                return write()
            except (
                IntegrityError,
                OperationalError,
                sqlalchemy.exc.IntegrityError,
                sqlalchemy.exc.OperationalError,
            ) as exc:
                # rows are inserted through SQLAlchemy Core, whose errors are not converted
                if attempt == WRITE_ATTEMPTS - 1:
                    raise ConflictError(
                        f"gave up after {WRITE_ATTEMPTS} attempts against concurrent writers "
                        f"({_first_line(exc)}); nothing was written"
                    ) from None
                time.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _write(
        self, items: Iterable[tuple[int | None, Draft]], keep: bool, signer: Signer | None
    ) -> Written:
        """One transaction: each partnership is locked and replayed when first met; events are
        checked in order and inserted in batches; the tree heads are recorded at the end."""
        clock = format_time(now())
        written = Written()
        with self._write_session() as session:
            streams: dict[str, OpenStream] = {}
            batch: list[Row] = []
            for line, draft in items:
                envelope, row = self._place_line(session, streams, line, draft, clock, signer)
                written.add(envelope, keep)
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    self._insert(session, batch)
                    batch = []
            if batch:
                self._insert(session, batch)
            for pid in written.ranges():
                self._record_head(session, pid, streams[pid][1], clock)
        return written

    @contextlib.contextmanager
    def _write_session(self) -> Iterator[Any]:
        """A write transaction that holds the write lock from its first moment (``BEGIN
        IMMEDIATE`` on SQLite, the table lock on PostgreSQL), so that what it reads of the
        ledger cannot change under it until it commits."""
        from sqlalchemy import text

        token = _immediate.set(True)
        try:
            with self._datastore.transaction(commit=True) as session:
                if self.dialect == "postgresql":
                    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_S}s'"))
                    # as eventsourcing-sqlalchemy's recorder does before it inserts, so that
                    # notification ids commit in order; taken first, before any partnership's
                    # lock, so that two writers never wait for each other in a cycle
                    session.execute(text(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE"))
                else:
                    session.connection()  # begins the transaction (BEGIN IMMEDIATE) now
                yield session
        finally:
            _immediate.reset(token)

    def _place_line(
        self,
        session: Any,
        streams: dict[str, OpenStream],
        line: int | None,
        draft: Draft,
        clock: str,
        signer: Signer | None,
    ) -> tuple[Envelope, Row]:
        """Check one draft against its stream (opened the first time it is met, inside
        ``session`` or, without one, as last committed) and return it as stored and its row."""
        try:
            pid = draft.partnership
            if pid not in streams:
                streams[pid] = self._open_stream(session, pid)
            state, frontier, restoring = streams[pid]
            if restoring is not None and restoring != draft.is_restore:
                raise InvalidEvent(
                    draft.type,
                    "seq",
                    draft.seq,
                    f"restore lines and new facts of {pid} cannot be mixed in one file",
                )
            streams[pid] = (state, frontier, draft.is_restore)
            envelope, data_json = self._place(state, draft, self._parse(draft), clock, signer)
        except LedgerError as exc:
            raise exc.at_line(line) if line is not None else exc from None
        frontier.append(bytes.fromhex(envelope.hash))
        row = (
            self._stream_value(pid),
            envelope.seq,
            TOPIC_PREFIX + envelope.type,
            stored_row_state(envelope, data_json) if data_json else stored_state(envelope),
        )
        return envelope, row

    def _insert(self, session: Any, rows: list[Row]) -> None:
        """Insert rows as eventsourcing-sqlalchemy's recorder stores them, in one
        ``executemany`` on the driver: binding 1,000 rows through the column types costs more
        than inserting them."""
        mark = "?" if self.dialect == "sqlite" else "%s"
        session.connection().exec_driver_sql(
            f"INSERT INTO {EVENTS_TABLE} (originator_id, originator_version, topic, state) "
            f"VALUES ({mark}, {mark}, {mark}, {mark})",
            rows,
        )

    def _stream_value(self, partnership: str) -> Any:
        """A stream id as the column stores it: ``UUIDType`` keeps 16 raw bytes on SQLite and
        a native ``uuid`` on PostgreSQL (tests/test_storage.py checks both)."""
        return self._stream_bound(stream_id(partnership))

    def _stream_bound(self, ident: uuid.UUID) -> Any:
        return ident.bytes if self.dialect == "sqlite" else ident

    def _parse(self, draft: Draft) -> dict[str, Any]:
        etype = self.catalogue.get(draft.type)
        if etype is None:
            raise InvalidEvent(
                draft.type, "type", draft.type, "unknown event type (see `pledger events`)"
            )
        return etype.parse_data(draft.data)

    def _open_stream(self, session: Any, pid: str) -> OpenStream:
        """Lock a partnership for this transaction, replay its validation state and load its
        Merkle frontier from the last tree head (rebuilt from the stored hashes only for a
        stream that has no head yet). A head that does not match the stream refuses the
        write: appending would bury the mismatch."""
        if session is not None:
            self._lock_stream(session, pid)
        stored = self.stream(pid, session)
        state = self._replay(pid, stored)
        with self._rows(
            "SELECT size, frontier FROM pledger_tree_heads WHERE partnership = :p "
            "ORDER BY size DESC LIMIT 1",
            {"p": pid},
            session,
        ) as rows:
            row = next(iter(rows), None)
        if row is None:
            frontier = Frontier()
            for event in stored:
                frontier.append(bytes.fromhex(event.hash))
        elif int(row[0]) != len(stored):
            raise NotIntact(
                f"the stream of {pid} has {len(stored)} events but its last tree head has "
                f"{row[0]}; nothing was written (run `pledger verify -P {pid}`)"
            )
        else:
            frontier = Frontier.from_json(json.loads(row[1]))
        return state, frontier, None

    def _lock_stream(self, session: Any, pid: str) -> None:
        """Lock a partnership for the rest of the transaction (PostgreSQL; a SQLite write
        holds the whole file's write lock already)."""
        if self.dialect == "postgresql":
            from sqlalchemy import text

            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(pid)})

    def _record_head(self, session: Any, pid: str, frontier: Frontier, clock: str) -> None:
        from sqlalchemy import text

        session.execute(
            text(
                "INSERT INTO pledger_tree_heads (partnership, size, root, frontier, recorded_at) "
                "VALUES (:p, :s, :r, :f, :t)"
            ),
            {
                "p": pid,
                "s": frontier.size,
                "r": frontier.root().hex(),
                "f": json.dumps(frontier.to_json(), separators=(",", ":")),
                "t": clock,
            },
        )

    def _place(
        self,
        state: PartnershipState,
        draft: Draft,
        data: dict[str, Any],
        clock: str,
        signer: Signer | None = None,
    ) -> tuple[Envelope, str]:
        """Give a draft its place in the stream, check it there and fold it in; also returns
        its data as the stored row writes it (compact JSON; empty: encode it the long way)."""
        etype = self.catalogue.get(draft.type)
        assert etype is not None
        actor = draft.actor or state.speaker(etype, data)
        if actor is None:
            raise InvalidEvent(
                draft.type, "actor", None, "who records it? give --actor or PLEDGER_ACTOR"
            )
        recorded_at = draft.recorded_at or clock
        fields: dict[str, Any] = {
            "id": draft.id or new_event_id(),
            "partnership": draft.partnership,
            "seq": draft.seq if draft.seq is not None else state.seq + 1,
            "type": draft.type,
            "occurred_on": draft.occurred_on or recorded_at[:10],
            "recorded_at": recorded_at,
            "actor": actor,
            "data": data,
            "signer": draft.signer,
            "signature": draft.signature,
        }
        if signer is not None and draft.signature is None and not draft.is_restore:
            # the signature covers the leaf without signer and signature; both then join it
            fields["signature"] = signer.sign(leaf_bytes(fields))
            fields["signer"] = signer.fingerprint
        leaf, data_json = envelope_leaf(fields)
        digest = leaf_hash(leaf)
        if draft.hash is not None and draft.hash != digest:
            raise InvalidEvent(
                draft.type,
                "hash",
                draft.hash,
                f"does not match the event's content (computed {digest})",
            )
        # a fresh dict of our own: freeze it once, here; flat data (its compact text holds no
        # map and no list) needs only the read-only view, not a walk
        flat = data_json.count("{") == 1 and "[" not in data_json
        fields["data"] = MappingProxyType(data) if flat else freeze(data)
        envelope = Envelope.frozen(hash=digest, **fields)
        state.admit(envelope)
        return envelope, data_json

    # -- exporting ------------------------------------------------------------------------

    def export_lines(
        self, partnership: str | None = None, *, progress: Progress | None = None
    ) -> Iterator[str]:
        """Canonical export lines (EVENTS.md), partnerships in id order, events in seq order.
        ``progress`` hears (partnerships done, partnerships in all) after each one."""
        if partnership is not None and not self.has_partnership(partnership):
            raise UnknownPartnership(f"no partnership {partnership!r} in this ledger")
        ids = [partnership] if partnership else self.partnerships()
        for done, pid in enumerate(ids, start=1):
            for event in self.stream(pid):
                yield event.to_line() + "\n"
            if progress is not None:
                progress(done, len(ids))


#: Errors that mean the database cannot be opened as a ledger (from SQLAlchemy, eventsourcing
#: or the driver), told by name so that none of them is imported to catch it.
_CANNOT_OPEN = frozenset({"OperationalError", "DatabaseError"})


#: Event ids made ahead (``new_event_id``); emptied in a forked child, which must not
#: hand out its parent's.
_spare_ids: list[str] = []
os.register_at_fork(after_in_child=_spare_ids.clear)
_IDS_AT_ONCE = 512


def new_event_id() -> str:
    """A new event id: a random (version 4) UUID as text, as ``str(uuid.uuid4())`` makes it,
    but made 512 at a time from one read of ``os.urandom``; ``uuid4`` took 2.5 us per
    event, a twentieth of an import."""
    while True:
        try:
            return _spare_ids.pop()
        except IndexError:  # none left (or another thread took the last one): make more
            _spare_ids.extend(_uuid4_texts(_IDS_AT_ONCE))


def _uuid4_texts(count: int) -> list[str]:
    """``count`` random UUIDs as text, with RFC 9562's version (4) and variant bits set."""
    raw = bytearray(os.urandom(16 * count))
    for at in range(0, 16 * count, 16):
        raw[at + 6] = raw[at + 6] & 0x0F | 0x40
        raw[at + 8] = raw[at + 8] & 0x3F | 0x80
    text = raw.hex()
    return [
        f"{text[at : at + 8]}-{text[at + 8 : at + 12]}-{text[at + 12 : at + 16]}-"
        f"{text[at + 16 : at + 20]}-{text[at + 20 : at + 32]}"
        for at in range(0, 32 * count, 32)
    ]


def _as_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return uuid.UUID(bytes=bytes(value))
    return uuid.UUID(str(value))


def _lock_key(partnership: str) -> int:
    return int.from_bytes(hashlib.sha256(partnership.encode()).digest()[:8], "big", signed=True)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Let SQLAlchemy, not pysqlite, decide when transactions begin (so writes can take the
    write lock up front with BEGIN IMMEDIATE); use WAL and wait for locks instead of failing."""
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA busy_timeout = 30000")
    dbapi_connection.execute("PRAGMA journal_mode = WAL")


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")

"""Envelopes: recorded events as the ledger stores, hashes and exports them; and the
JSON Lines interchange format of EVENTS.md that import reads."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import IO, Any
from uuid import UUID

from ledger.canonical import fast_dumps, format_time, leaf_bytes, leaf_hash
from ledger.catalogue import DATE_RE, ID_RE, SHA256_RE, NonFinite
from ledger.errors import InvalidEvent, InvalidInput, show

MAX_LINE_BYTES = 1024 * 1024
ENVELOPE_FIELDS = ("partnership", "type", "occurred_on", "actor", "data")
EXPORT_FIELDS = ("id", "seq", "recorded_at", "hash")
SIGNED_FIELDS = ("signer", "signature")
_ALLOWED = frozenset((*ENVELOPE_FIELDS, *EXPORT_FIELDS, *SIGNED_FIELDS))
_REQUIRED = frozenset(("partnership", "type", "actor", "data"))
_OPTIONAL = frozenset((*EXPORT_FIELDS, *SIGNED_FIELDS))
BASE64_RE = re.compile(r"[A-Za-z0-9+/]{4,500}={0,2}")
TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def now() -> datetime:
    """The clock: ``PLEDGER_NOW`` (an ISO time or date) when set, else the real UTC time."""
    fixed = os.environ.get("PLEDGER_NOW")
    if not fixed:
        return datetime.now(UTC)
    try:
        return parse_time(fixed)
    except ValueError:
        raise InvalidInput(f"PLEDGER_NOW={show(fixed)} is not an ISO 8601 time") from None


def parse_time(text: str) -> datetime:
    """An ISO 8601 time or date; naive values are UTC."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def today() -> str:
    return now().date().isoformat()


_SCALARS = frozenset({str, int, bool, float, type(None), Decimal})


def freeze(value: Any) -> Any:
    """A read-only deep copy of JSON data: mappings become read-only, lists become tuples."""
    if type(value) in _SCALARS:  # most values: skip the (slow) abstract-class checks
        return value
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple([freeze(v) for v in value])
    return value


def thaw(value: Any) -> Any:
    """Plain, mutable JSON data (dicts and lists) from frozen data."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Envelope:
    """One recorded event, exactly the fields that export writes. Immutable all the way
    down: ``data`` is a read-only mapping whose lists are tuples."""

    id: str
    partnership: str
    seq: int
    type: str
    occurred_on: str
    recorded_at: str
    actor: str
    data: Mapping[str, Any]
    hash: str
    signer: str | None = None
    signature: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", freeze(self.data))

    @classmethod
    def frozen(cls, **fields: Any) -> Envelope:
        """An envelope whose ``data`` the caller has already frozen deep (the bulk read path,
        where freezing every event again would cost more than reading it)."""
        envelope = object.__new__(cls)
        envelope.__dict__.update(fields)  # what the frozen __init__ does, without its checks
        return envelope

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "partnership": self.partnership,
            "seq": self.seq,
            "type": self.type,
            "occurred_on": self.occurred_on,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "data": thaw(self.data),
            "hash": self.hash,
        }
        if self.signer is not None:
            out["signer"] = self.signer
            out["signature"] = self.signature
        return out

    def leaf(self) -> bytes:
        return leaf_bytes(self._fields())

    def _fields(self) -> dict[str, Any]:
        """The export fields with ``data`` still frozen (the canonical encoder reads it)."""
        out = {
            "id": self.id,
            "partnership": self.partnership,
            "seq": self.seq,
            "type": self.type,
            "occurred_on": self.occurred_on,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "data": self.data,
            "hash": self.hash,
        }
        if self.signer is not None:
            out["signer"] = self.signer
            out["signature"] = self.signature
        return out

    def computed_hash(self) -> str:
        return leaf_hash(self.leaf())

    def to_line(self) -> str:
        """The canonical export line (without the trailing newline)."""
        return fast_dumps(self._fields())

    @property
    def occurred(self) -> date:
        return date.fromisoformat(self.occurred_on)


@dataclass(frozen=True)
class Draft:
    """An event as given by a user or a file, before the ledger places it in a stream.

    ``seq``, ``id`` and ``hash`` are set only for restore lines. ``recorded_at`` is set for
    restore lines, and by code that records new facts with a clock of its own (the demo's
    recording sessions); import never sets it on a new fact. Validation still applies: never
    earlier than the stream's last recording time, never a day before the fact occurred.
    """

    partnership: str
    type: str
    actor: str | None
    data: Mapping[str, Any]
    occurred_on: str | None = None
    id: str | None = None
    seq: int | None = None
    recorded_at: str | None = None
    hash: str | None = None
    signer: str | None = None
    signature: str | None = None

    @property
    def is_restore(self) -> bool:
        return self.seq is not None

    @classmethod
    def new_fact(
        cls,
        partnership: str,
        type: str,
        actor: str | None,
        data: Mapping[str, Any],
        occurred_on: str | None,
    ) -> Draft:
        """``Draft(partnership, type, actor, data, occurred_on)``, made without the frozen
        ``__init__`` (an ``object.__setattr__`` per field): an import makes one per line."""
        draft = object.__new__(cls)
        object.__setattr__(
            draft,
            "__dict__",
            {
                "partnership": partnership,
                "type": type,
                "actor": actor,
                "data": data,
                "occurred_on": occurred_on,
                "id": None,
                "seq": None,
                "recorded_at": None,
                "hash": None,
                "signer": None,
                "signature": None,
            },
        )
        return draft


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InvalidInput(f"duplicate JSON key {show(key)}")
            seen.add(key)
    return out


def _non_finite(name: str) -> NonFinite:
    return NonFinite(name)


_strict = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_float=Decimal, parse_constant=_non_finite
).decode


def loads(text: str | bytes) -> Any:
    """Strict JSON: duplicate keys, NaN and Infinity refused; fractions parse as Decimal."""
    try:
        return _strict(text if isinstance(text, str) else text.decode("utf-8"))
    except InvalidInput:
        raise
    except RecursionError:
        raise InvalidInput("JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, int digit limits
        raise InvalidInput(f"not valid JSON: {str(exc).splitlines()[0]}") from None


def parse_draft(obj: Any) -> Draft:
    """Check the envelope of one interchange object (the data is checked later, per type)."""
    if not isinstance(obj, dict):
        raise InvalidInput("each line must be a JSON object")
    keys = obj.keys()
    if not keys <= _ALLOWED:  # (set operations on the keys: the common case costs little)
        for key in obj:
            if key not in _ALLOWED:
                raise InvalidInput(f"unknown envelope field {show(key)}")
    if not keys >= _REQUIRED:
        for key in ("partnership", "type", "actor", "data"):
            if key not in obj:
                raise InvalidInput(f"envelope field {key!r} is missing")
    etype = obj["type"]
    if not isinstance(etype, str) or not etype:
        raise InvalidInput(f"envelope field 'type' = {show(etype)} must be an event type name")
    partnership = _envelope_id(etype, "partnership", obj["partnership"])
    actor = _envelope_id(etype, "actor", obj["actor"])
    occurred_on = obj.get("occurred_on")
    if "occurred_on" in obj:
        _envelope_date(etype, "occurred_on", occurred_on)
    if keys.isdisjoint(_OPTIONAL):  # a new fact, unsigned: nothing more to check
        return Draft.new_fact(partnership, etype, actor, obj["data"], occurred_on)
    restore = {k: obj[k] for k in EXPORT_FIELDS if k in obj}
    if restore and len(restore) != len(EXPORT_FIELDS):
        missing = [k for k in EXPORT_FIELDS if k not in obj]
        raise InvalidEvent(
            etype, missing[0], None, "a restore line carries id, seq, recorded_at and hash"
        )
    signed = {k: obj[k] for k in SIGNED_FIELDS if k in obj}
    if signed and len(signed) != 2:
        raise InvalidEvent(etype, "signature", None, "signer and signature come together")
    if signed:
        if not isinstance(signed["signer"], str) or not SHA256_RE.fullmatch(signed["signer"]):
            raise InvalidEvent(
                etype, "signer", signed["signer"], "a key fingerprint is 64 lowercase hex digits"
            )
        signature = signed["signature"]
        if not isinstance(signature, str) or not BASE64_RE.fullmatch(signature):
            raise InvalidEvent(etype, "signature", signature, "a signature is standard base64")
    draft = Draft(
        partnership=partnership,
        type=etype,
        actor=actor,
        data=obj["data"],
        occurred_on=occurred_on,
        signer=signed.get("signer"),
        signature=signed.get("signature"),
    )
    if restore:
        draft = _restore_fields(draft, restore)
    return draft


def _envelope_id(etype: str, name: str, value: Any) -> str:
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise InvalidEvent(etype, name, value, "ids match [a-z0-9][a-z0-9._-]{0,63}")
    return value


def _envelope_date(etype: str, name: str, value: Any) -> str:
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        raise InvalidEvent(etype, name, value, "dates are YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(etype, name, value, "is not a real calendar date") from None
    return value


def _restore_fields(draft: Draft, fields: dict[str, Any]) -> Draft:
    etype = draft.type
    seq, ident, recorded_at, digest = (fields[k] for k in ("seq", "id", "recorded_at", "hash"))
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise InvalidEvent(etype, "seq", seq, "must be a whole number >= 1")
    try:
        if not isinstance(ident, str) or str(UUID(ident)) != ident:
            raise ValueError
    except ValueError:
        raise InvalidEvent(etype, "id", ident, "must be a lowercase UUID") from None
    if not isinstance(recorded_at, str) or not TIME_RE.fullmatch(recorded_at):
        raise InvalidEvent(etype, "recorded_at", recorded_at, "must be YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        recorded_at = format_time(parse_time(recorded_at.replace("Z", "+00:00")))
    except ValueError:
        raise InvalidEvent(etype, "recorded_at", recorded_at, "is not a real time") from None
    if not isinstance(digest, str) or not SHA256_RE.fullmatch(digest):
        raise InvalidEvent(etype, "hash", digest, "must be 64 lowercase hex digits")
    return Draft(
        partnership=draft.partnership,
        type=etype,
        actor=draft.actor,
        data=draft.data,
        occurred_on=draft.occurred_on,
        id=ident,
        seq=seq,
        recorded_at=recorded_at,
        hash=digest,
        signer=draft.signer,
        signature=draft.signature,
    )


def _terminator(raw: bytes) -> bytes:
    return b"\r\n" if raw.endswith(b"\r\n") else b"\n"


def read_drafts(stream: IO[bytes]) -> Iterator[tuple[int, Draft]]:
    """Yield ``(line number, draft)`` from a JSON Lines byte stream, one line at a time.

    Blank lines are skipped; a line over 1 MiB, bad UTF-8 or bad JSON is refused with its
    line number.
    """
    for lineno, raw in read_lines(stream):
        yield lineno, parse_line(lineno, raw)


def read_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line number, line)`` for the lines of a JSON Lines byte stream that are not
    blank; a line over 1 MiB is refused with its number."""
    lineno = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 2)
        if not raw:
            return
        lineno += 1
        content = raw[: -len(_terminator(raw))] if raw.endswith(b"\n") else raw
        if len(content) > MAX_LINE_BYTES:
            raise InvalidInput(f"longer than 1 MiB ({MAX_LINE_BYTES:,} bytes)").at_line(lineno)
        if raw.strip():
            yield lineno, raw


def parse_line(lineno: int, raw: bytes) -> Draft:
    """The draft one line of JSON Lines holds; bad UTF-8 or JSON is refused with its number."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not valid UTF-8 at byte {exc.start}").at_line(lineno) from None
    if lineno == 1 and text.startswith("\ufeff"):
        text = text[1:]
    try:
        return parse_draft(loads(text))
    except InvalidInput as exc:
        raise exc.at_line(lineno) from None
    except InvalidEvent as exc:
        raise exc.at_line(lineno) from None


PARTNER_KINDS = ("partner", "partners", "with")


@dataclass(frozen=True)
class EventFilter:
    """The filters of ``pledger log``: types, a partner, and a window of business dates."""

    types: frozenset[str] = frozenset()
    partner: str | None = None
    since: str | None = None
    until: str | None = None

    @classmethod
    def build(
        cls,
        types: Iterable[str] = (),
        partner: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> EventFilter:
        for name, value in (("since", since), ("until", until)):
            if value is not None:
                _envelope_date("filter", name, value)
        return cls(frozenset(types), partner, since, until)

    def matches(self, event: Envelope, catalogue: Any) -> bool:
        if self.types and event.type not in self.types:
            return False
        if self.since and event.occurred_on < self.since:
            return False
        if self.until and event.occurred_on > self.until:
            return False
        return self.partner is None or self.partner in named_partners(event, catalogue)


def named_partners(event: Envelope, catalogue: Any) -> set[str]:
    """The actor and every partner an event names."""
    names = {event.actor}
    etype = catalogue.get(event.type)
    for key, value in event.data.items():
        fld = etype.by_name.get(key) if etype else None
        if key == "partner" or (fld is not None and fld.kind in PARTNER_KINDS):
            names.update(value if isinstance(value, (list, tuple)) else [value])
    subject = event.data.get("subject")
    if isinstance(subject, str) and subject.startswith("partner:"):
        names.add(subject.split(":", 1)[1])
    return names

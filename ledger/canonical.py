"""Canonical bytes: the one serialisation that hashes, exports and compares.

DESIGN.md (Integrity): keys sorted, no spaces, UTF-8, absent optional fields omitted,
amounts as plain decimal strings, times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; a subset of
RFC 8785, so keys are ordered by their UTF-16 code units exactly as JCS orders them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

#: The envelope fields that make up a Merkle leaf (``hash`` is derived, so it is not one).
LEAF_FIELDS = (
    "id",
    "partnership",
    "seq",
    "type",
    "occurred_on",
    "recorded_at",
    "actor",
    "data",
    "signer",
    "signature",
)


def plain_decimal(value: Decimal) -> str:
    """``Decimal('1.50E+3')`` -> ``'1500'``: plain notation, no exponent, no trailing zeros.

    Exact: no rounding to a context's precision (``normalize`` would round to 28 digits).
    """
    if value.is_zero():
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_time(moment: datetime) -> str:
    """UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (microseconds always present)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def dumps(value: Any) -> str:
    """Canonical JSON text of plain JSON values (dict, list, str, int, bool, None)."""
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda item: _utf16_key(item[0]))
        return "{" + ",".join(f"{dumps(k)}:{dumps(v)}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, float):  # never stored; refuse loudly rather than round silently
        raise TypeError("binary floats have no canonical form; use Decimal")
    if isinstance(value, Decimal):
        return json.dumps(plain_decimal(value))
    return json.dumps(value, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, (MappingProxyType, Mapping)):  # the first is a quick C type check
        return dict(value)
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, float):
        raise TypeError("binary floats have no canonical form; use Decimal")
    raise TypeError(f"{type(value).__name__} has no canonical form")


_fast = json.JSONEncoder(
    default=_plain, separators=(",", ":"), ensure_ascii=False, sort_keys=True, allow_nan=False
).encode
#: Characters whose UTF-16 order differs from their code point order (U+E000 and above sort
#: before surrogate pairs in UTF-16); text without them sorts the same either way.
_UTF16_ORDER_DIFFERS = re.compile("[\ue000-\U0010ffff]")
#: What a binary float looks like in the output (also matches some strings: harmless).
_FLOAT_TOKEN = re.compile(r"[:,\[]-?\d+(?:\.\d+(?:[eE][-+]?\d+)?|[eE][-+]?\d+)[,}\]]")


def fast_dumps(value: Any) -> str:
    """``dumps`` through the C JSON encoder: the same text, several times faster. Python
    sorts keys by code point and JCS by UTF-16 unit, which differ only for characters from
    U+E000 up; such text, and anything that may hold a binary float, is redone by ``dumps``
    (which orders exactly, and refuses floats)."""
    try:
        text = _fast(value)
    except ValueError:  # NaN or infinity
        return dumps(value)
    if _FLOAT_TOKEN.search(text) or (not text.isascii() and _UTF16_ORDER_DIFFERS.search(text)):
        return dumps(value)
    return text


#: What ``json.dumps(text, ensure_ascii=False)`` writes for a str (the C function behind it).
quote_json: Callable[[str], str] = json.encoder.encode_basestring
#: Event data in its own key order, compact: the stored row's form of it.
compact_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def envelope_leaf(fields: Mapping[str, Any]) -> tuple[bytes, str]:
    """The Merkle leaf of a new event (as ``leaf_bytes``) and its data as compact JSON in its
    own key order (the stored row's form), encoding the data once when it can: data whose
    keys are in order, with no nested map, already is canonical. The write path's hot spot;
    a property test holds it to ``leaf_bytes``."""
    data = fields["data"]
    try:
        text = compact_dumps(data)
    except (TypeError, ValueError):
        return leaf_bytes(fields), ""
    keys = list(data)
    # one "{" in the text: no map inside (a brace in a text only sends it the long way)
    plain = text.count("{") == 1 and keys == sorted(keys)
    if (
        plain
        and not _FLOAT_TOKEN.search(text)
        and (text.isascii() or not _UTF16_ORDER_DIFFERS.search(text))
    ):
        canonical = text
    else:
        canonical = fast_dumps(data)
    signed = ""
    if fields.get("signature") is not None:
        signature, signer = quote_json(fields["signature"]), quote_json(fields["signer"])
        signed = f',"signature":{signature},"signer":{signer}'
    leaf = (
        f'{{"actor":{quote_json(fields["actor"])},"data":{canonical},"id":{quote_json(fields["id"])},'
        f'"occurred_on":{quote_json(fields["occurred_on"])},'
        f'"partnership":{quote_json(fields["partnership"])},'
        f'"recorded_at":{quote_json(fields["recorded_at"])},"seq":{int(fields["seq"])}{signed},'
        f'"type":{quote_json(fields["type"])}}}'
    )
    return leaf.encode("utf-8"), text


def leaf_bytes(envelope: Mapping[str, Any]) -> bytes:
    """The Merkle leaf of an event: canonical JSON of its leaf fields, UTF-8."""
    leaf = {k: envelope[k] for k in LEAF_FIELDS if envelope.get(k) is not None}
    return fast_dumps(leaf).encode("utf-8")


def leaf_hash(leaf: bytes) -> str:
    """RFC 9162 leaf hash, hex: SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).hexdigest()

"""Canonical bytes: the one serialisation that hashes, exports and compares.

DESIGN.md (Integrity): keys sorted, no spaces, UTF-8, absent optional fields omitted,
amounts as plain decimal strings, times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; a subset of
RFC 8785, so keys are ordered by their UTF-16 code units exactly as JCS orders them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
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


def leaf_bytes(envelope: Mapping[str, Any]) -> bytes:
    """The Merkle leaf of an event: canonical JSON of its leaf fields, UTF-8."""
    leaf = {k: envelope[k] for k in LEAF_FIELDS if envelope.get(k) is not None}
    return dumps(leaf).encode("utf-8")


def leaf_hash(leaf: bytes) -> str:
    """RFC 9162 leaf hash, hex: SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).hexdigest()

"""Pledger: an event-sourced, tamper-evident ledger for multi-organisation partnerships.

Importing ``ledger`` is cheap: the storage stack (SQLAlchemy, eventsourcing) loads only when
``Ledger`` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.errors import (
    ConflictError,
    InvalidEvent,
    InvalidInput,
    LedgerError,
    NoLedger,
    UnknownPartnership,
)

if TYPE_CHECKING:
    from ledger.catalogue import Catalogue, EventType, Field
    from ledger.events import Draft, Envelope
    from ledger.store import Ledger

__all__ = [
    "Catalogue",
    "ConflictError",
    "Draft",
    "Envelope",
    "EventType",
    "Field",
    "InvalidEvent",
    "InvalidInput",
    "Ledger",
    "LedgerError",
    "NoLedger",
    "UnknownPartnership",
]

_LAZY = {
    "Catalogue": "ledger.catalogue",
    "EventType": "ledger.catalogue",
    "Field": "ledger.catalogue",
    "Draft": "ledger.events",
    "Envelope": "ledger.events",
    "Ledger": "ledger.store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ledger' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

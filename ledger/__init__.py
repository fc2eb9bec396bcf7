"""Pledger: an event-sourced, tamper-evident ledger for multi-organisation partnerships.

Importing ``ledger`` is cheap: the storage stack (SQLAlchemy, eventsourcing) loads only when
``Ledger`` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

#: The one place the version is written (pyproject.toml reads it from here).
__version__ = "0.1.0"

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
    from ledger.hookspecs import hookimpl
    from ledger.rules import Context, Finding, Rule, rule
    from ledger.store import Ledger
    from ledger.view import PartnershipView, ViewBuilder

__all__ = [
    "Catalogue",
    "ConflictError",
    "Context",
    "Draft",
    "Envelope",
    "EventType",
    "Field",
    "Finding",
    "InvalidEvent",
    "InvalidInput",
    "Ledger",
    "LedgerError",
    "NoLedger",
    "PartnershipView",
    "Rule",
    "UnknownPartnership",
    "ViewBuilder",
    "hookimpl",
    "rule",
]

_LAZY = {
    "Catalogue": "ledger.catalogue",
    "EventType": "ledger.catalogue",
    "Field": "ledger.catalogue",
    "Draft": "ledger.events",
    "Envelope": "ledger.events",
    "Ledger": "ledger.store",
    "PartnershipView": "ledger.view",
    "ViewBuilder": "ledger.view",
    "hookimpl": "ledger.hookspecs",
    "rule": "ledger.rules",
    "Rule": "ledger.rules",
    "Finding": "ledger.rules",
    "Context": "ledger.rules",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ledger' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

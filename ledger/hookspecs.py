"""The hooks a Pledger plugin may implement (pluggy project name ``pledger``).

A plugin is a module (or object) with functions marked ``@ledger.hookimpl``, found through the
entry point group ``pledger``, ``-p MODULE_OR_FILE`` or ``plugins = [...]`` in the config.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ledger.catalogue import EventType
    from ledger.rules import Rule

hookspec = pluggy.HookspecMarker("pledger")
hookimpl = pluggy.HookimplMarker("pledger")

#: A report renderer: writes the audit report to a text stream.
Renderer = Callable[[Any, IO[str]], None]


@hookspec
def pledger_rules() -> list[Rule]:
    """Return the rules this plugin provides (``Rule`` objects, usually made with ``@rule``)."""
    raise NotImplementedError


@hookspec
def pledger_event_types() -> list[EventType]:
    """Return extra event types, declared exactly as the core declares its own
    (``ledger.EventType`` with ``ledger.Field``s)."""
    raise NotImplementedError


@hookspec
def pledger_output_formats() -> dict[str, Renderer]:
    """Return extra audit report formats: ``{name: renderer}``, where a renderer is
    ``(report, stream) -> None`` and ``report`` is a ``ledger.audit.AuditReport``."""
    raise NotImplementedError

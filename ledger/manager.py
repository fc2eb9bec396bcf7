"""Finding and loading plugins: a plugin-manager factory, nothing loaded at import time.

Discovery order: the built-in plugins (registered like any other), the entry point group
``pledger``, then each ``-p MODULE_OR_FILE`` and ``plugins = [...]`` of the config.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from ledger import hookspecs
from ledger.catalogue import Catalogue, EventType
from ledger.errors import LedgerError, show
from ledger.rules import Rule

#: The built-in plugins, named as strings so that importing the core imports no rule.
BUILTIN_PLUGINS = (
    "ledger.plugins.equity",
    "ledger.plugins.transparency",
    "ledger.plugins.follow_through",
    "ledger.plugins.governance",
    "ledger.plugins.mutual_benefit",
)
#: Ids the engine itself reports under (RULES.md, Engine findings).
ENGINE_RULES = ("PL001", "PL002")


class PluginError(LedgerError):
    """A plugin that cannot be loaded, misspells a hook, or returns something that is not a
    rule."""


@dataclass(frozen=True)
class PluginInfo:
    """One loaded plugin: its name, version, where it came from and the rules it gives."""

    name: str
    version: str
    source: str
    rules: tuple[str, ...]


def get_plugin_manager(
    extra: Iterable[str] = (), *, builtins: bool = True, entry_points: bool = True
) -> pluggy.PluginManager:
    """A plugin manager with Pledger's hooks and every plugin found, each checked."""
    extra = tuple(extra)
    pm = pluggy.PluginManager("pledger")
    pm.add_hookspecs(hookspecs)
    if builtins:
        for name in BUILTIN_PLUGINS:
            pm.register(importlib.import_module(name), name=name)
    if entry_points:
        try:
            pm.load_setuptools_entrypoints("pledger")
        except Exception as exc:  # a broken third-party package must not hide behind a trace
            raise PluginError(f"an installed plugin failed to load: {exc}") from None
    for spec in extra:
        if pm.get_plugin(spec) is None:
            plugin = load_plugin(spec)
            if not pm.is_registered(plugin):  # e.g. -p naming an installed plugin's module
                pm.register(plugin, name=spec)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(_hook_error(exc)) from None
    _made[pm] = (tuple(extra), builtins, entry_points, tuple(pm.get_plugins()))
    return pm


_made: weakref.WeakKeyDictionary[pluggy.PluginManager, tuple[Any, ...]] = (
    weakref.WeakKeyDictionary()
)


def plugin_specs(pm: pluggy.PluginManager) -> tuple[str, ...] | None:
    """The ``extra`` specs that rebuild ``pm`` in another process, or None when it was not
    made by ``get_plugin_manager`` with defaults or has had plugins registered in code since."""
    made = _made.get(pm)
    if made is None:
        return None
    extra, builtins, entry_points, plugins = made
    if not (builtins and entry_points) or set(plugins) != set(pm.get_plugins()):
        return None
    return tuple(extra)


def _hook_error(exc: pluggy.PluginValidationError) -> str:
    """pluggy's message names the plugin and the misspelt hook; add the hooks there are."""
    return (
        " ".join(str(exc).split())
        + " (Pledger's hooks: pledger_rules, pledger_event_types, pledger_output_formats)"
    )


def load_plugin(spec: str) -> ModuleType:
    """Import a plugin given as a module name or as a path to a ``.py`` file."""
    path = Path(spec)
    if spec.endswith(".py") or path.is_file():
        if not path.is_file():
            raise PluginError(f"plugin file {spec} does not exist")
        name = f"pledger_plugin_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise PluginError(f"plugin file {spec} cannot be imported")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise PluginError(f"plugin file {spec} failed to import: {exc}") from None
        return module
    try:
        return importlib.import_module(spec)
    except Exception as exc:
        raise PluginError(f"plugin {show(spec)} failed to import: {exc}") from None


def collect_rules(pm: pluggy.PluginManager) -> dict[str, Rule]:
    """Every rule of every plugin, by id, each knowing its plugin; duplicates are an error."""
    rules: dict[str, Rule] = {}
    for impl in pm.hook.pledger_rules.get_hookimpls():
        try:
            provided: Any = impl.function()
        except Exception as exc:
            raise PluginError(f"plugin {impl.plugin_name}: pledger_rules() failed: {exc}") from None
        for item in provided or ():
            if not isinstance(item, Rule):
                raise PluginError(
                    f"plugin {impl.plugin_name}: pledger_rules() returned {show(repr(item))}, "
                    "not a Rule (decorate the check with @ledger.rule)"
                )
            if item.id in ENGINE_RULES or item.id in rules:
                owner = "the engine" if item.id in ENGINE_RULES else rules[item.id].plugin
                raise PluginError(f"rule {item.id} of {impl.plugin_name} is already {owner}'s")
            rules[item.id] = item.with_plugin(impl.plugin_name)
    return dict(sorted(rules.items()))


def plugin_catalogue(pm: pluggy.PluginManager) -> Catalogue:
    """The core's event types plus those the plugins declare (hook ``pledger_event_types``)."""
    extra: list[EventType] = []
    for impl in pm.hook.pledger_event_types.get_hookimpls():
        try:
            declared: Any = impl.function()
        except Exception as exc:
            raise PluginError(
                f"plugin {impl.plugin_name}: pledger_event_types() failed: {exc}"
            ) from None
        for item in declared or ():
            if not isinstance(item, EventType):
                raise PluginError(
                    f"plugin {impl.plugin_name}: pledger_event_types() returned "
                    f"{show(repr(item))}, not a ledger.EventType"
                )
            extra.append(item)
    try:
        return Catalogue(extra)
    except ValueError as exc:
        raise PluginError(str(exc)) from None


def plugin_infos(pm: pluggy.PluginManager, rules: dict[str, Rule]) -> list[PluginInfo]:
    """What ``pledger plugins`` lists, in load order."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    own = pledger_version()
    out = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist: Any = dists.get(id(plugin))
        if name in BUILTIN_PLUGINS:
            version, source = own, "built-in"
        elif dist is not None:
            version = dist.version
            source = f"entry point {dist.metadata['Name']}"
        else:
            version = str(getattr(plugin, "__version__", "") or "unversioned")
            source = (
                f"file {getattr(plugin, '__file__', name)}"
                if name.endswith(".py")
                else (f"module {name}")
            )
        owned = tuple(r.id for r in rules.values() if r.plugin == name)
        out.append(PluginInfo(name, version, source, owned))
    return out


def pledger_version() -> str:
    try:
        return metadata.version("pledger")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"

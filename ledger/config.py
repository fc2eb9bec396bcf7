"""Configuration: ``pledger.toml`` in the working directory, or ``[tool.pledger]`` in its
``pyproject.toml`` (DESIGN.md, Configuration). Command-line flags win over the file.

Keys: ``select``, ``ignore``, ``fail-on``, ``format``, ``plugins``, per-rule tables
``[rules.ID]`` with option values and ``severity``, and ``require-signatures`` (a write
policy: unsigned own acts of partners with a live key are refused; docs/signing.md).
Anything unknown is an error naming it.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ledger.errors import InvalidInput, show
from ledger.rules import SEVERITIES, Rule

FAIL_ON = (*SEVERITIES, "never")
KEYS = ("select", "ignore", "fail-on", "format", "plugins", "rules", "require-signatures")


class ConfigError(InvalidInput):
    """The configuration names something that does not exist or has the wrong type."""


@dataclass(frozen=True)
class Config:
    """The settings of one audit, after the file and the command line."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    format: str = "text"
    plugins: tuple[str, ...] = ()
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    source: str | None = None
    #: a write policy, not an audit setting, so it is not part of ``sha256``
    require_signatures: bool = False

    def sha256(self) -> str:
        """A hash of the effective settings, recorded in every report."""
        settings = {
            "select": list(self.select),
            "ignore": list(self.ignore),
            "fail-on": self.fail_on,
            "plugins": list(self.plugins),
            "rules": {k: dict(v) for k, v in sorted(self.rules.items())},
        }
        text = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def portable(self) -> Config:
        """The same settings in plain dicts, which pickle (for audit worker processes)."""
        return replace(self, rules={k: dict(v) for k, v in self.rules.items()})

    def override(self, **changes: Any) -> Config:
        """The config with command-line values (those not None) taking precedence."""
        given = {k: v for k, v in changes.items() if v is not None and v != ()}
        if "fail_on" in given and given["fail_on"] not in FAIL_ON:
            raise ConfigError(
                f"--fail-on {show(given['fail_on'])} is not one of {', '.join(FAIL_ON)}"
            )
        return replace(self, **given)

    def selects(self, rule_id: str) -> bool:
        """Whether a rule runs: selected (by id or prefix, all when nothing is selected) and
        not ignored."""
        chosen = not self.select or any(rule_id.startswith(s) for s in self.select)
        return chosen and not any(rule_id.startswith(i) for i in self.ignore)

    def options_for(self, rule: Rule) -> Mapping[str, Any]:
        values = dict(rule.options)
        values.update({k: v for k, v in self.rules.get(rule.id, {}).items() if k != "severity"})
        return MappingProxyType(values)

    def severity_for(self, rule: Rule) -> str:
        return str(self.rules.get(rule.id, {}).get("severity", rule.severity))

    def check_against(self, rules: Mapping[str, Rule], engine_rules: Sequence[str]) -> None:
        """Every rule id, prefix and option the config names must exist."""
        known = [*rules, *engine_rules]
        for key, patterns in (("select", self.select), ("ignore", self.ignore)):
            for pattern in patterns:
                if not any(rid.startswith(pattern) for rid in known):
                    raise ConfigError(f"{key}: no rule matches {show(pattern)}")
        for rule_id, options in self.rules.items():
            rule = rules.get(rule_id)
            if rule is None:
                raise ConfigError(f"[rules.{rule_id}]: no such rule (see `pledger rules`)")
            for name, value in options.items():
                if name == "severity":
                    if value not in SEVERITIES:
                        raise ConfigError(
                            f"[rules.{rule_id}] severity = {show(value)}: "
                            "use info, warning or error"
                        )
                    continue
                if name not in rule.options:
                    names = ", ".join(rule.options) or "none"
                    raise ConfigError(
                        f"[rules.{rule_id}]: unknown option {name!r} (options: {names})"
                    )
                _check_type(rule_id, name, value, rule.options[name])


def _check_type(rule_id: str, name: str, value: Any, default: Any) -> None:
    numeric = (int, float, Decimal)
    if isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(value, bool) and isinstance(default, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int)
    elif isinstance(default, numeric):
        ok = isinstance(value, numeric)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ConfigError(
            f"[rules.{rule_id}] {name} = {show(value, 40)}: expected a value like {default!r}"
        )


def load_config(folder: Path | None = None) -> Config:
    """The config of ``folder`` (default: the working directory): ``pledger.toml``, else
    ``[tool.pledger]`` of ``pyproject.toml``, else the defaults."""
    folder = folder or Path.cwd()
    own = folder / "pledger.toml"
    if own.is_file():
        return parse_config(_read_toml(own), str(own))
    project = folder / "pyproject.toml"
    if project.is_file():
        table = _read_toml(project).get("tool", {}).get("pledger")
        if table is not None:
            return parse_config(table, f"{project} [tool.pledger]")
    return Config()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse_config(table: Mapping[str, Any], source: str) -> Config:
    """A ``Config`` from a TOML table; unknown keys and wrong types are errors naming them."""
    for key in table:
        if key not in KEYS:
            raise ConfigError(f"{source}: unknown key {key!r} (keys: {', '.join(KEYS)})")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: {key} = {show(value)} must be a list of strings")
        return tuple(value)

    fail_on = table.get("fail-on", "error")
    if fail_on not in FAIL_ON:
        raise ConfigError(f"{source}: fail-on = {show(fail_on)} is not one of {', '.join(FAIL_ON)}")
    fmt = table.get("format", "text")
    if not isinstance(fmt, str):
        raise ConfigError(f"{source}: format = {show(fmt)} must be a string")
    require_signatures = table.get("require-signatures", False)
    if not isinstance(require_signatures, bool):
        raise ConfigError(
            f"{source}: require-signatures = {show(require_signatures)} must be true or false"
        )
    rules = table.get("rules", {})
    if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
        raise ConfigError(f"{source}: [rules] must hold one table per rule id, e.g. [rules.FT001]")
    return Config(
        select=strings("select"),
        ignore=strings("ignore"),
        fail_on=fail_on,
        format=fmt,
        plugins=strings("plugins"),
        rules=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in rules.items()}),
        source=source,
        require_signatures=require_signatures,
    )

"""docs/view.md stays honest: every public attribute of the view and of its record classes is
documented in its class's section, and the page documents nothing that does not exist."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import ledger.diff
import ledger.view
from ledger.view import PartnershipView, ViewBuilder

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "view.md").read_text(encoding="utf-8")
MODULES = (ledger.view, ledger.diff)
ROW = re.compile(r"^\| `([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def sections() -> dict[str, str]:
    """Each ``### `Name` `` section's text, by name."""
    out = {}
    for match in re.finditer(r"^### `(\w+)`\n(.*?)(?=^##)", DOCS + "\n##", re.S | re.M):
        out[match.group(1)] = match.group(2)
    return out


SECTIONS = sections()
CLASSES = sorted(
    {
        obj
        for module in MODULES
        for name in module.__all__
        if isinstance(obj := getattr(module, name), type)
    },
    key=lambda cls: cls.__name__,
)


def declared(klass: type) -> set[str]:
    """Public names a class itself declares: fields (not class variables), properties,
    methods and named-tuple fields."""
    annotations = {
        name
        for name, kind in vars(klass).get("__annotations__", {}).items()
        if not str(kind).startswith("ClassVar")
    }
    return {n for n in annotations | set(vars(klass)) if not n.startswith("_")}


def attributes(cls: type) -> dict[str, type]:
    """Every public attribute of ``cls``, with the class (of our modules) that declares it."""
    out: dict[str, type] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__ in {m.__name__ for m in MODULES}:
            out.update(dict.fromkeys(declared(klass), klass))
    if cls is ViewBuilder:  # attributes set on instances
        builder = ViewBuilder(as_of=date(2026, 1, 1), known_at=datetime(2026, 1, 1, tzinfo=UTC))
        out.update({n: cls for n in vars(builder) if not n.startswith("_")})
    return out


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_public_attribute_is_documented(cls: type) -> None:
    assert cls.__name__ in SECTIONS, f"docs/view.md has no section for {cls.__name__}"
    missing = [
        f"{owner.__name__}.{name}"
        for name, owner in sorted(attributes(cls).items())
        if name not in ROW.findall(SECTIONS.get(owner.__name__, ""))
    ]
    assert not missing, f"undocumented in docs/view.md: {', '.join(missing)}"


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_the_docs_name_nothing_that_does_not_exist(name: str) -> None:
    cls = next((c for c in CLASSES if c.__name__ == name), None)
    assert cls is not None, f"docs/view.md documents {name}, which ledger does not export"
    known = attributes(cls)
    stale = [row for row in ROW.findall(SECTIONS[name]) if row not in known]
    assert not stale, f"docs/view.md documents {name}.{', '.join(stale)}, which do not exist"


def test_every_module_name_is_documented() -> None:
    documented = set(ROW.findall(DOCS)) | set(SECTIONS)
    for module in MODULES:
        missing = [n for n in module.__all__ if n not in documented]
        assert not missing, f"{module.__name__}: {missing}"


def test_every_record_type_in_a_view_is_exported() -> None:
    """The classes a view is made of are all in ``__all__`` (so the tests above see them)."""
    exported = set(CLASSES)
    found: set[type] = set()

    def collect(kind: object) -> None:
        ours = (
            c for c in vars(ledger.view).values() if getattr(c, "__module__", "") == "ledger.view"
        )
        for cls in (c for c in ours if isinstance(c, type)):
            if cls.__name__ in str(kind) and dataclasses.is_dataclass(cls) and cls not in found:
                found.add(cls)
                for fld in dataclasses.fields(cls):
                    collect(fld.type)

    collect(" ".join(str(f.type) for f in dataclasses.fields(PartnershipView)))
    assert found and found <= exported, found - exported


def test_the_json_keys_are_documented() -> None:
    json_section = DOCS.split("## The JSON form", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(\w+)`", json_section))
    fields = {f.name for f in dataclasses.fields(PartnershipView)}
    view = PartnershipView.replay([], partnership="p", as_of=date(2026, 1, 1))
    undocumented = [k for k in view.to_json() if k not in documented and k not in fields]
    assert not undocumented

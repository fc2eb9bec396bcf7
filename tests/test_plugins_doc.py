"""docs/plugins.md stays true: its rule, saved as the tutorial says and loaded with -p, works
at the first try, and its tests pass with the ``ledger_builder`` fixture."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli.main import cli
from ledger.testing import LedgerBuilder

DOC = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")


def _block(first_line: str) -> str:
    for block in re.findall(r"```python\n(.*?)```", DOC, flags=re.S):
        if block.startswith(first_line):
            return str(block)
    raise AssertionError(f"no python block starting with {first_line!r} in docs/plugins.md")


@pytest.fixture
def tutorial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "my_rules.py").write_text(_block("# my_rules.py"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("my_rules", None)


def test_the_tutorial_rule_works_with_dash_p(tutorial: Path) -> None:
    runner = CliRunner()
    db = ["--db", str(tutorial / "t.db")]
    steps = [
        ["new", "river", "--name", "River", "--purpose", "Clean banks", "--scope", "local",
         "--actor", "city", "--on", "2026-01-10"],
        ["partner", "add", "water-co", "--engagement", "key", "--name", "Water Co",
         "--sector", "private", "--actor", "city", "--on", "2026-01-12"],
    ]  # fmt: skip
    for args in steps:
        assert runner.invoke(cli, [*db, *args]).exit_code == 0
    result = runner.invoke(cli, [*db, "-p", "my_rules.py", "audit", "--select", "MY001",
                                 "--format", "json", "--as-of", "2026-03-01"])  # fmt: skip
    assert result.exit_code == 0, result.output
    findings = json.loads(result.output)["findings"]
    assert [(f["rule"], f["subject"], f["severity"]) for f in findings] == [
        ("MY001", "partnership:river", "warning")
    ]
    shown = runner.invoke(cli, ["-p", "my_rules.py", "rule", "MY001"])
    assert "no current civil-society partner" in shown.output


def test_the_tutorial_tests_pass(tutorial: Path) -> None:
    namespace: dict[str, object] = {}
    exec(compile(_block("# test_my_rules.py"), "test_my_rules.py", "exec"), namespace)
    tests = [v for k, v in namespace.items() if k.startswith("test_") and callable(v)]
    assert len(tests) == 2
    for test in tests:
        folder = tutorial / test.__name__  # type: ignore[attr-defined]
        folder.mkdir()
        builder = LedgerBuilder(folder)
        try:
            test(builder)
        finally:
            builder.close()

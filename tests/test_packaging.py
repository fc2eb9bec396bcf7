"""The wheel holds one import package, ``ledger``, with ``cli/`` and ``plugins/`` inside it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("pledger-*.whl")
    return path


@pytest.mark.slow
def test_wheel_installs_only_the_ledger_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"ledger"}
    for expected in (
        "ledger/__init__.py",
        "ledger/store.py",
        "ledger/cli/main.py",
        "ledger/plugins/__init__.py",
        "ledger/view.py",
        "ledger/demo.py",
        "ledger/py.typed",
        "ledger/templates/report.html",
    ):
        assert expected in names
    assert not any(n.startswith(("cli/", "plugins/", "tests/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "pledger = ledger.cli.main:main" in text


@pytest.mark.slow
def test_installed_wheel_runs_the_cli(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "PLEDGER_NOW": "2026-12-01T00:00:00Z"}
    db = tmp_path / "demo.db"
    code = "import sys, ledger.cli.main as m; sys.argv = ['pledger', *sys.argv[1:]]; m.main()"
    result = subprocess.run(
        [sys.executable, "-c", code, "--db", str(db), "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "recorded 123 events of music-chain" in result.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import ledger; print(ledger.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(target))

"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright with
``executable_path`` (never a downloaded browser). Each page must open with no console error and
no request but itself, show its charts at a real size, paint a screenshot that is not blank,
and run nothing a partner typed in (``<script>`` and ``<img onerror>`` in names and comments).

Skips, saying why, where ``/usr/bin/chromium`` or the ``playwright`` package is absent
(``.ci/run`` installs Chromium)."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_report import IMG, SCRIPT, large_partnership_lines, river_care

from ledger.config import Config
from ledger.manager import get_plugin_manager
from ledger.report import make_report, render_html
from ledger.store import Ledger
from ledger.testing import LedgerBuilder

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is absent (Debian's chromium; .ci/run installs it)", allow_module_level=True
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is absent (pip install -e '.[test]')"
)
Image = pytest.importorskip("PIL.Image", reason="Pillow is absent (pip install -e '.[test]')")


@dataclass
class Opened:
    """What the browser saw while opening one page."""

    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    charts: list[dict[str, float]] = field(default_factory=list)
    pwned: str = ""
    png: bytes = b""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module, on a fresh profile folder."""
    profile = tempfile.mkdtemp(prefix="pledger-chromium-")
    try:
        with sync_api.sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=FLAGS,
                viewport={"width": 1280, "height": 900},
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def open_page(context: Any, path: Path, screenshot: Path | None = None) -> Opened:
    url = path.resolve().as_uri()
    seen = Opened(url)
    page = context.new_page()
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("request", lambda r: seen.requests.append(r.url))
    try:
        page.goto(url, wait_until="load")
        seen.charts = page.evaluate(
            """[...document.querySelectorAll('figure > svg')].map(s => {
                const r = s.getBoundingClientRect();
                const marks = s.querySelectorAll('.series rect, .series path, .series circle');
                return {width: r.width, height: r.height, marks: marks.length};
            })"""
        )
        seen.pwned = page.evaluate("typeof window.pwned")
        seen.png = page.screenshot(full_page=True, path=screenshot)
    finally:
        page.close()
    return seen


def check(seen: Opened, charts: int) -> None:
    assert seen.errors == []
    assert seen.requests == [seen.url]  # the page itself, nothing else
    assert seen.pwned == "undefined"
    assert len(seen.charts) == charts
    for chart in seen.charts:
        assert chart["width"] > 200 and chart["height"] > 100, chart
        assert chart["marks"] > 0, chart  # bars, lines or dots drawn: not an empty frame
    image = Image.open(io.BytesIO(seen.png)).convert("RGB")
    width, height = image.size
    assert width >= 1200 and height > 2000
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # text, charts and colour, not one flat colour
    white = max((n for n, c in colours if c == (255, 255, 255)), default=0)
    assert white < 0.95 * width * height


def write(built: Any, path: Path) -> Path:
    path.write_text(render_html(built), encoding="utf-8")
    return path


def test_the_demo_in_chromium(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.demo import record_demo

    monkeypatch.setenv("PLEDGER_NOW", "2026-12-01T00:00:00Z")
    with Ledger(f"sqlite:///{tmp_path / 'demo.db'}") as ledger:
        record_demo(ledger)
        built = make_report(
            ledger, None, as_of=None, known_at=None, config=Config(), pm=get_plugin_manager()
        )
    seen = open_page(browser, write(built, tmp_path / "demo.html"), tmp_path / "demo.png")
    check(seen, charts=8)


@pytest.mark.slow
def test_a_large_partnership_in_chromium(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLEDGER_NOW", "2026-10-01T00:00:00Z")
    with Ledger(f"sqlite:///{tmp_path / 'big.db'}") as ledger:
        ledger.import_jsonl(io.BytesIO("".join(large_partnership_lines()).encode()))
        built = make_report(
            ledger,
            None,
            as_of=date(2026, 9, 30),
            known_at=None,
            config=Config(),
            pm=get_plugin_manager(),
        )
    seen = open_page(browser, write(built, tmp_path / "big.html"), tmp_path / "big.png")
    check(seen, charts=9)


def test_nothing_a_partner_typed_runs(
    browser: Any, ledger_builder: LedgerBuilder, tmp_path: Path
) -> None:
    p = river_care(ledger_builder, partner_name=SCRIPT)
    p.partner("evil", on="2026-03-22", name=IMG, engagement="key")
    p.record(
        "DecisionProposed",
        on="2026-03-22",
        decision="d-4",
        title="</svg><script>window.pwned=1</script>",
        proposer="evil",
    )
    p.record(
        "VoteCast", on="2026-03-23", decision="d-4", partner="evil", position="block", comment=IMG
    )
    p.record(
        "CommitmentMade",
        on="2026-03-23",
        commitment="c-evil",
        partner="evil",
        kind="people",
        description=SCRIPT,
        quantity=1,
        unit=IMG,
        value=5,
        currency="EUR",
        due="2026-03-24",
    )
    built = make_report(
        ledger_builder.ledger,
        ["river"],
        as_of=date(2026, 4, 1),
        known_at=None,
        config=Config(),
        pm=get_plugin_manager(),
    )
    seen = open_page(browser, write(built, tmp_path / "hostile.html"), tmp_path / "hostile.png")
    check(seen, charts=8)  # the requests check proves no request to "x" was made

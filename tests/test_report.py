"""The HTML report: the page's numbers for a hand-built partnership, --as-of, escaping, no
remote resource, atomic writing, one-line errors, and ``audit --format html``.

``large_partnership_lines`` (30 partners, 200 commitments, 40 decisions) is shared with
``test_report_browser.py``."""

from __future__ import annotations

import io
import json
import random
import re
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger.cli.main import cli
from ledger.config import Config
from ledger.manager import get_plugin_manager
from ledger.report import (
    NOT_DECIDER,
    NOT_HEARD,
    PENDING,
    Amounts,
    Report,
    build_report,
    make_report,
    render_audit_html,
    render_html,
)
from ledger.store import Ledger
from ledger.testing import LedgerBuilder, PartnershipBuilder

SCRIPT = "<script>window.pwned=1</script>"
IMG = '<img src=x onerror="window.pwned=1">'


# -- fixtures -------------------------------------------------------------------------------------


def river_care(book: LedgerBuilder, *, partner_name: str = "City Council") -> PartnershipBuilder:
    """Three partners (two key), four commitments, three decisions, one review.

    As of 2026-04-01: c-grant fulfilled (EUR 1000), c-match overdue by 17 days (EUR 500),
    c-staff open (in kind, 2 divers valued EUR 200), c-boats withdrawn (3 boats); d-1 heard
    everyone, d-2 was taken without the NGO's vote, d-3 is open; rv-1 lacks the NGO."""
    p = book.partnership(
        "river", on="2026-01-05", name="River Care", purpose="Clean the river banks"
    )
    p.partner("city", on="2026-01-06", name=partner_name, sector="public")
    p.partner("ngo", on="2026-01-06", name="Green NGO")
    p.partner("water", on="2026-01-07", engagement="active", name="Water Co", sector="private")
    p.record("PhaseChanged", on="2026-01-20", phase="planning", reason="Resources mapped")
    commit = {"kind": "money", "currency": "EUR"}
    p.record(
        "CommitmentMade",
        on="2026-02-01",
        commitment="c-grant",
        partner="city",
        description="Grant",
        value=1000,
        due="2026-03-01",
        **commit,
    )
    p.record(
        "CommitmentMade",
        on="2026-02-01",
        commitment="c-match",
        partner="ngo",
        description="Match funding",
        value=500,
        due="2026-03-15",
        **commit,
    )
    p.record(
        "CommitmentMade",
        on="2026-02-02",
        commitment="c-staff",
        partner="water",
        kind="people",
        description="Two divers",
        quantity=2,
        unit="divers",
        value=200,
        currency="EUR",
        due="2026-06-30",
    )
    p.record(
        "CommitmentMade",
        on="2026-02-02",
        commitment="c-boats",
        partner="water",
        kind="facilities",
        description="Boats",
        quantity=3,
        unit="boats",
        due="2026-05-01",
    )
    p.record(
        "DecisionProposed",
        on="2026-02-03",
        decision="d-1",
        title="Meet on Saturdays",
        proposer="city",
        rationale="Volunteers work on weekdays",
    )
    p.record("VoteCast", on="2026-02-04", decision="d-1", partner="city", position="for")
    p.record(
        "VoteCast", on="2026-02-04", decision="d-1", partner="ngo", position="against", comment=IMG
    )
    p.record("VoteCast", on="2026-02-04", decision="d-1", partner="water", position="abstain")
    p.record("DecisionTaken", on="2026-02-05", decision="d-1", outcome="adopted")
    p.record("CommitmentWithdrawn", on="2026-02-10", commitment="c-boats", reason="Sold")
    p.record("CommitmentFulfilled", on="2026-02-20", commitment="c-grant", evidence="Paid")
    p.record("PhaseChanged", on="2026-03-02", phase="implementing")
    p.record(
        "DecisionProposed",
        on="2026-03-03",
        decision="d-2",
        title="Buy a van",
        proposer="ngo",
        rationale="Bags are heavy",
    )
    p.record("VoteCast", on="2026-03-04", decision="d-2", partner="city", position="for")
    p.record("DecisionTaken", on="2026-03-05", decision="d-2", outcome="adopted")
    p.record("ReviewOpened", on="2026-03-10", review="rv-1", lenses=["project"])
    p.record(
        "ReviewSubmitted",
        on="2026-03-12",
        review="rv-1",
        partner="city",
        ratings={"delivery": "green", "trust": "amber"},
        worth="green",
        comments=f"Good start {IMG}",
    )
    p.record(
        "ReviewSubmitted",
        on="2026-03-13",
        review="rv-1",
        partner="water",
        ratings={"delivery": "red"},
    )
    p.record(
        "DecisionProposed", on="2026-03-20", decision="d-3", title="Plant willows", proposer="ngo"
    )
    p.record("VoteCast", on="2026-03-21", decision="d-3", partner="ngo", position="for")
    p.record("ReviewConcluded", on="2026-03-20", review="rv-1", findings="Boats were missed")
    return p


@pytest.fixture
def river(ledger_builder: LedgerBuilder) -> LedgerBuilder:
    river_care(ledger_builder)
    return ledger_builder


def report_of(book: LedgerBuilder, as_of: str = "2026-04-01", pid: str = "river") -> Report:
    return make_report(
        book.ledger,
        [pid],
        as_of=date.fromisoformat(as_of),
        known_at=None,
        config=Config(),
        pm=get_plugin_manager(),
    )


class _Tags(HTMLParser):
    """Every element and attribute of the page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def tags_of(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


class _Text(HTMLParser):
    """The page's visible text, one space between pieces (what a reader sees)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("style", "svg", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "svg", "title")

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def text_of(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.parts)


def run(book: LedgerBuilder, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", book.url, *args])


# -- the model ------------------------------------------------------------------------------------


def test_the_page_holds_the_right_numbers(river: LedgerBuilder) -> None:
    (page,) = report_of(river).pages
    assert page.view is not None and page.view.phase == "implementing"
    assert page.status_counts == {"fulfilled": 1, "overdue": 1, "open": 1, "withdrawn": 1}
    assert page.totals("EUR", True) == Amounts(Decimal("1000"), Decimal(0), Decimal("500"))
    assert page.totals("EUR", False) == Amounts(Decimal(0), Decimal("200"), Decimal(0))
    by_partner = {line.partner: line for line in page.commitments}
    assert by_partner["water"].non_money == {
        "fulfilled": 0,
        "open": 1,
        "overdue": 0,
        "withdrawn": 1,
    }
    assert by_partner["water"].quantities["divers"].open == 2
    assert by_partner["water"].quantities["boats"].promised == 0  # withdrawn
    assert [(c.id, c.days_overdue) for c in page.overdue] == [("c-match", 17)]
    assert [d.id for d in page.decisions] == ["d-1", "d-2", "d-3"]
    matrix = {row.partner: row.cells for row in page.matrix}
    assert matrix == {
        "city": ("for", "for", PENDING),
        "ngo": ("against", NOT_HEARD, "for"),
        "water": ("abstain", NOT_DECIDER, NOT_DECIDER),
    }
    assert page.decisions[1].tally == {"for": 1, NOT_HEARD: 1}
    (review,) = page.reviews
    assert review.ratings == {"green": 1, "amber": 1, "red": 1}
    assert review.worth == {"green": 1, "amber": 0, "red": 0}
    assert review.aspects == {
        "delivery": {"green": 1, "amber": 0, "red": 1},
        "trust": {"green": 0, "amber": 1, "red": 0},
    }
    assert review.missing == ("Green NGO",)
    kinds = [m.kind for m in page.milestones]
    assert kinds[:3] == ["founded", "joined", "phase"] and kinds.count("review") == 2
    rules = {line.finding.rule for group in page.findings for line in group.findings}
    assert {"EQ002", "FT001"} <= rules
    eq002 = next(
        line for group in page.findings for line in group.findings if line.finding.rule == "EQ002"
    )
    assert eq002.finding.subject == "decision:d-2" and eq002.finding.partner == "ngo"
    assert all(e.type for e in eq002.evidence)  # each evidence event is named, with its date


def test_each_section_is_on_the_page_with_its_numbers(river: LedgerBuilder) -> None:
    html = render_html(report_of(river))
    text = text_of(html)
    for section in (
        "At a glance",
        "Timeline",
        "Commitments",
        "Decisions and participation",
        "Reviews",
        "Audit findings",
    ):
        assert f'aria-label="{section}"' in html or section in text, section
    assert "River Care" in text and "Clean the river banks" in text
    assert "Money promised, EUR 1,500 1,000 fulfilled · 500 overdue" in text
    assert "Commitments 4 1 fulfilled · 1 open · 1 overdue · 1 withdrawn" in text
    assert "c-match Green NGO money: Match funding EUR 500 2026-03-15 17" in text
    assert "Submitted: City Council, Water Co · not heard: Green NGO" in text
    assert "pledger-checkpoint/v1 river " in text
    assert "EQ002 unheard-decider" in text
    # the charts: the cycle, money and in kind in EUR, non-money counts, votes, ratings,
    # worth, findings
    assert html.count("<svg") == 8
    assert 'class="cell not-heard"' in html


def test_as_of_changes_what_is_shown(river: LedgerBuilder) -> None:
    (early,) = report_of(river, "2026-02-15").pages
    assert early.view is not None and early.view.phase == "planning"
    assert early.status_counts == {"open": 3, "withdrawn": 1}
    assert [d.id for d in early.decisions] == ["d-1"] and not early.reviews
    text = text_of(render_html(report_of(river, "2026-02-15")))
    assert "as of 2026-02-15" in text
    assert "No review has been opened yet." in text
    assert "Overdue" not in text


def test_the_demo_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.demo import DEMO_PARTNERSHIP, record_demo

    monkeypatch.setenv("PLEDGER_NOW", "2026-12-01T00:00:00Z")

    with Ledger(f"sqlite:///{tmp_path / 'demo.db'}") as ledger:
        record_demo(ledger)
        built = make_report(
            ledger, None, as_of=None, known_at=None, config=Config(), pm=get_plugin_manager()
        )
    text = text_of(render_html(built))
    assert built.pages[0].id == DEMO_PARTNERSHIP
    assert "Music Chain" in text and "Ministry of Culture" in text
    assert "FT001 overdue-commitment" in text and "TR001 decision-without-rationale" in text


def test_a_large_partnership_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
    (page,) = built.pages
    assert len(page.partners) == 30 and len(page.commitment_lines) == 200
    assert len(page.decisions) == 40 and len(page.matrix) == 30
    html = render_html(built)
    assert html.count('<table class="matrix">') == 2  # 40 decisions: two tables of 20
    assert html.count("<svg") == 9  # two currencies of money, one of in kind


def test_the_page_is_the_same_every_time(river: LedgerBuilder) -> None:
    assert render_html(report_of(river)) == render_html(report_of(river))


# -- safety ---------------------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere(ledger_builder: LedgerBuilder) -> None:
    p = river_care(ledger_builder, partner_name=SCRIPT)
    p.record(
        "DecisionProposed",
        on="2026-03-22",
        decision="d-4",
        title="</svg><script>x()</script>",
        proposer="ngo",
    )
    p.partner("evil", on="2026-03-22", name=IMG, engagement="key")
    p.record(
        "CommitmentMade",
        on="2026-03-23",
        commitment="c-evil",
        partner="evil",
        kind="money",
        description=SCRIPT,
        value=5,
        currency="EUR",
        due="2026-03-24",
    )
    html = render_html(report_of(ledger_builder))
    tags = tags_of(html)
    assert not {t for t, _ in tags} & {"script", "img", "iframe", "object", "embed"}
    assert not [name for _, attrs in tags for name, _ in attrs if name.startswith("on")]
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    # the partner names went into the charts' labels too: still text, never markup
    assert html.count("<svg") == html.count("</svg>") == 8
    assert "&lt;/svg&gt;&lt;script&gt;" in html


def test_chart_svg_is_checked_before_it_is_inlined() -> None:
    from ledger.report import _check_inert

    _check_inert('<svg xmlns="http://www.w3.org/2000/svg"><g><text>&lt;b&gt;</text></g></svg>')
    for bad in (
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        '<a x:href="https://example.org/">x</a></svg>',
    ):
        with pytest.raises(ValueError, match="chart SVG holds"):
            _check_inert(bad)


def test_nothing_is_loaded_from_anywhere(river: LedgerBuilder) -> None:
    html = render_html(report_of(river))
    references = [
        value or ""
        for _, attrs in tags_of(html)
        for name, value in attrs
        if name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data")
    ]
    assert references  # the empty icon
    assert all(ref.startswith(("#", "data:")) for ref in references), references
    assert not re.search(r"url\(|@import", html)
    assert "default-src 'none'" in html
    # the only absolute URLs are SVG's namespace names: identifiers, never fetched
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }


# -- the command line -----------------------------------------------------------------------------


def test_report_writes_the_file_atomically(
    river: LedgerBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ledger.cli.transfer as transfer

    calls: list[Path] = []
    original = transfer.write_atomically

    def spy(target: Path, chunks: Any) -> None:
        calls.append(target)
        original(target, chunks)

    monkeypatch.setattr(transfer, "write_atomically", spy)
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    result = run(river, "report", "-P", "river", "--as-of", "2026-04-01", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert calls == [out]
    assert result.stdout.strip() == f"wrote {out}"
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary left
    assert "River Care" in out.read_text(encoding="utf-8")


def test_report_default_file_and_stdout(
    river: LedgerBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(river, "report", "--as-of", "2026-04-01")  # the only partnership
    assert result.exit_code == 0, result.output
    assert (tmp_path / "river-report-2026-04-01.html").is_file()
    piped = run(river, "report", "--as-of", "2026-04-01", "-o", "-")
    assert piped.exit_code == 0
    assert piped.stdout.startswith("<!DOCTYPE html>") and piped.stdout.rstrip().endswith("</html>")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-P", "nope"], "no partnership 'nope'"),
        (["-P", "river", "--as-of", "2026-13-01"], "2026-13-01"),
        (["-P", "river", "--known-at", "yesterday"], "yesterday"),
        (["-P", "river", "--all"], "give -P or --all"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    river: LedgerBuilder, tmp_path: Path, args: list[str], needle: str
) -> None:
    out = tmp_path / "r.html"
    result = run(river, "report", *args, "-o", str(out))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines
    assert not out.exists()


def test_all_partnerships_on_one_page(river: LedgerBuilder) -> None:
    lake = river.partnership("lake", on="2026-01-08", name="Lake Watch")
    lake.partner("fishers", on="2026-01-09", name="Fishers' Guild")
    result = run(river, "report", "--all", "--as-of", "2026-04-01", "-o", "-")
    assert result.exit_code == 0, result.output
    html = result.stdout
    assert html.count("<article ") == 2
    assert (
        '<a href="#p-lake">Lake Watch</a>' in html and '<a href="#p-river">River Care</a>' in html
    )
    assert "No commitment has been made yet." in text_of(html)


def test_report_needs_a_ledger(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "report"])
    assert result.exit_code == 2 and "no ledger" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_audit_format_html_is_the_same_page(river: LedgerBuilder, tmp_path: Path) -> None:
    out = tmp_path / "audit.html"
    audited = run(river, "audit", "--as-of", "2026-04-01", "--format", "html", "-o", str(out))
    assert audited.exit_code == 1  # the audit still fails on its errors
    reported = run(river, "report", "--as-of", "2026-04-01", "-o", "-")
    assert out.read_text(encoding="utf-8") == reported.stdout
    assert 'class="matrix"' in reported.stdout


def test_findings_only_page_without_a_ledger(river: LedgerBuilder) -> None:
    """A renderer called with the audit alone (the plain ``(report, stream)`` shape) shows
    the findings and checkpoint, and no view sections."""
    audit = river.ledger  # noqa: F841 - the ledger stays open for the builder
    p = PartnershipBuilder(river, "river", "broker")
    report = p.report("EQ002", "FT001", as_of="2026-04-01")
    stream = io.StringIO()
    render_audit_html(report, stream)
    text = text_of(stream.getvalue())
    assert "EQ002 unheard-decider" in text and "FT001 overdue-commitment" in text
    assert "pledger-checkpoint/v1 river " in text
    assert "Decisions and participation" not in text
    assert build_report(report).pages[0].view is None


# -- a large partnership, shared with the browser test --------------------------------------------

ORGS = [
    ("city-hall", "Riverside City Council", "public"),
    ("water-board", "Regional Water Board", "public"),
    ("health-dept", "County Health Department", "public"),
    ("edu-ministry", "Ministry of Education", "public"),
    ("green-ngo", "Green Futures Foundation", "civil-society"),
    ("youth-net", "Youth Action Network", "civil-society"),
    ("food-bank", "Riverside Food Bank", "civil-society"),
    ("women-coop", "Women's Weaving Cooperative", "civil-society"),
    ("red-cross", "Red Cross Riverside Branch", "civil-society"),
    ("scouts", "Riverside Scouts Association", "civil-society"),
    ("uni-tech", "Technical University of the North", "academic"),
    ("uni-soc", "Institute for Social Research", "academic"),
    ("college", "Riverside Community College", "academic"),
    ("telco", "Northwind Telecom", "private"),
    ("bank", "Cooperative Bank of the Valley", "private"),
    ("energy", "Bright Grid Energy plc", "private"),
    ("builder", "Stone & Sons Construction", "private"),
    ("logistics", "Valley Freight Logistics", "private"),
    ("media", "Riverside Evening Post", "private"),
    ("software", "OpenBridge Software Ltd", "private"),
    ("pharma", "Meridian Pharmaceuticals", "private"),
    ("hotel", "Grand Riverside Hotel", "private"),
    ("farm-union", "Smallholders' Farming Union", "civil-society"),
    ("unesco-office", "UNESCO Regional Office", "intergovernmental"),
    ("eu-delegation", "European Union Delegation", "intergovernmental"),
    ("dev-agency", "International Development Agency", "intergovernmental"),
    ("museum", "Museum of River History", "public"),
    ("library", "Public Library Service", "public"),
    ("sports-club", "Riverside United Sports Club", "civil-society"),
    ("arts-council", "Regional Arts Council", "other"),
]
UNITS = {
    "people": "staff",
    "skills": "days",
    "facilities": "rooms",
    "logistics": "trucks",
    "information": "datasets",
    "services": "hours",
    "products": "kits",
    "publicity": "ads",
}
WHAT = {
    "money": [
        "Grant for riverbank restoration",
        "Co-funding of the training programme",
        "Seed money for the community fund",
        "Budget for monitoring equipment",
    ],
    "people": ["Field coordinators", "Volunteer trainers", "Project officers"],
    "skills": ["Water-quality analysis", "Legal advice on permits", "Data science support"],
    "facilities": ["Meeting rooms", "Warehouse space", "Laboratory access"],
    "logistics": ["Transport of materials", "Cold-chain delivery"],
    "information": ["Flood-risk maps", "Household survey data"],
    "services": ["Website hosting", "Accounting services"],
    "products": ["Water-testing kits", "First-aid kits"],
    "publicity": ["Newspaper campaign", "Radio spots"],
}
ASPECTS = ["delivery", "communication", "governance", "trust", "visibility"]
TITLES = [
    "Adopt the flood plan",
    "Hire a coordinator",
    "Open a second office",
    "Publish quarterly accounts",
    "Extend the monitoring network",
    "Join the national river alliance",
    "Change the meeting rhythm",
    "Fund youth grants",
]


def large_partnership_lines(pid: str = "river-coalition") -> list[str]:
    """JSON Lines of a large partnership over 21 months: 30 partners (8 key, 2 leave), 200
    commitments in EUR, USD and kind, 40 decisions with their votes, three reviews.
    Deterministic (seeded); import it with ``PLEDGER_NOW`` at or after 2026-10-01."""
    rnd = random.Random(7)
    convenor = "secretariat"
    events: list[tuple[date, int, dict[str, Any]]] = []

    def add(day: date, type_: str, actor: str, **data: Any) -> None:
        body = {
            "partnership": pid,
            "type": type_,
            "occurred_on": day.isoformat(),
            "actor": actor,
            "data": data,
        }
        events.append((day, len(events), body))

    add(
        date(2025, 1, 6),
        "PartnershipFounded",
        convenor,
        name="Riverside Resilience Coalition",
        purpose="Restore the river and protect 40,000 residents from floods",
        scope="regional",
        vision="A living river that floods no one",
    )
    for day, phase in [
        (date(2025, 2, 3), "building"),
        (date(2025, 3, 10), "planning"),
        (date(2025, 5, 5), "implementing"),
        (date(2025, 11, 3), "reviewing"),
        (date(2025, 12, 8), "implementing"),
        (date(2026, 5, 4), "reviewing"),
        (date(2026, 6, 15), "implementing"),
    ]:
        add(day, "PhaseChanged", convenor, phase=phase)
    engagement = ["key"] * 8 + ["active"] * 12 + ["pilot"] * 6 + ["advisory"] * 4
    joined: dict[str, date] = {}
    for i, (partner, name, sector) in enumerate(ORGS):
        day = date(2025, 2, 3) + timedelta(days=(i % 10) * 3 + (i // 10) * 20)
        add(
            day,
            "PartnerJoined",
            convenor,
            partner=partner,
            engagement=engagement[i],
            name=name,
            sector=sector,
            representative=f"Rep. {name.split()[0]}",
        )
        joined[partner] = day
    ids = [o[0] for o in ORGS]
    key = ids[:8]
    left = {"hotel": date(2026, 2, 2), "pharma": date(2026, 3, 2)}
    for partner, day in left.items():
        add(day, "PartnerLeft", convenor, partner=partner, reason="Changed priorities")
    add(date(2025, 3, 20), "DecisionRuleSet", convenor, method="majority", quorum="0.6")
    add(date(2025, 4, 14), "AgreementDrafted", convenor, version=1, summary="Roles and budget")
    for i, partner in enumerate(key):
        add(
            date(2025, 4, 21) + timedelta(days=i),
            "AgreementSigned",
            partner,
            version=1,
            partner=partner,
            signatory=f"Director of {partner}",
        )
    add(date(2025, 12, 15), "AgreementDrafted", convenor, version=2, summary="Plus the flood plan")
    for i, partner in enumerate(key[:6] + ids[8:14]):
        add(
            date(2025, 12, 22) + timedelta(days=i),
            "AgreementSigned",
            partner,
            version=2,
            partner=partner,
            signatory=f"Director of {partner}",
        )
    as_of = date(2026, 9, 30)
    for i in range(200):
        owner = rnd.choice(ids[:20] if rnd.random() < 0.8 else ids)
        made = max(joined[owner], date(2025, 3, 10)) + timedelta(days=rnd.randint(0, 120))
        if owner in left and made >= left[owner]:
            made = left[owner] - timedelta(days=10)
        kind = "money" if rnd.random() < 0.35 else rnd.choice(sorted(UNITS))
        due = made + timedelta(days=rnd.randint(60, 540))
        data: dict[str, Any] = {
            "commitment": f"c-{i + 1:03d}",
            "partner": owner,
            "kind": kind,
            "description": rnd.choice(WHAT[kind]),
            "due": due.isoformat(),
        }
        if kind == "money":
            data["value"] = rnd.choice([5000, 10000, 12500, 20000, 25000, 40000, 75000])
            data["currency"] = "USD" if rnd.random() < 0.15 else "EUR"
        else:
            data["quantity"] = rnd.randint(1, 12)
            data["unit"] = UNITS[kind]
            if rnd.random() < 0.4:
                data["value"] = rnd.choice([1500, 3000, 4500, 8000])
                data["currency"] = "EUR"
        add(made, "CommitmentMade", owner, **data)
        roll = rnd.random()
        if roll < 0.06:
            add(
                made + timedelta(days=20),
                "CommitmentWithdrawn",
                owner,
                commitment=data["commitment"],
                reason="No longer needed",
            )
        elif (due < as_of and roll < 0.78) or (due >= as_of and roll < 0.25):
            done = max(min(due - timedelta(days=rnd.randint(0, 30)), as_of), made)
            add(
                done,
                "CommitmentFulfilled",
                owner,
                commitment=data["commitment"],
                evidence="Delivered and signed for",
            )
    for i in range(40):
        day = date(2025, 4, 1) + timedelta(days=i * 13)
        decision = f"d-{i + 1:02d}"
        add(
            day,
            "DecisionProposed",
            convenor,
            decision=decision,
            title=f"{rnd.choice(TITLES)} ({i + 1})",
            proposer=rnd.choice(key),
            rationale="Discussed at the monthly call",
        )
        for partner in ids:
            if joined[partner] > day or (partner in left and left[partner] <= day + timedelta(5)):
                continue
            if rnd.random() < (0.88 if partner in key else 0.2):
                position = rnd.choices(["for", "against", "abstain", "block"], [70, 12, 14, 4])[0]
                add(
                    day + timedelta(days=rnd.randint(1, 5)),
                    "VoteCast",
                    partner,
                    decision=decision,
                    partner=partner,
                    position=position,
                )
        if i < 37:
            add(
                day + timedelta(days=7),
                "DecisionTaken",
                convenor,
                decision=decision,
                outcome="adopted" if rnd.random() < 0.85 else "rejected",
            )
    for r, (opened, closed, mood) in enumerate(
        [
            (date(2025, 11, 3), date(2025, 12, 1), 0.45),
            (date(2026, 5, 4), date(2026, 6, 8), 0.6),
            (date(2026, 9, 7), None, 0.7),
        ]
    ):
        review = f"rv-{r + 1}"
        weights = [mood, (1 - mood) * 0.7, (1 - mood) * 0.3]
        add(opened, "ReviewOpened", convenor, review=review, lenses=["project", "partnership"])
        for partner in ids:
            gone = partner in left and left[partner] <= opened
            if joined[partner] > opened or gone or rnd.random() < 0.3:
                continue
            ratings = {
                a: rnd.choices(["green", "amber", "red"], weights)[0]
                for a in rnd.sample(ASPECTS, 3)
            }
            add(
                opened + timedelta(days=rnd.randint(2, 20)),
                "ReviewSubmitted",
                partner,
                review=review,
                partner=partner,
                ratings=ratings,
                worth=rnd.choices(["green", "amber", "red"], weights)[0],
            )
        if closed:
            add(
                closed,
                "ReviewConcluded",
                convenor,
                review=review,
                findings="Delivery on track; communication with pilot partners needs work",
                recommendations=["Monthly newsletter", "Pair pilots with key partners"],
            )
    events.sort(key=lambda e: (e[0], e[1]))
    return [json.dumps(body) + "\n" for _, _, body in events]


# -- the documentation ----------------------------------------------------------------------------

DOC = (Path(__file__).resolve().parent.parent / "docs" / "report.md").read_text(encoding="utf-8")


def test_every_option_and_function_is_documented() -> None:
    import click

    import ledger.report

    command = cli.get_command(click.Context(cli), "report")
    assert command is not None
    for param in command.params:
        for opt in param.opts:
            assert f"`{opt}" in DOC, opt
    for name in ledger.report.__all__:
        if callable(getattr(ledger.report, name)) and name[0].islower():
            assert f"`{name}(" in DOC, name


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.demo import record_demo

    monkeypatch.setenv("PLEDGER_NOW", "2026-12-01T00:00:00Z")
    monkeypatch.chdir(tmp_path)
    with Ledger("sqlite:///pledger.db") as ledger:
        record_demo(ledger)
    code = DOC.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, Any] = {}
    exec(compile(code, "docs/report.md", "exec"), scope)
    assert "Music Chain" in scope["html"]

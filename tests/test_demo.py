"""``pledger demo``: the example partnership, recorded once, through the whole cycle, with the
lapses an audit should catch, shown as of a few dates."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner, Result

from ledger.catalogue import CORE_TYPES
from ledger.cli.main import cli
from ledger.demo import DEMO_PARTNERSHIP, SNAPSHOTS, demo_drafts, record_demo
from ledger.errors import InvalidInput
from ledger.events import parse_time
from ledger.store import Ledger
from ledger.view import PartnershipView, load_view

TODAY = date(2026, 11, 27)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def test_demo_records_once_and_shows_the_partnership_as_of_a_few_dates(sqlite_url: str) -> None:
    runner = CliRunner()
    first = ok(runner.invoke(cli, ["--db", sqlite_url, "demo"], env={"PLEDGER_NOW": "2026-12-01"}))
    count = len(demo_drafts())
    assert f"recorded {count} events of {DEMO_PARTNERSHIP}" in first
    for shot in SNAPSHOTS:
        assert shot.label in first
    assert "as of 2026-03-08" in first and "as of 2026-06-30" in first
    assert "as known at 2026-07-01 23:59:59 UTC" in first
    assert "overdue 92 days" in first  # c-venues, as of today (1 December)
    again = ok(runner.invoke(cli, ["--db", sqlite_url, "demo"], env={"PLEDGER_NOW": "2027-01-05"}))
    assert "already in" in again and "recorded nothing new" in again.splitlines()[0]
    assert "overdue 127 days" in again  # still there, on a later day
    with Ledger(sqlite_url) as ledger:
        assert len(ledger.stream(DEMO_PARTNERSHIP)) == count


def test_demo_refuses_a_clock_before_its_history(sqlite_url: str) -> None:
    result = CliRunner().invoke(
        cli, ["--db", sqlite_url, "demo"], env={"PLEDGER_NOW": "2026-11-01T00:00:00Z"}
    )
    assert result.exit_code == 2
    assert "PLEDGER_NOW" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    with Ledger(sqlite_url) as ledger, pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLEDGER_NOW", "2026-11-01")
        with pytest.raises(InvalidInput):
            record_demo(ledger)
        assert ledger.partnerships() == []


def test_the_story_is_a_whole_cycle_of_about_a_hundred_facts() -> None:
    drafts = demo_drafts()
    assert 90 <= len(drafts) <= 130
    assert {d.type for d in drafts} <= set(CORE_TYPES)
    types = Counter(d.type for d in drafts)
    phases = [d.data["phase"] for d in drafts if d.type == "PhaseChanged"]
    assert phases == [
        "scoping",
        "building",
        "planning",
        "implementing",
        "reviewing",
        "implementing",
        "reviewing",
        "sustaining",
    ]
    assert types["AgreementSigned"] >= 3 and types["ReviewConcluded"] == 2
    assert types["SustainabilityChosen"] == 1 and "PartnershipClosed" not in types
    assert len(types) >= 40  # most of the catalogue is used


def test_business_dates_and_recording_times_are_in_the_past_and_in_order() -> None:
    drafts = demo_drafts()
    stamps = [d.recorded_at for d in drafts]
    assert all(s is not None for s in stamps)
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    for d in drafts:
        assert d.occurred_on is not None and d.recorded_at is not None
        assert date.fromisoformat(d.occurred_on) <= TODAY
        assert d.occurred_on <= d.recorded_at[:10]
        assert parse_time(d.recorded_at) <= datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    with pytest.MonkeyPatch.context() as mp, Ledger(url) as ledger:
        mp.setenv("PLEDGER_NOW", "2026-11-27T20:00:00Z")
        written = record_demo(ledger)
        assert written is not None
    return url


def view(url: str, as_of: date, known_at: datetime | None = None) -> PartnershipView:
    with Ledger(url) as ledger:
        known_at = known_at or datetime(2100, 1, 1, tzinfo=UTC)
        return load_view(ledger, DEMO_PARTNERSHIP, as_of=as_of, known_at=known_at)


def test_the_lapses_an_audit_should_catch(recorded: str) -> None:
    v = view(recorded, TODAY)
    # a commitment overdue by more than 30 days (also on any later day)
    venues = v.commitments["c-venues"]
    assert venues.status(TODAY) == "overdue" and venues.days_overdue(TODAY) > 30
    assert view(recorded, date(2031, 1, 1)).commitments["c-venues"].status(date(2031, 1, 1)) == (
        "overdue"
    )
    # a decision taken with no rationale at all
    assert [d.id for d in v.decisions.values() if d.taken and not d.has_rationale] == ["d-branding"]
    # a decision taken while a key partner had not voted
    unheard = {
        d.id: set(v.eligible_deciders(d.taken.moment)) - set(v.cast_votes(d.id))
        for d in v.decisions.values()
        if d.taken
    }
    assert {k: u for k, u in unheard.items() if u} == {"d-showcase": {"ministry"}}
    # a review concluded without a key partner's submission
    autumn = v.reviews["rv-autumn"]
    assert autumn.conclusion is not None
    key_at_opening = set(v.key_partners_at(autumn.moment))
    assert key_at_opening - set(autumn.latest_submissions) == {"ministry"}
    # a fact recorded more than 30 days after it occurred (not a back-fill at the start)
    first_day = date.fromisoformat(v.events[0].recorded_at[:10])
    delays = {
        e.type: (date.fromisoformat(e.recorded_at[:10]) - max(e.occurred, first_day)).days
        for e in v.events
        if (date.fromisoformat(e.recorded_at[:10]) - max(e.occurred, first_day)).days > 30
    }
    assert delays == {"IssueRaised": 47}


def test_the_late_issue_is_unknown_as_known_on_1_july(recorded: str) -> None:
    mid = SNAPSHOTS[1]
    assert mid.as_of is not None and mid.known_at is not None
    then = view(recorded, mid.as_of, mid.known_at)
    assert then.issues == {} and then.commitments["c-venues"].status(mid.as_of) == "open"
    later = view(recorded, mid.as_of, mid.known_at + timedelta(days=20))
    assert list(later.issues) == ["i-permits"]


def test_demo_ends_with_the_audit_of_its_partnership(sqlite_url: str) -> None:
    out = ok(
        CliRunner().invoke(cli, ["--db", sqlite_url, "demo"], env={"PLEDGER_NOW": "2026-12-01"})
    )
    audit = out.split("Audit, as of today", 1)[1]
    for rule, subject in (
        ("TR001", "decision:d-branding"),
        ("FT001", "commitment:c-venues"),
        ("EQ002", "decision:d-showcase"),
        ("FT005", "review:rv-autumn"),
    ):
        assert rule in audit and subject in audit, (rule, subject)
    assert "failed (fail-on error)" in audit  # shown, not enforced: the demo itself exits 0

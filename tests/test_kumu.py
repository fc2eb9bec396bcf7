"""The stakeholder map as a Kumu blueprint: who is in it, how they are tagged and connected, in
the same order every time, as docs/interchange-formats.md says."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.demo import record_demo
from ledger.events import Envelope
from ledger.kumu import kumu_json
from ledger.store import Ledger
from ledger.testing import LedgerBuilder, PartnershipBuilder
from ledger.view import PartnershipView, load_view, parse_known_at

DOCS = Path(__file__).resolve().parent.parent / "docs" / "interchange-formats.md"
LATE = "2026-12-31"


def view_of(book: LedgerBuilder, pid: str) -> PartnershipView:
    return load_view(
        book.ledger, pid, as_of=date.fromisoformat(LATE), known_at=parse_known_at(LATE)
    )


def river(book: LedgerBuilder) -> PartnershipBuilder:
    p = book.partnership("river", convenor="broker", on="2026-01-10")
    p.record(
        "StakeholderMapped", on="2026-01-11", stakeholder="anglers", name="Anglers' Club",
        sector="civil-society", needs=["Clean water", "Access to the banks"],
        interests=["Fish stocks"],
    )  # fmt: skip
    p.record(
        "StakeholderMapped", on="2026-01-11", stakeholder="port", name="Port Authority",
        sector="public",
    )  # fmt: skip
    p.record(
        "PartnerIdentified", on="2026-01-12", partner="water-co", name="Water Co",
        sector="private", value_added="Boats and crews",
    )  # fmt: skip
    p.record(
        "PartnerJoined", on="2026-01-13", partner="water-co", engagement="key",
        representative="Ada Lo",
    )  # fmt: skip
    p.partner("green-ngo", on="2026-01-13", sector="civil-society", name="Green NGO")
    p.partner("uni", on="2026-01-14", sector="academic", name="River Lab", engagement="advisory")
    p.record(
        "PartnerIdentified", on="2026-01-15", partner="maybe-co", name="Maybe Co",
        sector="other", value_added="Storage",
    )  # fmt: skip
    p.record("StakeholderConsulted", on="2026-01-20", stakeholder="anglers", summary="Worried")
    p.record(
        "StakeholderConsulted", on="2026-01-22", stakeholder="anglers", summary="Will help",
        actor="green-ngo",
    )  # fmt: skip
    p.record(
        "PartnerEngagementChanged", on="2026-02-01", partner="uni", engagement="active",
        reason="More time",
    )  # fmt: skip
    p.record("PartnerLeft", on="2026-03-01", partner="green-ngo", reason="Merged")
    return p


@pytest.fixture
def blueprint(ledger_builder: LedgerBuilder) -> dict[str, Any]:
    river(ledger_builder)
    data: dict[str, Any] = json.loads(kumu_json(view_of(ledger_builder, "river")))
    return data


def test_elements_are_the_convenor_partners_and_stakeholders(blueprint: dict[str, Any]) -> None:
    assert list(blueprint) == ["elements", "connections"]
    elements = blueprint["elements"]
    assert [(e["id"], e["label"], e["type"]) for e in elements] == [
        ("convenor:broker", "broker", "Convenor"),
        ("partner:water-co", "Water Co", "Partner"),
        ("partner:green-ngo", "Green NGO", "Partner"),
        ("partner:uni", "River Lab", "Partner"),
        ("partner:maybe-co", "Maybe Co", "Partner"),
        ("stakeholder:anglers", "Anglers' Club", "Stakeholder"),
        ("stakeholder:port", "Port Authority", "Stakeholder"),
    ]
    tags = {e["id"]: e["tags"] for e in elements}
    assert tags == {
        "convenor:broker": ["convenor"],
        "partner:water-co": ["private", "key"],
        "partner:green-ngo": ["civil-society", "left"],
        "partner:uni": ["academic", "active"],  # the engagement as of the view, not at joining
        "partner:maybe-co": ["other", "identified"],
        "stakeholder:anglers": ["civil-society", "stakeholder", "consulted"],
        "stakeholder:port": ["public", "stakeholder"],
    }
    water = elements[1]
    assert water == {
        "id": "partner:water-co",
        "label": "Water Co",
        "type": "Partner",
        "tags": ["private", "key"],
        "Pledger id": "water-co",
        "Engagement": "key",
        "Sector": "private",
        "description": "Boats and crews",
        "Representative": "Ada Lo",
        "Joined": "2026-01-13",
    }
    assert "Joined" not in elements[4]  # maybe-co never joined
    anglers = elements[5]
    assert (
        anglers["description"] == "Needs: Clean water; Access to the banks\nInterests: Fish stocks"
    )
    assert anglers["Needs"] == ["Clean water", "Access to the banks"]
    assert anglers["Interests"] == ["Fish stocks"]
    assert "Motivations" not in anglers
    assert "description" not in elements[6]


def test_connections_run_from_the_convenor_to_partners_and_to_those_consulted(
    blueprint: dict[str, Any],
) -> None:
    connections = blueprint["connections"]
    assert [(c["from"], c["to"], c["type"]) for c in connections] == [
        ("convenor:broker", "partner:water-co", "Partner"),
        ("convenor:broker", "partner:green-ngo", "Partner"),
        ("convenor:broker", "partner:uni", "Partner"),
        ("convenor:broker", "partner:maybe-co", "Identified"),
        ("convenor:broker", "stakeholder:anglers", "Consulted"),
        ("partner:green-ngo", "stakeholder:anglers", "Consulted"),  # a partner consulted them
    ]
    assert all(c["direction"] == "directed" for c in connections)
    green = connections[1]
    assert green == {
        "id": "partnership:green-ngo",
        "from": "convenor:broker",
        "to": "partner:green-ngo",
        "type": "Partner",
        "direction": "directed",
        "Engagement": "left",
        "Joined": "2026-01-13",
        "Left": "2026-03-01",
    }
    consulted = connections[4]
    assert consulted["description"] == "Worried"
    assert consulted["Date"] == "2026-01-20"
    assert re.fullmatch(r"consultation:\d+", consulted["id"])
    ids = [x["id"] for x in blueprint["elements"] + connections]
    assert len(ids) == len(set(ids))  # Kumu: ids are unique across elements and connections


def test_the_same_view_gives_the_same_text(ledger_builder: LedgerBuilder) -> None:
    river(ledger_builder)
    view = view_of(ledger_builder, "river")
    text = kumu_json(view)
    assert text == kumu_json(view_of(ledger_builder, "river"))
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "elements": [\n    {\n      "id"')  # two-space indents


def test_a_convenor_that_is_a_partner_is_one_element(ledger_builder: LedgerBuilder) -> None:
    p = ledger_builder.partnership("p", convenor="city", on="2026-01-10")
    p.partner("city", on="2026-01-11", sector="public", name="City")
    p.partner("ngo", on="2026-01-11", sector="civil-society", name="NGO")
    data = json.loads(kumu_json(view_of(ledger_builder, "p")))
    assert [(e["id"], e["tags"]) for e in data["elements"]] == [
        ("partner:city", ["public", "key", "convenor"]),
        ("partner:ngo", ["civil-society", "key"]),
    ]
    assert [(c["from"], c["to"]) for c in data["connections"]] == [("partner:city", "partner:ngo")]


def test_text_is_kept_as_typed_and_lone_surrogates_never_reach_the_output() -> None:
    def event(seq: int, type_: str, data: dict[str, Any]) -> Envelope:
        return Envelope(
            id=f"00000000-0000-0000-0000-{seq:012d}", partnership="old", seq=seq, type=type_,
            occurred_on="2026-01-10", recorded_at=f"2026-01-10T12:00:00.{seq:06d}Z",
            actor="broker", data=data, hash="0" * 64,
        )  # fmt: skip

    stream = [
        event(1, "PartnershipFounded", {"name": "Old", "purpose": "p", "scope": "local"}),
        event(
            2,
            "StakeholderMapped",
            {"stakeholder": "s", "name": 'Ünïcode "quoted" <b>\ud800\x1b', "sector": "other"},
        ),
    ]
    view = PartnershipView.replay(
        stream, as_of=date(2026, 1, 31), known_at=parse_known_at("2026-01-31")
    )
    text = kumu_json(view)
    text.encode("utf-8")  # writable as UTF-8
    assert "Ünïcode" in text  # ensure_ascii=False: characters as they are
    label = json.loads(text)["elements"][1]["label"]
    assert label == 'Ünïcode "quoted" <b>\ufffd\x1b'


@pytest.fixture
def demo_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PartnershipView:
    monkeypatch.setenv("PLEDGER_NOW", "2026-12-01T09:00:00Z")
    with Ledger(f"sqlite:///{tmp_path / 'demo.db'}") as ledger:
        record_demo(ledger)
        return load_view(ledger, "music-chain")


def test_the_demo_map(demo_view: PartnershipView) -> None:
    data = json.loads(kumu_json(demo_view))
    elements = {e["id"]: e for e in data["elements"]}
    assert list(elements) == [
        "convenor:broker",
        "partner:ngo-sonar",
        "partner:telco-x",
        "partner:uni-audio",
        "partner:ministry",
        "partner:festival",
        "stakeholder:youth-centres",
        "stakeholder:studios-guild",
    ]
    assert elements["partner:festival"]["tags"] == ["private", "left"]
    assert elements["partner:uni-audio"]["tags"] == ["academic", "active"]
    ends = {(c["from"], c["to"]) for c in data["connections"]}
    assert ("convenor:broker", "stakeholder:youth-centres") in ends
    assert all(a in elements and b in elements for a, b in ends)  # no dangling connection


def test_docs_name_every_key(blueprint: dict[str, Any], demo_view: PartnershipView) -> None:
    section = DOCS.read_text(encoding="utf-8").split("## Kumu", 1)[1]
    documented = set(re.findall(r"`([^`]+)`", section))
    keys: set[str] = set()
    for data in (blueprint, json.loads(kumu_json(demo_view))):
        for item in data["elements"] + data["connections"]:
            keys |= set(item)
    missing = sorted(keys - documented)
    assert not missing, f"docs/interchange-formats.md does not name: {', '.join(missing)}"


def test_cli_exports_the_map(
    ledger_builder: LedgerBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.cli.main import cli

    river(ledger_builder)
    monkeypatch.setenv("PLEDGER_NOW", "2026-12-31T10:00:00Z")
    result = CliRunner().invoke(
        cli, ["--db", ledger_builder.url, "export", "--format", "kumu", "-P", "river"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == kumu_json(load_view(ledger_builder.ledger, "river"))
    assert json.loads(result.stdout)["elements"][0]["id"] == "convenor:broker"


def test_cli_refuses_reporting_org_with_kumu(ledger_builder: LedgerBuilder, tmp_path: Path) -> None:
    from ledger.cli.main import cli

    river(ledger_builder)
    out = tmp_path / "map.json"
    result = CliRunner().invoke(
        cli,
        ["--db", ledger_builder.url, "export", "--format", "kumu", "-P", "river",
         "--reporting-org", "XM-1", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert not out.exists()

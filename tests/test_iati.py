"""IATI 2.03 export: the document validates against the published schema, and each part of the
partnership lands where docs/interchange-formats.md says (identifier, status per phase, roles,
transactions, results, the pledger: extension), whatever text the partners typed."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.demo import record_demo
from ledger.errors import InvalidInput, LedgerError
from ledger.events import Envelope
from ledger.iati import NAMESPACE, iati_activities
from ledger.store import Ledger
from ledger.testing import LedgerBuilder, PartnershipBuilder
from ledger.view import PartnershipView, load_view, parse_known_at

from helpers import jsonl, line, shared_vector

etree = pytest.importorskip("lxml.etree")

NS = {"p": NAMESPACE}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "interchange-formats.md"
LATE = "2026-12-31"


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> Any:
    return etree.XMLSchema(file=str(shared_vector("iati-2.03/iati-activities-schema.xsd")))


def valid(document: bytes, schema: Any) -> Any:
    """Parse ``document`` and assert it validates; returns the ``iati-activity`` element."""
    root = etree.fromstring(document)
    assert schema.validate(root), schema.error_log
    (activity,) = root.findall("iati-activity")
    return activity


def view_of(book: LedgerBuilder, pid: str, as_of: str = LATE) -> PartnershipView:
    return load_view(
        book.ledger, pid, as_of=date.fromisoformat(as_of), known_at=parse_known_at(LATE)
    )


def narrative(element: Any, path: str) -> str:
    return str(element.find(f"{path}/narrative").text)


def river(book: LedgerBuilder) -> PartnershipBuilder:
    """A partnership implementing since March: money in two currencies, revised, partly
    delivered, withdrawn; people promised; two indicators; a stakeholder consulted."""
    p = book.partnership(
        "river",
        convenor="broker",
        on="2026-01-10",
        name="River Care",
        purpose="Clean the river banks",
        scope="local",
        vision="A river people swim in",
    )
    p.record(
        "PartnerIdentified",
        on="2026-01-11",
        partner="world-water",
        name="World Water",
        sector="civil-society",
        value_added="Testing kits",
        international=True,
    )
    p.partner("water-co", on="2026-01-12", sector="private", name="Water Co")
    p.partner("green-ngo", on="2026-01-12", sector="civil-society", name="Green NGO")
    p.partner("city", on="2026-01-12", sector="public", name="City Council")
    p.partner("uni", on="2026-01-13", sector="academic", name="River Lab", engagement="advisory")
    p.record("PartnerJoined", on="2026-01-14", partner="world-water", engagement="pilot")
    p.record(
        "PartnerIdentified",
        on="2026-01-15",
        partner="maybe-co",
        name="Maybe Co",
        sector="private",
        value_added="Boats",
    )
    p.record("PhaseChanged", on="2026-02-01", phase="planning")
    p.record(
        "ActivityPlanned", on="2026-02-02", activity="a-1", title="Clean-ups",
        starts="2026-04-01", ends="2026-10-31",
    )  # fmt: skip
    p.record(
        "CommitmentMade", on="2026-02-10", commitment="c-cash", partner="water-co", kind="money",
        description="Funds for skips", value="10000", currency="EUR", due="2026-08-31",
    )  # fmt: skip
    p.record(
        "CommitmentMade", on="2026-02-11", commitment="c-grant", partner="city", kind="money",
        description="City grant", value="3000", currency="USD",
    )  # fmt: skip
    p.record(
        "CommitmentMade", on="2026-02-12", commitment="c-kits", partner="world-water",
        kind="money", description="Kit budget", value="500.50", currency="EUR",
    )  # fmt: skip
    p.record(
        "CommitmentMade", on="2026-02-12", commitment="c-people", partner="green-ngo",
        kind="people", description="Volunteers on Saturdays", quantity="20", unit="volunteers",
        due="2026-09-30",
    )  # fmt: skip
    p.record(
        "IndicatorDefined", on="2026-02-15", indicator="ind-bags", name="Bags collected",
        lens="project", method="Counted at the skips", owner="green-ngo", baseline="10",
        target="50", unit="bags", due="2026-09-30",
    )  # fmt: skip
    p.record(
        "IndicatorDefined", on="2026-02-15", indicator="ind-trust", name="Trust",
        lens="partnership", method="Survey", owner="city", baseline="80", target="60.5",
        unit="percent",
    )  # fmt: skip
    p.record(
        "CommitmentMade", on="2026-02-13", commitment="c-boat", partner="uni", kind="facilities",
        description="A boat", quantity="1", unit="boat",
    )  # fmt: skip
    p.record("CommitmentWithdrawn", on="2026-02-20", commitment="c-boat", reason="Boat sank")
    p.record("PhaseChanged", on="2026-03-01", phase="implementing", reason="Agreement signed")
    p.record(
        "CommitmentRevised", on="2026-03-05", commitment="c-cash", reason="Bigger skips",
        value="12000",
    )  # fmt: skip
    p.record(
        "CommitmentFulfilled", on="2026-03-20", commitment="c-cash", delivered="5000",
        evidence="First transfer",
    )  # fmt: skip
    p.record("CommitmentWithdrawn", on="2026-03-25", commitment="c-grant", reason="Budget cut")
    p.record("CommitmentFulfilled", on="2026-03-28", commitment="c-kits", evidence="Kits paid")
    for on, value in (("2026-03-31", "20"), ("2026-06-30", "30")):
        p.record(
            "IndicatorMeasured", on=on, indicator="ind-bags", value=value, period_end=on,
            partner="green-ngo",
        )  # fmt: skip
    p.record(
        "IndicatorMeasured", on="2026-07-02", indicator="ind-bags", value="32",
        period_end="2026-06-30", partner="green-ngo",
    )  # fmt: skip
    p.record(
        "CommitmentFulfilled", on="2026-07-10", commitment="c-cash", delivered="12000",
        evidence="Second transfer",
    )  # fmt: skip
    p.record(
        "PartnerEngagementChanged", on="2026-07-15", partner="uni", engagement="active",
        reason="Students test the water weekly",
    )  # fmt: skip
    return p


@pytest.fixture
def river_view(ledger_builder: LedgerBuilder) -> PartnershipView:
    river(ledger_builder)
    return view_of(ledger_builder, "river")


# -- the document --------------------------------------------------------------------------------


def test_the_document_validates_and_identifies_the_partnership(
    river_view: PartnershipView, schema: Any
) -> None:
    document = iati_activities(river_view)
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<iati-activities")
    assert document.endswith(b"</iati-activities>\n")
    root = etree.fromstring(document)
    assert root.get("version") == "2.03"
    assert root.get("generated-datetime") == "2026-06-01T12:00:00.000000Z"  # PLEDGER_NOW
    activity = valid(document, schema)
    assert activity.get("last-updated-datetime") == river_view.events[-1].recorded_at
    assert activity.get(XML_LANG) == "en"
    assert activity.get("default-currency") == "EUR"  # two EUR commitments, one USD
    assert activity.findtext("iati-identifier") == "broker-river"
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type")) == ("broker", "90")
    assert narrative(activity, "title") == "River Care"
    descriptions = {d.get("type"): d.findtext("narrative") for d in activity.iter("description")}
    assert descriptions["1"] == "Clean the river banks"
    assert descriptions["2"] == "A river people swim in"
    assert activity.find("other-identifier").attrib == {"ref": "river", "type": "A1"}
    assert activity.find("activity-scope").get("code") == "7"  # local
    dates = {d.get("type"): d.get("iso-date") for d in activity.findall("activity-date")}
    assert dates == {"1": "2026-04-01", "2": "2026-01-10", "3": "2026-10-31"}


def test_the_same_view_gives_the_same_bytes(river_view: PartnershipView) -> None:
    assert iati_activities(river_view) == iati_activities(river_view)


@pytest.mark.parametrize(
    ("phase", "code"),
    [
        (None, "1"),
        ("building", "1"),
        ("planning", "1"),
        ("implementing", "2"),
        ("reviewing", "2"),
        ("sustaining", "3"),
        ("closed", "4"),
    ],
)
def test_activity_status_follows_the_phase(
    ledger_builder: LedgerBuilder, schema: Any, phase: str | None, code: str
) -> None:
    p = ledger_builder.partnership("p", on="2026-01-10", scope="international")
    if phase == "closed":
        p.record("PartnershipClosed", on="2026-05-01", reason="completed", learning="Start earlier")
    elif phase is not None:
        p.record("PhaseChanged", on="2026-05-01", phase=phase)
    activity = valid(iati_activities(view_of(ledger_builder, "p")), schema)
    assert activity.find("activity-status").get("code") == code
    assert activity.find("activity-scope").get("code") == "3"  # international
    dates = {d.get("type"): d.get("iso-date") for d in activity.findall("activity-date")}
    expected = {"2": "2026-01-10"} | ({"4": "2026-05-01"} if phase == "closed" else {})
    assert dates == expected
    assert activity.find("p:partnership", NS).get("phase") == (phase or "scoping")


def test_participating_orgs_carry_roles_and_organisation_types(
    river_view: PartnershipView,
) -> None:
    activity = etree.fromstring(iati_activities(river_view)).find("iati-activity")
    roles = [
        (o.get("ref"), o.get("role"), o.get("type"), o.findtext("narrative"))
        for o in activity.findall("participating-org")
    ]
    assert roles == [
        ("broker", "2", "90", "broker"),  # the convenor, accountable; no sector known
        ("world-water", "1", "21", "World Water"),  # identified as international: INGO
        ("water-co", "1", "70", "Water Co"),
        ("green-ngo", "4", "22", "Green NGO"),  # people, not money
        ("city", "4", "10", "City Council"),  # its only money commitment was withdrawn
        ("uni", "4", "80", "River Lab"),  # no commitment: it still takes part
    ]  # maybe-co was identified but never joined: not a participant
    partners = [o.get(f"{{{NAMESPACE}}}partner") for o in activity.findall("participating-org")]
    assert partners == [None, "world-water", "water-co", "green-ngo", "city", "uni"]


def test_a_convenor_that_is_a_partner_reports_under_the_given_ref(
    ledger_builder: LedgerBuilder, schema: Any
) -> None:
    p = ledger_builder.partnership("p", convenor="city", on="2026-01-10")
    p.partner("city", on="2026-01-11", sector="public", name="City of Ghent")
    p.record(
        "CommitmentMade", on="2026-01-12", commitment="c-1", partner="city", kind="money",
        description="Seed money", value="100", currency="EUR",
    )  # fmt: skip
    activity = valid(
        iati_activities(view_of(ledger_builder, "p"), reporting_org="BE-GOV-0207451227"), schema
    )
    assert activity.findtext("iati-identifier") == "BE-GOV-0207451227-p"
    reporting = activity.find("reporting-org")
    assert reporting.attrib == {"ref": "BE-GOV-0207451227", "type": "10"}
    assert reporting.findtext("narrative") == "City of Ghent"
    orgs = [(o.get("ref"), o.get("role")) for o in activity.findall("participating-org")]
    assert orgs == [("BE-GOV-0207451227", "2"), ("BE-GOV-0207451227", "1")]
    provider = activity.find("transaction/provider-org")
    assert provider.get("ref") == "BE-GOV-0207451227"
    assert provider.get(f"{{{NAMESPACE}}}partner") == "city"


@pytest.mark.parametrize(
    "ref", ["my org", "GB-COH-1/2", "a&b", "a|b", "why?", "", " GB-1", "GB-1\n", "ÉCOLE-1"]
)
def test_a_reporting_org_ref_iati_refuses_is_invalid_input(
    river_view: PartnershipView, ref: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        iati_activities(river_view, reporting_org=ref)
    message = str(caught.value)
    assert message.startswith("reporting-org ")
    assert "\n" not in message
    assert "IATI organisation identifier" in message


def test_a_view_before_the_founding_has_nothing_to_export(ledger_builder: LedgerBuilder) -> None:
    ledger_builder.partnership("p", on="2026-03-01")
    with pytest.raises(InvalidInput, match="no PartnershipFounded as of 2026-02-01"):
        iati_activities(view_of(ledger_builder, "p", as_of="2026-02-01"))


# -- money ---------------------------------------------------------------------------------------


def test_money_commitments_become_commitment_and_disbursement_transactions(
    river_view: PartnershipView,
) -> None:
    activity = etree.fromstring(iati_activities(river_view)).find("iati-activity")
    rows = [
        (
            t.get("ref"),
            t.find("transaction-type").get("code"),
            t.find("transaction-date").get("iso-date"),
            t.findtext("value"),
            t.find("value").get("currency"),
            t.find("value").get("value-date"),
            t.find("provider-org").get("ref"),
            narrative(t, "description"),
        )
        for t in activity.findall("transaction")
    ]
    assert rows == [
        ("c-cash", "2", "2026-02-10", "10000", "EUR", "2026-02-10", "water-co", "Funds for skips"),
        ("c-grant", "2", "2026-02-11", "3000", "USD", "2026-02-11", "city", "City grant"),
        ("c-kits", "2", "2026-02-12", "500.5", "EUR", "2026-02-12", "world-water", "Kit budget"),
        ("c-cash", "2", "2026-03-05", "2000", "EUR", "2026-03-05", "water-co", "Bigger skips"),
        ("c-cash", "3", "2026-03-20", "5000", "EUR", "2026-03-20", "water-co", "First transfer"),
        ("c-grant", "2", "2026-03-25", "-3000", "USD", "2026-03-25", "city", "Budget cut"),
        ("c-kits", "3", "2026-03-28", "500.5", "EUR", "2026-03-28", "world-water", "Kits paid"),
        ("c-cash", "3", "2026-07-10", "7000", "EUR", "2026-07-10", "water-co", "Second transfer"),
    ]
    # every transaction names the event it comes from
    seqs = {e.seq: e.type for e in river_view.events}
    types = [seqs[int(t.get(f"{{{NAMESPACE}}}seq"))] for t in activity.findall("transaction")]
    assert types[:4] == ["CommitmentMade"] * 3 + ["CommitmentRevised"]
    assert types[5] == "CommitmentWithdrawn"
    # the sums are what the view says is committed and delivered
    cash = [t for t in activity.findall("transaction") if t.get("ref") == "c-cash"]
    by_type: dict[str, Decimal] = {}
    for t in cash:
        code = t.find("transaction-type").get("code")
        by_type[code] = by_type.get(code, Decimal(0)) + Decimal(t.findtext("value"))
    assert by_type == {"2": river_view.commitments["c-cash"].value, "3": Decimal("12000")}


def test_a_withdrawal_after_a_partial_delivery_releases_only_the_rest(
    ledger_builder: LedgerBuilder, schema: Any
) -> None:
    p = ledger_builder.partnership("p", on="2026-01-10")
    p.partner("bank", on="2026-01-11", sector="private")
    p.record(
        "CommitmentMade", on="2026-01-12", commitment="c-1", partner="bank", kind="money",
        description="Loan", value="900", currency="CHF",
    )  # fmt: skip
    p.record(
        "CommitmentFulfilled", on="2026-01-20", commitment="c-1", delivered="400", evidence="Paid"
    )
    p.record("CommitmentWithdrawn", on="2026-01-25", commitment="c-1", reason="Bank closed")
    activity = valid(iati_activities(view_of(ledger_builder, "p")), schema)
    assert activity.get("default-currency") == "CHF"
    values = [
        (t.find("transaction-type").get("code"), t.findtext("value"))
        for t in activity.findall("transaction")
    ]
    assert values == [("2", "900"), ("3", "400"), ("2", "-500")]


def test_without_any_currency_there_is_no_default_currency(
    ledger_builder: LedgerBuilder, schema: Any
) -> None:
    ledger_builder.partnership("p", on="2026-01-10")
    activity = valid(iati_activities(view_of(ledger_builder, "p")), schema)
    assert activity.get("default-currency") is None
    assert activity.findall("transaction") == []


# -- results -------------------------------------------------------------------------------------


def test_indicators_become_results_with_baseline_and_periods(river_view: PartnershipView) -> None:
    activity = etree.fromstring(iati_activities(river_view)).find("iati-activity")
    results = activity.findall("result")
    assert [(r.get("type"), narrative(r, "title").split(":")[0]) for r in results] == [
        ("1", "Project"),
        ("9", "Partnership"),
    ]
    bags = results[0].find("indicator")
    assert (bags.get("measure"), bags.get("ascending")) == ("1", "1")
    assert narrative(bags, "title") == "Bags collected"
    assert narrative(bags, "description") == "Counted at the skips"
    assert bags.get(f"{{{NAMESPACE}}}id") == "ind-bags"
    assert bags.get(f"{{{NAMESPACE}}}owner") == "green-ngo"
    assert bags.get(f"{{{NAMESPACE}}}unit") == "bags"
    assert bags.find("baseline").attrib == {"year": "2026", "iso-date": "2026-02-15", "value": "10"}
    periods = [
        (
            period.find("period-start").get("iso-date"),
            period.find("period-end").get("iso-date"),
            period.find("target").get("value") if period.find("target") is not None else None,
            period.find("actual").get("value") if period.find("actual") is not None else None,
        )
        for period in bags.findall("period")
    ]
    assert periods == [
        ("2026-02-15", "2026-03-31", None, "20"),
        ("2026-04-01", "2026-06-30", None, "32"),  # the later measurement of 30 June counts
        ("2026-07-01", "2026-09-30", "50", None),  # the target, due 30 September
    ]
    trust = results[1].find("indicator")
    assert (trust.get("measure"), trust.get("ascending")) == ("2", "0")  # percent, falling
    assert trust.findall("period") == []  # no measurement, no due date
    assert trust.get(f"{{{NAMESPACE}}}target") == "60.5"


# -- the extension -------------------------------------------------------------------------------


def test_engagement_phases_and_other_commitments_go_in_the_extension(
    river_view: PartnershipView,
) -> None:
    activity = etree.fromstring(iati_activities(river_view)).find("iati-activity")
    assert activity[-1].tag == f"{{{NAMESPACE}}}partnership"  # last: where ##other is allowed
    ext = activity.find("p:partnership", NS)
    assert ext.attrib == {
        "id": "river",
        "phase": "implementing",
        "scope": "local",
        "convenor": "broker",
        "as-of": LATE,
        "known-at": "2026-12-31T23:59:59.999999Z",
    }
    assert [(ph.get("code"), ph.get("date"), ph.text) for ph in ext.findall("p:phase", NS)] == [
        ("planning", "2026-02-01", None),
        ("implementing", "2026-03-01", "Agreement signed"),
    ]
    partners = {p.get("id"): p for p in ext.findall("p:partner", NS)}
    assert {k: p.get("engagement") for k, p in partners.items()} == {
        "world-water": "pilot",
        "water-co": "key",
        "green-ngo": "key",
        "city": "key",
        "uni": "active",
        "maybe-co": "identified",
    }
    uni = [
        (e.get("date"), e.get("change"), e.get("level"), e.text)
        for e in partners["uni"].findall("p:engagement", NS)
    ]
    assert uni == [
        ("2026-01-13", "joined", "advisory", None),
        ("2026-07-15", "changed", "active", "Students test the water weekly"),
    ]
    # money commitments are transactions instead
    people, boat = ext.findall("p:commitment", NS)
    assert people.attrib == {
        "id": "c-people",
        "partner": "green-ngo",
        "kind": "people",
        "made": "2026-02-12",
        "status": "overdue",
        "quantity": "20",
        "unit": "volunteers",
        "due": "2026-09-30",
    }
    assert people.findtext("p:description", namespaces=NS) == "Volunteers on Saturdays"
    assert people.findall("p:fulfilment", NS) == []
    assert (boat.get("status"), boat.get("partner")) == ("withdrawn", "uni")
    withdrawal = boat.find("p:withdrawal", NS)
    assert (withdrawal.get("date"), withdrawal.text) == ("2026-02-20", "Boat sank")


def test_a_partner_that_left_and_a_fulfilled_non_money_commitment(
    ledger_builder: LedgerBuilder,
) -> None:
    p = ledger_builder.partnership("p", on="2026-01-10")
    p.partner("hall", on="2026-01-11", sector="other", engagement="active")
    p.record(
        "CommitmentMade", on="2026-01-12", commitment="c-room", partner="hall",
        kind="facilities", description="A room", value="250", currency="GBP",
    )  # fmt: skip
    p.record(
        "CommitmentFulfilled", on="2026-01-20", commitment="c-room", delivered="1",
        evidence="Used on 20 January",
    )  # fmt: skip
    p.record("PartnerLeft", on="2026-02-01", partner="hall", reason="Sold the hall")
    activity = etree.fromstring(iati_activities(view_of(ledger_builder, "p"))).find("iati-activity")
    assert activity.get("default-currency") == "GBP"  # in-kind value counts for the default
    assert [o.get("role") for o in activity.findall("participating-org")] == ["2", "4"]
    hall = activity.find("p:partnership/p:partner", NS)
    assert (hall.get("engagement"), hall.get("sector")) == ("left", "other")
    left = hall.findall("p:engagement", NS)[-1]
    assert (left.get("change"), left.get("level"), left.text) == ("left", None, "Sold the hall")
    room = activity.find("p:partnership/p:commitment", NS)
    assert (room.get("value"), room.get("currency"), room.get("status")) == (
        "250",
        "GBP",
        "fulfilled",
    )
    fulfilment = room.find("p:fulfilment", NS)
    assert (fulfilment.get("date"), fulfilment.get("delivered"), fulfilment.text) == (
        "2026-01-20",
        "1",
        "Used on 20 January",
    )


# -- hostile text --------------------------------------------------------------------------------

HOSTILE = "<script>alert('x')</script> & \"Co\" ]]> <!-- -->"


def test_markup_in_user_text_is_escaped_and_survives_intact(
    ledger_builder: LedgerBuilder, schema: Any
) -> None:
    p = ledger_builder.partnership("p", on="2026-01-10", name=HOSTILE, purpose="a\nb\tc & d")
    p.partner("x", on="2026-01-11", name=HOSTILE + "\nline two\tcolumn")
    p.record(
        "CommitmentMade", on="2026-01-12", commitment="c-1", partner="x", kind="money",
        description=HOSTILE, value="1", currency="EUR",
    )  # fmt: skip
    p.record(
        "CommitmentMade", on="2026-01-12", commitment="c-2", partner="x", kind="other",
        description=HOSTILE,
    )  # fmt: skip
    document = iati_activities(view_of(ledger_builder, "p"))
    assert b"<script>" not in document
    activity = valid(document, schema)
    assert narrative(activity, "title") == HOSTILE
    assert narrative(activity, "description") == "a\nb\tc & d"
    name = HOSTILE + "\nline two\tcolumn"
    assert activity.findall("participating-org")[1].findtext("narrative") == name
    assert narrative(activity, "transaction/description") == HOSTILE
    ext = activity.find("p:partnership", NS)
    assert ext.find("p:partner", NS).get("name") == name  # in an attribute too: &#10; &#09;
    assert ext.findtext("p:commitment/p:description", namespaces=NS) == HOSTILE


def _envelope(seq: int, type_: str, data: dict[str, Any], actor: str = "broker") -> Envelope:
    return Envelope(
        id=f"00000000-0000-0000-0000-{seq:012d}",
        partnership="old",
        seq=seq,
        type=type_,
        occurred_on="2026-01-10",
        recorded_at=f"2026-01-10T12:00:00.{seq:06d}Z",
        actor=actor,
        data=data,
        hash="0" * 64,
    )


def test_characters_xml_cannot_carry_never_make_an_invalid_document(schema: Any) -> None:
    """The ledger refuses control characters when it records (and when it restores), but a
    stream written before that check, or built by hand, may hold them: they become U+FFFD."""
    stream = [
        _envelope(
            1,
            "PartnershipFounded",
            {"name": "Old\x00name\x1b[2J", "purpose": "bell\x07 \ufffe \ud800", "scope": "local"},
        ),
        _envelope(
            2,
            "PartnerJoined",
            {"partner": "x", "engagement": "key", "name": "X\x0bY", "sector": "public"},
        ),
        _envelope(
            3,
            "CommitmentMade",
            {
                "commitment": "c-1",
                "partner": "x",
                "kind": "money",
                "description": "\x0c",
                "value": "5",
                "currency": "EUR",
            },
            actor="x",
        ),
    ]
    view = PartnershipView.replay(
        stream, as_of=date(2026, 1, 31), known_at=parse_known_at("2026-01-31")
    )
    document = iati_activities(view)
    document.decode("utf-8")  # no lone surrogate made it through
    activity = valid(document, schema)
    assert narrative(activity, "title") == "Old\ufffdname\ufffd[2J"
    assert narrative(activity, "description") == "bell\ufffd \ufffd \ufffd"
    assert activity.findall("participating-org")[1].findtext("narrative") == "X\ufffdY"
    assert narrative(activity, "transaction/description") == "\ufffd"


def test_the_ledger_refuses_such_characters_on_restore_too(sqlite_url: str) -> None:
    restore = line(
        "PartnershipFounded",
        {"name": "A\x1bB", "purpose": "p", "scope": "local"},
        id="00000000-0000-0000-0000-000000000001",
        seq=1,
        recorded_at="2026-03-01T12:00:00.000000Z",
        hash="0" * 64,
    )
    with Ledger(sqlite_url) as ledger:
        with pytest.raises(LedgerError, match="control character U\\+001B"):
            ledger.import_jsonl(jsonl(restore))
        assert ledger.stream("music-chain") == []


# -- the demo ------------------------------------------------------------------------------------


@pytest.fixture
def demo_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PartnershipView:
    monkeypatch.setenv("PLEDGER_NOW", "2026-12-01T09:00:00Z")
    with Ledger(f"sqlite:///{tmp_path / 'demo.db'}") as ledger:
        record_demo(ledger)
        return load_view(ledger, "music-chain")


def test_the_demo_exports_to_a_valid_iati_file(demo_view: PartnershipView, schema: Any) -> None:
    activity = valid(iati_activities(demo_view), schema)
    assert activity.findtext("iati-identifier") == "broker-music-chain"
    assert activity.find("activity-status").get("code") == "3"  # sustaining
    assert activity.find("activity-scope").get("code") == "4"  # national
    roles = {(o.get("ref"), o.get("role")) for o in activity.findall("participating-org")}
    assert ("broker", "2") in roles and ("telco-x", "1") in roles and ("ministry", "4") in roles
    funds = [
        (
            t.find("transaction-type").get("code"),
            t.findtext("value"),
            t.find("value").get("currency"),
        )
        for t in activity.findall("transaction")
    ]
    assert funds == [("2", "30000", "EUR"), ("3", "30000", "EUR")]
    indicators = [i.get(f"{{{NAMESPACE}}}id") for i in activity.iter("indicator")]
    assert indicators == ["ind-trainees", "ind-satisfaction"]
    ext = activity.find("p:partnership", NS)
    assert ext.find("p:partner[@id='festival']", NS).get("engagement") == "left"
    assert {c.get("id") for c in ext.findall("p:commitment", NS)} == {
        "c-trainers",
        "c-venues",
        "c-mentoring",
        "c-stage",
    }


# -- the docs name everything the writer emits ---------------------------------------------------


def _paths(element: Any, prefix: str = "") -> set[str]:
    """``iati-activity/transaction/value/@currency``-style paths of everything in a tree."""
    tag = etree.QName(element).localname
    if etree.QName(element).namespace == NAMESPACE:
        tag = "pledger:" + tag
    here = f"{prefix}/{tag}" if prefix else tag
    out = {here}
    for name in element.attrib:
        qname = etree.QName(name)
        attr = {NAMESPACE: "pledger:", "http://www.w3.org/XML/1998/namespace": "xml:"}.get(
            qname.namespace or "", ""
        ) + qname.localname
        out.add(f"{here}/@{attr}")
    for child in element:
        out |= _paths(child, here)
    return out


def test_docs_map_every_element_and_attribute_emitted(
    river_view: PartnershipView, demo_view: PartnershipView
) -> None:
    text = re.sub(r"```.*?```", "", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    documented = set(re.findall(r"`([^`]+)`", text))
    emitted: set[str] = set()
    for view in (river_view, demo_view):
        paths = _paths(etree.fromstring(iati_activities(view)))
        emitted |= {p.replace("iati-activities/iati-activity", "iati-activity") for p in paths}
    missing = sorted(emitted - documented)
    assert not missing, f"docs/interchange-formats.md does not map: {', '.join(missing)}"


# -- the command line (wired by `pledger export --format iati`) ----------------------------------


@pytest.fixture
def river_db(ledger_builder: LedgerBuilder, monkeypatch: pytest.MonkeyPatch) -> str:
    river(ledger_builder)
    monkeypatch.setenv("PLEDGER_NOW", "2026-12-31T10:00:00Z")
    return ledger_builder.url


def test_cli_exports_iati(river_db: str, ledger_builder: LedgerBuilder, schema: Any) -> None:
    from ledger.cli.main import cli

    result = CliRunner().invoke(
        cli, ["--db", river_db, "export", "--format", "iati", "-P", "river"]
    )
    assert result.exit_code == 0, result.output
    activity = valid(result.stdout_bytes, schema)
    assert activity.findtext("iati-identifier") == "broker-river"
    assert result.stdout_bytes == iati_activities(load_view(ledger_builder.ledger, "river"))


def test_cli_exports_iati_with_a_reporting_org_to_a_file(
    river_db: str, tmp_path: Path, schema: Any
) -> None:
    from ledger.cli.main import cli

    out = tmp_path / "river.xml"
    result = CliRunner().invoke(
        cli,
        ["--db", river_db, "export", "--format", "iati", "-P", "river",
         "--reporting-org", "XM-DAC-7", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    activity = valid(out.read_bytes(), schema)
    assert activity.findtext("iati-identifier") == "XM-DAC-7-river"
    assert activity.find("reporting-org").get("ref") == "XM-DAC-7"


def test_cli_refuses_a_bad_reporting_org_in_one_line_and_writes_nothing(
    river_db: str, tmp_path: Path
) -> None:
    from ledger.cli.main import cli

    out = tmp_path / "river.xml"
    result = CliRunner().invoke(
        cli,
        ["--db", river_db, "export", "--format", "iati", "-P", "river",
         "--reporting-org", "my org", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "reporting-org" in lines[0] and '"my org"' in lines[0], lines
    assert not out.exists()
    assert result.stdout == ""

"""IATI 2.03: a partnership as one ``iati-activity``, so funders and aid registries can read the
ledger with the tools they already have (docs/interchange-formats.md maps every element).

What IATI has a place for goes there: the partners as ``participating-org`` (1 funding, 2
accountable, 4 implementing), money commitments as ``transaction``s (type 2 commitment, type 3
disbursement), indicators as ``result/indicator``. What it has none for (engagement levels,
phases, commitments of people, skills or rooms) goes in the extension namespace
``urn:pledger:iati:1``, at the end of the activity where the schema allows other namespaces.

The writer is ``xml.etree.ElementTree``; text that XML 1.0 cannot carry (control characters from
an old or hand-made stream) becomes U+FFFD, so the document is always well-formed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ledger.canonical import format_time, plain_decimal
from ledger.errors import InvalidInput, show
from ledger.events import now, parse_time
from ledger.view import (
    Commitment,
    Fulfilment,
    Indicator,
    Moment,
    Partner,
    PartnershipView,
    Revision,
    Withdrawal,
)

__all__ = [
    "ACTIVITY_SCOPES",
    "IATI_VERSION",
    "NAMESPACE",
    "ORGANISATION_TYPES",
    "RESULT_TYPES",
    "check_reporting_org",
    "iati_activities",
    "organisation_type",
]

IATI_VERSION = "2.03"
#: The extension namespace: what IATI has no element for.
NAMESPACE = "urn:pledger:iati:1"
PREFIX = "pledger"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: The language of the partnership's text; the ledger does not record one.
LANGUAGE = "en"

#: Pledger sector -> IATI OrganisationType code (civil-society: 21 if identified as
#: international, else 22).
ORGANISATION_TYPES = {
    "public": "10",
    "private": "70",
    "civil-society": "22",
    "academic": "80",
    "intergovernmental": "40",
    "other": "90",
}
_INTERNATIONAL_NGO = "21"
_OTHER = "90"
#: PartnershipFounded.scope -> IATI ActivityScope code.
ACTIVITY_SCOPES = {"local": "7", "national": "4", "regional": "2", "international": "3"}
#: Phase -> IATI ActivityStatus code (closed is 4).
ACTIVITY_STATUSES = {
    "scoping": "1",
    "building": "1",
    "planning": "1",
    "implementing": "2",
    "reviewing": "2",
    "sustaining": "3",
    "closed": "4",
}
#: Indicator lens -> (IATI ResultType code, result title).
RESULT_TYPES = {
    "project": ("1", "Project: what the partnership delivers"),
    "partnership": ("9", "Partnership: how the partners work together"),
    "value": ("9", "Value: what partnering adds for each partner"),
}
_PERCENT_UNITS = frozenset({"%", "percent", "percentage", "per cent"})
# IATI identifiers: no whitespace (nor leading/trailing), none of / & | ? (IATI rulesets).
_REF_RE = re.compile(r"[!-~]+")
_REF_FORBIDDEN = frozenset("/&|?")
# Characters XML 1.0 cannot carry at all (its Char production), even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def iati_activities(view: PartnershipView, *, reporting_org: str | None = None) -> bytes:
    """The partnership as an IATI 2.03 ``iati-activities`` document (UTF-8, with declaration).

    The reporting organisation is the convenor, who keeps the record; ``reporting_org`` is its
    IATI organisation identifier (default: the convenor's Pledger id). ``InvalidInput`` when it
    is not a usable identifier, or when the partnership is not founded as of the view's date.
    """
    if view.founding is None or view.convenor is None:
        raise InvalidInput(
            f"partnership {view.partnership!r} has no PartnershipFounded as of "
            f"{view.as_of.isoformat()}: nothing to export"
        )
    ref = view.convenor if reporting_org is None else check_reporting_org(reporting_org)
    # ElementTree names prefixes from its own registry (idempotent; else it writes "ns0")
    ET.register_namespace(PREFIX, NAMESPACE)
    root = ET.Element(
        "iati-activities",
        {"version": IATI_VERSION, "generated-datetime": format_time(now())},
    )
    _Activity(view, ref).build(root)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def check_reporting_org(ref: str) -> str:
    """A reporting-org ref IATI accepts: printable ASCII, no spaces, none of / & | ?."""
    if not _REF_RE.fullmatch(ref) or _REF_FORBIDDEN.intersection(ref):
        raise InvalidInput(
            f"reporting-org {show(ref)} is not an IATI organisation identifier: "
            "printable ASCII without spaces or / & | ? (e.g. GB-COH-01234567)"
        )
    return ref


def organisation_type(partner: Partner) -> str:
    """The IATI OrganisationType code of a partner's sector (90, other, when unknown)."""
    sector = partner.sector
    identification = partner.identification
    if sector == "civil-society" and identification is not None and identification.international:
        return _INTERNATIONAL_NGO
    return ORGANISATION_TYPES.get(sector or "", _OTHER)


def _clean(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _ext(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _sub(
    parent: ET.Element,
    tag: str,
    attrs: Mapping[str, str | None] | None = None,
    text: str | None = None,
) -> ET.Element:
    """A child element; attributes that are None are left out; all text is cleaned."""
    attrib = {k: _clean(v) for k, v in (attrs or {}).items() if v is not None}
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = _clean(text)
    return element


def _narrated(
    parent: ET.Element, tag: str, text: str, attrs: Mapping[str, str | None] | None = None
) -> ET.Element:
    element = _sub(parent, tag, attrs)
    _sub(element, "narrative", text=text)
    return element


@dataclass(frozen=True)
class _Transaction:
    moment: Moment
    code: str  # 2 commitment, 3 disbursement
    commitment: Commitment
    value: Decimal
    text: str


class _Activity:
    """Builds the one ``iati-activity`` of a view, element by element in schema order."""

    def __init__(self, view: PartnershipView, ref: str) -> None:
        self.view = view
        self.ref = ref
        self.convenor: str = view.convenor or ""
        self.money = [
            c
            for c in view.commitments.values()
            if c.kind == "money" and c.original_value is not None and c.currency is not None
        ]

    def build(self, root: ET.Element) -> None:
        view = self.view
        assert view.founding is not None
        attrs = {
            "last-updated-datetime": self._last_updated(),
            _XML_LANG: LANGUAGE,
            "default-currency": self._default_currency(),
        }
        activity = _sub(root, "iati-activity", attrs)
        _sub(activity, "iati-identifier", text=f"{self.ref}-{view.partnership}")
        _narrated(
            activity,
            "reporting-org",
            self._name(self.convenor),
            {"ref": self.ref, "type": self._type(self.convenor)},
        )
        _narrated(activity, "title", view.founding.name)
        _narrated(activity, "description", view.founding.purpose, {"type": "1"})
        if view.vision:
            _narrated(activity, "description", view.vision, {"type": "2"})
        self._participants(activity)
        _sub(activity, "other-identifier", {"ref": view.partnership, "type": "A1"})
        _sub(activity, "activity-status", {"code": ACTIVITY_STATUSES[view.phase]})
        self._dates(activity)
        scope = ACTIVITY_SCOPES.get(view.founding.scope)
        if scope is not None:
            _sub(activity, "activity-scope", {"code": scope})
        for transaction in self._transactions():
            self._transaction(activity, transaction)
        self._results(activity)
        self._extension(activity)

    # -- attributes of the activity

    def _last_updated(self) -> str | None:
        times = [parse_time(event.recorded_at) for event in self.view.events]
        return format_time(max(times)) if times else None

    def _default_currency(self) -> str | None:
        """The most common currency of the commitments (ties: alphabetical)."""
        counts = Counter(c.currency for c in self.view.commitments.values() if c.currency)
        if not counts:
            return None
        return min(counts, key=lambda cur: (-counts[cur], cur))

    # -- organisations

    def _org_ref(self, org: str) -> str:
        """The convenor is the reporting org (its IATI ref); partners keep their Pledger ids."""
        return self.ref if org == self.convenor else org

    def _name(self, org: str) -> str:
        partner = self.view.partners.get(org)
        return (partner.name if partner else None) or org

    def _type(self, org: str) -> str:
        partner = self.view.partners.get(org)
        return organisation_type(partner) if partner else _OTHER

    def _org(self, parent: ET.Element, tag: str, org: str, extra: Mapping[str, str]) -> None:
        attrs: dict[str, str | None] = {"ref": self._org_ref(org), "type": self._type(org)}
        attrs.update(extra)
        if org in self.view.partners:
            attrs[_ext("partner")] = org
        _narrated(parent, tag, self._name(org), attrs)

    def _participants(self, activity: ET.Element) -> None:
        """The convenor accountable (2); each partner that ever joined funding (1) for a live
        money commitment and implementing (4) for any other, or when it has neither."""
        self._org(activity, "participating-org", self.convenor, {"role": "2"})
        live = [c for c in self.view.commitments.values() if c.live]
        for partner in self.view.partners.values():
            if partner.joined_on is None:
                continue  # identified, never joined: not (yet) a participant
            kinds = {c.kind == "money" for c in live if c.owner == partner.id}
            roles = (["1"] if True in kinds else []) + (["4"] if False in kinds else [])
            for role in roles or ["4"]:
                self._org(activity, "participating-org", partner.id, {"role": role})

    # -- dates

    def _dates(self, activity: ET.Element) -> None:
        """Actual start: the founding (IATI: the commencement of planning counts); planned
        start and end: the planned activities'; actual end: the closure."""
        view = self.view
        assert view.founding is not None
        starts = [a.starts for a in view.activities.values() if a.starts is not None]
        ends = [a.ends for a in view.activities.values() if a.ends is not None]
        dates: list[tuple[str, date]] = []
        if starts:
            dates.append(("1", min(starts)))
        dates.append(("2", view.founding.occurred_on))
        if ends:
            dates.append(("3", max(ends)))
        if view.closure is not None:
            dates.append(("4", view.closure.occurred_on))
        for code, day in dates:
            _sub(activity, "activity-date", {"type": code, "iso-date": day.isoformat()})

    # -- money

    def _transactions(self) -> list[_Transaction]:
        """Each money commitment as its history of commitment (2) and disbursement (3)
        transactions, in "before" order: the sums of each type are what is committed and what
        was delivered. A revision or withdrawal is a (possibly negative) change of the
        commitment; a fulfilment disburses what it delivered beyond the fulfilments before it
        (``delivered`` is the total so far; absent, the whole value)."""
        out: list[_Transaction] = []
        for c in self.money:
            assert c.original_value is not None
            committed, disbursed = c.original_value, Decimal(0)
            out.append(_Transaction(c.moment, "2", c, committed, c.description))
            facts: list[Revision | Fulfilment | Withdrawal] = [*c.revisions, *c.fulfilments]
            if c.withdrawal is not None:
                facts.append(c.withdrawal)
            for fact in sorted(facts, key=lambda f: f.moment):
                if isinstance(fact, Revision):
                    if fact.value is not None and fact.value != committed:
                        out.append(
                            _Transaction(fact.moment, "2", c, fact.value - committed, fact.reason)
                        )
                        committed = fact.value
                elif isinstance(fact, Fulfilment):
                    total = committed if fact.delivered is None else fact.delivered
                    if total != disbursed:
                        out.append(
                            _Transaction(fact.moment, "3", c, total - disbursed, fact.evidence)
                        )
                        disbursed = total
                elif committed > disbursed:  # withdrawn: what was not delivered is released
                    out.append(
                        _Transaction(fact.moment, "2", c, disbursed - committed, fact.reason)
                    )
                    committed = disbursed
        return sorted(out, key=lambda t: t.moment)

    def _transaction(self, activity: ET.Element, t: _Transaction) -> None:
        day = t.moment.occurred_on.isoformat()
        element = _sub(
            activity, "transaction", {"ref": t.commitment.id, _ext("seq"): str(t.moment.seq)}
        )
        _sub(element, "transaction-type", {"code": t.code})
        _sub(element, "transaction-date", {"iso-date": day})
        money = {"currency": t.commitment.currency, "value-date": day}
        _sub(element, "value", money, plain_decimal(t.value))
        _narrated(element, "description", t.text)
        self._org(element, "provider-org", t.commitment.owner, {})

    # -- results

    def _results(self, activity: ET.Element) -> None:
        """One result per lens (project, partnership, value), its indicators in order."""
        by_lens: dict[str, list[Indicator]] = {}
        for indicator in self.view.indicators.values():
            by_lens.setdefault(indicator.lens, []).append(indicator)
        lenses = [*RESULT_TYPES, *sorted(set(by_lens) - set(RESULT_TYPES))]
        for lens in lenses:
            if lens not in by_lens:
                continue
            code, title = RESULT_TYPES.get(lens, ("9", lens))
            result = _sub(activity, "result", {"type": code})
            _narrated(result, "title", title)
            for indicator in by_lens[lens]:
                self._indicator(result, indicator)

    def _indicator(self, result: ET.Element, ind: Indicator) -> None:
        ascending = None
        if ind.baseline is not None and ind.target is not None:
            ascending = "1" if ind.target >= ind.baseline else "0"
        measure = "2" if (ind.unit or "").strip().lower() in _PERCENT_UNITS else "1"
        attrs = {
            "measure": measure,
            "ascending": ascending,
            _ext("id"): ind.id,
            _ext("owner"): ind.owner,
            _ext("unit"): ind.unit,
            _ext("target"): plain_decimal(ind.target) if ind.target is not None else None,
            _ext("due"): ind.due.isoformat() if ind.due else None,
        }
        element = _sub(result, "indicator", attrs)
        _narrated(element, "title", ind.name)
        _narrated(element, "description", ind.method)
        if ind.baseline is not None:
            _sub(
                element,
                "baseline",
                {
                    "year": str(ind.occurred_on.year),
                    "iso-date": ind.occurred_on.isoformat(),
                    "value": plain_decimal(ind.baseline),
                },
            )
        for start, end, target, actual in _periods(ind):
            period = _sub(element, "period")
            _sub(period, "period-start", {"iso-date": start.isoformat()})
            _sub(period, "period-end", {"iso-date": end.isoformat()})
            if target is not None:
                _sub(period, "target", {"value": plain_decimal(target)})
            if actual is not None:
                _sub(period, "actual", {"value": plain_decimal(actual)})

    # -- the extension

    def _extension(self, activity: ET.Element) -> None:
        """What IATI has no element for: phases, engagement, commitments not in money."""
        view = self.view
        assert view.founding is not None
        root = _sub(
            activity,
            _ext("partnership"),
            {
                "id": view.partnership,
                "phase": view.phase,
                "scope": view.founding.scope,
                "convenor": self.convenor,
                "as-of": view.as_of.isoformat(),
                "known-at": format_time(view.known_at),
            },
        )
        for change in view.phases:
            _sub(
                root,
                _ext("phase"),
                {"code": change.phase, "date": change.occurred_on.isoformat()},
                change.reason,
            )
        for partner in view.partners.values():
            self._ext_partner(root, partner)
        money = {c.id for c in self.money}
        for commitment in view.commitments.values():
            if commitment.id not in money:
                self._ext_commitment(root, commitment)

    def _ext_partner(self, parent: ET.Element, partner: Partner) -> None:
        element = _sub(
            parent,
            _ext("partner"),
            {
                "id": partner.id,
                "name": partner.name,
                "sector": partner.sector,
                "engagement": partner.engagement or ("left" if partner.joined_on else "identified"),
            },
        )
        for entry in partner.history:
            _sub(
                element,
                _ext("engagement"),
                {
                    "date": entry.occurred_on.isoformat(),
                    "change": entry.kind,
                    "level": entry.engagement,
                },
                entry.reason,
            )

    def _ext_commitment(self, parent: ET.Element, c: Commitment) -> None:
        attrs = {
            "id": c.id,
            "partner": c.owner,
            "kind": c.kind,
            "made": c.occurred_on.isoformat(),
            "status": c.status(self.view.as_of),
            "quantity": plain_decimal(c.quantity) if c.quantity is not None else None,
            "unit": c.unit,
            "value": plain_decimal(c.value) if c.value is not None else None,
            "currency": c.currency,
            "due": c.due.isoformat() if c.due else None,
        }
        element = _sub(parent, _ext("commitment"), attrs)
        _sub(element, _ext("description"), text=c.description)
        for f in c.fulfilments:
            delivered = plain_decimal(f.delivered) if f.delivered is not None else None
            _sub(
                element,
                _ext("fulfilment"),
                {"date": f.occurred_on.isoformat(), "delivered": delivered},
                f.evidence,
            )
        if c.withdrawal is not None:
            _sub(
                element,
                _ext("withdrawal"),
                {"date": c.withdrawal.occurred_on.isoformat()},
                c.withdrawal.reason,
            )


def _periods(
    ind: Indicator,
) -> Iterable[tuple[date, date, Decimal | None, Decimal | None]]:
    """(start, end, target, actual) per period: one per measured ``period_end`` (a later
    measurement of the same end replaces the earlier), plus the period ending on ``due`` that
    holds the target. Periods follow each other: the first starts when the indicator was
    defined, each next one the day after the previous end."""
    actuals: dict[date, Decimal] = {m.period_end: m.value for m in ind.measurements}
    ends = set(actuals)
    if ind.target is not None and ind.due is not None:
        ends.add(ind.due)
    start = ind.occurred_on
    for end in sorted(ends):
        target = ind.target if end == ind.due else None
        yield min(start, end), end, target, actuals.get(end)
        start = end + timedelta(days=1)

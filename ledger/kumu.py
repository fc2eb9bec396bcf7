"""The stakeholder map as a Kumu blueprint (JSON), so a broker can draw who is around the
partnership and who was consulted (docs/interchange-formats.md maps every field).

Elements are the convenor, the partners and the stakeholders, each with a stable ``id``
(``partner:ID``, ``stakeholder:ID``, ``convenor:ID``) so that two organisations with one name
stay apart; connections run from the convenor to each partner and from whoever consulted a
stakeholder to that stakeholder, once per consultation. Order follows the view ("before"
order), so the same view always gives the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ledger.view import Partner, PartnershipView, Stakeholder

__all__ = ["kumu_json"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def kumu_json(view: PartnershipView) -> str:
    """The Kumu blueprint of ``view``: ``{"elements": [...], "connections": [...]}`` as JSON
    text (two-space indents, UTF-8 characters kept, one trailing newline)."""
    convenor = view.convenor
    elements: list[dict[str, Any]] = []
    connections: list[dict[str, Any]] = []
    if convenor is not None and convenor not in view.partners:
        elements.append(
            {
                "id": _convenor_id(convenor),
                "label": convenor,
                "type": "Convenor",
                "tags": ["convenor"],
                "Pledger id": convenor,
            }
        )
    for partner in view.partners.values():
        elements.append(_partner(partner, convenor))
        if convenor is not None and partner.id != convenor:
            connections.append(_partnership(partner, _element_id(view, convenor)))
    for stakeholder in view.stakeholders.values():
        elements.append(_stakeholder(stakeholder))
        for consultation in stakeholder.consultations:
            connections.append(
                {
                    "id": f"consultation:{consultation.seq}",
                    "from": _element_id(view, consultation.actor),
                    "to": f"stakeholder:{stakeholder.id}",
                    "type": "Consulted",
                    "direction": "directed",
                    "description": consultation.summary,
                    "Date": consultation.occurred_on.isoformat(),
                }
            )
    text = json.dumps(
        {"elements": elements, "connections": connections}, indent=2, ensure_ascii=False
    )
    return _SURROGATE.sub("\ufffd", text) + "\n"


def _convenor_id(convenor: str) -> str:
    return f"convenor:{convenor}"


def _element_id(view: PartnershipView, org: str) -> str:
    """A partner's element, else the convenor's: the convenor records for the partnership."""
    if org in view.partners:
        return f"partner:{org}"
    return _convenor_id(view.convenor or org)


def _engagement(partner: Partner) -> str:
    """The engagement as of the view; ``left`` or ``identified`` when it has none."""
    if partner.engagement is not None:
        return partner.engagement
    return "left" if partner.joined_on is not None else "identified"


def _partner(partner: Partner, convenor: str | None) -> dict[str, Any]:
    engagement = _engagement(partner)
    tags = [t for t in (partner.sector, engagement) if t]
    if partner.id == convenor:
        tags.append("convenor")
    element: dict[str, Any] = {
        "id": f"partner:{partner.id}",
        "label": partner.name or partner.id,
        "type": "Partner",
        "tags": tags,
        "Pledger id": partner.id,
        "Engagement": engagement,
    }
    if partner.sector is not None:
        element["Sector"] = partner.sector
    if partner.identification is not None:
        element["description"] = partner.identification.value_added
    if partner.representative is not None:
        element["Representative"] = partner.representative
    if partner.joined_on is not None:
        element["Joined"] = partner.joined_on.isoformat()
    return element


def _partnership(partner: Partner, convenor: str) -> dict[str, Any]:
    connection: dict[str, Any] = {
        "id": f"partnership:{partner.id}",
        "from": convenor,
        "to": f"partner:{partner.id}",
        "type": "Partner" if partner.joined_on is not None else "Identified",
        "direction": "directed",
        "Engagement": _engagement(partner),
    }
    if partner.joined_on is not None:
        connection["Joined"] = partner.joined_on.isoformat()
    if partner.history and partner.history[-1].kind == "left":
        connection["Left"] = partner.history[-1].occurred_on.isoformat()
    return connection


def _stakeholder(stakeholder: Stakeholder) -> dict[str, Any]:
    tags = [stakeholder.sector, "stakeholder"]
    if stakeholder.consultations:
        tags.append("consulted")
    element: dict[str, Any] = {
        "id": f"stakeholder:{stakeholder.id}",
        "label": stakeholder.name,
        "type": "Stakeholder",
        "tags": tags,
        "Pledger id": stakeholder.id,
        "Sector": stakeholder.sector,
    }
    lists = {
        "Needs": stakeholder.needs,
        "Interests": stakeholder.interests,
        "Motivations": stakeholder.motivations,
    }
    lines = [f"{title}: {'; '.join(items)}" for title, items in lists.items() if items]
    if lines:
        element["description"] = "\n".join(lines)
    element.update({title: list(items) for title, items in lists.items() if items})
    return element

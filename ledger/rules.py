"""What a rule is, what it returns, and what it is given (RULES.md, DESIGN.md "Rules and
plugins").

A rule is a plain function ``check(view, ctx)`` that yields findings, made a ``Rule`` by the
``@rule`` decorator, which carries its id, name, principle, severity and option defaults::

    @rule("XY001", name="no-civil-society", principle="equity", severity="warning")
    def no_civil_society(view, ctx):
        "Every partnership has a civil-society partner."
        if not any(p.sector == "civil-society" for p in view.partners.values()):
            yield ctx.finding("partnership:" + view.partnership, "No civil-society partner.")

Findings are values (``Finding``), built with ``ctx.finding`` so they carry the rule's id,
name, principle and severity.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.view import PartnershipView

SEVERITIES = ("info", "warning", "error")
PRINCIPLES = ("equity", "transparency", "follow-through", "governance", "mutual-benefit")
RULE_ID_RE = re.compile(r"[A-Z]{2,4}[0-9]{3}")
RULE_NAME_RE = re.compile(r"[a-z][a-z0-9-]*")
SUBJECT_RE = re.compile(r"[a-z-]+:[A-Za-z0-9._-]+")
MAX_EVIDENCE = 20
_new = object.__new__
_set = object.__setattr__

Check = Callable[["PartnershipView", "Context"], Iterable["Finding"]]


@dataclass(frozen=True)
class Finding:
    """One thing a rule found, with exactly RULES.md's fields."""

    rule: str
    name: str
    principle: str
    severity: str
    partnership: str
    subject: str
    partner: str | None
    message: str
    evidence: tuple[int, ...] = ()
    waived: bool = False

    def sort_key(self) -> tuple[str, str, str, int, str]:
        """RULES.md: by partnership, rule, subject, partner (a null partner first)."""
        return (
            self.partnership,
            self.rule,
            self.subject,
            0 if self.partner is None else 1,
            self.partner or "",
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "principle": self.principle,
            "severity": self.severity,
            "partnership": self.partnership,
            "subject": self.subject,
            "partner": self.partner,
            "message": self.message,
            "evidence": list(self.evidence),
            "waived": self.waived,
        }


@dataclass(frozen=True)
class Rule:
    """A rule: metadata, option defaults and the check itself."""

    id: str
    name: str
    principle: str
    severity: str
    summary: str
    check: Check
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    description: str = ""
    example: str = ""
    plugin: str = ""

    def __post_init__(self) -> None:
        if not RULE_ID_RE.fullmatch(self.id):
            raise ValueError(f"rule id {self.id!r} must match [A-Z]{{2,4}}[0-9]{{3}}")
        if not RULE_NAME_RE.fullmatch(self.name):
            raise ValueError(f"rule {self.id}: name {self.name!r} must be lowercase-with-dashes")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: severity must be one of {', '.join(SEVERITIES)}")
        if not self.principle or not RULE_NAME_RE.fullmatch(self.principle):
            raise ValueError(f"rule {self.id}: principle {self.principle!r} is not a name")
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def with_plugin(self, plugin: str) -> Rule:
        return replace(self, plugin=plugin)


def rule(
    id: str,
    *,
    name: str,
    principle: str,
    severity: str,
    summary: str | None = None,
    options: Mapping[str, Any] | None = None,
    example: str = "",
) -> Callable[[Check], Rule]:
    """Make a plain ``check(view, ctx)`` function a ``Rule``.

    The docstring's first paragraph is the summary (unless ``summary`` is given), the rest
    its definition; ``options`` are the defaults a config may override; ``example`` shows when the
    rule fires (``pledger rule ID`` prints it).
    """

    def decorate(check: Check) -> Rule:
        doc = inspect.getdoc(check) or ""
        first, _, rest = doc.partition("\n\n")
        first = " ".join(first.split())
        return Rule(
            id=id,
            name=name,
            principle=principle,
            severity=severity,
            summary=summary or first.strip() or name,
            check=check,
            options=options or {},
            description=rest.strip(),
            example=example.strip(),
        )

    return decorate


@dataclass(frozen=True)
class Context:
    """What a rule is given beside the view: the audit date, its options, and ``finding``."""

    rule: Rule
    partnership: str
    audit_date: date
    known_at: datetime
    options: Mapping[str, Any]
    severity: str

    def finding(
        self,
        subject: str,
        message: str,
        *,
        partner: str | None = None,
        evidence: Iterable[int] = (),
        severity: str | None = None,
    ) -> Finding:
        """A finding of this rule. ``evidence`` lists the seq numbers that prove it, the most
        telling first; more than 20 are cut (say the total in the message). ``severity``
        overrides the rule's (e.g. a warning that becomes an error past a threshold)."""
        seqs: list[int] = []
        for seq in evidence:
            if seq not in seqs:
                seqs.append(seq)
        rule = self.rule
        finding = _new(Finding)  # what Finding(...) makes, minus an object.__setattr__ per field
        _set(
            finding,
            "__dict__",
            {
                "rule": rule.id,
                "name": rule.name,
                "principle": rule.principle,
                "severity": severity or self.severity,
                "partnership": self.partnership,
                "subject": subject,
                "partner": partner,
                "message": message,
                "evidence": tuple(seqs[:MAX_EVIDENCE]),
                "waived": False,
            },
        )
        return finding


def check_finding(finding: Any, rule: Rule, partnership: str) -> str | None:
    """Why ``finding`` is not a finding this rule may return (None when it is)."""
    if not isinstance(finding, Finding):
        return f"returned {type(finding).__name__}, not a Finding"
    if finding.rule != rule.id or finding.partnership != partnership:
        return "returned a finding of another rule or partnership (use ctx.finding)"
    if finding.severity not in SEVERITIES:
        return f"returned severity {finding.severity!r}"
    if not isinstance(finding.subject, str) or not SUBJECT_RE.fullmatch(finding.subject):
        return f"returned subject {finding.subject!r}, not kind:id"
    partner: object = finding.partner  # a rule may have put anything there
    if partner is not None and not isinstance(partner, str):
        return f"returned partner {partner!r}"
    if not isinstance(finding.message, str) or not finding.message.strip():
        return "returned a finding without a message"
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in finding.evidence):
        return "returned evidence that is not seq numbers"
    return None

"""The audit engine: replay each partnership once, run every selected rule on the view,
isolate failures, apply waivers, sort, and report (RULES.md; DESIGN.md "Rules and plugins").

Rules are collected once and called directly (pluggy's per-call cost is too dear per rule per
partnership); a rule that raises, or returns something that is not a finding, becomes finding
PL001 and the others still run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ledger import merkle
from ledger.config import Config
from ledger.events import now
from ledger.integrity import Checkpoint
from ledger.manager import ENGINE_RULES, collect_rules, get_plugin_manager, plugin_infos
from ledger.rules import SEVERITIES, Context, Finding, Rule, check_finding

if TYPE_CHECKING:
    import pluggy

    from ledger.store import Ledger
    from ledger.view import PartnershipView

REPORT_VERSION = 1
ENGINE = {
    "PL001": (
        "rule-crashed",
        "error",
        "A rule raised an exception or returned something that "
        "is not a finding; the other rules still ran.",
    ),
    "PL002": (
        "unused-waiver",
        "info",
        "A FindingWaived in force at the audit date matched no finding.",
    ),
}


@dataclass(frozen=True)
class AuditedPartnership:
    id: str
    events: int
    checkpoint: str


@dataclass(frozen=True)
class AuditReport:
    """Everything one audit found, in RULES.md's order, and how it was configured."""

    as_of: date
    known_at: datetime
    config_sha256: str
    plugins: tuple[tuple[str, str], ...]
    partnerships: tuple[AuditedPartnership, ...]
    findings: tuple[Finding, ...]
    rules: Mapping[str, Rule]
    fail_on: str = "error"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys((*reversed(SEVERITIES), "waived"), 0)
        for finding in self.findings:
            counts["waived" if finding.waived else finding.severity] += 1
        return counts

    @property
    def crashed(self) -> bool:
        return any(f.rule == "PL001" for f in self.findings)

    @property
    def exit_code(self) -> int:
        """RULES.md: 3 a rule crashed; 1 an unwaived finding at or above fail-on; else 0."""
        if self.crashed:
            return 3
        if self.fail_on == "never":
            return 0
        bar = SEVERITIES.index(self.fail_on)
        failing = (f for f in self.findings if not f.waived)
        return 1 if any(SEVERITIES.index(f.severity) >= bar for f in failing) else 0

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON form, the same for one partnership or many."""
        return {
            "version": REPORT_VERSION,
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at.isoformat().replace("+00:00", "Z"),
            "config_sha256": self.config_sha256,
            "plugins": [{"name": n, "version": v} for n, v in self.plugins],
            "partnerships": [
                {"id": p.id, "events": p.events, "checkpoint": p.checkpoint}
                for p in self.partnerships
            ],
            "findings": [f.as_dict() for f in self.findings],
            "summary": self.summary,
        }


def engine_rule(rule_id: str) -> Rule:
    """PL001 and PL002 as rules, for listings and report metadata."""
    name, severity, summary = ENGINE[rule_id]
    return Rule(rule_id, name, "engine", severity, summary, check=lambda view, ctx: ())


def run_audit(
    ledger: Ledger,
    partnerships: Sequence[str] | None = None,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    config: Config | None = None,
    pm: pluggy.PluginManager | None = None,
) -> AuditReport:
    """Audit the partnerships (default: all) as of ``as_of`` as known at ``known_at``."""
    from ledger.view import PartnershipView

    config = config or Config()
    pm = pm or get_plugin_manager(config.plugins)
    rules = collect_rules(pm)
    config.check_against(rules, ENGINE_RULES)
    clock = now()
    as_of = as_of or clock.date()
    known_at = known_at or clock
    selected = [r for r in rules.values() if config.selects(r.id)]
    findings: list[Finding] = []
    audited = []
    for pid in partnerships if partnerships is not None else ledger.partnerships():
        stream = ledger.stream(pid)
        view = PartnershipView.replay(stream, as_of=as_of, known_at=known_at, partnership=pid)
        audited.append(AuditedPartnership(pid, len(view.events), str(_checkpoint(pid, stream))))
        found = []
        for rule in selected:
            found.extend(_run(rule, view, pid, as_of, known_at, config))
        findings.extend(_apply_waivers(view, found, as_of, config, {r.id for r in selected}))
    findings.sort(key=Finding.sort_key)
    infos = plugin_infos(pm, rules)
    return AuditReport(
        as_of=as_of,
        known_at=known_at,
        config_sha256=config.sha256(),
        plugins=tuple((i.name, i.version) for i in infos),
        partnerships=tuple(audited),
        findings=tuple(findings),
        rules={**{r.id: r for r in selected}, **{rid: engine_rule(rid) for rid in ENGINE_RULES}},
        fail_on=config.fail_on,
    )


def _checkpoint(pid: str, stream: Sequence[Any]) -> Checkpoint:
    frontier = merkle.Frontier()
    for event in stream:
        frontier.append(bytes.fromhex(event.hash))
    return Checkpoint(pid, frontier.size, frontier.root().hex())


def _run(
    rule: Rule, view: PartnershipView, pid: str, as_of: date, known_at: datetime, config: Config
) -> list[Finding]:
    ctx = Context(rule, pid, as_of, known_at, config.options_for(rule), config.severity_for(rule))
    try:
        returned: object = rule.check(view, ctx)  # a plugin may return anything
        if returned is None:
            return []
        if isinstance(returned, (str, bytes, Mapping)) or not isinstance(returned, Iterable):
            return [_crashed(rule, pid, f"returned {_kind(returned)}, not a Finding")]
        produced = list(returned)
        for item in produced:
            problem = check_finding(item, rule, pid)
            if problem is not None:
                return [_crashed(rule, pid, problem)]
    except Exception as exc:
        return [_crashed(rule, pid, f"raised {type(exc).__name__}: {exc}")]
    return _one_per_subject(produced)


def _kind(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _crashed(rule: Rule, pid: str, what: str) -> Finding:
    name, severity, _ = ENGINE["PL001"]
    message = " ".join(f"Rule {rule.id} ({rule.name}) of plugin {rule.plugin} {what}".split())
    return Finding(
        "PL001", name, "engine", severity, pid, f"partnership:{pid}", None, message[:1000]
    )


def _one_per_subject(found: Iterable[Finding]) -> list[Finding]:
    """RULES.md: at most one finding per (subject, partner); keep the first of each."""
    seen: dict[tuple[str, str | None], Finding] = {}
    for finding in found:
        seen.setdefault((finding.subject, finding.partner), finding)
    return list(seen.values())


def _apply_waivers(
    view: PartnershipView, found: list[Finding], as_of: date, config: Config, ran: set[str]
) -> list[Finding]:
    """Mark waived findings; a waiver in force, of a rule that ran, that matched nothing
    gives PL002."""
    from dataclasses import replace

    out = list(found)
    for waiver in view.waivers:
        if not waiver.in_force(as_of):
            continue
        matched = False
        for i, finding in enumerate(out):
            if (
                finding.rule == waiver.rule
                and finding.subject == waiver.subject
                and (waiver.partner is None or finding.partner == waiver.partner)
            ):
                out[i] = replace(finding, waived=True)
                matched = True
        if not matched and waiver.rule in ran and config.selects("PL002"):
            name, severity, _ = ENGINE["PL002"]
            out.append(
                Finding(
                    "PL002",
                    name,
                    "engine",
                    severity,
                    view.partnership,
                    waiver.subject,
                    waiver.partner,
                    f"The waiver of {waiver.rule} for {waiver.subject} "
                    f"(seq {waiver.seq}) matched no finding.",
                    (waiver.seq,),
                )
            )
    return out

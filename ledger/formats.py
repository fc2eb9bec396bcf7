"""Audit report formats: ``json``, ``markdown``, ``sarif`` and ``junit`` (the ``text`` form is
the CLI's, drawn with rich). Each renderer is ``(report, stream) -> None``, the same shape a
plugin's ``pledger_output_formats`` hook returns."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, cast

from ledger.rules import SEVERITIES, Finding

if TYPE_CHECKING:
    from ledger.audit import AuditReport

Renderer = Callable[["AuditReport", IO[str]], None]
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
PRINCIPLE_ORDER = (
    "equity",
    "transparency",
    "follow-through",
    "governance",
    "mutual-benefit",
    "engine",
)


def render_json(report: AuditReport, stream: IO[str]) -> None:
    stream.write("".join([*_json_parts(report), "\n"]))  # one write: StringIO keeps it as is


def json_report(report: AuditReport) -> str:
    """``json.dumps(report.to_json(), indent=2, ensure_ascii=False)``, byte for byte, with each
    finding and partnership written straight from its fields: a large audit has tens of
    thousands of findings, and making a dict of each only to write it cost more than writing
    it; or, for findings ``prepare_json`` was given, from the text kept with them."""
    return "".join(_json_parts(report))


def _json_parts(report: AuditReport) -> list[str]:
    """``json_report``'s text in parts, to be joined or written one after another."""
    findings = [finding.__dict__.get(_KEPT) for finding in report.findings]
    if None in findings:  # not prepared: written here
        findings = [
            _finding_text(f) if text is None else text
            for f, text in zip(report.findings, findings, strict=True)
        ]
    if None in findings:  # a field of an unusual type (an int subclass, say): the general way
        return [indented_report(report.to_json())]
    audited = [
        _PARTNERSHIP_TEXT % (_encode_text(p.id), int.__repr__(p.events), _encode_text(p.checkpoint))
        for p in report.partnerships
    ]
    marker = f"findings-{uuid.uuid4().hex}"
    data = report.to_json(partnerships=f"partnerships-{marker}", findings=marker)
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _spliced(text, {f"partnerships-{marker}": audited, marker: cast("list[str]", findings)})


#: The attribute a prepared finding keeps its JSON text in.
_KEPT = "_json_text"


def prepare_json(finding: Finding) -> None:
    """Write ``finding``'s text in the JSON report now, and keep it with the finding (set
    past its frozen ``__setattr__``: equality, hashing and ``as_dict`` read fields only).
    A parallel audit calls it in the process that made each finding (``run_audit``'s
    ``prepare``), so that every process writes its share of the report's text."""
    object.__setattr__(finding, _KEPT, _finding_text(finding))


def indented_report(data: dict[str, Any]) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)`` of an audit report, byte for byte.

    Python's ``json`` drops to its pure-Python encoder whenever it indents, and the findings
    of a large audit took longer to write than some rules took to run; so each finding (a flat
    object) is written here with the C string encoder, and the rest by ``json.dumps``. A
    finding holding anything else (a plugin's float, say) sends the whole report to
    ``json.dumps``."""
    blocks = [_finding_block(finding) for finding in data["findings"]]
    if any(block is None for block in blocks):
        return json.dumps(data, indent=2, ensure_ascii=False)
    marker = f"findings-{uuid.uuid4().hex}"
    text = json.dumps({**data, "findings": marker}, indent=2, ensure_ascii=False)
    return "".join(_spliced(text, {marker: cast("list[str]", blocks)}))


def _spliced(text: str, lists: dict[str, list[str]]) -> list[str]:
    """``text`` (a report indented with marker strings in place of top-level lists, given
    here in the order they appear) in parts, with each list's items (each already indented)
    where its marker was. Parts, not one string: a large report is tens of megabytes, and
    each ``+`` or ``replace`` on it copied all of it again."""
    parts: list[str] = []
    rest = text
    for marker, blocks in lists.items():
        head, rest = rest.split(f'"{marker}"', 1)
        parts += [head, "[\n", ",\n".join(blocks), "\n  ]"] if blocks else [head, "[]"]
    parts.append(rest)
    return parts


_encode_text: Callable[[str], str] = json.encoder.encode_basestring
_PARTNERSHIP_TEXT = '    {\n      "id": %s,\n      "events": %s,\n      "checkpoint": %s\n    }'
_FINDING_TEXT = (
    '    {\n      "rule": %s,\n      "name": %s,\n      "principle": %s,\n'
    '      "severity": %s,\n      "partnership": %s,\n      "subject": %s,\n'
    '      "partner": %s,\n      "message": %s,\n      "evidence": %s,\n'
    '      "waived": %s\n    }'
)


def _finding_text(f: Finding) -> str | None:
    """``f.as_dict()`` as ``json.dumps`` indents it inside the report's list; None if a field
    is not of the type a finding holds (str, an int's seq numbers, bool), for the general
    writer."""
    text, partner, evidence = _encode_text, f.partner, f.evidence
    strings = (f.rule, f.name, f.principle, f.severity, f.partnership, f.subject, f.message)
    if (
        {*map(type, strings)} != _STR
        or (partner is not None and type(partner) is not str)
        or type(f.waived) is not bool
        or (evidence and {*map(type, evidence)} != _INT)
    ):
        return None
    listed = (
        "[\n        " + ",\n        ".join(map(int.__repr__, evidence)) + "\n      ]"
        if evidence
        else "[]"
    )
    return _FINDING_TEXT % (
        text(f.rule),
        text(f.name),
        text(f.principle),
        text(f.severity),
        text(f.partnership),
        text(f.subject),
        "null" if partner is None else text(partner),
        text(f.message),
        listed,
        "true" if f.waived else "false",
    )


_STR, _INT = {str}, {int}


def _finding_block(finding: dict[str, Any]) -> str | None:
    """One finding as ``json.dumps`` indents it inside the report's list (None if it holds
    something other than strings, integers, booleans, nulls and lists of those)."""
    lines = []
    for key, value in finding.items():
        text = _scalar(value)
        if text is None and type(value) is list:
            items = [_scalar(item) for item in value]
            if None in items:
                return None
            text = "[\n" + ",\n".join(f"        {item}" for item in items) + "\n      ]"
            text = text if items else "[]"
        if text is None or type(key) is not str:
            return None
        lines.append(f"      {_encode_text(key)}: {text}")
    return "    {\n" + ",\n".join(lines) + "\n    }" if lines else "    {}"


def _scalar(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return _encode_text(value)
    if value is None or kind is bool:
        return "null" if value is None else ("true" if value else "false")
    if kind is int:
        return int.__repr__(value)
    return None


def _md(text: str) -> str:
    """Text for a Markdown table cell: no pipes or newlines break the table."""
    return " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;")


def render_markdown(report: AuditReport, stream: IO[str]) -> None:
    summary = report.summary
    out = [
        "# Pledger audit",
        "",
        f"As of **{report.as_of}**, as known at {report.known_at.isoformat()}.",
        "",
        "| partnership | events | checkpoint |",
        "|---|---|---|",
        *(f"| {p.id} | {p.events} | `{p.checkpoint}` |" for p in report.partnerships),
        "",
        f"**{_count(summary['error'], 'error')}, {_count(summary['warning'], 'warning')}, "
        f"{summary['info']} info, {summary['waived']} waived.**",
    ]
    for principle in _principles(report):
        found = [f for f in report.findings if f.principle == principle and not f.waived]
        if not found:
            continue
        out += [
            "",
            f"## {principle.capitalize()}",
            "",
            "| severity | rule | partnership | subject | partner | message | evidence |",
            "|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {f.severity} | {f.rule} {f.name} | {f.partnership} | {_md(f.subject)} | "
            f"{_md(f.partner or '')} | {_md(f.message)} | {', '.join(map(str, f.evidence))} |"
            for f in found
        ]
    waived = [f for f in report.findings if f.waived]
    if waived:
        out += [
            "",
            "## Waived",
            "",
            "| rule | partnership | subject | partner | message |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {f.rule} | {f.partnership} | {_md(f.subject)} | {_md(f.partner or '')} | "
            f"{_md(f.message)} |"
            for f in waived
        ]
    stream.write("\n".join(out) + "\n")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _principles(report: AuditReport) -> list[str]:
    present = {f.principle for f in report.findings}
    return [p for p in PRINCIPLE_ORDER if p in present] + sorted(present - set(PRINCIPLE_ORDER))


def render_sarif(report: AuditReport, stream: IO[str]) -> None:
    """SARIF 2.1.0: one run; rules as reportingDescriptors; waived findings as suppressed."""
    from ledger.manager import pledger_version

    version = pledger_version()
    rule_ids = sorted(report.rules)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = []
    for rid in rule_ids:
        rule = report.rules[rid]
        descriptor: dict[str, Any] = {
            "id": rid,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
            "properties": {"principle": rule.principle, "plugin": rule.plugin or "engine"},
        }
        if rule.description:
            descriptor["fullDescription"] = {"text": rule.description}
        rules.append(descriptor)
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": SARIF_LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "logicalLocations": [
                        {
                            "name": f.subject,
                            "fullyQualifiedName": f"{f.partnership}/{f.subject}",
                            "kind": "object",
                        }
                    ]
                }
            ],
            "partialFingerprints": {
                "pledger/v1": f"{f.partnership}/{f.rule}/{f.subject}/{f.partner or ''}"
            },
            "properties": {
                "partnership": f.partnership,
                "partner": f.partner,
                "principle": f.principle,
                "evidence": list(f.evidence),
            },
        }
        if f.waived:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": "waived by a FindingWaived event recorded in the ledger",
                }
            ]
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pledger",
                        "version": version,
                        "informationUri": "https://pypi.org/project/pledger/",
                        "rules": rules,
                    }
                },
                "invocations": [{"executionSuccessful": not report.crashed}],
                "results": results,
                "properties": {
                    "as_of": report.as_of.isoformat(),
                    "known_at": report.known_at.isoformat(),
                    "config_sha256": report.config_sha256,
                    "partnerships": [
                        {"id": p.id, "events": p.events, "checkpoint": p.checkpoint}
                        for p in report.partnerships
                    ],
                },
            }
        ],
    }
    stream.write(json.dumps(sarif, indent=2, ensure_ascii=False) + "\n")


def render_junit(report: AuditReport, stream: IO[str]) -> None:
    """JUnit XML: a suite per partnership, a test case per rule; a rule fails there when it
    has an unwaived finding at or above ``fail-on``."""
    bar = SEVERITIES.index(report.fail_on) if report.fail_on in SEVERITIES else len(SEVERITIES)
    suites = ET.Element("testsuites", name="pledger audit")
    total = failed = 0
    for partnership in report.partnerships:
        suite = ET.SubElement(suites, "testsuite", name=partnership.id)
        cases = failures = 0
        for rid in sorted(report.rules):
            rule = report.rules[rid]
            found = [
                f for f in report.findings if f.partnership == partnership.id and f.rule == rid
            ]
            case = ET.SubElement(
                suite, "testcase", classname=partnership.id, name=f"{rid} {rule.name}"
            )
            cases += 1
            failing = [f for f in found if not f.waived and SEVERITIES.index(f.severity) >= bar]
            if failing:
                failures += 1
                failure = ET.SubElement(
                    case, "failure", type=failing[0].severity, message=failing[0].message
                )
                failure.text = "\n".join(_junit_line(f) for f in failing)
            rest = [f for f in found if f not in failing]
            if rest:
                ET.SubElement(case, "system-out").text = "\n".join(_junit_line(f) for f in rest)
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        total, failed = total + cases, failed + failures
    suites.set("tests", str(total))
    suites.set("failures", str(failed))
    ET.indent(suites)
    stream.write(ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n")


def _junit_line(f: Any) -> str:
    waived = " (waived)" if f.waived else ""
    partner = f" [{f.partner}]" if f.partner else ""
    return (
        f"{f.severity}{waived}: {f.subject}{partner}: {f.message} (evidence: "
        f"{', '.join(map(str, f.evidence))})"
    )


BUILTIN_FORMATS: dict[str, Renderer] = {
    "json": render_json,
    "markdown": render_markdown,
    "sarif": render_sarif,
    "junit": render_junit,
}

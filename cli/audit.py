"""Auditing: audit, rules, rule, plugins, waive (RULES.md; DESIGN.md CLI, Configuration)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledger.cli.common import (
    as_of_option,
    console_for_tables,
    format_option,
    known_at_option,
    open_ledger,
    partnership_option,
    progress_bar,
    safe,
    settings,
)
from ledger.errors import InvalidInput

if TYPE_CHECKING:
    import pluggy

    from ledger.audit import AuditReport
    from ledger.config import Config
    from ledger.rules import Rule

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _all_rules(config: Config, pm: pluggy.PluginManager) -> dict[str, Rule]:
    """Every rule, the engine's too; the config must name only rules and options that exist."""
    from ledger.audit import ENGINE, engine_rule
    from ledger.manager import ENGINE_RULES, collect_rules

    rules = collect_rules(pm)
    config.check_against(rules, ENGINE_RULES)
    return {**rules, **{rid: engine_rule(rid) for rid in ENGINE}}


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


@click.command()
@partnership_option
@click.option("--all", "all_", is_flag=True, help="Audit every partnership in the ledger.")
@as_of_option
@known_at_option
@click.option("--select", multiple=True, metavar="IDS", help="Only these rules (ids or prefixes).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules (ids or prefixes).")
@click.option(
    "--format",
    "fmt",
    metavar="FORMAT",
    help="text, json, markdown, sarif, junit, html or a plugin's format [config: format].",
)
@click.option(
    "--fail-on",
    metavar="SEVERITY",
    help="Exit 1 on an unwaived finding at or above: info, warning, error (default) or never.",
)
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE (atomically).")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Audit partnerships in this many processes (they are independent).",
)
@click.pass_context
def audit(
    ctx: click.Context,
    partnership: str | None,
    all_: bool,
    as_of: str | None,
    known_at: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fmt: str | None,
    fail_on: str | None,
    output: str | None,
    jobs: int,
) -> None:
    """Run the rules over each partnership's replayed history and report the findings.

    Exit 0: nothing at or above --fail-on; 1: some; 2: bad usage or input; 3: a rule crashed."""
    from ledger.audit import run_audit
    from ledger.formats import prepare_json, render_json
    from ledger.view import parse_as_of, parse_known_at

    if partnership and all_:
        raise click.UsageError("give -P or --all, not both")
    config, pm = settings(ctx)
    config = config.override(
        select=_split(select), ignore=_split(ignore), fail_on=fail_on, format=fmt
    )
    renderers = _renderers(pm)
    if config.format not in renderers:
        raise InvalidInput(f"--format {config.format!r} is not one of {', '.join(renderers)}")
    with open_ledger(ctx, create=False) as ledger, progress_bar("Auditing") as progress:
        targets = None if all_ else [ledger.choose(partnership)]
        report = run_audit(
            ledger,
            targets,
            config=config,
            pm=pm,
            as_of=parse_as_of(as_of) if as_of else None,
            known_at=parse_known_at(known_at) if known_at else None,
            jobs=jobs,
            progress=progress,
            prepare=prepare_json if renderers[config.format] is render_json else None,
        )
        if renderers[config.format] is render_html:  # the page shows the views too
            from ledger.report import html_renderer

            renderers["html"] = html_renderer(ledger, report)
    buffer = io.StringIO()
    renderers[config.format](report, buffer)
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        from ledger.cli.transfer import write_atomically

        write_atomically(Path(output), [buffer.getvalue().encode("utf-8")])
    ctx.exit(report.exit_code)


def _renderers(pm: pluggy.PluginManager) -> dict[str, Any]:
    from ledger.formats import BUILTIN_FORMATS

    renderers: dict[str, Any] = {"text": render_text, **BUILTIN_FORMATS, "html": render_html}
    for extra in pm.hook.pledger_output_formats():
        renderers.update(extra or {})
    return renderers


def render_html(report: AuditReport, stream: Any) -> None:
    """The findings-only page (the audit command swaps in the page with the views); the
    report module is loaded only for it."""
    from ledger.report import render_audit_html

    render_audit_html(report, stream)


def render_text(report: AuditReport, stream: Any) -> None:
    """The audit for people: findings grouped by principle, waived ones apart, a summary."""
    from rich.console import Console
    from rich.table import Table

    from ledger.formats import PRINCIPLE_ORDER

    console = (
        console_for_tables()
        if stream is None
        else Console(
            file=stream,
            width=120,
            soft_wrap=False,
            highlight=False,
            force_terminal=stream.isatty() if hasattr(stream, "isatty") else False,
        )
    )
    for p in report.partnerships:
        console.print(f"[bold]{p.id}[/bold]: {p.events} events as of {report.as_of}")
        console.print(f"[dim]{p.checkpoint}[/dim]", overflow="ignore", crop=False)
    present = {f.principle for f in report.findings if not f.waived}
    for principle in [p for p in PRINCIPLE_ORDER if p in present] + sorted(
        present - set(PRINCIPLE_ORDER)
    ):
        table = Table(
            title=principle.capitalize(),
            title_justify="left",
            box=None,
            header_style="bold",
            expand=False,
        )
        for column in ("severity", "rule", "subject", "partner", "message", "evidence"):
            table.add_column(column, overflow="fold")
        for f in report.findings:
            if f.principle == principle and not f.waived:
                table.add_row(
                    f"[{SEVERITY_STYLE[f.severity]}]{f.severity}[/]",
                    safe(f"{f.rule} {f.name}"),
                    safe(f.subject),
                    safe(f.partner or ""),
                    safe(f.message),
                    ", ".join(map(str, f.evidence)),
                )
        console.print()
        console.print(table)
    waived = [f for f in report.findings if f.waived]
    if waived:
        table = Table(title="Waived", title_justify="left", box=None, header_style="bold")
        for column in ("rule", "subject", "partner", "message"):
            table.add_column(column, overflow="fold")
        for f in waived:
            table.add_row(
                safe(f"{f.rule} {f.name}"), safe(f.subject), safe(f.partner or ""), safe(f.message)
            )
        console.print()
        console.print(table)
    s = report.summary
    verdict = {0: "passed", 1: "failed", 3: "a rule crashed"}[report.exit_code]
    console.print()
    console.print(
        f"{s['error']} error{'s' * (s['error'] != 1)}, {s['warning']} "
        f"warning{'s' * (s['warning'] != 1)}, {s['info']} info, {s['waived']} waived: "
        f"{verdict} (fail-on {report.fail_on})"
    )


@click.command()
@format_option("text", "json")
@click.pass_context
def rules(ctx: click.Context, fmt: str) -> None:
    """List every rule: id, name, principle, severity, summary, plugin and options."""
    config, pm = settings(ctx)
    found = _all_rules(config, pm)
    if fmt == "json":
        click.echo(
            json.dumps([_rule_json(r, config) for r in found.values()], indent=2, default=str)
        )
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("id", "name", "principle", "severity", "summary", "options"):
        table.add_column(column, overflow="fold")
    for r in found.values():
        options = ", ".join(f"{k}={v}" for k, v in config.options_for(r).items())
        table.add_row(r.id, r.name, r.principle, r.severity, safe(r.summary), safe(options))
    console_for_tables().print(table)


def _rule_json(rule: Rule, config: Config) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "principle": rule.principle,
        "severity": config.severity_for(rule),
        "summary": rule.summary,
        "description": rule.description,
        "example": rule.example,
        "plugin": rule.plugin or "engine",
        "options": dict(rule.options),
        "configured": dict(config.options_for(rule)),
    }


@click.command(name="rule")
@click.argument("rule_id", metavar="ID")
@format_option("text", "json")
@click.pass_context
def rule_(ctx: click.Context, rule_id: str, fmt: str) -> None:
    """Show one rule: its definition, options with defaults, and an example."""
    config, pm = settings(ctx)
    found = _all_rules(config, pm).get(rule_id.upper())
    if found is None:
        raise InvalidInput(f"no rule {rule_id!r} (see `pledger rules`)")
    data = _rule_json(found, config)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, default=str))
        return
    lines = [
        f"{found.id} {found.name} ({found.principle}, {data['severity']}; plugin {data['plugin']})",
        "",
        found.summary,
    ]
    if found.description:
        lines += ["", found.description]
    if found.options:
        lines += ["", "Options (default -> in force):"]
        lines += [f"  {k} = {v!r} -> {data['configured'][k]!r}" for k, v in found.options.items()]
    if found.example:
        lines += ["", "Example:", f"  {found.example}"]
    click.echo("\n".join(lines))


@click.command()
@format_option("text", "json")
@click.pass_context
def plugins(ctx: click.Context, fmt: str) -> None:
    """List the loaded plugins with their version, source and rules."""
    from ledger.manager import collect_rules, plugin_infos

    _, pm = settings(ctx)
    infos = plugin_infos(pm, collect_rules(pm))
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "name": i.name,
                        "version": i.version,
                        "source": i.source,
                        "rules": list(i.rules),
                    }
                    for i in infos
                ],
                indent=2,
            )
        )
        return
    for info in infos:
        click.echo(f"{info.name} {info.version} ({info.source}): {', '.join(info.rules) or '-'}")


@click.command()
@click.argument("rule_id", metavar="RULE")
@click.argument("subject")
@partnership_option
@click.option("--partner", metavar="ID", help="Only findings about this partner.")
@click.option("--reason", required=True, help="Why the finding is accepted.")
@click.option(
    "--by",
    "approvers",
    required=True,
    multiple=True,
    metavar="PARTNER",
    help="Approving key partner (repeatable, or a;b).",
)
@click.option("--until", metavar="DATE", help="The waiver lapses after this date.")
@click.option(
    "--actor",
    envvar="PLEDGER_ACTOR",
    metavar="ID",
    help="Who records it [default: the first approver].",
)
@click.option("--on", "occurred_on", metavar="DATE", help="Business date (default today).")
@click.pass_context
def waive(
    ctx: click.Context,
    rule_id: str,
    subject: str,
    partnership: str | None,
    partner: str | None,
    reason: str,
    approvers: tuple[str, ...],
    until: str | None,
    actor: str | None,
    occurred_on: str | None,
) -> None:
    """Record a FindingWaived: findings of RULE on SUBJECT (kind:id) are accepted, on record."""
    from ledger.cli.record import record_event

    by = [a.strip() for value in approvers for a in value.split(";") if a.strip()]
    data: dict[str, Any] = {
        "rule": rule_id,
        "subject": subject,
        "reason": reason,
        "approved_by": by,
    }
    if partner:
        data["partner"] = partner
    if until:
        data["until"] = until
    record_event(
        ctx, "FindingWaived", partnership, actor or (by[0] if by else None), occurred_on, data
    )


COMMANDS = [audit, rules, rule_, plugins, waive]

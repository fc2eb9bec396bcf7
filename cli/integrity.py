"""Integrity commands: checkpoint, verify, prove, verify-proof (DESIGN.md, Integrity)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledger.cli.common import format_option, open_ledger, partnership_option, printable
from ledger.errors import InvalidInput, NotIntact, UnknownPartnership

if TYPE_CHECKING:
    from ledger.integrity import Checkpoint, StreamReport
    from ledger.store import Ledger

all_option = click.option("--all", "all_", is_flag=True, help="Every partnership in the ledger.")


def _read_checkpoints(values: tuple[str, ...]) -> list[Checkpoint]:
    """Each value is a checkpoint line or a file of them."""
    from ledger.integrity import CHECKPOINT_PREFIX, parse_checkpoints

    lines: list[str] = []
    for value in values:
        if value.lstrip().startswith(CHECKPOINT_PREFIX):
            lines.append(value)
            continue
        try:
            lines.extend(Path(value).read_text(encoding="utf-8").splitlines())
        except OSError as exc:
            raise InvalidInput(
                f"--checkpoint {value!r} is neither a checkpoint nor a readable "
                f"file ({exc.strerror})"
            ) from None
    return parse_checkpoints(lines)


def _targets(
    ledger: Ledger, partnership: str | None, all_: bool, checkpoints: list[Checkpoint]
) -> list[str] | None:
    """The partnerships a command means: -P, --all (None), the checkpoints', or the only one."""
    if partnership and all_:
        raise click.UsageError("give -P or --all, not both")
    if all_:
        return None
    if partnership:
        known = ledger.tree_heads(partnership) or ledger.stored_rows(partnership)
        if not known and not any(c.partnership == partnership for c in checkpoints):
            raise UnknownPartnership(f"no partnership {partnership!r} in this ledger")
        return [partnership]
    if checkpoints:
        return sorted({c.partnership for c in checkpoints})
    return [ledger.choose(None)]


def _verified(ledger: Ledger, pid: str) -> StreamReport:
    from ledger.integrity import verify_ledger

    (report,) = verify_ledger(ledger, [pid])
    if not report.intact:
        first = report.problems[0]
        raise NotIntact(f"{pid} does not verify ({first.message}); run `pledger verify -P {pid}`")
    return report


@click.command()
@partnership_option
@all_option
@format_option("text", "json")
@click.pass_context
def checkpoint(ctx: click.Context, partnership: str | None, all_: bool, fmt: str) -> None:
    """Print checkpoints (partnership, size, root) for partners to keep.

    A checkpoint is given only for a stream that verifies."""
    from ledger.integrity import verify_ledger

    with open_ledger(ctx, create=False) as ledger:
        reports = verify_ledger(ledger, _targets(ledger, partnership, all_, []))
    bad = [r for r in reports if not r.intact]
    if bad:
        names = ", ".join(r.partnership for r in bad)
        raise NotIntact(f"no checkpoint: {names} does not verify (run `pledger verify`)")
    if fmt == "json":
        rows = [
            {
                "partnership": r.partnership,
                "size": r.size,
                "root": r.root,
                "checkpoint": str(r.checkpoint),
            }
            for r in reports
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for report in reports:
        click.echo(str(report.checkpoint))


@click.command()
@partnership_option
@all_option
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    metavar="C",
    help="A checkpoint line, or a file of them, the ledger must still extend (repeatable).",
)
@format_option("text", "json")
@click.pass_context
def verify(
    ctx: click.Context, partnership: str | None, all_: bool, checkpoints: tuple[str, ...], fmt: str
) -> None:
    """Prove the stored history was not rewritten: hashes, order, validation, tree heads and
    kept checkpoints. Exit 0 intact, 1 not, 2 bad usage."""
    from ledger.integrity import verify_ledger

    kept = _read_checkpoints(checkpoints)
    with open_ledger(ctx, create=False) as ledger:
        reports = verify_ledger(ledger, _targets(ledger, partnership, all_, kept), kept)
    intact = all(r.intact for r in reports)
    if fmt == "json":
        out = {"version": 1, "intact": intact, "partnerships": [r.as_dict() for r in reports]}
        click.echo(json.dumps(out, indent=2))
    else:
        for report in reports:
            if report.intact:
                click.echo(
                    f"{report.partnership}: intact ({report.size} events, root {report.root})"
                )
                continue
            click.echo(f"{report.partnership}: NOT INTACT ({report.size} events stored)")
            for problem in report.problems:
                where = f"seq {problem.seq}" if problem.seq is not None else "history"
                if problem.checkpoint:
                    where = f"checkpoint {problem.checkpoint}"
                click.echo(f"  {where}: {printable(problem.message)}")
        bad = sum(not r.intact for r in reports)
        total = len(reports)
        click.echo(
            f"{total} partnership{'s' * (total != 1)} verified: "
            + ("all intact" if intact else f"{bad} not intact")
        )
    ctx.exit(0 if intact else 1)


@click.command()
@click.argument("seq", type=int)
@partnership_option
@click.option("--size", type=int, help="Prove against the tree of the first N events.")
@click.pass_context
def prove(ctx: click.Context, seq: int, partnership: str | None, size: int | None) -> None:
    """Print an inclusion proof of event SEQ as JSON (check it with `pledger verify-proof`)."""
    from ledger.integrity import inclusion_proof

    with open_ledger(ctx, create=False) as ledger:
        (pid,) = _targets(ledger, partnership, False, []) or [""]
        report = _verified(ledger, pid)
    click.echo(json.dumps(inclusion_proof(report, seq, size), indent=2))


@click.command(name="verify-proof")
@click.argument("proof_file", metavar="PROOF.json")
@click.option(
    "--checkpoint",
    "checkpoint_text",
    required=True,
    metavar="C",
    help="The checkpoint (or a file holding it) the proof must lead to.",
)
@click.option(
    "--event",
    "event_file",
    metavar="FILE",
    help="Also check that this exported JSON line is the proven event.",
)
@click.pass_context
def verify_proof(
    ctx: click.Context, proof_file: str, checkpoint_text: str, event_file: str | None
) -> None:
    """Check an inclusion proof offline, without any database. Exit 0 valid, 1 not."""
    from ledger.integrity import check_proof, parse_proof

    def read(path: str, what: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"cannot read {what} {path}: {exc.strerror}") from None

    proof = parse_proof(read(proof_file, "proof"))
    kept = _read_checkpoints((checkpoint_text,))
    if len(kept) != 1:
        raise InvalidInput(f"--checkpoint must give exactly one checkpoint, not {len(kept)}")
    event_line = read(event_file, "event").strip() if event_file else None
    failures = check_proof(proof, kept[0], event_line)
    if failures:
        for failure in failures:
            click.echo(f"invalid: {failure}")
        ctx.exit(1)
    click.echo(
        f"valid: seq {proof['seq']} of {proof['partnership']} is in the tree of "
        f"{proof['tree_size']} events with root {proof['root']}"
    )


COMMANDS = [checkpoint, verify, prove, verify_proof]

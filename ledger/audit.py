"""The audit engine: replay each partnership once, run every selected rule on the view,
isolate failures, apply waivers, sort, and report (RULES.md; DESIGN.md "Rules and plugins").

Rules are collected once and called directly (pluggy's per-call cost is too dear per rule per
partnership); a rule that raises, or returns something that is not a finding, becomes finding
PL001 and the others still run.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import GeneratorType
from typing import TYPE_CHECKING, Any, cast

from ledger import merkle
from ledger.config import Config
from ledger.errors import InvalidInput
from ledger.events import now
from ledger.integrity import Checkpoint
from ledger.manager import (
    ENGINE_RULES,
    collect_rules,
    get_plugin_manager,
    plugin_infos,
    plugin_specs,
)
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
        return dict(self._tally[0])

    @functools.cached_property
    def _tally(self) -> tuple[dict[str, int], bool]:
        """Findings by severity (waived ones apart), and whether a rule crashed: counted in
        one pass, once (a large audit has tens of thousands of findings, and the renderer and
        the exit code both ask)."""
        counts = dict.fromkeys((*reversed(SEVERITIES), "waived"), 0)
        crashed = False
        for finding in self.findings:
            counts["waived" if finding.waived else finding.severity] += 1
            if finding.rule == "PL001":
                crashed = True
        return counts, crashed

    @property
    def crashed(self) -> bool:
        return self._tally[1]

    @property
    def exit_code(self) -> int:
        """RULES.md: 3 a rule crashed; 1 an unwaived finding at or above fail-on; else 0."""
        if self.crashed:
            return 3
        if self.fail_on == "never":
            return 0
        counts = self._tally[0]
        return 1 if any(counts[s] for s in SEVERITIES[SEVERITIES.index(self.fail_on) :]) else 0

    def to_json(self, *, partnerships: Any = None, findings: Any = None) -> dict[str, Any]:
        """The versioned JSON form, the same for one partnership or many. ``partnerships`` and
        ``findings`` stand in for those lists of dicts (the JSON writer writes them itself)."""
        return {
            "version": REPORT_VERSION,
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at.isoformat().replace("+00:00", "Z"),
            "config_sha256": self.config_sha256,
            "plugins": [{"name": n, "version": v} for n, v in self.plugins],
            "partnerships": [
                {"id": p.id, "events": p.events, "checkpoint": p.checkpoint}
                for p in self.partnerships
            ]
            if partnerships is None
            else partnerships,
            "findings": [f.as_dict() for f in self.findings] if findings is None else findings,
            "summary": self.summary,
        }


def engine_rule(rule_id: str) -> Rule:
    """PL001 and PL002 as rules, for listings and report metadata."""
    name, severity, summary = ENGINE[rule_id]
    return Rule(rule_id, name, "engine", severity, summary, check=lambda view, ctx: ())


#: Called after each partnership is audited: (partnerships done, partnerships in all).
Progress = Callable[[int, int], None]


def run_audit(
    ledger: Ledger,
    partnerships: Sequence[str] | None = None,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    config: Config | None = None,
    pm: pluggy.PluginManager | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    prepare: Callable[[Finding], object] | None = None,
) -> AuditReport:
    """Audit the partnerships (default: all) as of ``as_of`` as known at ``known_at``.

    Partnerships are independent, so ``jobs`` > 1 audits them in that many processes, each
    with its own connection and plugins (loaded again by name: plugins registered in code
    cannot cross, and are refused). Memory holds one partnership at a time, not the ledger.
    ``prepare`` is called on every finding of a parallel audit in the process that made it,
    so that a renderer's work on each finding is shared too (``formats.prepare_json``); it
    must pickle by name (a module's function).
    """
    config = config or Config()
    pm = pm or get_plugin_manager(config.plugins)
    rules = collect_rules(pm)
    config.check_against(rules, ENGINE_RULES)
    if jobs < 1:
        raise InvalidInput(f"--jobs {jobs} must be 1 or more")
    clock = now()
    as_of = as_of or clock.date()
    known_at = known_at or clock
    selected = [r for r in rules.values() if config.selects(r.id)]
    job = _Job(as_of, known_at, config, tuple(r.id for r in selected), prepare)
    specs = plugin_specs(pm) if jobs > 1 else None
    if jobs > 1 and specs is None:
        raise InvalidInput(
            "--jobs needs plugins that load by name (-p, config or entry points); "
            "this plugin manager has plugins registered in code: use jobs=1"
        )
    with rare_collections():
        if specs is None:
            results = _audit_here(ledger, partnerships, job, selected, progress)
        else:
            if partnerships is not None:
                total = len(partnerships)
            else:  # only a progress bar needs it
                total = ledger.count_partnerships() if progress else 0
            here = (ledger, selected)
            results = _audit_in_pool(
                ledger.url, specs, partnerships, total, job, jobs, progress, here
            )
        # each partnership's findings come sorted (in the workers, when there are some), and
        # RULES.md's order starts with the partnership: in partnership order, they are sorted
        results.sort(key=lambda result: result[0].id)
        findings = [f for _, found in results for f in found]
    infos = plugin_infos(pm, rules)
    return AuditReport(
        as_of=as_of,
        known_at=known_at,
        config_sha256=config.sha256(),
        plugins=tuple((i.name, i.version) for i in infos),
        partnerships=tuple(audited for audited, _ in results),
        findings=tuple(findings),
        rules={**{r.id: r for r in selected}, **{rid: engine_rule(rid) for rid in ENGINE_RULES}},
        fail_on=config.fail_on,
    )


_new = object.__new__
_set = object.__setattr__

#: The collector's thresholds while auditing (CPython's default is (700, 10, 10)).
AUDIT_GC_THRESHOLDS = (50_000, 20, 100)


@contextlib.contextmanager
def rare_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while auditing. An audit makes millions of
    short-lived containers (decoded events, records, views) and keeps few; with CPython's
    default thresholds the collector ran about 5,800 times in a million-event audit, for at
    least an eighth of its time. What was loaded before (modules, plugins) is frozen out of
    its way; garbage is still freed by reference counting, and cycles at the next collection."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*AUDIT_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        # what the audit made and kept (its report) goes straight to the oldest generation,
        # as if it had survived two collections: else the first young collection after the
        # audit traced all of it (84 ms after a million-event audit)
        gc.freeze()
        gc.unfreeze()


@dataclass(frozen=True)
class _Job:
    """What every partnership's audit shares (sent to worker processes, so picklable)."""

    as_of: date
    known_at: datetime
    config: Config
    rule_ids: tuple[str, ...]
    prepare: Callable[[Finding], object] | None = None
    _contexts: dict[str, dict[str, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __reduce__(self) -> Any:
        portable = self.config.portable()
        return (_Job, (self.as_of, self.known_at, portable, self.rule_ids, self.prepare))

    def context(self, rule: Rule, partnership: str) -> Context:
        """What ``rule`` is given beside the view of ``partnership``. Its options and severity
        under the config are worked out once per audit (in each process), and the context is
        made without the frozen ``__init__`` (an ``object.__setattr__`` per field): the audit
        makes one per rule per partnership."""
        fields = self._contexts.get(rule.id)
        if fields is None:
            fields = self._contexts[rule.id] = {
                "rule": rule,
                "partnership": "",
                "audit_date": self.as_of,
                "known_at": self.known_at,
                "options": self.config.options_for(rule),
                "severity": self.config.severity_for(rule),
            }
        context = _new(Context)
        _set(context, "__dict__", {**fields, "partnership": partnership})
        return context


Result = tuple[AuditedPartnership, list[Finding]]


def _audit_here(
    ledger: Ledger,
    partnerships: Sequence[str] | None,
    job: _Job,
    rules: Sequence[Rule],
    progress: Progress | None,
) -> list[Result]:
    if partnerships is None:
        total = ledger.count_partnerships() if progress else 0
        streams: Iterable[tuple[str, list[Any]]] = ledger.streams()
    else:
        total = len(partnerships)
        streams = ((pid, ledger.stream(pid)) for pid in partnerships)
    results = []
    for done, (pid, stream) in enumerate(streams, start=1):
        results.append(_audit_one(pid, stream, job, rules))
        if progress:
            progress(done, total)
    return results


def _audit_one(pid: str, stream: Sequence[Any], job: _Job, rules: Sequence[Rule]) -> Result:
    """Replay one partnership once and run every rule on its view: its checkpoint and its
    findings in RULES.md's order."""
    from ledger.view import PartnershipView

    view = PartnershipView.replay(stream, as_of=job.as_of, known_at=job.known_at, partnership=pid)
    audited = AuditedPartnership(pid, len(view.events), str(_checkpoint(pid, stream)))
    found = []
    for rule in rules:
        found.extend(_run(rule, view, pid, job))
    ran = {r.id for r in rules}
    found = _apply_waivers(view, found, job.as_of, job.config, ran)
    found.sort(key=Finding.sort_key)
    return audited, found


def _audit_in_pool(
    url: str,
    specs: tuple[str, ...],
    partnerships: Sequence[str] | None,
    total: int,
    job: _Job,
    jobs: int,
    progress: Progress | None,
    here: tuple[Ledger, Sequence[Rule]],
) -> list[Result]:
    """Audit with ``jobs`` - 1 more processes and this one. The ledger is cut into shards of
    stream ids, each read in one ordered pass (chosen partnerships go in chunks instead).
    Every process claims the next unclaimed piece from one shared counter when it is free, so
    none waits on pieces queued for another: the audit ends at most one piece after the first
    process runs out of work, and this process works while spawned workers start. Workers
    hand their results over in files (``_spooled``)."""
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    work: list[Any]
    if partnerships is None:
        work = [("shard", shard) for shard in _shards(jobs)]
    else:
        size = max(1, min(100, len(partnerships) // (jobs * 8) or 1))
        work = [("ids", partnerships[i : i + size]) for i in range(0, len(partnerships), size)]
    results: list[Result] = []

    def collect(done: list[Result]) -> None:
        results.extend(done)
        if progress:
            progress(len(results), total)

    ledger, rules = here
    context = _worker_context(ledger)
    claims = _Claims(context, work)
    with contextlib.ExitStack() as stack:
        spool: str | None = None
        with contextlib.suppress(OSError):  # else results come back through the pool's pipe
            spool = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="pledger-audit-", ignore_cleanup_errors=True)
            )
        pool = stack.enter_context(
            ProcessPoolExecutor(
                jobs - 1,
                mp_context=context,
                initializer=_worker_start,
                initargs=(url, specs, job, claims, spool),
            )
        )
        # one call per piece at most: each claims a piece when a worker runs it (or none)
        pending = {pool.submit(_worker_audit) for _ in work}
        try:
            while (item := claims.next()) is not None:
                collect(_audit_work(ledger, item, job, rules))
                for future in [f for f in pending if f.done()]:
                    pending.discard(future)
                    collect(_unspooled(future.result()))
            for future in pending:
                collect(_unspooled(future.result()))
        except BaseException:
            claims.close()  # the workers stop after the piece they are on
            raise
    return results


def _shards(jobs: int) -> list[tuple[int, int]]:
    """The shards ``(k, n)`` (the k-th of n equal ranges of stream ids) a parallel audit is cut
    into: many more than processes, and the last quarter of the ledger in shards a quarter the
    size, so that the process that runs out of work first waits at most one small shard."""
    n = jobs * 16
    big = n * 3 // 4
    return [(k, n) for k in range(big)] + [(k, n * 4) for k in range(big * 4, n * 4)]


class _Claims:
    """The pieces of a parallel audit and a counter of those claimed, shared by every
    process of the pool (passed to workers as they start)."""

    def __init__(self, context: Any, work: list[Any]) -> None:
        self.work = work
        self.claimed = context.Value("q", 0)

    def close(self) -> None:
        """Claim every piece left, so that no process starts another."""
        with self.claimed.get_lock():
            self.claimed.value = len(self.work)

    def next(self) -> Any:
        """The next unclaimed piece, or None when every piece is claimed."""
        with self.claimed.get_lock():
            index = self.claimed.value
            if index >= len(self.work):
                return None
            self.claimed.value = index + 1
        return self.work[index]


def _worker_context(ledger: Ledger) -> Any:
    return ledger.process_context()


_worker: dict[str, Any] = {}


def _worker_start(
    url: str, specs: tuple[str, ...], job: _Job, claims: _Claims, spool: str | None
) -> None:
    from ledger.manager import plugin_catalogue
    from ledger.store import Ledger

    gc.freeze()  # a worker lives for one audit: see rare_collections()
    gc.set_threshold(*AUDIT_GC_THRESHOLDS)
    pm = get_plugin_manager(specs)
    rules = collect_rules(pm)
    _worker["rules"] = [rules[rid] for rid in job.rule_ids if rid in rules]
    _worker["missing"] = [rid for rid in job.rule_ids if rid not in rules]
    _worker["ledger"] = Ledger(url, create=False, catalogue=plugin_catalogue(pm))
    _worker["job"] = job
    _worker["claims"] = claims
    _worker["spool"] = spool
    _worker["spooled"] = itertools.count()


#: What a worker returns for a piece: the name of the file its results are in, the results
#: themselves when no file could be written, or None when no piece was left.
Sent = str | list[Result] | None


def _worker_audit() -> Sent:
    """Audit the next unclaimed piece, if any is left."""
    if _worker["missing"]:
        raise InvalidInput(f"rules {', '.join(_worker['missing'])} did not load in a worker")
    work = _worker["claims"].next()
    if work is None:
        return None
    results = _audit_work(_worker["ledger"], work, _worker["job"], _worker["rules"])
    if _worker["spool"] is not None:
        with contextlib.suppress(OSError):  # a full disk, say: through the pipe, more slowly
            name = f"{os.getpid()}-{next(_worker['spooled'])}"
            return _spooled(results, _worker["spool"], name)
    return results


def _spooled(results: list[Result], spool: str, name: str) -> str:
    """Write a worker's ``results`` to a file in ``spool``, for the parent to read
    (``_unspooled``). A piece's findings are a megabyte or more of pickle; returned through
    the pool, they went through a 64 KB pipe that the parent, busy auditing, drained a chunk
    at a time, and the worker waited (0.14-0.18 s of a million-event audit)."""
    path = os.path.join(spool, f"{name}.pickle")
    try:
        with open(path, "wb") as file:
            pickle.dump(results, file, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return path


def _unspooled(sent: Sent) -> list[Result]:
    """The results a worker sent: read from the file it names (which is then removed), or as
    they came."""
    if sent is None:
        return []
    if not isinstance(sent, str):
        return sent
    with open(sent, "rb") as file:
        data = file.read()
    os.unlink(sent)
    return cast("list[Result]", pickle.loads(data))


def _audit_work(
    ledger: Ledger, work: tuple[str, Any], job: _Job, rules: Sequence[Rule]
) -> list[Result]:
    """One piece of a parallel audit: a shard of stream ids, or a chunk of partnerships
    (each finding prepared for the renderer here, when the audit was asked to)."""
    kind, what = work
    if kind == "shard":
        results = [_audit_one(pid, stream, job, rules) for pid, stream in ledger.streams(what)]
    else:
        results = [_audit_one(pid, ledger.stream(pid), job, rules) for pid in what]
    if job.prepare is not None:
        for _, found in results:
            for finding in found:
                job.prepare(finding)
    return results


def _checkpoint(pid: str, stream: Sequence[Any]) -> Checkpoint:
    root = merkle.root_of_hex([event.hash for event in stream])
    return Checkpoint(pid, len(stream), root.hex())


def _run(rule: Rule, view: PartnershipView, pid: str, job: _Job) -> list[Finding]:
    """One rule on one view, with the options and severity the audit's config gives it."""
    return _check(rule, view, job.context(rule, pid))


#: What rules usually return: a generator (a ``yield``ing check), a list or a tuple, all fine
#: iterables of findings, told apart without the (slower) abstract-class checks.
_ITERABLES = (GeneratorType, list, tuple)


def _check(rule: Rule, view: PartnershipView, ctx: Context) -> list[Finding]:
    """Run ``rule`` on ``view``: its findings (one per subject and partner), or PL001."""
    pid = ctx.partnership
    try:
        returned: object = rule.check(view, ctx)  # a plugin may return anything
        if returned is None:
            return []
        fine = type(returned) in _ITERABLES or (
            not isinstance(returned, (str, bytes, Mapping)) and isinstance(returned, Iterable)
        )
        if not fine:
            return [_crashed(rule, pid, f"returned {_kind(returned)}, not a Finding")]
        produced = list(cast("Iterable[Any]", returned))
        for item in produced:
            problem = check_finding(item, rule, pid)
            if problem is not None:
                return [_crashed(rule, pid, problem)]
    except Exception as exc:
        return [_crashed(rule, pid, f"raised {type(exc).__name__}: {exc}")]
    return produced if len(produced) < 2 else _one_per_subject(produced)


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

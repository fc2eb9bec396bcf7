"""Testing rules in a few lines: ``LedgerBuilder`` writes events into a throw-away ledger and
runs one rule on it. Also a pytest plugin (entry point ``pytest11``) giving the fixture
``ledger_builder``::

    def test_fires_without_civil_society(ledger_builder):
        p = ledger_builder.partnership("river", on="2026-01-10")
        p.partner("water-co", sector="private", on="2026-01-12")
        findings = p.audit(no_civil_society, as_of="2026-03-01")
        assert [f.subject for f in findings] == ["partnership:river"]

Each event is recorded, by default, at noon UTC of its business date (never earlier than the
event before it), so histories read as if kept on time; pass ``at=`` to record one late.
``register_key`` gives a partner a signing key and ``record(..., key=k)`` signs with it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.audit import AuditReport, run_audit
from ledger.config import Config
from ledger.events import Draft, Envelope, now, parse_time
from ledger.hookspecs import hookimpl
from ledger.keys import SigningKey
from ledger.manager import collect_rules, get_plugin_manager
from ledger.rules import Finding, Rule
from ledger.store import Ledger
from ledger.view import parse_known_at

CONVENOR = "broker"


class LedgerBuilder:
    """A throw-away SQLite ledger for tests; ``partnership`` founds one to write into."""

    def __init__(self, folder: Path | str | None = None) -> None:
        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="pledger-test-")
        base = Path(folder) if folder else Path(self._tmp.name)  # type: ignore[union-attr]
        self.url = f"sqlite:///{base / 'ledger.db'}"
        self.ledger = Ledger(self.url)

    def close(self) -> None:
        self.ledger.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def partnership(
        self,
        id: str = "p",
        *,
        convenor: str = CONVENOR,
        on: str = "2026-01-01",
        name: str | None = None,
        purpose: str = "A partnership under test",
        scope: str = "local",
        **data: Any,
    ) -> PartnershipBuilder:
        """Found a partnership (its convenor records it) and return a builder for it."""
        builder = PartnershipBuilder(self, id, convenor)
        builder.record(
            "PartnershipFounded",
            on=on,
            actor=convenor,
            name=name or id,
            purpose=purpose,
            scope=scope,
            **data,
        )
        return builder


class PartnershipBuilder:
    """Records events into one partnership and audits it."""

    def __init__(self, book: LedgerBuilder, partnership: str, convenor: str) -> None:
        self.book = book
        self.id = partnership
        self.convenor = convenor
        self._last_at: datetime | None = None

    def record(
        self,
        type: str,
        *,
        on: str,
        actor: str | None = None,
        at: str | None = None,
        key: SigningKey | None = None,
        **data: Any,
    ) -> Envelope:
        """Record one event of ``type`` that occurred ``on`` a date, with ``data`` as keyword
        arguments (``with_`` for the field ``with``). The actor defaults to the partner an own
        act speaks for, else the partner of ``key`` (which signs the event), else the
        convenor. ``at`` is the recording time (ISO)."""
        data = {k.rstrip("_"): v for k, v in data.items()}
        recorded = parse_time(at) if at else self._default_time(on)
        event = self._write(
            Draft(partnership=self.id, type=type, actor=actor, data=data, occurred_on=on),
            recorded,
            key,
        )
        self._last_at = max(self._last_at or recorded, recorded)
        return event

    def _default_time(self, on: str) -> datetime:
        noon = datetime.combine(date.fromisoformat(on), datetime.min.time(), UTC).replace(hour=12)
        if self._last_at is not None and noon <= self._last_at:
            return self._last_at + timedelta(microseconds=1)
        return noon

    def _write(self, draft: Draft, recorded: datetime, key: SigningKey | None) -> Envelope:
        etype = self.book.ledger.catalogue.get(draft.type)
        if draft.actor is None and (etype is None or etype.own is None):
            draft = Draft(
                partnership=draft.partnership,
                type=draft.type,
                actor=key.partner if key is not None and key.partner else self.convenor,
                data=draft.data,
                occurred_on=draft.occurred_on,
            )
        with _clock(recorded):
            return self.book.ledger.record(draft, signer=key)

    def register_key(
        self, partner: str, *, on: str, signed_by: SigningKey | None = None, at: str | None = None
    ) -> SigningKey:
        """Give ``partner`` a new signing key, registered with ``PartnerKeyRegistered`` (signed
        by itself; a further key is endorsed by ``signed_by``, a live key of the partner)."""
        new = SigningKey.generate(partner)
        self.record(
            "PartnerKeyRegistered",
            on=on,
            at=at,
            key=new,
            **new.registration(self.id, partner, endorser=signed_by),
        )
        return new

    def partner(
        self,
        partner: str,
        *,
        on: str,
        engagement: str = "key",
        sector: str = "civil-society",
        name: str | None = None,
        **data: Any,
    ) -> Envelope:
        """A partner joins (identified or not, it is named here)."""
        return self.record(
            "PartnerJoined",
            on=on,
            partner=partner,
            engagement=engagement,
            name=name or partner,
            sector=sector,
            **data,
        )

    def events(self) -> list[Envelope]:
        return self.book.ledger.stream(self.id)

    def report(
        self,
        *rules: Rule | str,
        as_of: str,
        known_at: str | None = None,
        options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> AuditReport:
        """Audit with only ``rules`` (Rule objects, or ids of installed rules)."""
        own = [r for r in rules if isinstance(r, Rule)]
        installed = len(own) < len(rules)  # some rules are named by id: load the plugins
        pm = get_plugin_manager(builtins=installed, entry_points=installed)
        if own:
            pm.register(_RulesPlugin(own), name="ledger.testing:" + ",".join(r.id for r in own))
        ids = tuple(r.id if isinstance(r, Rule) else r for r in rules)
        known = collect_rules(pm)
        for rid in ids:
            if rid not in known:
                raise LookupError(f"no rule {rid} is installed")
        config = Config(select=ids, rules={k: dict(v) for k, v in (options or {}).items()})
        return run_audit(
            self.book.ledger,
            [self.id],
            config=config,
            pm=pm,
            as_of=date.fromisoformat(as_of),
            known_at=parse_known_at(known_at) if known_at else max(self._last_at or now(), now()),
        )

    def audit(
        self,
        rule: Rule | str,
        *,
        as_of: str,
        known_at: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> list[Finding]:
        """Run one rule as of a date; return its findings (waived ones marked). A crash of
        the rule fails the test with the rule's error instead of a PL001 finding."""
        rid = rule.id if isinstance(rule, Rule) else rule
        report = self.report(
            rule, as_of=as_of, known_at=known_at, options={rid: options} if options else None
        )
        for finding in report.findings:
            if finding.rule == "PL001":
                raise AssertionError(finding.message)
        return [f for f in report.findings if f.rule == rid]


class _RulesPlugin:
    def __init__(self, rules: list[Rule]) -> None:
        self._rules = rules

    @hookimpl
    def pledger_rules(self) -> list[Rule]:
        return list(self._rules)


@contextmanager
def _clock(moment: datetime) -> Iterator[None]:
    """Fix ``PLEDGER_NOW`` for one write."""
    saved = os.environ.get("PLEDGER_NOW")
    os.environ["PLEDGER_NOW"] = moment.isoformat()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["PLEDGER_NOW"]
        else:
            os.environ["PLEDGER_NOW"] = saved


@pytest.fixture
def ledger_builder(tmp_path: Path) -> Iterator[LedgerBuilder]:
    """A ``LedgerBuilder`` over a fresh SQLite ledger in the test's temporary folder."""
    book = LedgerBuilder(tmp_path)
    try:
        yield book
    finally:
        book.close()

"""The tampering matrix (issue #9, item 4): every field of every event type, changed in the
stored row behind the application's back, is caught by ``verify``, which names the
partnership and the seq of the changed event as its first problem.

One ledger holds a full, legal example of every event type of the catalogue, with every
optional field present (``STREAM``), plus an untouched second partnership. Each test changes
one value of one stored row (a data field, or the envelope's event id, partnership, actor,
``occurred_on``, recorded time, hash or type) into another valid-looking value of the same
kind, re-encodes the row exactly as Pledger encodes it (compact JSON, UTF-8) and does *not*
recompute the hash: what an intruder with write access to the database does. The ledger is
built once per module; on SQLite each test works on a copy of its file, on PostgreSQL the
changed row is put back after each test (and the whole table is checked against the
pristine rows before the next one).
"""

from __future__ import annotations

import base64
import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.catalogue import CORE_TYPES, ENUMS
from ledger.cli.main import cli
from ledger.events import parse_draft
from ledger.integrity import verify_ledger
from ledger.keys import SigningKey
from ledger.store import Ledger, stream_id

from helpers import PID, founding, jsonl, line, reset_postgres

NOW = "2026-06-01T12:00:00Z"
DAY = "2026-03-01"
OTHER = "other-chain"
SHA = "0123456789abcdef" * 4
CONVENOR = "broker"
PARTNERS = ("ngo-sonar", "telco-x", "ministry", "uni-y")
#: ngo-sonar's two signing keys, fixed so that the stream is the same on every run.
KEY_1 = SigningKey(Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32), "ngo-sonar")
KEY_2 = SigningKey(Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32), "ngo-sonar")

#: (type, actor, data): one partnership's stream holding every event type of the catalogue,
#: each with every optional field (DealBreakerDeclared twice: ``text`` and ``none`` exclude
#: one another). Order matters: references come after what they name, nothing but
#: LearningShared and FindingWaived after PartnershipClosed.
STREAM: list[tuple[str, str, dict[str, Any]]] = [
    ("PartnershipFounded", CONVENOR, {"name": "Music chain", "purpose": "Train engineers",
                                      "scope": "national", "vision": "Studios for all"}),
    ("PartnerIdentified", CONVENOR, {"partner": "uni-y", "name": "Uni Y", "sector": "academic",
                                     "value_added": "Research", "international": True}),
    ("PartnerJoined", CONVENOR, {"partner": "ngo-sonar", "engagement": "key",
                                 "representative": "Ana Lima", "name": "Sonar",
                                 "sector": "civil-society"}),
    ("PartnerJoined", CONVENOR, {"partner": "telco-x", "engagement": "key",
                                 "representative": "Bo Berg", "name": "Telco X",
                                 "sector": "private"}),
    ("PartnerJoined", CONVENOR, {"partner": "ministry", "engagement": "key",
                                 "representative": "Cy Diaz", "name": "Ministry",
                                 "sector": "public"}),
    ("PartnerJoined", CONVENOR, {"partner": "uni-y", "engagement": "pilot",
                                 "representative": "Di Egan", "name": "Uni Y",
                                 "sector": "academic"}),
    ("VisionRevised", CONVENOR, {"vision": "An engineer in every town", "reason": "Input"}),
    ("StakeholderMapped", CONVENOR, {"stakeholder": "s-1", "name": "Union", "sector": "other",
                                     "needs": ["jobs", "training"], "interests": ["fair pay"],
                                     "motivations": ["members"]}),
    ("StakeholderConsulted", CONVENOR, {"stakeholder": "s-1", "summary": "Met for coffee"}),
    ("PartnerEngagementChanged", CONVENOR, {"partner": "uni-y", "engagement": "active",
                                            "reason": "More time"}),
    ("PartnerKeyRegistered", "ngo-sonar", KEY_1.registration(PID, "ngo-sonar")),
    ("PartnerKeyRegistered", "ngo-sonar", KEY_2.registration(PID, "ngo-sonar", KEY_1)),
    ("PartnerKeyRevoked", "telco-x", {"partner": "ngo-sonar", "fingerprint": KEY_1.fingerprint,
                                      "reason": "Laptop stolen",
                                      "approved_by": ["telco-x", "ministry"]}),
    ("AssessmentRecorded", "ngo-sonar", {"partner": "ngo-sonar", "benefits": ["reach"],
                                         "costs": ["staff time"], "risks": ["burnout"],
                                         "verdict": "go"}),
    ("AssumptionDeclared", "ngo-sonar", {"partner": "ngo-sonar", "text": "Studios stay open"}),
    ("DealBreakerDeclared", "ngo-sonar", {"partner": "ngo-sonar", "text": "No fees"}),
    ("DealBreakerDeclared", "telco-x", {"partner": "telco-x", "none": True}),
    ("PrincipleAdopted", CONVENOR, {"principle": "equity", "text": "Equal voice"}),
    ("GroundRuleAgreed", CONVENOR, {"topic": "finance", "text": "Invoices monthly"}),
    ("DecisionRuleSet", CONVENOR, {"method": "majority", "quorum": "0.6",
                                   "deciders": ["ngo-sonar", "telco-x"]}),
    ("CommunicationProtocolAgreed", CONVENOR, {"audience": "partners",
                                               "channels": ["email", "calls"],
                                               "every_days": 14, "share_within_days": 7}),
    ("ReviewScheduleSet", CONVENOR, {"every_days": 90}),
    ("ReportingNeedDeclared", "ministry", {"partner": "ministry", "what": "Spending",
                                           "to_whom": "Treasury", "every_days": 30}),
    ("ActivityPlanned", CONVENOR, {"activity": "act-1", "title": "Summer school",
                                   "outputs": ["20 trainees"], "outcomes": ["jobs"],
                                   "starts": "2026-07-01", "ends": "2026-08-31"}),
    ("ResourceNeeded", CONVENOR, {"need": "n-1", "kind": "facilities",
                                  "description": "Studio time", "quantity": "40",
                                  "unit": "hours"}),
    ("CommitmentMade", "ngo-sonar", {"commitment": "c-1", "partner": "ngo-sonar",
                                     "kind": "money", "description": "Stipends",
                                     "quantity": "10", "unit": "stipends", "value": "5000",
                                     "currency": "EUR", "due": "2026-09-30", "need": "n-1",
                                     "activity": "act-1"}),
    ("CommitmentMade", "telco-x", {"commitment": "c-2", "partner": "telco-x", "kind": "people",
                                   "description": "Two trainers"}),
    ("CommitmentRevised", "ngo-sonar", {"commitment": "c-1", "reason": "More trainees",
                                        "due": "2026-10-31", "quantity": "12",
                                        "value": "6000"}),
    ("CommitmentWithdrawn", "telco-x", {"commitment": "c-2", "reason": "Trainers left"}),
    ("IndicatorDefined", CONVENOR, {"indicator": "i-1", "name": "Hired", "lens": "value",
                                    "method": "Survey", "owner": "ministry", "baseline": "-3",
                                    "target": "12.5", "unit": "people", "due": "2027-01-31"}),
    ("RiskIdentified", CONVENOR, {"risk": "k-1", "description": "Studio closes",
                                  "likelihood": "low", "impact": "high", "owner": "telco-x"}),
    ("RiskMitigated", CONVENOR, {"risk": "k-1", "action": "Second studio booked"}),
    ("AgreementDrafted", CONVENOR, {"version": 1, "summary": "First draft",
                                    "document_sha256": SHA}),
    ("AgreementSigned", "telco-x", {"version": 1, "partner": "telco-x", "signatory": "CEO"}),
    ("DecisionProposed", CONVENOR, {"decision": "d-1", "title": "Second site",
                                    "proposer": "ministry", "rationale": "Demand"}),
    ("VoteCast", "ministry", {"decision": "d-1", "partner": "ministry", "position": "for",
                              "comment": "Yes"}),
    ("DecisionTaken", CONVENOR, {"decision": "d-1", "outcome": "adopted",
                                 "rationale": "Majority"}),
    ("InformationShared", CONVENOR, {"subject": "decision:d-1",
                                     "with": ["telco-x", "ministry"], "channel": "newsletter"}),
    ("PhaseChanged", CONVENOR, {"phase": "implementing", "reason": "Plan agreed"}),
    ("MeetingHeld", CONVENOR, {"meeting": "m-1", "purpose": "Kick-off",
                               "attendees": ["ngo-sonar", "ministry"], "minutes_sha256": SHA}),
    ("ProgressReported", "ngo-sonar", {"partner": "ngo-sonar", "summary": "One hired",
                                       "commitment": "c-1", "delivered": "1"}),
    ("CommitmentFulfilled", "ngo-sonar", {"commitment": "c-1", "delivered": "2",
                                          "evidence": "Timesheets"}),
    ("FulfilmentConfirmed", "telco-x", {"commitment": "c-1", "partner": "telco-x"}),
    ("IssueRaised", "ministry", {"issue": "is-1", "partner": "ministry",
                                 "description": "Late invoices"}),
    ("IssueResolved", CONVENOR, {"issue": "is-1", "resolution": "New schedule"}),
    ("IndicatorMeasured", CONVENOR, {"indicator": "i-1", "value": "-2.5",
                                     "period_end": "2026-02-28", "partner": "ministry"}),
    ("ReviewOpened", CONVENOR, {"review": "r-1", "lenses": ["project", "value"],
                                "due": "2026-12-01"}),
    ("ReviewSubmitted", "ngo-sonar", {"review": "r-1", "partner": "ngo-sonar",
                                      "ratings": {"trust": "green", "cost": "amber"},
                                      "worth": "amber", "comments": "Good so far"}),
    ("ReviewConcluded", CONVENOR, {"review": "r-1", "findings": "It works", "story": "Once",
                                   "recommendations": ["Meet monthly"]}),
    ("ActionAgreed", CONVENOR, {"action": "a-1", "description": "Monthly meetings",
                                "owner": "ngo-sonar", "due": "2026-07-01", "review": "r-1"}),
    ("ActionCompleted", CONVENOR, {"action": "a-1"}),
    ("PartnershipRevised", CONVENOR, {"changes": "Adds a site", "reason": "Review"}),
    ("SustainabilityChosen", CONVENOR, {"option": "continue", "rationale": "It works"}),
    ("Institutionalised", CONVENOR, {"structure": "Foundation", "description": "Runs it"}),
    ("PartnerLeft", CONVENOR, {"partner": "uni-y", "reason": "Merger",
                               "handover": "To the ministry"}),
    ("PartnershipClosed", CONVENOR, {"reason": "completed", "learning": "Lots",
                                     "impact": "120 trainees"}),
    ("LearningShared", CONVENOR, {"summary": "What we learnt", "audience": ["funders"]}),
    ("FindingWaived", CONVENOR, {"rule": "CM003", "subject": "commitment:c-1",
                                 "partner": "ngo-sonar", "reason": "Agreed delay",
                                 "approved_by": ["telco-x", "ministry"],
                                 "until": "2026-12-31"}),
]  # fmt: skip

#: The events of STREAM that are signed (by its index), each by the key it registers.
SIGNED = {
    i: KEY_1 if data["fingerprint"] == KEY_1.fingerprint else KEY_2
    for i, (type_, _actor, data) in enumerate(STREAM)
    if type_ == "PartnerKeyRegistered"
}

#: Envelope fields an intruder may change, by their key in the stored state ("type" is the
#: row's topic column).
ENVELOPE = ("event_id", "partnership", "actor", "occurred_on", "timestamp", "hash", "type")
#: The first problem each change causes at the changed seq: a row naming another
#: partnership is caught as such, anything else by its hash.
FIRST_KIND = {"partnership": "stream"}


def history() -> list[dict[str, Any]]:
    return [line(type_, data, actor=actor, on=DAY) for type_, actor, data in STREAM]


def seq_of(type_: str, field: str) -> int:
    """The seq of the first event of ``type_`` in STREAM that holds ``field``."""
    for seq, (t, _actor, data) in enumerate(STREAM, start=1):
        if t == type_ and (field in ENVELOPE or field in data):
            return seq
    raise AssertionError(f"STREAM has no {type_} with {field!r}")


CASES = [
    (name, field)
    for name, etype in CORE_TYPES.items()
    for field in [*(f.name for f in etype.fields), *ENVELOPE]
]


def case_id(case: tuple[str, str]) -> str:
    return f"{case[0]}.{case[1]}"


def _representative() -> set[tuple[str, str]]:
    """Every type once (its first field), every envelope field once and every field kind
    once: the PostgreSQL cases that are not marked slow."""
    chosen = {(name, etype.fields[0].name) for name, etype in CORE_TYPES.items()}
    names = list(CORE_TYPES)
    chosen |= {(names[i * 7 % len(names)], field) for i, field in enumerate(ENVELOPE)}
    kinds: dict[str, tuple[str, str]] = {}
    for name, etype in CORE_TYPES.items():
        for fld in etype.fields:
            kinds.setdefault(fld.kind, (name, fld.name))
    return chosen | set(kinds.values())


REPRESENTATIVE = _representative()
POSTGRES_CASES = [
    pytest.param(*case, id=case_id(case), marks=() if case in REPRESENTATIVE else pytest.mark.slow)
    for case in CASES
]


# -- changing one value into another of the same kind ----------------------------------------


def _other(choices: tuple[str, ...], value: str) -> str:
    return next(c for c in choices if c != value)


def _bump_digit(text: str) -> str:
    """Change the last digit of ``text`` (a number or an id ending in one), or append one."""
    if not text[-1].isdigit():
        return text + "2"
    digit = int(text[-1])
    return text[:-1] + str(digit + 1 if digit < 9 else digit - 1)


def _other_text(text: str) -> str:
    return text[:-1] + ("x" if text[-1] != "x" else "y")


def _other_hex(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


def _other_base64(text: str) -> str:
    """Other bytes of the same length, in base64 (a key or a signature that is not the one)."""
    raw = bytearray(base64.b64decode(text))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def _other_members(kind: str, items: list[Any]) -> list[Any]:
    """A list of the same kind with its first member replaced by another one."""
    if kind == "texts":
        return [_other_text(items[0]), *items[1:]]
    choices = ENUMS["lens"] if kind == "lenses" else PARTNERS
    if items == ["all"]:
        return [PARTNERS[0]]
    return [next(c for c in choices if c not in items), *items[1:]]


def other_value(kind: str, value: Any) -> Any:
    """Another valid-looking value of the catalogue field kind ``kind``."""
    if kind in ENUMS:
        return _other(ENUMS[kind], value)
    if kind in ("text",):
        return _other_text(value)
    if kind in ("id", "new", "ref", "rule"):
        return _bump_digit(value)
    if kind == "partner":
        return _other(PARTNERS, value)
    if kind in ("partners", "with", "texts", "lenses"):
        return _other_members(kind, value)
    if kind == "date":
        return (date.fromisoformat(value) - timedelta(days=1)).isoformat()
    if kind in ("amount", "number", "quorum"):
        return _bump_digit(value)
    if kind == "int":
        return value + 1
    if kind in ("bool", "true"):
        return not value
    if kind == "sha256":
        return _other_hex(value)
    if kind == "currency":
        return _other(("USD", "EUR"), value)
    if kind == "ratings":
        first = next(iter(value))
        return {**value, first: _other(ENUMS["rating"], value[first])}
    if kind in ("subject", "waiver-subject"):
        subject, _, ident = value.partition(":")
        return f"{subject}:{_bump_digit(ident)}"
    if kind in ("public-key", "signature"):
        return _other_base64(value)
    raise AssertionError(f"no way to change a {kind!r} value")  # a new kind: add one


def tamper(type_: str, field: str, topic: str, state: dict[str, Any]) -> tuple[str, bytes]:
    """The row's topic and state with one value changed, encoded as Pledger encodes it."""
    state = json.loads(json.dumps(state))  # a deep copy, key order kept
    if field == "type":
        topic = "pledger:" + _other(tuple(CORE_TYPES), type_)
    elif field == "event_id":
        state[field] = str(uuid.uuid5(uuid.NAMESPACE_OID, state[field]))
    elif field == "partnership":
        state[field] = OTHER  # an existing partnership: the event moved to another one
    elif field == "actor":
        state[field] = _other((CONVENOR, *PARTNERS), state[field])
    elif field == "occurred_on":
        state[field] = other_value("date", state[field])
    elif field == "timestamp":
        moment = datetime.fromisoformat(state[field]["_data_"]) + timedelta(seconds=1)
        state[field] = {**state[field], "_data_": moment.isoformat()}
    elif field == "hash":
        state[field] = _other_hex(state[field])
    else:
        kind = CORE_TYPES[type_].by_name[field].kind
        state["data"][field] = other_value(kind, state["data"][field])
    return topic, json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()


# -- the ledger and the intruder -------------------------------------------------------------


class Intruder:
    """Direct database access: the append-only triggers dropped (SQLite) or disabled
    (PostgreSQL), a stored row edited; opening a Ledger puts the triggers back. A row is
    (stream, seq, topic, state), by its primary key."""

    def __init__(self, url: str) -> None:
        self.engine = sqlalchemy.create_engine(url)
        self.sqlite = self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    def stream(self, partnership: str) -> Any:
        """The stored form of a partnership's stream id."""
        return stream_id(partnership).bytes if self.sqlite else stream_id(partnership)

    def rows(self) -> dict[int, tuple[Any, int, str, bytes]]:
        with self.engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT id, originator_id, originator_version, topic, state FROM pledger_events"
            )
            return {r[0]: (r[1], r[2], r[3], bytes(r[4])) for r in found}

    def row(self, seq: int, partnership: str = PID) -> tuple[int, tuple[Any, int, str, bytes]]:
        """The primary key and the row of ``seq`` in the partnership's stream."""
        with self.engine.connect() as conn:
            found = conn.execute(
                sqlalchemy.text(
                    "SELECT id, originator_id, originator_version, topic, state "
                    "FROM pledger_events WHERE originator_id = :o AND originator_version = :v"
                ),
                {"o": self.stream(partnership), "v": seq},
            ).one()
        return found[0], (found[1], found[2], found[3], bytes(found[4]))

    def write(self, key: int, row: tuple[Any, int, str, bytes]) -> None:
        with self.engine.begin() as conn:
            if self.sqlite:
                conn.exec_driver_sql("DROP TRIGGER IF EXISTS pledger_events_no_update")
            else:
                conn.exec_driver_sql("ALTER TABLE pledger_events DISABLE TRIGGER USER")
            conn.execute(
                sqlalchemy.text(
                    "UPDATE pledger_events SET originator_id = :o, originator_version = :v, "
                    "topic = :t, state = :s WHERE id = :k"
                ),
                {"o": row[0], "v": row[1], "t": row[2], "s": row[3], "k": key},
            )
            if not self.sqlite:
                conn.exec_driver_sql("ALTER TABLE pledger_events ENABLE TRIGGER USER")


def build(url: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLEDGER_NOW", NOW)
        with Ledger(url) as ledger:
            ledger.import_jsonl(jsonl(*founding(OTHER)))
            lines, start = history(), 0
            for index, key in sorted(SIGNED.items()):  # signed events are recorded one by one
                if start < index:
                    ledger.import_jsonl(jsonl(*lines[start:index]))
                ledger.record(parse_draft(lines[index]), signer=key)
                start = index + 1
            ledger.import_jsonl(jsonl(*lines[start:]))


def reports(url: str) -> dict[str, Any]:
    with Ledger(url) as ledger:
        return {r.partnership: r for r in verify_ledger(ledger)}


@pytest.fixture(scope="module")
def pristine_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tamper") / "pristine.db"
    build(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_ledger(pristine_sqlite: Path, tmp_path: Path) -> str:
    path = tmp_path / "ledger.db"
    shutil.copyfile(pristine_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def _pristine_postgres(postgres_database: str) -> Iterator[tuple[str, dict[int, Any]]]:
    reset_postgres(postgres_database)
    build(postgres_database)
    intruder = Intruder(postgres_database)
    rows = intruder.rows()
    intruder.close()
    yield postgres_database, rows
    reset_postgres(postgres_database)


@pytest.fixture
def postgres_ledger(_pristine_postgres: tuple[str, dict[int, Any]]) -> Iterator[str]:
    """The module's PostgreSQL ledger; the rows a test changed are put back after it."""
    url, pristine = _pristine_postgres
    intruder = Intruder(url)
    assert intruder.rows() == pristine, "an earlier test left the PostgreSQL ledger changed"
    try:
        yield url
    finally:
        now = intruder.rows()
        for key, row in pristine.items():
            if now[key] != row:
                intruder.write(key, row)
        assert intruder.rows() == pristine
        intruder.close()


def check_tampering_is_caught(url: str, type_: str, field: str) -> None:
    seq = seq_of(type_, field)
    intruder = Intruder(url)
    try:
        key, (stream, _seq, topic, stored) = intruder.row(seq)
        assert topic == f"pledger:{type_}"
        new_topic, new_state = tamper(type_, field, topic, json.loads(stored))
        assert (new_topic, new_state) != (topic, stored), "the change changed nothing"
        intruder.write(key, (stream, seq, new_topic, new_state))
    finally:
        intruder.close()
    found = reports(url)
    assert set(found) == {PID, OTHER}
    assert found[OTHER].intact, found[OTHER].problems
    problems = found[PID].problems
    assert problems, f"changing {type_}.{field} at seq {seq} went unnoticed"
    first = problems[0]
    assert (first.kind, first.seq) == (FIRST_KIND.get(field, "hash"), seq), problems
    assert f"seq {seq}" in first.message


# -- the tests -----------------------------------------------------------------------------


def test_the_ledger_holds_every_type_with_every_field_and_verifies(pristine_sqlite: Path) -> None:
    for name, etype in CORE_TYPES.items():
        for fld in etype.fields:
            seq_of(name, fld.name)  # raises if STREAM lacks it
    assert {t for t, _a, _d in STREAM} == set(CORE_TYPES)
    assert len(CASES) == sum(len(t.fields) for t in CORE_TYPES.values()) + len(CORE_TYPES) * len(
        ENVELOPE
    )
    found = reports(f"sqlite:///{pristine_sqlite}")
    assert set(found) == {PID, OTHER}
    assert all(r.intact for r in found.values()), [r.problems for r in found.values()]
    assert found[PID].size == len(STREAM)


@pytest.mark.parametrize(("type_", "field"), CASES, ids=map(case_id, CASES))
def test_a_changed_field_is_caught_on_sqlite(sqlite_ledger: str, type_: str, field: str) -> None:
    check_tampering_is_caught(sqlite_ledger, type_, field)


@pytest.mark.postgres
@pytest.mark.parametrize(("type_", "field"), POSTGRES_CASES)
def test_a_changed_field_is_caught_on_postgresql(
    postgres_ledger: str, type_: str, field: str
) -> None:
    check_tampering_is_caught(postgres_ledger, type_, field)


def check_a_moved_row_is_caught(url: str) -> None:
    """ngo-sonar's commitment c-1 moved, as it is, from the middle of its stream to the end
    of the other partnership's: verify names both partnerships and both seqs."""
    seq = seq_of("CommitmentMade", "need")
    intruder = Intruder(url)
    try:
        key, (_stream, _seq, topic, state) = intruder.row(seq)
        intruder.write(key, (intruder.stream(OTHER), 5, topic, state))
    finally:
        intruder.close()
    found = reports(url)
    assert set(found) == {PID, OTHER}
    first = found[PID].problems[0]
    assert (first.kind, first.seq) == ("seq", seq), found[PID].problems
    assert "missing" in first.message
    first = found[OTHER].problems[0]
    assert (first.kind, first.seq) == ("stream", 5), found[OTHER].problems
    assert PID in first.message


def test_a_row_moved_to_another_stream_is_caught_on_sqlite(sqlite_ledger: str) -> None:
    check_a_moved_row_is_caught(sqlite_ledger)


@pytest.mark.postgres
def test_a_row_moved_to_another_stream_is_caught_on_postgresql(postgres_ledger: str) -> None:
    check_a_moved_row_is_caught(postgres_ledger)


@pytest.mark.parametrize(
    ("type_", "field"),
    [("PartnershipFounded", "name"), ("CommitmentMade", "value"), ("VoteCast", "position"),
     ("FindingWaived", "approved_by"), ("ReviewSubmitted", "timestamp")],
)  # fmt: skip
def test_the_verify_command_names_the_partnership_and_the_seq(
    sqlite_ledger: str, type_: str, field: str
) -> None:
    check_tampering_is_caught(sqlite_ledger, type_, field)
    seq = seq_of(type_, field)
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", sqlite_ledger, "verify", "--all"])
    assert result.exit_code == 1, result.output
    assert f"{PID}: NOT INTACT" in result.output and f"seq {seq}" in result.output
    assert f"{OTHER}: intact" in result.output
    result = runner.invoke(cli, ["--db", sqlite_ledger, "verify", "--all", "--format", "json"])
    assert result.exit_code == 1, result.output
    report = {p["id"]: p for p in json.loads(result.output)["partnerships"]}
    assert report[OTHER]["intact"] and not report[PID]["intact"]
    assert report[PID]["problems"][0]["seq"] == seq
    result = runner.invoke(cli, ["--db", sqlite_ledger, "verify", "-P", PID])
    assert result.exit_code == 1 and f"seq {seq}" in result.output, result.output
    assert runner.invoke(cli, ["--db", sqlite_ledger, "verify", "-P", OTHER]).exit_code == 0

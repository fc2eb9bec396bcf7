"""Hostile and broken import input (issue #9, item 3).

A property test mutates lines of an otherwise valid JSON Lines file (wrong types, missing,
extra and duplicate keys, huge strings, invalid UTF-8, NaN and Infinity, negative and absurd
amounts, impossible dates, ids with spaces, quotes, ``;`` and SQL, control characters,
truncated lines, deep nesting) and imports it through the CLI into a seeded ledger. Whatever the
input: exit 0, or exit 2 with exactly one line on stderr that names the offending line; never
a traceback; a refused file changes nothing (export bytes identical, ``verify`` intact) and an
accepted one is imported whole. Lines over 1 MiB are refused, naming the line.
"""

from __future__ import annotations

import copy
import io
import json
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ledger.cli.main import cli
from ledger.events import Envelope
from ledger.integrity import verify_ledger
from ledger.store import Ledger

from helpers import PID, founding, line, reset_postgres

LIMIT = 1_048_576  # 1 MiB: the longest line import accepts, its newline excluded
OTHER = "other-pact"
RESTORED = "restored-pact"
SEED_CLOCK = "2026-06-01T12:00:00Z"  # the autouse fixed clock of conftest.py

# -- the valid file the mutations start from -------------------------------------------------


def seed_objects() -> list[dict[str, Any]]:
    """What the ledger holds before every import: music-chain, founded, with one commitment."""
    commitment = {
        "commitment": "c-1",
        "partner": "ngo-sonar",
        "kind": "money",
        "description": "Seed funding",
        "value": "1000",
        "currency": "EUR",
    }
    return [*founding(), line("CommitmentMade", commitment, actor="ngo-sonar")]


def restore_object(seq: int, type_: str, actor: str, data: dict[str, Any]) -> dict[str, Any]:
    """A restore line of ``restored-pact`` with its hash computed by the library."""
    envelope = Envelope(
        id=str(uuid.UUID(int=seq)),
        partnership=RESTORED,
        seq=seq,
        type=type_,
        occurred_on="2026-02-01",
        recorded_at=f"2026-05-01T10:00:0{seq}.000000Z",
        actor=actor,
        data=data,
        hash="",
    )
    return {**envelope.as_dict(), "hash": envelope.computed_hash()}


def base_objects() -> list[dict[str, Any]]:
    """A file that imports cleanly into the seeded ledger: new facts for music-chain and for
    a partnership it founds, and restore lines of a third partnership."""
    return [
        line("PrincipleAdopted", {"principle": "equity", "text": "Share the load"}),
        line(
            "CommitmentMade",
            {
                "commitment": "c-2",
                "partner": "ngo-sonar",
                "kind": "people",
                "description": "Two trainers — Café ✓",
                "quantity": 2,
                "unit": "trainers",
                "value": "18000.50",
                "currency": "EUR",
                "due": "2026-09-30",
            },
            actor="ngo-sonar",
        ),
        founding(OTHER)[0],
        founding(OTHER)[1],
        line(
            "DecisionProposed",
            {"decision": "d-1", "title": "Adopt the budget", "proposer": "telco-x"},
        ),
        line(
            "VoteCast",
            {"decision": "d-1", "partner": "telco-x", "position": "for", "comment": "ok; fine"},
            actor="telco-x",
        ),
        line(
            "CommitmentFulfilled",
            {"commitment": "c-1", "delivered": 50, "evidence": "Receipt\tsigned"},
            actor="ngo-sonar",
        ),
        restore_object(
            1,
            "PartnershipFounded",
            "convenor",
            {"name": "Restored", "purpose": "Come back", "scope": "local"},
        ),
        restore_object(
            2,
            "PartnerJoined",
            "convenor",
            {"partner": "p-1", "engagement": "key", "name": "P one", "sector": "public"},
        ),
        line("ReviewOpened", {"review": "r-1", "lenses": ["project", "value"]}),
        line(
            "ReviewSubmitted",
            {"review": "r-1", "partner": "ministry", "ratings": {"Trust": "green", "€": "amber"}},
            actor="ministry",
        ),
        line(
            "ResourceNeeded",
            {"need": "n-1", "kind": "money", "description": "Studio", "quantity": "2.5"},
            on=None,
        ),
        line(
            "AgreementDrafted",
            {"version": 1, "summary": "Terms", "document_sha256": "ab" * 32},
        ),
        line(
            "AgreementSigned",
            {"version": 1, "partner": "telco-x", "signatory": "CEO"},
            actor="telco-x",
        ),
    ]


# -- hostile values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text written as is (numbers Python's json cannot produce, NaN, deep nesting)."""

    text: str


def encode(obj: Any, ascii_only: bool) -> bytes:
    """JSON text of ``obj`` with every ``Raw`` spliced in verbatim; a lone surrogate is written
    as a \\u escape (ascii) or as its (invalid) UTF-8 bytes."""
    raws: list[str] = []

    def placeholder(value: Any) -> str:
        if not isinstance(value, Raw):  # pragma: no cover - the strategies only make Raw
            raise TypeError(type(value).__name__)
        raws.append(value.text)
        return f"\x00raw{len(raws) - 1}\x00"

    text = json.dumps(obj, ensure_ascii=ascii_only, default=placeholder)
    for i, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{i}\x00"), raw, 1)
    return text.encode("utf-8", "surrogatepass")


HOSTILE_IDS = [
    "music chain",
    " music-chain",
    "music-chain ",
    "Music-Chain",
    "music-chain\n",
    "music-chain\x00",
    "it's",
    'say "hi"',
    "a;b",
    "x'; DROP TABLE pledger_events; --",
    "1; DELETE FROM pledger_events",
    "' OR '1'='1",
    "'); DROP TABLE pledger_tree_heads; --",
    "%s%s%s",
    "{0}",
    "$(rm -rf /)",
    "`id`",
    "../../etc/passwd",
    "\x1b[31mred\x1b[0m",
    "\u202emusic",
    "é",
    "a" * 65,
    "",
    "-a",
    ".a",
    "\ud800",
    "a\udfffb",
]
HOSTILE_DATES = [
    "2026-02-30",
    "2026-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-04-31",
    "0000-01-01",
    "9999-12-31",
    "2026-2-3",
    "20260301",
    "2026-03-01T00:00:00",
    "2026-03-01 ",
    "٢٠٢٦-٠٣-٠١",
    "2026/03/01",
    "-2026-03-01",
]
HOSTILE_NUMBERS = [
    Raw(text)
    for text in [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
        "-1e400",
        "1e-400",
        "1E+21",
        "1E+20",
        "-1",
        "-0",
        "-0.0",
        "0e0",
        "0.0000000000001",
        "123456789012345678901234",
        "1" + "0" * 400,
        "1" * 5000,
        "18000.000",
        "0.1",
        "[" * 5000 + "]" * 5000,
        "[" * 900 + "]" * 900,
        "{}",
        "[]",
        "null",
        "true",
        "false",
        '"\\u0000"',
        '"\\ud800"',
        '"\\udc00\\ud800"',
    ]
]
HOSTILE_STRINGS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1",
    "-0",
    " 1",
    "1 ",
    "+1",
    ".5",
    "5.",
    "1_000",
    "0x10",
    "1,5",
    "١٢",
    "",
    " ",
    "\t",
    "\x00",
    "\x07bell",
    "\x1b[2J\x1b[H",
    "\r",
    "carriage\rreturn",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\ufffe",
    "\U0010ffff",
    "𝄞" * 5000,
    "x" * 10_000,
    "x" * 10_001,
    "y" * 200_000,
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE pledger_events;--",
]
HOSTILE_OTHER: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**30,
    [],
    {},
    [1, 2],
    ["all"],
    ["equity"] * 101,
    {"a": "b"},
    {"": ""},
    {"ratings": {"x": "green"}},
]

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
HOSTILE = st.one_of(
    st.sampled_from(HOSTILE_IDS),
    st.sampled_from(HOSTILE_DATES),
    st.sampled_from(HOSTILE_NUMBERS),
    st.sampled_from(HOSTILE_STRINGS),
    st.sampled_from(HOSTILE_OTHER),
    st.text(max_size=30),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1),
    JSON_VALUES,
)
ENVELOPE_KEYS = [
    "partnership",
    "type",
    "occurred_on",
    "actor",
    "data",
    "id",
    "seq",
    "recorded_at",
    "hash",
    "signer",
    "signature",
]
EXTRA_KEYS = st.sampled_from(["note", "extra", "Type", "partnership ", "__proto__", ""]) | st.text(
    max_size=8
)
BAD_BYTES = [
    b"\xff",
    b"\xfe\xff",
    b"\xc3",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\x80",
    b"\x00",
    b"\x1b[2J",
    b"\r",
    b"\x7f",
    b"\x0b\x0c",
    b"\xef\xbb\xbf",
    b"\xe2\x80\xa8",
    b'"',
    b"\\",
    b",",
    b"}",
    b"{",
]
WHOLE_LINES = [b"[]", b"{}", b"null", b"123", b'"PrincipleAdopted"', b"true", b"[{}]", b"{", b"}"]


MUTATIONS = [
    *["set"] * 3,
    *["set-data"] * 2,
    "delete",
    "delete-data",
    "extra",
    "extra-data",
    "duplicate",
    "duplicate-data",
    "truncate",
    "bytes",
    "whole",
    "retype-data",
]


@dataclass
class Mutated:
    lines: list[bytes]  # the file's lines, without their line ends
    first: int  # 1-based number of the first mutated line
    touches_signature: bool  # a mutation put a value into signer or signature
    eol: bytes
    stdin: bool

    @property
    def data(self) -> bytes:
        return b"".join(raw + self.eol for raw in self.lines)

    @property
    def events(self) -> int:
        """Lines import would read as events (blank lines are skipped)."""
        return sum(1 for raw in self.lines if raw.strip())


@st.composite
def mutated_line(draw: st.DrawFn, obj: dict[str, Any]) -> tuple[bytes, bool]:
    """One line, mutated one or more times; also whether signer/signature got a value."""
    obj = copy.deepcopy(obj)
    ascii_only = draw(st.booleans())
    signature = False
    raw_ops: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(MUTATIONS))
        data = obj.get("data")
        if kind == "set":
            key = draw(st.sampled_from(ENVELOPE_KEYS))
            obj[key] = draw(HOSTILE)
            if key in ("signer", "signature"):  # they come together: give the other one
                obj.setdefault("signature" if key == "signer" else "signer", "ed25519:abc")
                signature = True
        elif kind == "set-data" and isinstance(data, dict) and data:
            data[draw(st.sampled_from(sorted(data)))] = draw(HOSTILE)
        elif kind == "delete" and obj:
            del obj[draw(st.sampled_from(sorted(obj)))]
        elif kind == "delete-data" and isinstance(data, dict) and data:
            del data[draw(st.sampled_from(sorted(data)))]
        elif kind == "extra":
            key = draw(EXTRA_KEYS)
            obj[key] = draw(HOSTILE)
            signature |= key in ("signer", "signature")
        elif kind == "extra-data" and isinstance(data, dict):
            data[draw(EXTRA_KEYS)] = draw(HOSTILE)
        elif kind == "retype-data":
            obj["data"] = draw(HOSTILE)
        elif kind in ("duplicate", "duplicate-data", "truncate", "bytes", "whole"):
            raw_ops.append(kind)
    raw = encode(obj, ascii_only)
    for kind in raw_ops:
        if kind == "duplicate" or kind == "duplicate-data":
            # Repeat a key (same or other value) at the start of the envelope or the data.
            anchor = b'"data": {' if kind == "duplicate-data" else b"{"
            at = raw.find(anchor)
            data = obj.get("data")
            keys = (
                list(obj) if kind == "duplicate" else list(data) if isinstance(data, dict) else []
            )
            if at < 0 or not keys:
                continue
            key = draw(st.sampled_from(keys))
            value = draw(st.sampled_from(["x", 1, None]))
            pair = encode({key: value}, True)[1:-1] + b", "
            at += len(anchor)
            raw = raw[:at] + pair + raw[at:]
        elif kind == "truncate":
            raw = raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
        elif kind == "bytes":
            at = draw(st.integers(0, len(raw)))
            raw = raw[:at] + draw(st.sampled_from(BAD_BYTES)) + raw[at:]
        else:
            raw = draw(st.sampled_from(WHOLE_LINES))
    return raw, signature


@st.composite
def mutated_files(draw: st.DrawFn) -> Mutated:
    objs = base_objects()
    targets = sorted(set(draw(st.lists(st.integers(0, len(objs) - 1), min_size=1, max_size=3))))
    lines = [encode(obj, True) for obj in objs]
    signature = False
    for i in targets:
        lines[i], touched = draw(mutated_line(objs[i]))
        signature |= touched
    first = targets[0] + 1
    # Blank lines anywhere are skipped but counted; keep the first mutated line's number.
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from([b"", b"   ", b"\t"])))
        if at < first:
            first += 1
    return Mutated(
        lines=lines,
        first=first,
        touches_signature=signature,
        eol=draw(st.sampled_from([b"\n", b"\r\n"])),
        stdin=draw(st.booleans()),
    )


# -- helpers ----------------------------------------------------------------------------------


def jsonl_bytes(objs: list[dict[str, Any]]) -> bytes:
    return b"".join(encode(obj, True) + b"\n" for obj in objs)


def seed(url: str) -> None:
    with Ledger(url) as ledger:
        ledger.import_jsonl(io.BytesIO(jsonl_bytes(seed_objects())))


def export_bytes(url: str) -> bytes:
    with Ledger(url) as ledger:
        return "".join(ledger.export_lines()).encode("utf-8")


def assert_intact(url: str) -> None:
    with Ledger(url) as ledger:
        reports = verify_ledger(ledger)
    assert reports and all(r.intact for r in reports), [r.as_dict() for r in reports]


def import_via_cli(url: str, folder: Path, data: bytes, stdin: bool) -> Result:
    if stdin:
        return CliRunner().invoke(cli, ["--db", url, "import", "-"], input=data)
    path = folder / "input.jsonl"
    path.write_bytes(data)
    return CliRunner().invoke(cli, ["--db", url, "import", str(path)])


def assert_one_line_error(result: Result) -> str:
    """Exit 2, no traceback, nothing on stdout, exactly one line on stderr."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def check_outcome(url: str, folder: Path, mutated: Mutated) -> None:
    """The property: exit 0 and the whole file imported, or a one-line error naming a line
    at or after the first mutated one and nothing changed."""
    before = export_bytes(url)
    result = import_via_cli(url, folder, mutated.data, mutated.stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == 0:
        event("accepted")
        assert result.stderr == ""
        count = mutated.events
        assert re.fullmatch(rf"imported {count} events? \(.+\)\n", result.stdout), result.stdout
        assert export_bytes(url).count(b"\n") == before.count(b"\n") + count
    else:
        message = assert_one_line_error(result)
        named = re.match(r"error: line (\d+): ", message)
        assert named, message
        assert mutated.first <= int(named[1]) <= len(mutated.lines), (mutated.first, message)
        reason = re.sub(r"'.*|=.*|\".*", "", message[named.end() :])
        event("refused: " + " ".join(reason.split()[:3]))
        assert export_bytes(url) == before
    assert_intact(url)


PROPERTY_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.large_base_example,
    ],
}


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    url: str = request.getfixturevalue("postgres_database")  # skips without PostgreSQL
    reset_postgres(url)
    yield url
    reset_postgres(url)


# -- the control: the unmutated file imports ---------------------------------------------------


def test_the_base_file_imports_whole(db_url: str, tmp_path: Path) -> None:
    seed(db_url)
    before = export_bytes(db_url)
    result = import_via_cli(db_url, tmp_path, jsonl_bytes(base_objects()), stdin=False)
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"imported 14 events ({PID} 6-15, {OTHER} 1-2, {RESTORED} 1-2)\n"), (
        result.stdout
    )
    assert export_bytes(db_url).startswith(before)
    assert_intact(db_url)


# -- the property ------------------------------------------------------------------------------


def _sqlite_property(mutated: Mutated) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'ledger.db'}"
        seed(url)
        check_outcome(url, folder, mutated)


def _mutant(index: int, line_bytes: bytes, touches_signature: bool = False) -> Mutated:
    lines = [encode(obj, True) for obj in base_objects()]
    lines[index] = line_bytes
    return Mutated(lines, index + 1, touches_signature, b"\n", False)


@settings(max_examples=100, **PROPERTY_SETTINGS)
@given(mutated=mutated_files())
@example(mutated=_mutant(4, b'{"partnership": "x\'; DROP TABLE pledger_events; --"}'))
@example(
    mutated=_mutant(1, encode(base_objects()[1], True).replace(b'"2026-09-30"', b'"2026-02-30"'))
)
@example(mutated=_mutant(1, encode(base_objects()[1], True).replace(b'"18000.50"', b"1e400")))
@example(mutated=_mutant(11, encode(base_objects()[11], True).replace(b'"2.5"', b"NaN")))
@example(mutated=_mutant(0, encode(base_objects()[0], True)[:-7]))
def test_hostile_lines_give_exit_0_or_one_line_error_and_change_nothing(
    mutated: Mutated,
) -> None:
    _sqlite_property(mutated)


@pytest.mark.postgres
@settings(max_examples=25, **PROPERTY_SETTINGS)
@given(mutated=mutated_files())
def test_hostile_lines_change_nothing_on_postgresql(postgres_url: str, mutated: Mutated) -> None:
    reset_postgres(postgres_url)
    seed(postgres_url)
    with tempfile.TemporaryDirectory() as name:
        check_outcome(postgres_url, Path(name), mutated)


# -- lines over 1 MiB ---------------------------------------------------------------------------

GOOD = encode(line("PrincipleAdopted", {"principle": "equity"}), True)


def padded(size: int) -> bytes:
    """A valid new-fact line of exactly ``size`` bytes (JSON whitespace before the brace)."""
    body = GOOD[:-1]
    return body + b" " * (size - len(body) - 1) + b"}"


def big_string_line(chars: int, char: str = "x") -> bytes:
    return encode(line("PrincipleAdopted", {"principle": char * chars}), False)


OVERSIZED = {
    "padding": padded(LIMIT + 1),
    "huge-text": big_string_line(LIMIT),
    "multibyte-text": big_string_line(LIMIT // 3 + 1, "€"),  # fewer characters than bytes
    "blank": b" " * (LIMIT + 1),
    "invalid-utf8": b"\xff" * (LIMIT + 1),
    "three-mib-no-newline-inside": padded(3 * LIMIT),
}


@pytest.mark.parametrize("case", list(OVERSIZED))
@pytest.mark.parametrize("where", ["first", "middle", "last-without-newline"])
def test_a_line_over_one_mib_is_refused_naming_it(
    sqlite_url: str, tmp_path: Path, case: str, where: str
) -> None:
    seed(sqlite_url)
    before = export_bytes(sqlite_url)
    big = OVERSIZED[case]
    assert len(big) > LIMIT
    if where == "first":
        data, number = big + b"\n" + GOOD + b"\n", 1
    elif where == "middle":
        data, number = GOOD + b"\n\n" + GOOD + b"\n" + big + b"\n" + GOOD + b"\n", 4
    else:
        data, number = GOOD + b"\n" + GOOD + b"\n" + big, 3
    message = assert_one_line_error(import_via_cli(sqlite_url, tmp_path, data, stdin=False))
    assert message.startswith(f"error: line {number}: "), message
    assert "1 MiB" in message, message
    assert len(message) < 300  # the line itself is not echoed
    assert export_bytes(sqlite_url) == before


def test_a_line_over_one_mib_is_refused_on_standard_input(db_url: str, tmp_path: Path) -> None:
    seed(db_url)
    before = export_bytes(db_url)
    data = GOOD + b"\n" + padded(LIMIT + 1) + b"\n"
    message = assert_one_line_error(import_via_cli(db_url, tmp_path, data, stdin=True))
    assert message.startswith("error: line 2: ") and "1 MiB" in message, message
    assert export_bytes(db_url) == before
    assert_intact(db_url)


def test_a_line_over_one_mib_after_many_valid_lines_names_its_number(
    sqlite_url: str, tmp_path: Path
) -> None:
    seed(sqlite_url)
    before = export_bytes(sqlite_url)
    data = (GOOD + b"\n") * 5000 + padded(LIMIT + 1) + b"\n" + GOOD + b"\n"
    message = assert_one_line_error(import_via_cli(sqlite_url, tmp_path, data, stdin=False))
    assert message.startswith("error: line 5001: ") and "1 MiB" in message, message
    assert export_bytes(sqlite_url) == before


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_a_line_of_exactly_one_mib_is_accepted_whatever_its_line_end(
    sqlite_url: str, tmp_path: Path, eol: bytes
) -> None:
    seed(sqlite_url)
    data = GOOD + eol + padded(LIMIT) + eol
    result = import_via_cli(sqlite_url, tmp_path, data, stdin=False)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"imported 2 events ({PID} 6-7)\n"


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_a_line_one_byte_over_is_refused_whatever_its_line_end(
    sqlite_url: str, tmp_path: Path, eol: bytes
) -> None:
    seed(sqlite_url)
    before = export_bytes(sqlite_url)
    data = GOOD + eol + padded(LIMIT + 1) + eol
    message = assert_one_line_error(import_via_cli(sqlite_url, tmp_path, data, stdin=False))
    assert message.startswith("error: line 2: ") and "1 MiB" in message, message
    assert export_bytes(sqlite_url) == before


# -- hostile ids never reach SQL as SQL ----------------------------------------------------------


@pytest.mark.parametrize(
    "ident",
    ["x'; DROP TABLE pledger_events; --", "'); DELETE FROM pledger_tree_heads; --", "a;b"],
)
def test_sql_in_ids_is_refused_as_an_id_and_the_tables_survive(
    db_url: str, tmp_path: Path, ident: str
) -> None:
    seed(db_url)
    before = export_bytes(db_url)
    for obj in (
        line("PrincipleAdopted", {"principle": "equity"}, partnership=ident),
        line("PrincipleAdopted", {"principle": "equity"}, actor=ident),
        line("DecisionProposed", {"decision": ident, "title": "t", "proposer": "telco-x"}),
    ):
        message = assert_one_line_error(import_via_cli(db_url, tmp_path, encode(obj, True), False))
        assert message.startswith("error: line 1: ") and "ids match" in message, message
    assert export_bytes(db_url) == before
    assert_intact(db_url)


# -- signer and signature are checked like every other field ---------------------------------------

SIGNED = line("PrincipleAdopted", {"principle": "equity"})


@pytest.mark.parametrize(
    ("signer", "signature"),
    [
        (Raw("1"), Raw("2")),
        (Raw('{"a": 1}'), Raw("[1]")),
        (Raw("1e400"), Raw('"x"')),
        (Raw('"\\ud800"'), Raw('"x"')),
        (Raw("NaN"), Raw('"x"')),
        (Raw("[" * 900 + "]" * 900), Raw('"x"')),
        (Raw('"\\u001b[2J"'), Raw('"x"')),
    ],
    ids=["numbers", "object-and-list", "1e400", "lone-surrogate", "nan", "deep", "escape"],
)
def test_signer_and_signature_are_checked(
    sqlite_url: str, tmp_path: Path, signer: Raw, signature: Raw
) -> None:
    seed(sqlite_url)
    before = export_bytes(sqlite_url)
    data = encode({**SIGNED, "signer": signer, "signature": signature}, True) + b"\n"
    message = assert_one_line_error(import_via_cli(sqlite_url, tmp_path, data, stdin=False))
    assert message.startswith("error: line 1: "), message
    assert "internal error" not in message, message
    assert "signer" in message or "signature" in message, message
    assert export_bytes(sqlite_url) == before

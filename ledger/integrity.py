"""Proving that no one rewrote a partnership's history (DESIGN.md, Integrity).

``verify_stream`` reads the rows of one stream exactly as stored and checks, in order: the
seq numbers run 1..n without gap or repeat; each row decodes and its content matches its
stored hash; the stream passes the validation of EVENTS.md again, and every signature
verifies against the key registry as it stood when its event was recorded (docs/signing.md;
a bad signature is reported and the replay goes on, so every one is named); the Merkle tree
rebuilt from the content agrees with every tree head Pledger recorded when it wrote; and the
ledger still extends each checkpoint a partner kept (an RFC 9162 consistency proof). Every
problem names the partnership and the first bad ``seq`` (or the checkpoint).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger import merkle
from ledger.canonical import format_time
from ledger.catalogue import ID_RE, Catalogue
from ledger.errors import InvalidInput, LedgerError, SignatureError, show
from ledger.events import Envelope
from ledger.state import PartnershipState

if TYPE_CHECKING:
    from ledger.store import Ledger

CHECKPOINT_PREFIX = "pledger-checkpoint/v1"
_CHECKPOINT_RE = re.compile(
    r"pledger-checkpoint/v1 ([a-z0-9][a-z0-9._-]{0,63}) ([0-9]{1,18}) ([0-9a-f]{64})"
)


@dataclass(frozen=True)
class Checkpoint:
    """A partnership's tree size and root at one moment: what partners keep."""

    partnership: str
    size: int
    root: str

    def __str__(self) -> str:
        return f"{CHECKPOINT_PREFIX} {self.partnership} {self.size} {self.root}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        match = _CHECKPOINT_RE.fullmatch(text.strip())
        if match is None:
            raise InvalidInput(
                f"checkpoint {show(text.strip())} is not "
                f"'{CHECKPOINT_PREFIX} PARTNERSHIP SIZE ROOTHEX'"
            )
        return cls(match.group(1), int(match.group(2)), match.group(3))


def parse_checkpoints(texts: Iterable[str]) -> list[Checkpoint]:
    """Checkpoints from lines of text; blank lines and ``#`` comments are skipped."""
    out = []
    for text in texts:
        if text.strip() and not text.lstrip().startswith("#"):
            out.append(Checkpoint.parse(text))
    return out


@dataclass(frozen=True)
class Problem:
    """One way a stream fails to verify."""

    kind: str  # seq, decode, bytes, hash, stream, validation, signature, head, checkpoint
    message: str
    seq: int | None = None
    checkpoint: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "seq": self.seq,
            "checkpoint": self.checkpoint,
            "message": self.message,
        }


@dataclass
class StreamReport:
    """The outcome of verifying one partnership's stream."""

    partnership: str
    size: int = 0
    root: str = merkle.EMPTY_ROOT.hex()
    leaves: list[bytes] = field(default_factory=list, repr=False)
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.partnership, self.size, self.root)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.partnership,
            "size": self.size,
            "root": self.root,
            "checkpoint": str(self.checkpoint),
            "intact": self.intact,
            "problems": [p.as_dict() for p in self.problems],
        }


def verify_stream(
    partnership: str,
    rows: Sequence[Any],
    heads: Sequence[Any],
    checkpoints: Sequence[Checkpoint],
    catalogue: Catalogue,
    transcoder: Any,
    expected_stream: uuid.UUID,
) -> StreamReport:
    """Verify one stream's stored rows against its recorded heads and kept checkpoints."""
    report = StreamReport(partnership)
    problems = report.problems
    state: PartnershipState | None = PartnershipState(partnership, catalogue)
    wanted = {h.size for h in heads} | {c.size for c in checkpoints}
    roots_at: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
    frontier = merkle.Frontier()
    for expected, row in enumerate(rows, start=1):
        seq = row.version
        if seq != expected:
            what = "is missing" if seq > expected else "is stored twice or out of order"
            problems.append(
                Problem("seq", f"seq {expected} {what} (found seq {seq} in its place)", expected)
            )
            state = None
        if row.stream != expected_stream:
            problems.append(Problem("stream", f"seq {seq} is stored under another stream id", seq))
        try:
            event = envelope_from_row(partnership, row, transcoder.decode)
            digest = event.computed_hash()
            exact = transcoder.encode(transcoder.decode(row.state)) == row.state
        except Exception as exc:  # anything a mangled row can raise
            problems.append(Problem("decode", f"seq {seq} cannot be read: {_one_line(exc)}", seq))
            digest, event, state, exact = "", None, None, True
        if not exact:
            problems.append(
                Problem("bytes", f"seq {seq}'s stored bytes are not the ones Pledger wrote", seq)
            )
        if event is not None:
            if event.partnership != partnership:
                problems.append(
                    Problem("stream", f"seq {seq} names partnership {event.partnership!r}", seq)
                )
            if digest != event.hash:
                problems.append(
                    Problem("hash", f"seq {seq} ({event.type}) does not match its hash", seq)
                )
        if state is not None and event is not None:
            try:
                if catalogue.get(event.type) is None:
                    state.check_signature(event)  # a plugin's type, not installed here:
                    state.apply(event)  # kept opaque, but its signature is still judged
                else:
                    state.admit(event)
            except SignatureError as exc:
                problems.append(
                    Problem("signature", f"seq {seq} has a bad or misplaced signature: {exc}", seq)
                )
                state.apply(event, keys=False)  # the rest was valid: go on, to name every one
            except LedgerError as exc:
                problems.append(Problem("validation", f"seq {seq} breaks validation: {exc}", seq))
                state = None
        leaf = bytes.fromhex(digest) if digest else merkle.hash_leaf(row.state)
        report.leaves.append(leaf)
        frontier.append(leaf)
        if frontier.size in wanted:
            roots_at[frontier.size] = frontier.root()
    report.size = frontier.size
    report.root = frontier.root().hex()
    _check_heads(report, heads, roots_at)
    for checkpoint in checkpoints:
        _check_checkpoint(report, checkpoint)
    return report


_STATE_KEYS = {
    "timestamp", "event_id", "partnership", "occurred_on", "actor", "data", "hash", "signer",
    "signature",
}  # fmt: skip


def envelope_from_row(partnership: str, row: Any, decode: Callable[[bytes], Any]) -> Envelope:
    """Rebuild an event's envelope from a stored row (``KeyError``/``ValueError`` if mangled)."""
    state = decode(row.state)
    if not isinstance(state, Mapping):
        raise ValueError("the stored state is not an object")
    prefix = "pledger:"
    if not row.topic.startswith(prefix):
        raise ValueError(f"unknown topic {row.topic!r}")
    unknown = set(state) - _STATE_KEYS
    if unknown:
        raise ValueError(f"unexpected stored fields {sorted(unknown)}")
    recorded = state["timestamp"]
    return Envelope(
        id=state["event_id"],
        partnership=state.get("partnership", partnership),
        seq=row.version,
        type=row.topic[len(prefix) :],
        occurred_on=state["occurred_on"],
        recorded_at=recorded if isinstance(recorded, str) else format_time(recorded),
        actor=state["actor"],
        data=state["data"],
        hash=state["hash"],
        signer=state.get("signer"),
        signature=state.get("signature"),
    )


def _check_heads(report: StreamReport, heads: Sequence[Any], roots_at: dict[int, bytes]) -> None:
    problems, size, pid = report.problems, report.size, report.partnership
    if not heads:
        if size:
            problems.append(
                Problem(
                    "head",
                    f"{pid} has {size} events but no tree head: written outside "
                    "Pledger, or its heads were deleted",
                    1,
                )
            )
        return
    for head in heads:
        if head.size > size:
            problems.append(
                Problem(
                    "head",
                    f"a tree of {head.size} events was recorded at "
                    f"{head.recorded_at}, but only {size} remain: events were deleted",
                    size + 1,
                )
            )
            return
        if roots_at.get(head.size, b"").hex() != head.root:
            problems.append(
                Problem(
                    "head",
                    f"the tree of the first {head.size} events no longer has the "
                    f"root recorded at {head.recorded_at}: history was rewritten",
                    None,
                )
            )
            return
    last = max(h.size for h in heads)
    if last < size:
        problems.append(
            Problem(
                "head",
                f"seq {last + 1} to {size} were appended outside Pledger "
                f"(the last tree head covers {last} events)",
                last + 1,
            )
        )


def _check_checkpoint(report: StreamReport, checkpoint: Checkpoint) -> None:
    size, text = report.size, str(checkpoint)
    if checkpoint.size > size:
        report.problems.append(
            Problem(
                "checkpoint",
                f"checkpoint of {checkpoint.size} events, but the stream has "
                f"only {size}: it was truncated",
                size + 1,
                text,
            )
        )
        return
    proof = merkle.consistency_path(checkpoint.size, report.leaves)
    if not merkle.verify_consistency(
        checkpoint.size, size, bytes.fromhex(checkpoint.root), bytes.fromhex(report.root), proof
    ):
        report.problems.append(
            Problem(
                "checkpoint",
                f"the ledger no longer extends the checkpoint of "
                f"{checkpoint.size} events: history was rewritten",
                None,
                text,
            )
        )


def inclusion_proof(report: StreamReport, seq: int, size: int | None = None) -> dict[str, Any]:
    """The JSON inclusion proof of event ``seq`` in the tree of ``size`` (default: all)."""
    size = report.size if size is None else size
    if not 1 <= size <= report.size:
        raise InvalidInput(f"--size {size} is not between 1 and the stream's {report.size} events")
    if not 1 <= seq <= size:
        raise InvalidInput(f"seq {seq} is not in a tree of {size} events")
    leaves = report.leaves[:size]
    return {
        "partnership": report.partnership,
        "seq": seq,
        "leaf_hash": leaves[seq - 1].hex(),
        "tree_size": size,
        "root": merkle.root(leaves).hex(),
        "path": [node.hex() for node in merkle.inclusion_path(seq - 1, leaves)],
    }


PROOF_FIELDS = {"partnership", "seq", "leaf_hash", "tree_size", "root", "path"}


def check_proof(proof: Any, checkpoint: Checkpoint, event_line: str | None = None) -> list[str]:
    """Check an inclusion proof offline against a checkpoint; return what fails (empty: valid).

    With ``event_line`` (an exported JSON line), also check that it is the proven event.
    """
    failures = []
    if checkpoint.partnership != proof["partnership"]:
        failures.append(
            f"the proof is for {proof['partnership']}, the checkpoint for {checkpoint.partnership}"
        )
    if checkpoint.size != proof["tree_size"]:
        failures.append(
            f"the proof is for a tree of {proof['tree_size']} events, the "
            f"checkpoint for {checkpoint.size}"
        )
    if checkpoint.root != proof["root"]:
        failures.append("the proof's root is not the checkpoint's root")
    if not merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["seq"] - 1,
        proof["tree_size"],
        [bytes.fromhex(p) for p in proof["path"]],
        bytes.fromhex(checkpoint.root),
    ):
        failures.append(f"the path does not lead from seq {proof['seq']} to the checkpoint's root")
    if event_line is not None:
        from ledger.canonical import leaf_bytes, leaf_hash
        from ledger.events import loads

        event = loads(event_line)
        if not isinstance(event, dict):
            raise InvalidInput("the event file must hold one exported JSON line")
        if event.get("seq") != proof["seq"] or event.get("partnership") != proof["partnership"]:
            failures.append("the event is not the one the proof is about (partnership or seq)")
        if leaf_hash(leaf_bytes(event)) != proof["leaf_hash"]:
            failures.append("the event's content does not hash to the proven leaf")
    return failures


def parse_proof(text: str) -> dict[str, Any]:
    """Read a proof written by ``pledger prove``; ``InvalidInput`` names what is wrong."""
    try:
        proof = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"the proof is not JSON: {exc}") from None
    if not isinstance(proof, dict) or set(proof) != PROOF_FIELDS:
        raise InvalidInput(f"a proof is a JSON object with exactly {sorted(PROOF_FIELDS)}")
    hexes = (
        [proof["leaf_hash"], proof["root"], *proof["path"]]
        if isinstance(proof["path"], list)
        else None
    )
    if hexes is None or not all(
        isinstance(h, str) and re.fullmatch(r"[0-9a-f]{64}", h) for h in hexes
    ):
        raise InvalidInput("leaf_hash, root and path must be 64-hex-digit hashes")
    for key in ("seq", "tree_size"):
        if isinstance(proof[key], bool) or not isinstance(proof[key], int) or proof[key] < 1:
            raise InvalidInput(f"proof field {key!r} = {show(proof[key])} must be a number >= 1")
    return proof


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:200]


def verify_ledger(
    ledger: Ledger,
    partnerships: Sequence[str] | None = None,
    checkpoints: Sequence[Checkpoint] = (),
) -> list[StreamReport]:
    """Verify the given partnerships (default: every stream in the ledger and every
    partnership a checkpoint names), in id order."""
    from ledger.store import stream_id

    if partnerships is None:
        rows = ledger.stored_rows()
        heads = ledger.tree_heads()
    else:
        rows = [r for pid in partnerships for r in ledger.stored_rows(pid)]
        heads = [h for pid in partnerships for h in ledger.tree_heads(pid)]
    by_stream: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        by_stream.setdefault(row.stream, []).append(row)
    heads_of: dict[str, list[Any]] = {}
    for head in heads:
        heads_of.setdefault(head.partnership, []).append(head)
    names = set(partnerships or ()) | set(heads_of) | {c.partnership for c in checkpoints}
    if partnerships is None:
        for stream, stream_rows in by_stream.items():
            if not any(stream_id(name) == stream for name in names):
                names.add(_name_of(stream, stream_rows, ledger.transcoder.decode))
    reports = []
    for pid in sorted(names):
        if pid.startswith("stream:"):  # rows that no partnership id maps to
            stream = uuid.UUID(pid.split(":", 1)[1])
            report = verify_stream(
                pid, by_stream[stream], [], [], ledger.catalogue, ledger.transcoder, stream
            )
            report.problems.insert(
                0, Problem("stream", f"stream {stream} belongs to no partnership id", 1)
            )
        else:
            report = verify_stream(
                pid,
                by_stream.get(stream_id(pid), []),
                heads_of.get(pid, []),
                [c for c in checkpoints if c.partnership == pid],
                ledger.catalogue,
                ledger.transcoder,
                stream_id(pid),
            )
        reports.append(report)
    return reports


def _name_of(stream: uuid.UUID, rows: Sequence[Any], decode: Callable[[bytes], Any]) -> str:
    """The partnership a stream's rows claim, or ``stream:UUID`` when none can be read."""
    from ledger.store import stream_id

    for row in rows:
        try:
            name = decode(row.state).get("partnership")
        except Exception:
            continue
        if isinstance(name, str) and ID_RE.fullmatch(name) and stream_id(name) == stream:
            return name
    return f"stream:{stream}"

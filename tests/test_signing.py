"""Signed events (issue #10, docs/signing.md): key files, the key registry, signing on the
write path, refusal at write time and reports by ``verify``.

The partnership is helpers' "music-chain": convenor broker, key partners ngo-sonar, telco-x
and ministry, all joined on 2026-03-01 (seq 1-4). Keys are fixed Ed25519 keys so failures
are reproducible. Tampering "behind the application's back" drops the append-only triggers
and edits or inserts rows directly, as in tests/test_integrity.py; those tests run on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import stat
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.audit import run_audit
from ledger.canonical import format_time
from ledger.cli.main import cli
from ledger.errors import InvalidEvent, InvalidInput, SignatureError
from ledger.events import Draft, Envelope
from ledger.integrity import Checkpoint, verify_ledger
from ledger.keys import KeyFile, SigningKey, fingerprint_of, unsigned_leaf, write_key_file
from ledger.manager import get_plugin_manager
from ledger.merkle import Frontier
from ledger.store import Ledger

from helpers import PID, founding, jsonl, line

DAY = "2026-03-01"


def fixed_key(seed: int, partner: str) -> SigningKey:
    return SigningKey(Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32), partner)


SONAR = fixed_key(1, "ngo-sonar")
SONAR_2 = fixed_key(2, "ngo-sonar")
SONAR_3 = fixed_key(3, "ngo-sonar")
TELCO = fixed_key(4, "telco-x")


# -- helpers ---------------------------------------------------------------------------------


def draft(type_: str, data: dict[str, Any], actor: str | None = None) -> Draft:
    return Draft(partnership=PID, type=type_, actor=actor, data=data, occurred_on=DAY)


def register(
    ledger: Ledger, key: SigningKey, endorser: SigningKey | None = None, signer: Any = None
) -> Envelope:
    """Register ``key`` for its partner, signed by itself unless ``signer`` says otherwise."""
    data = key.registration(PID, str(key.partner), endorser)
    return ledger.record(draft("PartnerKeyRegistered", data), signer=signer or key)


def assume(ledger: Ledger, partner: str, text: str, key: SigningKey | None = None) -> Envelope:
    """An own act of ``partner``: AssumptionDeclared."""
    return ledger.record(
        draft("AssumptionDeclared", {"partner": partner, "text": text}), signer=key
    )


def revoke(
    ledger: Ledger,
    key: SigningKey,
    signer: SigningKey | None,
    actor: str | None = None,
    **data: Any,
) -> Envelope:
    payload = {"partner": key.partner, "fingerprint": key.fingerprint, "reason": "Rotated", **data}
    return ledger.record(
        draft("PartnerKeyRevoked", payload, actor=actor or key.partner), signer=signer
    )


def stream(url: str) -> list[Envelope]:
    with Ledger(url) as ledger:
        return ledger.stream(PID)


def problems(url: str, *checkpoints: Checkpoint) -> list[Any]:
    with Ledger(url) as ledger:
        (report,) = verify_ledger(ledger, [PID], checkpoints)
    return report.problems


def pledger(url: str, *args: str, **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], **kwargs)


def refused(result: Result, *fragments: str) -> str:
    """A one-line error on stderr, exit code 2, naming every fragment."""
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.fixture
def url(sqlite_url: str) -> str:
    """A SQLite ledger holding the founded partnership."""
    with Ledger(sqlite_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
    return sqlite_url


@pytest.fixture
def both(db_url: str) -> str:
    """The founded partnership on SQLite and on PostgreSQL."""
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
    return db_url


class Intruder:
    """Direct database access with the append-only triggers dropped (SQLite) or disabled
    (PostgreSQL): what someone who controls the database can do."""

    def __init__(self, url: str) -> None:
        self.engine = sqlalchemy.create_engine(url)
        self.sqlite = self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    def _disarm(self, conn: Any) -> None:
        if self.sqlite:
            for name in ("events_no_update", "events_no_delete", "tree_heads_no_update",
                         "tree_heads_no_delete"):  # fmt: skip
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS pledger_{name}")
        else:
            conn.exec_driver_sql("ALTER TABLE pledger_events DISABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE pledger_tree_heads DISABLE TRIGGER USER")

    def sql(self, statement: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            self._disarm(conn)
            conn.execute(sqlalchemy.text(statement), params)
            if not self.sqlite:
                conn.exec_driver_sql("ALTER TABLE pledger_events ENABLE TRIGGER USER")
                conn.exec_driver_sql("ALTER TABLE pledger_tree_heads ENABLE TRIGGER USER")

    def row(self, seq: int) -> tuple[Any, str, dict[str, Any]]:
        """(stream id as stored, topic, decoded state) of ``seq``."""
        with self.engine.connect() as conn:
            found = conn.execute(
                sqlalchemy.text(
                    "SELECT originator_id, topic, state FROM pledger_events "
                    "WHERE originator_version = :v"
                ),
                {"v": seq},
            ).one()
        return found[0], found[1], json.loads(bytes(found[2]))

    def set_state(self, seq: int, state: dict[str, Any]) -> None:
        self.sql(
            "UPDATE pledger_events SET state = :s WHERE originator_version = :v",
            s=encode(state),
            v=seq,
        )

    def insert(self, seq: int, topic: str, state: dict[str, Any]) -> None:
        stream_id = self.row(1)[0]
        self.sql(
            "INSERT INTO pledger_events (originator_id, originator_version, topic, state) "
            "VALUES (:o, :v, :t, :s)",
            o=stream_id,
            v=seq,
            t=topic,
            s=encode(state),
        )

    def forge_heads(self, url: str) -> None:
        """The thorough intruder: tree heads rebuilt to match the changed content."""
        frontier = Frontier()
        for event in stream(url):
            frontier.append(bytes.fromhex(event.hash))
        self.sql("DELETE FROM pledger_tree_heads")
        self.sql(
            "INSERT INTO pledger_tree_heads VALUES (:p, :s, :r, :f, :t)",
            p=PID,
            s=frontier.size,
            r=frontier.root().hex(),
            f=json.dumps(frontier.to_json(), separators=(",", ":")),
            t="2026-06-01T12:00:00.000000Z",
        )


def encode(state: dict[str, Any]) -> bytes:
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()


def envelope_of(seq: int, topic: str, state: dict[str, Any]) -> Envelope:
    return Envelope(
        id=state["event_id"],
        partnership=state["partnership"],
        seq=seq,
        type=topic.split(":", 1)[1],
        occurred_on=state["occurred_on"],
        recorded_at=format_time(datetime.fromisoformat(state["timestamp"]["_data_"])),
        actor=state["actor"],
        data=state["data"],
        hash=state["hash"],
        signer=state["signer"],
        signature=state["signature"],
    )


def rehash(seq: int, topic: str, state: dict[str, Any]) -> dict[str, Any]:
    """What a thorough intruder does after a change: recompute the event's hash."""
    return {**state, "hash": envelope_of(seq, topic, state).computed_hash()}


def forged(seq: int, topic: str, state: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """``state`` signed by ``key`` (a valid Ed25519 signature over its leaf), hash recomputed."""
    unsigned = {**state, "signer": None, "signature": None}
    signature = key.sign(unsigned_leaf(envelope_of(seq, topic, unsigned)))
    return rehash(seq, topic, {**state, "signer": key.fingerprint, "signature": signature})


@pytest.fixture
def intruder(both: str) -> Iterator[Intruder]:
    spy = Intruder(both)
    yield spy
    spy.close()


# -- keys and key files ----------------------------------------------------------------------


def test_fingerprint_and_signature_follow_rfc_8032() -> None:
    """RFC 8032, 7.1, test 1: the public key is the raw 32 bytes, the fingerprint their
    SHA-256, and a signature the standard base64 of the 64 signature bytes."""
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    key = SigningKey(Ed25519PrivateKey.from_private_bytes(secret))
    assert base64.b64decode(key.public_key) == public
    assert key.fingerprint == hashlib.sha256(public).hexdigest() == fingerprint_of(public)
    assert base64.b64decode(key.sign(b"")).hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
        "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )


def test_keys_new_writes_a_private_key_file_mode_0600(tmp_path: Path) -> None:
    target = tmp_path / "sonar.key"
    old = os.umask(0)  # even with a permissive umask
    try:
        result = CliRunner().invoke(
            cli, ["keys", "new", "--partner", "ngo-sonar", "-o", str(target)]
        )
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    keyfile = KeyFile.read(target)
    assert not keyfile.encrypted and keyfile.partner == "ngo-sonar"
    key = keyfile.unlock()
    public = base64.b64decode(key.public_key)
    assert len(public) == 32
    assert f"public key:  {key.public_key}" in result.output
    assert f"fingerprint: {hashlib.sha256(public).hexdigest()}" in result.output
    assert key.fingerprint == keyfile.fingerprint
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_keys_new_never_overwrites_a_key_silently(tmp_path: Path) -> None:
    target = tmp_path / "sonar.key"
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["keys", "new", "--partner", "ngo-sonar", "-o", str(target)]).exit_code
        == 0
    )
    before = target.read_bytes()
    result = runner.invoke(cli, ["keys", "new", "--partner", "ngo-sonar", "-o", str(target)])
    refused(result, str(target), "exists", "--force")
    assert target.read_bytes() == before
    result = runner.invoke(
        cli, ["keys", "new", "--partner", "ngo-sonar", "-o", str(target), "--force"]
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes() != before
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(InvalidInput, match="exists"):
        write_key_file(target, SONAR)


@pytest.mark.parametrize("partner", ["Ngo Sonar", "", "a" * 65])
def test_keys_new_refuses_a_bad_partner_id(tmp_path: Path, partner: str) -> None:
    result = CliRunner().invoke(
        cli, ["keys", "new", "--partner", partner, "-o", str(tmp_path / "k")]
    )
    refused(result, "--partner")
    assert not (tmp_path / "k").exists()


def test_an_encrypted_key_needs_its_passphrase(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "sonar.key"
    monkeypatch.setenv("PLEDGER_KEY_PASSPHRASE", "correct horse")
    result = CliRunner().invoke(cli, ["keys", "new", "--partner", "ngo-sonar", "-o", str(target)])
    assert result.exit_code == 0 and "encrypted" in result.output, result.output
    assert b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in target.read_bytes()
    keyfile = KeyFile.read(target)
    assert keyfile.encrypted
    assert keyfile.unlock("correct horse").fingerprint == keyfile.fingerprint
    with pytest.raises(InvalidInput, match="wrong passphrase"):
        keyfile.unlock("wrong horse")
    with pytest.raises(InvalidInput, match="encrypted"):
        keyfile.unlock(None)
    # the CLI: a wrong passphrase is one line, exit 2, and nothing is written
    monkeypatch.setenv("PLEDGER_KEY_PASSPHRASE", "wrong horse")
    refused(pledger(url, "keys", "register", "--key", str(target)), "wrong passphrase")
    refused(pledger(url, "vote", "d-1", "--partner", "ngo-sonar", "--position", "for",
                    "--key", str(target)), "wrong passphrase")  # fmt: skip
    assert len(stream(url)) == 4
    # ...and the right one, typed at the prompt when the variable is not set
    monkeypatch.delenv("PLEDGER_KEY_PASSPHRASE")
    refused(pledger(url, "keys", "register", "--key", str(target)), "no passphrase")
    result = pledger(url, "keys", "register", "--key", str(target), input="correct horse\n")
    assert result.exit_code == 0, result.output
    assert stream(url)[-1].signer == keyfile.fingerprint


def test_keys_new_asks_for_the_passphrase_twice_with_encrypt(tmp_path: Path) -> None:
    target = tmp_path / "sonar.key"
    runner = CliRunner()
    args = ["keys", "new", "--partner", "ngo-sonar", "-o", str(target), "--encrypt"]
    result = runner.invoke(cli, args, input="s3cret\nother\ns3cret\ns3cret\n")
    assert result.exit_code == 0, result.output
    assert KeyFile.read(target).unlock("s3cret").partner == "ngo-sonar"


def test_a_key_file_that_is_not_one_or_was_edited_is_refused(url: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.key"
    junk.write_text("not a key\n")
    refused(pledger(url, "keys", "register", "--key", str(junk)), "not a Pledger key file")
    refused(pledger(url, "keys", "register", "--key", str(tmp_path / "none")), "cannot read")
    edited = tmp_path / "edited.key"
    edited.write_bytes(
        SONAR.to_pem().replace(SONAR.fingerprint.encode(), TELCO.fingerprint.encode())
    )
    refused(pledger(url, "keys", "register", "--key", str(edited)), "the file was edited")
    assert len(stream(url)) == 4


# -- registering keys ------------------------------------------------------------------------


def test_the_first_key_is_trusted_on_first_use_and_listed(url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "sonar.key"
    write_key_file(key_file, SONAR)
    refused(pledger(url, "keys", "register", "--key", str(key_file), "--on", "2026-3-1"),
            "'occurred_on'")  # fmt: skip
    refused(pledger(url, "keys", "register", "--key", str(key_file), "--partner", "telco-x"),
            "is a key of ngo-sonar")  # fmt: skip
    assert len(stream(url)) == 4
    result = pledger(url, "keys", "register", "--key", str(key_file))
    assert result.exit_code == 0, result.output
    event = stream(url)[-1]
    assert (event.type, event.actor, event.signer) == (
        "PartnerKeyRegistered",
        "ngo-sonar",
        SONAR.fingerprint,
    )
    assert dict(event.data) == {
        "partner": "ngo-sonar",
        "public_key": SONAR.public_key,
        "fingerprint": SONAR.fingerprint,
    }
    listed = json.loads(pledger(url, "keys", "list", "--format", "json").output)
    assert [(k["partner"], k["fingerprint"], k["status"], k["registered_seq"]) for k in listed] == [
        ("ngo-sonar", SONAR.fingerprint, "live", 5)
    ]
    text = pledger(url, "keys", "list").output
    assert SONAR.fingerprint in text and "1 key" in text  # the whole fingerprint, to compare
    assert problems(url) == []


def test_a_key_file_without_a_partner_needs_one_given(url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "anonymous.key"
    write_key_file(key_file, SigningKey(Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32)))
    assert KeyFile.read(key_file).partner is None
    refused(pledger(url, "keys", "register", "--key", str(key_file)), "give --partner")
    result = pledger(url, "keys", "register", "--key", str(key_file), "--partner", "ministry")
    assert result.exit_code == 0, result.output
    assert (stream(url)[-1].actor, stream(url)[-1].signer) == ("ministry", SONAR.fingerprint)


def test_a_registration_is_signed_by_the_key_it_registers(url: str) -> None:
    with Ledger(url) as ledger:
        data = SONAR.registration(PID, "ngo-sonar")
        with pytest.raises(SignatureError) as info:
            ledger.record(draft("PartnerKeyRegistered", data))  # unsigned
        assert info.value.field == "signature" and "proof of possession" in str(info.value)
        with pytest.raises(SignatureError) as info:
            ledger.record(draft("PartnerKeyRegistered", data), signer=SONAR_2)  # another key
        assert info.value.field == "signer"
        register(ledger, TELCO)
        with pytest.raises(SignatureError, match="proof of possession"):  # even a live one
            ledger.record(draft("PartnerKeyRegistered", data), signer=TELCO)
        wrong = {**data, "fingerprint": SONAR_2.fingerprint}
        with pytest.raises(InvalidEvent) as info:
            ledger.record(draft("PartnerKeyRegistered", wrong), signer=SONAR_2)
        assert info.value.field == "fingerprint" and "SHA-256 of public_key" in str(info.value)
        with pytest.raises(InvalidEvent) as info:  # an own act: the partner records it
            ledger.record(draft("PartnerKeyRegistered", data, actor="telco-x"), signer=SONAR)
        assert info.value.field == "actor"
        bad = {**data, "public_key": base64.b64encode(bytes(31)).decode()}
        with pytest.raises(InvalidEvent, match="32 bytes"):
            ledger.record(draft("PartnerKeyRegistered", bad), signer=SONAR)
    assert [e.type for e in stream(url)][-1] == "PartnerKeyRegistered"
    assert len(stream(url)) == 5  # only telco-x's key


def test_a_further_key_needs_the_endorsement_of_a_live_key(url: str, tmp_path: Path) -> None:
    with Ledger(url) as ledger:
        register(ledger, SONAR)
        register(ledger, TELCO)
        with pytest.raises(SignatureError) as info:
            register(ledger, SONAR_2)
        assert info.value.field == "endorsed_by" and "--signed-by" in str(info.value)
        with pytest.raises(SignatureError, match="is not a live key of ngo-sonar"):
            register(ledger, SONAR_2, endorser=TELCO)  # another partner's key
        copied = SONAR_2.registration(PID, "ngo-sonar", SONAR)
        copied["endorsement"] = SONAR.endorse(PID, "ngo-sonar", SONAR_3.fingerprint)
        with pytest.raises(SignatureError) as info:  # an endorsement of another key
            ledger.record(draft("PartnerKeyRegistered", copied), signer=SONAR_2)
        assert info.value.field == "endorsement"
        elsewhere = SONAR_2.registration(PID, "ngo-sonar", SONAR)
        elsewhere["endorsement"] = SONAR.endorse("other-chain", "ngo-sonar", SONAR_2.fingerprint)
        with pytest.raises(SignatureError, match="endorsement"):  # for another partnership
            ledger.record(draft("PartnerKeyRegistered", elsewhere), signer=SONAR_2)
        half = {k: v for k, v in copied.items() if k != "endorsement"}
        with pytest.raises(InvalidEvent, match="both or neither"):
            ledger.record(draft("PartnerKeyRegistered", half), signer=SONAR_2)
        assert register(ledger, SONAR_2, endorser=SONAR).data["endorsed_by"] == SONAR.fingerprint
        revoke(ledger, SONAR, signer=SONAR_2)
        with pytest.raises(SignatureError, match="is not a live key"):
            register(ledger, SONAR_3, endorser=SONAR)  # revoked
    # the CLI: --signed-by endorses
    for key in (SONAR_2, SONAR_3):
        write_key_file(tmp_path / f"{key.fingerprint[:8]}.key", key)
    new, live = (str(tmp_path / f"{k.fingerprint[:8]}.key") for k in (SONAR_3, SONAR_2))
    refused(pledger(url, "keys", "register", "--key", new), "endorsed_by", "--signed-by")
    result = pledger(url, "keys", "register", "--key", new, "--signed-by", live)
    assert result.exit_code == 0, result.output
    assert stream(url)[-1].data["endorsed_by"] == SONAR_2.fingerprint
    assert problems(url) == []


def test_a_key_is_registered_once(url: str) -> None:
    with Ledger(url) as ledger:
        register(ledger, SONAR)
        revoke(ledger, SONAR, signer=SONAR)
        with pytest.raises(InvalidEvent, match="already registered"):
            register(ledger, SONAR)  # not even again after its revocation
        stolen = fixed_key(1, "telco-x")  # SONAR's key, claimed by telco-x
        with pytest.raises(InvalidEvent, match="already registered"):
            register(ledger, stolen)  # nor by another partner


def test_a_partner_whose_keys_are_all_revoked_starts_again_on_first_use(url: str) -> None:
    with Ledger(url) as ledger:
        register(ledger, SONAR)
        revoke(ledger, SONAR, signer=SONAR)
        register(ledger, SONAR_2)  # no live key: trusted on first use again
        assume(ledger, "ngo-sonar", "Rain", key=SONAR_2)
    assert problems(url) == []


# -- signing and verifying -------------------------------------------------------------------


def test_signed_acts_carry_signer_and_signature_over_their_leaf(url: str) -> None:
    with Ledger(url) as ledger:
        register(ledger, SONAR)
        event = assume(ledger, "ngo-sonar", "Studios stay open", key=SONAR)
        exported = list(ledger.export_lines(PID))
    assert event.signer == SONAR.fingerprint
    # checked here with cryptography directly: the signature covers the leaf without the pair
    leaf = json.loads(event.leaf())
    assert (leaf["signer"], leaf["signature"]) == (event.signer, event.signature)
    del leaf["signer"], leaf["signature"]
    message = json.dumps(leaf, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(SONAR.public_key))
    public.verify(base64.b64decode(str(event.signature)), message.encode())
    line_out = json.loads(exported[-1])
    assert (line_out["signer"], line_out["signature"]) == (event.signer, event.signature)
    assert problems(url) == []


def test_the_signature_takes_part_in_the_hash(url: str) -> None:
    with Ledger(url) as ledger:
        register(ledger, SONAR)
        event = assume(ledger, "ngo-sonar", "Rain", key=SONAR)
    stripped = replace(event, signer=None, signature=None)
    assert stripped.computed_hash() != event.hash == event.computed_hash()


def test_an_act_forged_for_another_partner_is_refused(url: str, tmp_path: Path) -> None:
    with Ledger(url) as ledger:
        register(ledger, SONAR)
        with pytest.raises(SignatureError) as info:  # signed by ngo-sonar, an act of telco-x
            assume(ledger, "telco-x", "Forged", key=SONAR)
        assert info.value.field == "signer" and "not of the actor telco-x" in str(info.value)
        with pytest.raises(SignatureError, match="not of the actor broker"):  # nor the convenor's
            ledger.record(
                draft("PhaseChanged", {"phase": "planning"}, actor="broker"), signer=SONAR
            )
    key_file = tmp_path / "sonar.key"
    write_key_file(key_file, SONAR)
    result = pledger(url, "record", "AssumptionDeclared", "partner=telco-x", "text=Forged",
                     "--key", str(key_file))  # fmt: skip
    refused(result, "'signer'", "not of the actor telco-x")
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(jsonl(
        line("AssumptionDeclared", {"partner": "ngo-sonar", "text": "Mine"}, actor="ngo-sonar"),
        line("AssumptionDeclared", {"partner": "telco-x", "text": "Theirs"}, actor="telco-x"),
    ).getvalue())  # fmt: skip
    refused(pledger(url, "import", str(mixed), "--key", str(key_file)), "line 2", "telco-x")
    assert len(stream(url)) == 5  # the registration only


def test_a_forged_act_inserted_behind_the_back_is_reported(both: str, intruder: Intruder) -> None:
    with Ledger(both) as ledger:
        register(ledger, SONAR)
        assume(ledger, "telco-x", "Honest, unsigned")
    _, topic, state = intruder.row(6)
    state = {**state, "event_id": str(uuid.uuid4()),
             "data": {"partner": "telco-x", "text": "We withdraw everything"}}  # fmt: skip
    intruder.insert(7, topic, forged(7, topic, state, SONAR))
    found = problems(both)
    assert ("signature", 7) in [(p.kind, p.seq) for p in found], found
    signature = next(p for p in found if p.kind == "signature")
    assert "seq 7" in signature.message and "not of the actor telco-x" in signature.message
    assert ("head", 7) in [(p.kind, p.seq) for p in found]  # and appended outside Pledger
    result = pledger(both, "verify")
    assert result.exit_code == 1 and "seq 7" in result.output and "telco-x" in result.output


def test_a_revoked_key_signs_nothing_after_its_revocation(both: str, intruder: Intruder) -> None:
    with Ledger(both) as ledger:
        register(ledger, SONAR)
        before = assume(ledger, "ngo-sonar", "Signed while live", key=SONAR)
        revoke(ledger, SONAR, signer=SONAR)  # a key may revoke itself
        with pytest.raises(SignatureError) as info:
            assume(ledger, "ngo-sonar", "Signed after", key=SONAR)
        assert info.value.field == "signer" and "revoked (seq 7)" in str(info.value)
    assert problems(both) == []  # what it signed before still verifies
    assert before.seq == 6
    _, topic, state = intruder.row(6)
    state = {**state, "event_id": str(uuid.uuid4()), "data": {"partner": "ngo-sonar",
                                                              "text": "Backdated"}}  # fmt: skip
    intruder.insert(8, topic, forged(8, topic, state, SONAR))
    kinds = [(p.kind, p.seq) for p in problems(both)]
    assert ("signature", 8) in kinds, kinds
    assert "revoked" in next(p.message for p in problems(both) if p.kind == "signature")


def test_a_signature_copied_from_another_event_is_refused(url: str, tmp_path: Path) -> None:
    with Ledger(url) as ledger:
        register(ledger, SONAR)
        signed = assume(ledger, "ngo-sonar", "Signed", key=SONAR)
        assume(ledger, "ngo-sonar", "Unsigned")
        exported = "".join(ledger.export_lines(PID))
    copy = line("AssumptionDeclared", {"partner": "ngo-sonar", "text": "Not signed"},
                actor="ngo-sonar", signer=signed.signer, signature=signed.signature)  # fmt: skip
    with Ledger(url) as ledger, pytest.raises(SignatureError) as info:
        ledger.import_jsonl(jsonl(copy))
    assert info.value.field == "signature" and "does not verify" in str(info.value)
    new_fact = tmp_path / "copy.jsonl"
    new_fact.write_bytes(jsonl(copy).getvalue())
    refused(pledger(url, "import", str(new_fact)), "line 1", "'signature'", "does not verify")
    assert len(stream(url)) == 7
    # a restore whose line took another event's signature (its hash recomputed) is refused too
    lines = [json.loads(text) for text in exported.splitlines()]
    target = lines[6]  # the unsigned act of seq 7
    target |= {"signer": signed.signer, "signature": signed.signature}
    body = {k: v for k, v in target.items() if k != "hash"}
    target["hash"] = replace(
        Envelope(**{**body, "hash": ""}), signer=signed.signer, signature=signed.signature
    ).computed_hash()
    restore = tmp_path / "restore.jsonl"
    restore.write_text("".join(json.dumps(obj) + "\n" for obj in lines))
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    refused(pledger(fresh, "import", str(restore)), "line 7", "does not verify")


def test_a_signature_copied_behind_the_back_is_reported(both: str, intruder: Intruder) -> None:
    with Ledger(both) as ledger:
        register(ledger, SONAR)
        signed = assume(ledger, "ngo-sonar", "Signed", key=SONAR)
        assume(ledger, "ngo-sonar", "Unsigned")
    _, topic, state = intruder.row(7)
    copied = {**state, "signer": signed.signer, "signature": signed.signature}
    intruder.set_state(7, copied)
    assert [(p.kind, p.seq) for p in problems(both)][:1] == [("hash", 7)]
    intruder.set_state(7, rehash(7, topic, copied))
    found = problems(both)
    assert [(p.kind, p.seq) for p in found] == [("signature", 7), ("head", None)], found
    assert "does not verify" in found[0].message


def test_a_stripped_signature_is_caught(both: str, intruder: Intruder) -> None:
    """Stripped from a stored row: its hash no longer matches; with the hash recomputed, the
    tree heads no longer match; with the heads forged too, a kept checkpoint catches it, and
    the audit still flags an unsigned act of a partner with a live key (TR007)."""
    with Ledger(both) as ledger:
        register(ledger, SONAR)
        assume(ledger, "ngo-sonar", "Signed", key=SONAR)
        (report,) = verify_ledger(ledger, [PID])
    kept = report.checkpoint
    _, topic, state = intruder.row(6)
    stripped = {**state, "signer": None, "signature": None}
    intruder.set_state(6, stripped)
    assert [(p.kind, p.seq) for p in problems(both)] == [("hash", 6), ("head", None)]
    intruder.set_state(6, rehash(6, topic, stripped))
    found = problems(both)
    assert [(p.kind, p.seq) for p in found] == [("head", None)]
    assert "history was rewritten" in found[0].message
    intruder.forge_heads(both)
    assert problems(both) == []  # undetectable by the database alone...
    found = problems(both, kept)
    assert [(p.kind, p.checkpoint) for p in found] == [("checkpoint", str(kept))]  # ...not so
    with Ledger(both) as ledger:
        audit = run_audit(ledger, [PID], as_of=date(2026, 6, 1),
                          pm=get_plugin_manager(entry_points=False))  # fmt: skip
    tr007 = [f for f in audit.findings if f.rule == "TR007"]
    assert [(f.subject, f.evidence) for f in tr007] == [("partner:ngo-sonar", (6, 5))]


def test_verify_names_every_bad_signature_and_goes_on(both: str, intruder: Intruder) -> None:
    with Ledger(both) as ledger:
        register(ledger, SONAR)
        for text in ("One", "Two", "Three"):
            assume(ledger, "ngo-sonar", text, key=SONAR)
    for seq in (6, 8):
        _, topic, state = intruder.row(seq)
        intruder.set_state(seq, forged(seq, topic, state, TELCO))  # an unregistered key
    found = problems(both)
    assert [(p.kind, p.seq) for p in found] == [("signature", 6), ("signature", 8), ("head", None)]
    assert "no key with this fingerprint" in found[0].message


def test_a_registration_with_a_bad_signature_registers_nothing_in_verify(
    both: str, intruder: Intruder
) -> None:
    """A forged registration is reported, and the key it names does not then vouch for the
    events signed with it."""
    with Ledger(both) as ledger:
        register(ledger, SONAR)
        assume(ledger, "ngo-sonar", "Signed", key=SONAR)
    _, topic, state = intruder.row(5)
    intruder.set_state(5, rehash(5, topic, {**state, "signature": SONAR.sign(b"other")}))
    found = problems(both)
    assert [(p.kind, p.seq) for p in found] == [("signature", 5), ("signature", 6), ("head", None)]


# -- revocation ------------------------------------------------------------------------------


def test_a_revocation_is_signed_by_the_partner_or_approved_by_every_other_key_partner(
    url: str,
) -> None:
    with Ledger(url) as ledger:
        register(ledger, SONAR)
        register(ledger, TELCO)
        with pytest.raises(SignatureError, match="approved_by"):
            revoke(ledger, SONAR, signer=None)  # unsigned, not approved
        with pytest.raises(SignatureError, match="not of the actor ngo-sonar"):
            revoke(ledger, SONAR, signer=TELCO)
        with pytest.raises(SignatureError, match="signed by a live key of ngo-sonar"):
            revoke(ledger, SONAR, signer=TELCO, actor="telco-x")
        cases = [
            (["telco-x"], "telco-x", "approved_by", "missing ministry"),
            (["telco-x", "ministry", "ngo-sonar"], "telco-x", "approved_by", "not one of"),
            (["telco-x", "ministry"], "broker", "actor", "recorded by one of its approvers"),
        ]
        for approvers, actor, field, why in cases:
            with pytest.raises(InvalidEvent) as info:
                revoke(ledger, SONAR, signer=None, actor=actor, approved_by=approvers)
            assert (info.value.field, why in str(info.value)) == (field, True), str(info.value)
        with pytest.raises(SignatureError, match="telco-x, has a live key: sign with it"):
            revoke(ledger, SONAR, signer=None, actor="telco-x", approved_by=["telco-x", "ministry"])
        event = revoke(ledger, SONAR, signer=TELCO, actor="telco-x",
                       approved_by=["telco-x", "ministry"])  # fmt: skip
        assert event.signer == TELCO.fingerprint
        with pytest.raises(InvalidEvent, match="already revoked"):
            revoke(
                ledger, SONAR, signer=None, actor="ministry", approved_by=["telco-x", "ministry"]
            )
        with pytest.raises(InvalidEvent, match="names no key of ngo-sonar"):
            revoke(ledger, SONAR_2, signer=SONAR_2)
    assert problems(url) == []


def test_keys_revoke_on_the_command_line(url: str, tmp_path: Path) -> None:
    for key in (SONAR, SONAR_2):
        write_key_file(tmp_path / f"{key.fingerprint[:8]}.key", key)
    first, second = (str(tmp_path / f"{k.fingerprint[:8]}.key") for k in (SONAR, SONAR_2))
    assert pledger(url, "keys", "register", "--key", first).exit_code == 0
    assert pledger(url, "keys", "register", "--key", second, "--signed-by", first).exit_code == 0
    refused(pledger(url, "keys", "revoke", SONAR.fingerprint, "--reason", "Lost"), "approved_by")
    refused(pledger(url, "keys", "revoke", "0" * 64, "--reason", "Lost"), "no such key")
    result = pledger(
        url, "keys", "revoke", SONAR.fingerprint, "--reason", "Rotated", "--key", second
    )
    assert result.exit_code == 0, result.output
    result = pledger(url, "keys", "revoke", SONAR_2.fingerprint, "--reason", "Laptop stolen",
                     "--approved-by", "telco-x;ministry", "--actor", "ministry")  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = json.loads(pledger(url, "keys", "list", "--format", "json").output)
    assert [(k["fingerprint"], k["status"], k["reason"]) for k in listed] == [
        (SONAR.fingerprint, "revoked", "Rotated"),
        (SONAR_2.fingerprint, "revoked", "Laptop stolen"),
    ]
    assert "revoked (seq 8" in pledger(url, "keys", "list").output
    assert problems(url) == []


# -- require-signatures ----------------------------------------------------------------------


def test_require_signatures_refuses_unsigned_own_acts_of_partners_with_a_live_key(
    url: str,
) -> None:
    with Ledger(url, require_signatures=True) as ledger:
        register(ledger, SONAR)
        with pytest.raises(SignatureError) as info:
            assume(ledger, "ngo-sonar", "Unsigned")
        assert info.value.field == "signature" and "require-signatures" in str(info.value)
        assume(ledger, "ngo-sonar", "Signed", key=SONAR)
        assume(ledger, "telco-x", "No key, no signature needed")
        ledger.record(draft("PhaseChanged", {"phase": "planning"}, actor="ngo-sonar"))  # not own
        revoke(ledger, SONAR, signer=SONAR)
        assume(ledger, "ngo-sonar", "No live key any more")
    assert len(stream(url)) == 10
    assert problems(url) == []  # verify checks signatures, not the write policy


def test_require_signatures_from_the_config(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    key_file = tmp_path / "sonar.key"
    write_key_file(key_file, SONAR)
    assert pledger(url, "keys", "register", "--key", str(key_file)).exit_code == 0
    act = ["record", "AssumptionDeclared", "partner=ngo-sonar", "text=Rain"]
    assert pledger(url, *act).exit_code == 0  # no policy: allowed (TR007 will flag it)
    (tmp_path / "pledger.toml").write_text("require-signatures = true\n")
    refused(pledger(url, *act), "'signature'", "require-signatures")
    assert len(stream(url)) == 6
    result = pledger(url, *act, env={"PLEDGER_KEY": str(key_file)})
    assert result.exit_code == 0 and "signed by" in result.output, result.output
    assert stream(url)[-1].signer == SONAR.fingerprint
    (tmp_path / "pledger.toml").write_text('require-signatures = "yes"\n')
    refused(pledger(url, *act), "require-signatures", '"yes"')


def test_require_signatures_also_holds_for_a_restore(url: str, tmp_path: Path) -> None:
    """A history holding an unsigned own act of a keyed partner does not restore into a
    ledger that requires signatures (restore with the policy off, then turn it on)."""
    with Ledger(url) as ledger:
        register(ledger, SONAR)
        assume(ledger, "ngo-sonar", "Unsigned")
        exported = "".join(ledger.export_lines(PID)).encode()
    with Ledger(f"sqlite:///{tmp_path / 'strict.db'}", require_signatures=True) as strict:
        with pytest.raises(SignatureError, match="line 6"):
            strict.import_jsonl(io.BytesIO(exported))
        assert strict.partnerships() == []


# -- the command line, export and restore ----------------------------------------------------


def test_recording_commands_and_import_sign_with_key(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "sonar.key"
    write_key_file(key_file, SONAR, "pass phrase")
    monkeypatch.setenv("PLEDGER_KEY_PASSPHRASE", "pass phrase")
    assert pledger(url, "keys", "register", "--key", str(key_file)).exit_code == 0
    result = pledger(url, "commit", "c-1", "--partner", "ngo-sonar", "--kind", "money",
                     "--description", "Funds", "--key", str(key_file))  # fmt: skip
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PLEDGER_KEY", str(key_file))
    assert pledger(url, "fulfil", "c-1", "--evidence", "Receipt").exit_code == 0
    facts = tmp_path / "facts.jsonl"
    facts.write_bytes(jsonl(
        line("AssumptionDeclared", {"partner": "ngo-sonar", "text": "Rain"}, actor="ngo-sonar"),
        line("DealBreakerDeclared", {"partner": "ngo-sonar", "none": True}, actor="ngo-sonar"),
    ).getvalue())  # fmt: skip
    result = pledger(url, "import", str(facts))
    assert result.exit_code == 0, result.output
    events = stream(url)
    assert [(e.seq, e.signer) for e in events[4:]] == [(s, SONAR.fingerprint) for s in range(5, 10)]
    refused(pledger(url, "import", str(facts), "--format", "csv", "--type", "AssumptionDeclared"))
    assert problems(url) == []


def test_signed_histories_verify_after_export_and_restore(db_url: str, tmp_path: Path) -> None:
    """An honest signed history, exported and restored into a fresh SQLite or PostgreSQL
    database, keeps every signer and signature, verifies and exports byte for byte."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    with Ledger(url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
        register(ledger, SONAR)
        register(ledger, TELCO)
        assume(ledger, "ngo-sonar", "Signed", key=SONAR)
        register(ledger, SONAR_2, endorser=SONAR)
        revoke(ledger, SONAR, signer=SONAR_2)
        assume(ledger, "telco-x", "Unsigned")
        revoke(ledger, SONAR_2, signer=TELCO, actor="telco-x", approved_by=["telco-x", "ministry"])
        assume(ledger, "ngo-sonar", "After every key went")
    exported = tmp_path / "signed.jsonl"
    assert pledger(url, "export", "-o", str(exported)).exit_code == 0
    text = exported.read_text()
    assert text.count('"signature":') == 6
    result = pledger(db_url, "import", str(exported))
    assert result.exit_code == 0, result.output
    assert problems(db_url) == []
    assert pledger(db_url, "verify").exit_code == 0
    assert pledger(db_url, "export").stdout == text
    restored = {e.seq: (e.signer, e.signature) for e in stream(db_url)}
    assert restored == {e.seq: (e.signer, e.signature) for e in stream(url)}


def test_pledger_events_lists_the_key_types(url: str) -> None:
    listed = {t["type"]: t for t in json.loads(pledger(url, "events", "--format", "json").output)}
    registered, revoked = listed["PartnerKeyRegistered"], listed["PartnerKeyRevoked"]
    assert registered["own"] == "partner" and revoked["own"] is None
    assert [(f["name"], f["kind"], f["required"]) for f in registered["fields"]] == [
        ("partner", "partner", True), ("public_key", "public-key", True),
        ("fingerprint", "sha256", True), ("endorsed_by", "sha256", False),
        ("endorsement", "signature", False),
    ]  # fmt: skip
    assert [(f["name"], f["required"]) for f in revoked["fields"]] == [
        ("partner", True),
        ("fingerprint", True),
        ("reason", True),
        ("approved_by", False),
    ]
    text = pledger(url, "events").output
    assert "Signing keys" in text and "PartnerKeyRegistered" in text and "PartnerKeyRevoked" in text

"""Signing keys (issue #10, docs/signing.md): Ed25519 key pairs made and used through the
``cryptography`` package, the key files partners keep, and the checks the ledger runs on
signatures. No cryptography is written here: only encodings and the messages that are signed.

- A **public key** is its raw 32 bytes in standard base64; its **fingerprint** is the hex
  SHA-256 of those 32 bytes.
- An event's **signature** is the standard-base64 Ed25519 signature of its canonical leaf
  without ``signer`` and ``signature`` (DESIGN.md, Integrity); both then join the leaf, so a
  stripped or swapped signature changes the event's hash.
- An **endorsement** is a live key's signature over ``endorsement_message(...)``: how a
  partner admits a further key of its own (``PartnerKeyRegistered.endorsement``).
- A **key file** is PKCS#8 PEM, encrypted with a passphrase when one is given, created mode
  0600 and never overwritten silently. Comment lines before the PEM block name the partner,
  the fingerprint and the public key, so they can be read without the passphrase; loading
  checks that they agree with the key itself.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.canonical import leaf_bytes
from ledger.errors import InvalidInput, show

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    from ledger.events import Envelope

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
KEY_FILE_MODE = 0o600
ENDORSEMENT_PREFIX = "pledger-key-endorsement/v1"
_HEADER = "# Pledger signing key (Ed25519). Keep this file private."
_HEADER_RE = re.compile(r"^# (partner|fingerprint|public key): (\S+)$", re.MULTILINE)
_PEM_RE = re.compile(rb"-----BEGIN (ENCRYPTED )?PRIVATE KEY-----")


# -- encodings -------------------------------------------------------------------------------


def _strict_b64(text: Any, size: int) -> bytes | None:
    """The bytes of canonical standard base64 of exactly ``size`` bytes, else None: one value
    has one spelling, so a leaf cannot be varied without changing what it says."""
    if not isinstance(text, str) or not text.isascii():
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != size or base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def decode_public_key(text: Any) -> bytes | None:
    """The raw 32 bytes of a public key in standard base64, or None if it is not one."""
    return _strict_b64(text, PUBLIC_KEY_BYTES)


def decode_signature(text: Any) -> bytes | None:
    """The raw 64 bytes of an Ed25519 signature in standard base64, or None."""
    return _strict_b64(text, SIGNATURE_BYTES)


def fingerprint_of(public_key: bytes) -> str:
    """The fingerprint partners compare out of band: hex SHA-256 of the raw public key."""
    return hashlib.sha256(public_key).hexdigest()


def unsigned_leaf(event: Envelope) -> bytes:
    """What an event's signature covers: its canonical leaf without ``signer`` and
    ``signature`` (``id``, ``seq`` and ``recorded_at`` included, so a signature cannot be
    moved to another event)."""
    fields = event.as_dict()
    fields.pop("signer", None)
    fields.pop("signature", None)
    return leaf_bytes(fields)


def endorsement_message(partnership: str, partner: str, fingerprint: str) -> bytes:
    """What a live key signs to admit a further key of the same partner. It names the
    partnership, the partner and the new key, and a fingerprint is registered at most once,
    so an endorsement cannot be reused anywhere else."""
    return f"{ENDORSEMENT_PREFIX} {partnership} {partner} {fingerprint}".encode()


@lru_cache(maxsize=1024)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(raw)


def verify(public_key: str, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s (base64) Ed25519 signature of
    ``message``. Malformed keys or signatures simply do not verify."""
    from cryptography.exceptions import InvalidSignature

    raw_key, raw_signature = decode_public_key(public_key), decode_signature(signature)
    if raw_key is None or raw_signature is None:
        return False
    try:
        _public_key(raw_key).verify(raw_signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# -- private keys ----------------------------------------------------------------------------


class SigningKey:
    """A partner's private Ed25519 key: it signs events as the ledger's ``Signer`` protocol
    asks (``fingerprint``, ``sign``), endorses further keys, and saves itself as a key file."""

    def __init__(self, private: Ed25519PrivateKey, partner: str | None = None) -> None:
        from cryptography.hazmat.primitives import serialization

        self._private = private
        self.partner = partner
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_key: str = base64.b64encode(raw).decode("ascii")
        self._fingerprint = fingerprint_of(raw)

    @classmethod
    def generate(cls, partner: str | None = None) -> SigningKey:
        """A new key pair from the operating system's randomness."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.generate(), partner)

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    def sign(self, message: bytes) -> str:
        """The standard-base64 Ed25519 signature of ``message``."""
        return base64.b64encode(self._private.sign(message)).decode("ascii")

    def endorse(self, partnership: str, partner: str, fingerprint: str) -> str:
        """This key's endorsement of a further key of ``partner`` in ``partnership``."""
        return self.sign(endorsement_message(partnership, partner, fingerprint))

    def registration(
        self, partnership: str, partner: str, endorser: SigningKey | None = None
    ) -> dict[str, str]:
        """The data of the ``PartnerKeyRegistered`` of this key; a further key carries the
        endorsement of one of the partner's live keys."""
        data = {"partner": partner, "public_key": self.public_key, "fingerprint": self.fingerprint}
        if endorser is not None:
            data["endorsed_by"] = endorser.fingerprint
            data["endorsement"] = endorser.endorse(partnership, partner, self.fingerprint)
        return data

    def to_pem(self, passphrase: str | None = None) -> bytes:
        """The key file's content: the comment header, then PKCS#8 PEM (encrypted with the
        passphrase, the best algorithm ``cryptography`` offers, when one is given)."""
        from cryptography.hazmat.primitives import serialization

        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
            if passphrase
            else serialization.NoEncryption()
        )
        pem = self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        header = [_HEADER]
        if self.partner is not None:
            header.append(f"# partner: {self.partner}")
        header += [f"# fingerprint: {self.fingerprint}", f"# public key: {self.public_key}"]
        return ("\n".join(header) + "\n").encode("ascii") + pem


def write_key_file(
    path: Path, key: SigningKey, passphrase: str | None = None, *, force: bool = False
) -> None:
    """Save ``key`` to ``path``, mode 0600 from the first byte, and atomically: a hidden file
    beside it is created exclusively, written, fsynced and renamed into place. An existing
    file is refused unless ``force``: a key overwritten by mistake is lost for good."""
    folder = path.parent
    if not folder.is_dir():
        raise InvalidInput(f"cannot write {path}: no folder {folder}")
    if path.exists() and not force:
        raise InvalidInput(f"{path} exists; refusing to overwrite a key (pass --force to replace)")
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, KEY_FILE_MODE)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.to_pem(passphrase))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, KEY_FILE_MODE)  # whatever the umask did
        if force:
            os.replace(tmp, path)
        else:
            _place_exclusively(tmp, path)
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(
            f"{path} exists; refusing to overwrite a key (pass --force to replace)"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _place_exclusively(tmp: Path, path: Path) -> None:
    """Move ``tmp`` to ``path`` unless ``path`` exists (``FileExistsError``): a hard link
    fails rather than replace, where the file system has hard links."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here: check, then rename (a narrow race, never silent)
        if path.exists():
            raise FileExistsError(path) from None
        os.rename(tmp, path)
        return
    tmp.unlink()


@dataclass(frozen=True)
class KeyFile:
    """A key file as read from disk, before its passphrase (if any) is given."""

    path: Path
    pem: bytes
    encrypted: bool
    partner: str | None = None
    fingerprint: str | None = None
    public_key: str | None = None

    @classmethod
    def read(cls, path: Path | str) -> KeyFile:
        """Read a key file; ``InvalidInput`` names the file when it is not one."""
        path = Path(path)
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read key file {path}: {exc.strerror}") from None
        found = _PEM_RE.search(pem)
        if found is None:
            raise InvalidInput(f"{path} is not a Pledger key file (no PKCS#8 PEM private key)")
        header: dict[str, str] = {}
        with contextlib.suppress(UnicodeDecodeError):
            text = pem[: found.start()].decode("utf-8")
            header = {m.group(1): m.group(2) for m in _HEADER_RE.finditer(text)}
        return cls(
            path,
            pem[found.start() :],  # the PEM block alone: what every parser accepts
            encrypted=found.group(1) is not None,
            partner=header.get("partner"),
            fingerprint=header.get("fingerprint"),
            public_key=header.get("public key"),
        )

    def unlock(self, passphrase: str | None = None) -> SigningKey:
        """The private key, decrypted with ``passphrase`` when the file is encrypted. A wrong
        or missing passphrase, or a header that does not match the key, is ``InvalidInput``."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        if self.encrypted and not passphrase:
            raise InvalidInput(
                f"key file {self.path} is encrypted: give its passphrase "
                "(PLEDGER_KEY_PASSPHRASE or the prompt)"
            )
        secret = passphrase.encode("utf-8") if self.encrypted and passphrase else None
        try:
            private = serialization.load_pem_private_key(self.pem, secret)
        except ValueError as exc:
            if self.encrypted and "password" in str(exc).lower():
                raise InvalidInput(f"key file {self.path}: wrong passphrase") from None
            raise InvalidInput(f"{self.path} is not a readable private key") from None
        except TypeError:
            raise InvalidInput(f"{self.path} is not a readable private key") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise InvalidInput(f"{self.path} holds a {type(private).__name__}, not an Ed25519 key")
        key = SigningKey(private, self.partner)
        for name, value in (("fingerprint", key.fingerprint), ("public key", key.public_key)):
            written = self.fingerprint if name == "fingerprint" else self.public_key
            if written is not None and written != value:
                raise InvalidInput(
                    f"key file {self.path}: its header's {name} {show(written, 40)} is not "
                    "the key's own; the file was edited"
                )
        return key

"""Signing keys (docs/signing.md): ``keys new``, ``keys register``, ``keys list``,
``keys revoke``, and the ``--key`` option with which recording commands and ``import`` sign
what they write."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledger.cli.common import (
    console_for_tables,
    format_option,
    open_ledger,
    partnership_option,
    safe,
)
from ledger.errors import InvalidEvent, InvalidInput, show

if TYPE_CHECKING:
    from ledger.keys import SigningKey

PASSPHRASE_ENV = "PLEDGER_KEY_PASSPHRASE"

key_option = click.option(
    "--key",
    "key_file",
    envvar="PLEDGER_KEY",
    metavar="FILE",
    help="Sign with this key file [env PLEDGER_KEY; passphrase: PLEDGER_KEY_PASSPHRASE or asked].",
)
_on_option = click.option(
    "--on", "occurred_on", metavar="DATE", help="Business date (default today)."
)


def _ask(prompt: str, *, twice: bool = False) -> str:
    """A passphrase typed at the terminal (hidden); none at all is bad input, not a crash."""
    try:
        answer = click.prompt(
            prompt, hide_input=True, confirmation_prompt=twice, default="", show_default=False
        )
    except click.Abort:
        answer = ""
    if not answer:
        raise InvalidInput(f"no passphrase given (set {PASSPHRASE_ENV} or type it when asked)")
    return str(answer)


def unlock(path: str) -> SigningKey:
    """The private key of a key file; an encrypted one takes ``PLEDGER_KEY_PASSPHRASE`` or
    asks for its passphrase."""
    from ledger.keys import KeyFile

    keyfile = KeyFile.read(path)
    passphrase = None
    if keyfile.encrypted:
        passphrase = os.environ.get(PASSPHRASE_ENV) or _ask(f"Passphrase for {path}")
    return keyfile.unlock(passphrase)


def signer_for(key_file: str | None) -> SigningKey | None:
    """The signer a ``--key`` option names, if any."""
    return unlock(key_file) if key_file else None


@click.group()
def keys() -> None:
    """Signing keys: make, register, list and revoke partners' keys (docs/signing.md)."""


@keys.command("new")
@click.option("--partner", required=True, metavar="ID", help="The partner the key is for.")
@click.option("-o", "--output", required=True, metavar="FILE", help="The private key file.")
@click.option(
    "--encrypt/--no-encrypt",
    default=None,
    help="Encrypt with a passphrase (PLEDGER_KEY_PASSPHRASE, else asked twice) "
    "[default: encrypt when PLEDGER_KEY_PASSPHRASE is set].",
)
@click.option("--force", is_flag=True, help="Replace an existing file (the old key is lost).")
def new(partner: str, output: str, encrypt: bool | None, force: bool) -> None:
    """Make an Ed25519 key pair: the private key file (mode 0600) and, printed, the public
    key and its fingerprint."""
    from ledger.catalogue import ID_RE
    from ledger.keys import SigningKey, write_key_file

    if not ID_RE.fullmatch(partner):
        raise InvalidInput(f"--partner {show(partner)}: ids match [a-z0-9][a-z0-9._-]{{0,63}}")
    env = os.environ.get(PASSPHRASE_ENV)
    passphrase = None
    if encrypt or (encrypt is None and env):
        passphrase = env or _ask("Passphrase for the new key", twice=True)
    key = SigningKey.generate(partner)
    write_key_file(Path(output), key, passphrase, force=force)
    how = "encrypted " if passphrase else ""
    click.echo(f"wrote the {how}private key of {partner} to {output} (mode 0600)")
    click.echo(f"public key:  {key.public_key}")
    click.echo(f"fingerprint: {key.fingerprint}")
    click.echo(f"register it: pledger keys register -P PARTNERSHIP --key {output}")


@keys.command("register")
@partnership_option
@click.option("--key", "key_file", required=True, metavar="FILE", help="The key file to register.")
@click.option("--partner", metavar="ID", help="Whose key [default: the partner the file names].")
@click.option(
    "--signed-by",
    metavar="FILE",
    help="A live key of the same partner, which endorses this one (required for a further key).",
)
@_on_option
@click.pass_context
def register(
    ctx: click.Context,
    partnership: str | None,
    key_file: str,
    partner: str | None,
    signed_by: str | None,
    occurred_on: str | None,
) -> None:
    """Record PartnerKeyRegistered, signed by the key itself (proof of possession). A
    partner's first key is trusted on first use; a further key needs --signed-by."""
    from ledger.events import Draft, _envelope_date

    if occurred_on is not None:
        _envelope_date("PartnerKeyRegistered", "occurred_on", occurred_on)

    key = unlock(key_file)
    partner = partner or key.partner
    if partner is None:
        raise InvalidInput(f"{key_file} names no partner: give --partner")
    if key.partner is not None and key.partner != partner:
        raise InvalidInput(f"--partner {partner}: {key_file} is a key of {key.partner}")
    endorser = signer_for(signed_by)
    with open_ledger(ctx, create=True) as ledger:
        pid = ledger.choose(partnership)
        data = key.registration(pid, partner, endorser)
        event = ledger.record(
            Draft(
                partnership=pid,
                type="PartnerKeyRegistered",
                actor=partner,
                data=data,
                occurred_on=occurred_on,
            ),
            signer=key,
        )
    click.echo(f"registered key {key.fingerprint} of {partner} in {pid} as seq {event.seq}")


def _key_rows(ledger: Any, pid: str) -> list[dict[str, Any]]:
    state = ledger.state(pid)
    return [
        {
            "partnership": pid,
            "partner": k.partner,
            "fingerprint": k.fingerprint,
            "public_key": k.public_key,
            "status": "live" if k.live else "revoked",
            "registered_seq": k.registered_seq,
            "registered_on": k.registered_on,
            "revoked_seq": k.revoked_seq,
            "revoked_on": k.revoked_on,
            "reason": k.revoked_because,
        }
        for k in sorted(state.keys.values(), key=lambda k: (k.partner, k.registered_seq))
    ]


@keys.command("list")
@partnership_option
@format_option("text", "json")
@click.pass_context
def list_(ctx: click.Context, partnership: str | None, fmt: str) -> None:
    """Every key registered in a partnership, live or revoked, with its full fingerprint:
    compare them with your partners out of band (first keys are trusted on first use)."""
    with open_ledger(ctx, create=False) as ledger:
        rows = _key_rows(ledger, ledger.choose(partnership))
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("partner", "fingerprint", "status", "registered"):
        table.add_column(column, overflow="fold")
    for row in rows:
        status = row["status"]
        if row["revoked_seq"] is not None:
            status += f" (seq {row['revoked_seq']}, {row['revoked_on']}: {row['reason']})"
        registered = f"seq {row['registered_seq']}, {row['registered_on']}"
        table.add_row(safe(row["partner"]), row["fingerprint"], safe(status), registered)
    console = console_for_tables()
    console.print(table)
    console.print(f"{len(rows)} key{'s' * (len(rows) != 1)}")


@keys.command("revoke")
@click.argument("fingerprint")
@partnership_option
@click.option("--reason", required=True, help="Why the key must no longer sign.")
@click.option(
    "--approved-by",
    metavar="A;B",
    help="For a lost key: every other key partner; the actor is one of them.",
)
@click.option(
    "--actor",
    envvar="PLEDGER_ACTOR",
    metavar="ID",
    help="Who records it [default: the key's partner; with --approved-by: the --key's partner].",
)
@key_option
@_on_option
@click.pass_context
def revoke(
    ctx: click.Context,
    fingerprint: str,
    partnership: str | None,
    reason: str,
    approved_by: str | None,
    actor: str | None,
    key_file: str | None,
    occurred_on: str | None,
) -> None:
    """Record PartnerKeyRevoked: signed by a live key of the same partner (--key), or, when
    the key is lost, approved by every other key partner (--approved-by)."""
    from ledger.events import Draft, _envelope_date

    if occurred_on is not None:
        _envelope_date("PartnerKeyRevoked", "occurred_on", occurred_on)

    signer = signer_for(key_file)
    with open_ledger(ctx, create=True) as ledger:
        pid = ledger.choose(partnership)
        registered = ledger.state(pid).keys.get(fingerprint)
        if registered is None:
            raise InvalidEvent(
                "PartnerKeyRevoked", "fingerprint", fingerprint, f"no such key in {pid}"
            )
        data: dict[str, Any] = {
            "partner": registered.partner,
            "fingerprint": fingerprint,
            "reason": reason,
        }
        if approved_by is not None:
            data["approved_by"] = [a.strip() for a in approved_by.split(";") if a.strip()]
            actor = actor or (signer.partner if signer else None)
        else:
            actor = actor or registered.partner
        event = ledger.record(
            Draft(
                partnership=pid,
                type="PartnerKeyRevoked",
                actor=actor,
                data=data,
                occurred_on=occurred_on,
            ),
            signer=signer,
        )
    click.echo(f"revoked key {fingerprint} of {registered.partner} in {pid} as seq {event.seq}")


COMMANDS = [keys]

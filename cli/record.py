"""Recording: the generic ``record`` command and the short commands for the daily acts.

Every command builds a ``Draft`` from its arguments and hands it to the ledger, which checks
it; the short commands are generated from the catalogue (one table row each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ledger.catalogue import CORE_TYPES, EventType
from ledger.cli.common import catalogue, open_ledger, partnership_option
from ledger.cli.keys import key_option, signer_for
from ledger.errors import InvalidEvent, InvalidInput
from ledger.events import Draft, loads

actor_option = click.option(
    "--actor",
    envvar="PLEDGER_ACTOR",
    metavar="ID",
    help="Who records it [env PLEDGER_ACTOR; default: the partner an own act speaks for].",
)
on_option = click.option(
    "--on", "occurred_on", metavar="DATE", help="Business date (default today)."
)


def parse_assignments(etype: EventType, items: tuple[str, ...]) -> dict[str, Any]:
    """``field=value`` (``a;b`` for lists) and ``field:=JSON`` into a data object."""
    data: dict[str, Any] = {}
    for item in items:
        if ":=" in item and item.index(":=") < item.find("=") + 1:
            name, _, raw = item.partition(":=")
            try:
                value = loads(raw)
            except InvalidInput as exc:
                raise InvalidEvent(etype.name, name, raw, str(exc)) from None
        elif "=" in item:
            name, _, raw = item.partition("=")
            value = etype.parse_text_value(name, raw)
        else:
            raise InvalidEvent(
                etype.name, None, item, f"expected field=value or field:=JSON, got {item!r}"
            )
        if name in data:
            raise InvalidEvent(etype.name, name, value, "given twice")
        data[name] = value
    return data


def record_event(
    ctx: click.Context,
    etype_name: str,
    partnership: str | None,
    actor: str | None,
    occurred_on: str | None,
    data: dict[str, Any],
    key_file: str | None = None,
) -> None:
    from ledger.events import _envelope_date

    if occurred_on is not None:
        _envelope_date(etype_name, "occurred_on", occurred_on)
    signer = signer_for(key_file)
    with open_ledger(ctx, create=True) as ledger:
        pid = partnership if etype_name == "PartnershipFounded" else ledger.choose(partnership)
        if pid is None:
            raise InvalidEvent(
                etype_name, "partnership", None, "give the new partnership's id with -P"
            )
        draft = Draft(
            partnership=pid, type=etype_name, actor=actor, data=data, occurred_on=occurred_on
        )
        event = ledger.record(draft, signer=signer)
    signed = f", signed by {event.signer[:16]}" if event.signer else ""
    click.echo(
        f"recorded {event.type} in {event.partnership} as seq {event.seq} "
        f"(occurred {event.occurred_on}, by {event.actor}{signed})"
    )


@click.command()
@click.argument("event_type", metavar="TYPE")
@click.argument("fields", nargs=-1, metavar="FIELD=VALUE...")
@partnership_option
@actor_option
@on_option
@click.option("--data", "data_json", metavar="JSON", help="All data fields as one JSON object.")
@key_option
@click.pass_context
def record(
    ctx: click.Context,
    event_type: str,
    fields: tuple[str, ...],
    partnership: str | None,
    actor: str | None,
    occurred_on: str | None,
    data_json: str | None,
    key_file: str | None,
) -> None:
    """Record one event of any type (see `pledger events`).

    Fields are FIELD=VALUE (lists as a;b;c) or FIELD:=JSON, or all at once with --data.
    """
    etype = catalogue(ctx).get(event_type)
    if etype is None:
        raise InvalidEvent(
            event_type, "type", event_type, "unknown event type (see `pledger events`)"
        )
    if data_json is not None and fields:
        raise click.UsageError("give the fields either as FIELD=VALUE or with --data, not both")
    if data_json is not None:
        try:
            data = loads(data_json)
        except InvalidInput as exc:
            raise InvalidEvent(event_type, "data", data_json, str(exc)) from None
    else:
        data = parse_assignments(etype, fields)
    record_event(ctx, event_type, partnership, actor, occurred_on, data, key_file)


def short_command(
    name: str, event_type: str, positional: str, help_text: str
) -> Callable[..., Any]:
    """A command for one daily act: the id as argument, each other field as an option."""
    etype = CORE_TYPES[event_type]
    others = [f for f in etype.fields if f.name != positional]

    def callback(
        ctx: click.Context,
        ident: str,
        partnership: str | None,
        actor: str | None,
        occurred_on: str | None,
        key_file: str | None,
        **options: str | None,
    ) -> None:
        data: dict[str, Any] = {} if positional == "partnership" else {positional: ident}
        if positional == "partnership":
            partnership = ident
        for fld in others:
            raw = options.get(fld.name)
            if raw is not None:
                data[fld.name] = etype.parse_text_value(fld.name, raw)
        record_event(ctx, event_type, partnership, actor, occurred_on, data, key_file)

    command = click.pass_context(callback)
    for fld in reversed(others):
        flag = "--" + fld.name.replace("_", "-")
        extra = (
            " (a;b;c)" if fld.is_list else " (aspect=rating;...)" if fld.kind == "ratings" else ""
        )
        command = click.option(
            flag,
            fld.name,
            metavar=fld.kind.upper() if not fld.enum else "|".join(fld.enum),
            help=f"{'required' if fld.required else 'optional'}{extra}",
        )(command)
    for decorate in (key_option, on_option, actor_option, partnership_option):
        command = decorate(command)
    command = click.argument("ident", metavar=positional.upper())(command)
    return click.command(name, help=f"{help_text} (records {event_type}).")(command)


new = short_command("new", "PartnershipFounded", "partnership", "Found a new partnership")
commit = short_command("commit", "CommitmentMade", "commitment", "A partner commits resources")
fulfil = short_command(
    "fulfil", "CommitmentFulfilled", "commitment", "A partner delivers on a commitment"
)
propose = short_command("propose", "DecisionProposed", "decision", "Propose a decision")
vote = short_command("vote", "VoteCast", "decision", "A partner votes on a proposed decision")
decide = short_command("decide", "DecisionTaken", "decision", "Record the decision taken")
share = short_command(
    "share", "InformationShared", "subject", "Share information (subject kind:id)"
)


@click.group()
def partner() -> None:
    """Partners joining the partnership."""


partner.add_command(short_command("add", "PartnerJoined", "partner", "A partner joins"))


@click.group()
def review() -> None:
    """Participatory reviews: open, submit, conclude."""


review.add_command(short_command("open", "ReviewOpened", "review", "Open a review"))
review.add_command(
    short_command("submit", "ReviewSubmitted", "review", "A partner submits its review")
)
review.add_command(short_command("conclude", "ReviewConcluded", "review", "Conclude a review"))

COMMANDS = [record, new, partner, commit, fulfil, propose, vote, decide, share, review]

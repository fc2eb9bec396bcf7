"""The ``eventsourcing`` application Pledger's streams are stored through, and its domain
event classes (one per event type, with an explicit topic ``pledger:<Type>``).

Only ``ledger.store`` imports this module, and only when a command needs the application:
creating the schema, writing, or reading a database other than a SQLite file. Importing
``eventsourcing-sqlalchemy`` (with SQLAlchemy, its ORM and ``sqlalchemy_utils``) takes
about a third of a second, most of a read command's start-up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import register_topic

from ledger.canonical import format_time
from ledger.events import Envelope, parse_time, thaw
from ledger.store import TOPIC_PREFIX, stream_id


@dataclass(frozen=True)
class Recorded(DomainEvent):
    """Base of the stored event classes: the envelope, with ``originator_version`` as ``seq``
    and ``timestamp`` as ``recorded_at``."""

    TOPIC: ClassVar[str]
    EVENT_TYPE: ClassVar[str]

    event_id: str
    partnership: str
    occurred_on: str
    actor: str
    data: dict[str, Any]
    hash: str
    signer: str | None = None
    signature: str | None = None


_event_classes: dict[str, type[Recorded]] = {}


def event_class(event_type: str) -> type[Recorded]:
    """The stored class of an event type, created and registered on first use.

    Types no installed plugin declares still get a class, so their stored events load.
    """
    try:
        return _event_classes[event_type]
    except KeyError:
        cls = type(
            event_type,
            (Recorded,),
            {"TOPIC": TOPIC_PREFIX + event_type, "EVENT_TYPE": event_type, "__module__": __name__},
        )
        register_topic(TOPIC_PREFIX + event_type, cls)
        _event_classes[event_type] = cls
        return cls


def to_domain(envelope: Envelope) -> Recorded:
    cls = event_class(envelope.type)
    return cls(
        originator_id=stream_id(envelope.partnership),
        originator_version=envelope.seq,
        timestamp=parse_time(envelope.recorded_at.replace("Z", "+00:00")),
        event_id=envelope.id,
        partnership=envelope.partnership,
        occurred_on=envelope.occurred_on,
        actor=envelope.actor,
        data=thaw(envelope.data),
        hash=envelope.hash,
        signer=envelope.signer,
        signature=envelope.signature,
    )


def to_envelope(event: Recorded) -> Envelope:
    return Envelope(
        id=event.event_id,
        partnership=event.partnership,
        seq=event.originator_version,
        type=type(event).EVENT_TYPE,
        occurred_on=event.occurred_on,
        recorded_at=format_time(event.timestamp),
        actor=event.actor,
        data=event.data,
        hash=event.hash,
        signer=getattr(event, "signer", None),
        signature=getattr(event, "signature", None),
    )


class _Mapper(Mapper[uuid.UUID]):
    """Registers a class for any ``pledger:`` topic before eventsourcing resolves it."""

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        if stored_event.topic.startswith(TOPIC_PREFIX):
            event_class(stored_event.topic[len(TOPIC_PREFIX) :])
        return super().to_domain_event(stored_event)


class PledgerApp(Application[uuid.UUID]):
    """The application over the ledger's database (its recorder's table is
    ``pledger_events``: the name is the application's, lower-cased)."""

    name = "Pledger"

    def construct_mapper(self) -> Mapper[uuid.UUID]:
        return _Mapper(transcoder=self.construct_transcoder())


def open_app(url: str) -> PledgerApp:
    """The application on the database at ``url``, creating no table (the ledger does)."""
    return PledgerApp(
        env={
            "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
            "SQLALCHEMY_URL": url,
            "CREATE_TABLE": "no",
        }
    )

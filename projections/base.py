"""What every projection provides to the projection runner.

The runner consumes the complaint events topic and, for each event, opens one
database transaction in which it checks the event's per-complaint sequence
(an exact duplicate is skipped, a gap stops the runner), calls the
projection's ``apply``, and records the event's Kafka position (topic,
partition, offset). The view and the position therefore always agree, and a
restarted projection resumes exactly after the last event it applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection, MetaData

    from events.structured import DecodedEvent


@dataclass(frozen=True, slots=True)
class Position:
    """Where an event was read from: a Kafka topic, partition and offset."""

    topic: str
    partition: int
    offset: int


class Projection(Protocol):
    """A read model fed from the complaint events topic.

    ``name`` is a short identifier (``status``, ``audit``, ``performance``)
    used for the consumer group, the table prefix and the metrics label.
    ``metadata`` holds the projection's own tables, created before the first
    event; their names start with ``name``. ``apply`` runs inside the
    runner's transaction on ``connection`` and must not commit.
    """

    name: ClassVar[str]
    metadata: MetaData

    def apply(
        self, connection: Connection, event: DecodedEvent, position: Position
    ) -> None: ...

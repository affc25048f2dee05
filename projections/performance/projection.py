"""The performance projection: each complaint's timeline, kept for the metrics.

``apply`` and ``apply_many`` do constant work per event: the batch reads each
complaint's row by primary key, folds the event into the stored state and
deadline tracker, and writes the row and one step back (see
:mod:`projections.performance.batch`). Every metric is computed at query time
from the steps (see :mod:`projections.performance.queries`), so figures can
be recomputed as of any past moment and never depend on the wall clock.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from projections.performance import tables
from projections.performance.batch import Batch, known_at

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection, MetaData

    from events.structured import DecodedEvent
    from projections.base import Position

__all__ = ["PerformanceProjection", "known_at"]

logger = logging.getLogger(__name__)


class PerformanceProjection:
    """Keeps every complaint's timeline for the performance metrics."""

    name: ClassVar[str] = tables.PREFIX

    def __init__(self) -> None:
        self.metadata: MetaData = tables.metadata

    def apply(
        self, connection: Connection, event: DecodedEvent, position: Position
    ) -> None:
        """Fold one event into its complaint's row and timeline; never commits.

        An event at or below the complaint's last applied sequence is skipped
        as a duplicate. Raises ``ProjectionStateError`` for a later event of a
        complaint the projection has not seen, or one that skips a sequence.
        """
        self.apply_many(connection, [(event, position)])

    def apply_many(
        self, connection: Connection, events: Sequence[tuple[DecodedEvent, Position]]
    ) -> None:
        """Fold a batch of events, in order, as :meth:`apply` folds each one."""
        batch = Batch(connection)
        batch.load(event.envelope.subject for event, _ in events)
        for event, _ in events:
            batch.fold(event.envelope)
        batch.write()
        if batch.skipped:
            logger.debug("Skipped %d duplicate events in a batch", batch.skipped)

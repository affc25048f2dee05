"""The cross-agency status view: every complaint's status, holder and due dates."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from projections.status.fold import ComplaintFold, advance, start
from projections.status.storage import DEFAULT_CACHE_SIZE, FoldStore, PendingRows
from projections.status.tables import METADATA, NAME

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection

    from events.structured import DecodedEvent
    from projections.base import Position


class StatusProjection:
    """Folds each complaint's events into its row of the status tables.

    The runner calls ``apply_many`` with a batch in partition order, so each
    complaint's events arrive in sequence order. Each complaint's row is read
    and written once per batch.
    """

    name: ClassVar[str] = NAME

    def __init__(self, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self.metadata = METADATA
        self._store = FoldStore(cache_size)

    def apply(
        self, connection: Connection, event: DecodedEvent, position: Position
    ) -> None:
        self.apply_many(connection, [(event, position)])

    def apply_many(
        self, connection: Connection, events: Sequence[tuple[DecodedEvent, Position]]
    ) -> None:
        subjects = {event.envelope.subject for event, _ in events}
        folds: dict[str, ComplaintFold] = self._store.load(connection, subjects)
        existing = set(folds)
        rows = PendingRows()
        for event, _position in events:
            envelope = event.envelope
            fold = folds.get(envelope.subject)
            step = start(envelope) if fold is None else advance(fold, envelope)
            folds[envelope.subject] = step.fold
            rows.add(step, envelope)
        changed = [folds[subject] for subject in sorted(subjects)]
        self._store.store(connection, changed, existing=existing, rows=rows)

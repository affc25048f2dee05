"""One batch of records, applied to a projection in one database transaction.

The transaction locks the batch's partition positions, reads the chain heads
of the batch's complaints, applies what the sequence check allows, publishes
poison records to the dead-letter topic, and stores the new heads, event
hashes and positions before it commits. A failure anywhere rolls all of it
back, so the view and the positions never disagree. Database errors that a
retry can clear (a lock timeout, a dropped connection) are retried with
bounded back-off.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy.exc import OperationalError

from projections.runner.errors import ApplyError, StoreError
from projections.runner.records import PoisonRecord, decode
from projections.runner.sequencing import BatchPlan, hashes_to_load, plan_batch

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection, Engine

    from events.structured import DecodedEvent
    from projections.base import Position, Projection
    from projections.runner.dead_letters import DeadLetterSink
    from projections.runner.errors import HaltError
    from projections.runner.records import IncomingRecord
    from projections.runner.sequencing import BatchItem
    from projections.runner.tracking import PartitionKey, TrackingTables

logger = logging.getLogger(__name__)


@runtime_checkable
class BatchProjection(Protocol):
    """A projection that applies a batch of events in one call, in order.

    The runner prefers ``apply_many`` when a projection has it, so that the
    projection can read and write each complaint's rows once per batch.
    """

    def apply_many(
        self, connection: Connection, events: Sequence[tuple[DecodedEvent, Position]]
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential back-off for retriable database errors."""

    attempts: int = 6
    first_delay: float = 0.2
    max_delay: float = 5.0

    def delays(self) -> list[float]:
        """Return the waits before the second and later attempts, in seconds."""
        return [
            min(self.first_delay * 2**attempt, self.max_delay)
            for attempt in range(self.attempts - 1)
        ]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The counts and new positions of a committed batch."""

    applied: int
    duplicates: int
    already_processed: int
    dead_lettered: int
    positions: dict[PartitionKey, int]
    newest_recorded_at: dt.datetime | None
    halt: HaltError | None

    @classmethod
    def of(cls, plan: BatchPlan) -> BatchResult:
        return cls(
            applied=len(plan.to_apply),
            duplicates=plan.duplicates,
            already_processed=plan.already_processed,
            dead_lettered=len(plan.poison),
            positions=dict(plan.positions),
            newest_recorded_at=plan.newest_recorded_at,
            halt=plan.halt,
        )


class BatchApplier:
    """Applies batches of records to one projection in its database."""

    def __init__(
        self,
        projection: Projection,
        engine: Engine,
        tracking: TrackingTables,
        dead_letters: DeadLetterSink,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.projection = projection
        self.engine = engine
        self.tracking = tracking
        self.dead_letters = dead_letters
        self.retry = retry or RetryPolicy()

    async def apply(self, records: Sequence[IncomingRecord]) -> BatchResult:
        """Apply ``records`` (per partition in offset order) in one transaction."""
        items: list[BatchItem] = [(record, decode(record)) for record in records]
        delays = self.retry.delays()
        for attempt in range(self.retry.attempts):
            try:
                return await self._transaction(items)
            except OperationalError as exc:
                if attempt == len(delays):
                    raise StoreError(
                        f"the {self.projection.name} projection's database failed "
                        f"{self.retry.attempts} times in a row: {exc.orig}; check "
                        "that it is reachable and not locked by another program"
                    ) from exc
                logger.warning(
                    "Batch of %d records for projection %s failed (attempt %d of "
                    "%d), retrying in %.1f s: %s",
                    len(items),
                    self.projection.name,
                    attempt + 1,
                    self.retry.attempts,
                    delays[attempt],
                    exc.orig,
                )
                await asyncio.sleep(delays[attempt])
        msg = "unreachable: the retry loop returns or raises"
        raise AssertionError(msg)

    async def _transaction(self, items: Sequence[BatchItem]) -> BatchResult:
        tracking = self.tracking
        partitions = {(record.topic, record.partition) for record, _ in items}
        subjects = [
            item.envelope.subject
            for _, item in items
            if not isinstance(item, PoisonRecord)
        ]
        started_at = dt.datetime.now(dt.UTC)
        with self.engine.begin() as connection:
            stored_positions = tracking.lock_positions(
                connection, partitions, at=started_at
            )
            heads = tracking.load_heads(connection, subjects)
            hashes = tracking.load_hashes(connection, hashes_to_load(items, heads))
            plan = plan_batch(
                items,
                stored_positions=stored_positions,
                heads=heads,
                stored_hashes=hashes,
            )
            self._apply(connection, plan.to_apply)
            await self.dead_letters.publish(plan.poison)
            tracking.record(
                connection,
                heads=plan.heads,
                hashes=plan.hashes,
                positions=plan.positions,
                stored_positions=stored_positions,
                at=started_at,
            )
        return BatchResult.of(plan)

    def _apply(
        self, connection: Connection, events: Sequence[tuple[DecodedEvent, Position]]
    ) -> None:
        if not events:
            return
        projection = self.projection
        try:
            if isinstance(projection, BatchProjection):
                projection.apply_many(connection, events)
            else:
                for event, position in events:
                    projection.apply(connection, event, position)
        except OperationalError:
            raise
        except Exception as exc:
            first, last = events[0][1], events[-1][1]
            raise ApplyError(
                f"projection {projection.name} failed on the batch from "
                f"{first.topic} partition {first.partition} offset {first.offset} "
                f"to partition {last.partition} offset {last.offset}: "
                f"{type(exc).__name__}: {exc}. The batch was rolled back; fix the "
                "projection and restart the runner"
            ) from exc

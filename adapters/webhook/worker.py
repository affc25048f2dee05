"""One delivery worker per destination: an asyncio task over a bounded queue.

The worker sends one event at a time, in the order the feed handed them
over, so an agency receives each complaint's events in sequence order. A
failed attempt is retried after an exponential back-off with full jitter.
The event is dead-lettered after the last attempt, and at once when the
endpoint rejects it with a status that will not change (a 4xx other than
408, 425 and 429) or when the record is not a valid event. A slow or dead
endpoint only delays its own queue, because other destinations have their
own workers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.webhook.dead_letters import dead_letter_record
from adapters.webhook.errors import DeadLetterError
from adapters.webhook.records import structured_body
from adapters.webhook.retry import AttemptResult, AttemptVerdict, backoff_delay
from events.errors import ContractError

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

    from adapters.webhook.config import Destination
    from adapters.webhook.dead_letters import DeadLetterPublisher
    from adapters.webhook.records import FeedRecord, WebhookBody
    from adapters.webhook.sender import Sender
    from adapters.webhook.store import DeliveryStore
    from monitoring.adapters import WebhookMetrics

logger = logging.getLogger(__name__)

DEAD_LETTER_RETRY_SECONDS = 5.0
LOG_INTERVAL_SECONDS = 60.0
"""Failed attempts of one destination are logged at most this often."""


@dataclass(frozen=True, slots=True)
class QueuedRecord:
    """A feed record handed to a worker, with the partition epoch it came under."""

    record: FeedRecord
    epoch: int
    queued_at: float


@dataclass(frozen=True, slots=True)
class Settlement:
    """The result of the attempts on one event."""

    delivered: bool
    attempts: int
    last: AttemptResult


class Attempts:
    """Sends one body until it is delivered, rejected, or out of attempts."""

    def __init__(
        self,
        destination: Destination,
        sender: Sender,
        store: DeliveryStore,
        metrics: WebhookMetrics,
        rng: random.Random | None = None,
    ) -> None:
        self.destination = destination
        self.sender = sender
        self.store = store
        self.metrics = metrics
        self.rng = rng
        self._failures = 0
        self._last_logged = -LOG_INTERVAL_SECONDS

    async def run(self, record: FeedRecord, body: WebhookBody) -> Settlement:
        policy = self.destination.retry
        agency = self.destination.agency
        result = AttemptResult(None, "not attempted")
        for attempt in range(1, policy.max_attempts + 1):
            result = await self.sender.post(body, attempt)
            self.metrics.attempt(agency, result.status)
            await asyncio.to_thread(
                self.store.record_attempt, record, body.event_id, result
            )
            verdict = result.verdict
            self._note(verdict, result, attempt)
            if verdict is AttemptVerdict.DELIVERED:
                return Settlement(delivered=True, attempts=attempt, last=result)
            if verdict is AttemptVerdict.REJECTED or attempt == policy.max_attempts:
                break
            self.metrics.retries.labels(agency).inc()
            await asyncio.sleep(
                backoff_delay(
                    policy, attempt, retry_after=result.retry_after, rng=self.rng
                )
            )
        return Settlement(delivered=False, attempts=attempt, last=result)

    def _note(
        self, verdict: AttemptVerdict, result: AttemptResult, attempt: int
    ) -> None:
        """Log a failure or recovery once per LOG_INTERVAL_SECONDS, others at DEBUG."""
        agency = self.destination.agency
        now = time.monotonic()
        quiet = now - self._last_logged < LOG_INTERVAL_SECONDS
        if verdict is AttemptVerdict.DELIVERED:
            if self._failures and not quiet:
                logger.info(
                    "Webhook of %s delivered again after %d failed attempts",
                    agency,
                    self._failures,
                )
                self._failures = 0
                self._last_logged = now
            return
        self._failures += 1
        if quiet:
            logger.debug("Webhook of %s failed: %s", agency, result.describe())
            return
        logger.warning(
            "Webhook of %s failed (attempt %d of this event): %s; %d failed attempts "
            "since the last report; retrying with back-off",
            agency,
            attempt,
            result.describe(),
            self._failures,
        )
        self._last_logged = now


class DestinationWorker:
    """Delivers one agency's feed events; see the module docstring.

    ``on_settled(record, epoch)`` is called once the event is delivered,
    skipped as delivered before, or dead-lettered with the broker's
    acknowledgement. ``is_current(record, epoch)`` returns whether the
    record's partition is still assigned. Stale records are dropped unsettled,
    because the partition's new owner reads them again.
    """

    def __init__(
        self,
        attempts: Attempts,
        dead_letters: DeadLetterPublisher,
        *,
        on_settled: Callable[[FeedRecord, int], None],
        is_current: Callable[[FeedRecord, int], bool],
        dead_letter_changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.attempts = attempts
        self.destination = attempts.destination
        self.agency = attempts.destination.agency
        self.store = attempts.store
        self.metrics = attempts.metrics
        self.dead_letters = dead_letters
        self.on_settled = on_settled
        self.is_current = is_current
        self.dead_letter_changed = dead_letter_changed
        self.queue: asyncio.Queue[QueuedRecord] = asyncio.Queue(
            self.destination.queue_size
        )
        self._busy = False

    def offer(self, record: FeedRecord, epoch: int) -> bool:
        """Queue the record; return False, queuing nothing, when the queue is full."""
        try:
            self.queue.put_nowait(QueuedRecord(record, epoch, time.monotonic()))
        except asyncio.QueueFull:
            return False
        self._update_gauge()
        return True

    @property
    def unsettled(self) -> int:
        return self.queue.qsize() + (1 if self._busy else 0)

    async def run(self) -> None:
        """Take records from the queue until cancelled."""
        while True:
            item = await self.queue.get()
            self._busy = True
            try:
                if self.is_current(item.record, item.epoch):
                    await self._handle(item)
            finally:
                self._busy = False
                self.queue.task_done()
                self._update_gauge()

    async def _handle(self, item: QueuedRecord) -> None:
        record = item.record
        try:
            body = structured_body(record)
        except (ContractError, ValueError) as exc:
            await self._reject_invalid(item, type(exc).__name__)
            return
        if await asyncio.to_thread(self.store.is_delivered, self.agency, body.event_id):
            self.metrics.deliveries.labels(self.agency, "skipped").inc()
            logger.debug(
                "Skipped %s for %s: delivered before", body.event_id, self.agency
            )
            self._settle(item)
            return
        settlement = await self.attempts.run(record, body)
        if settlement.delivered:
            outcome = "delivered" if settlement.attempts == 1 else "retried"
            self.metrics.deliveries.labels(self.agency, outcome).inc()
            self.metrics.latency.labels(self.agency).observe(
                time.monotonic() - item.queued_at
            )
        else:
            await self._dead_letter(record, body.event_id, settlement)
        self._settle(item)

    async def _reject_invalid(self, item: QueuedRecord, error_type: str) -> None:
        """Dead-letter a record that is not a valid event, naming only the error type.

        Decode messages can quote the record's content, so they are not kept.
        """
        record = item.record
        failure = AttemptResult(None, f"invalid feed record: {error_type}")
        settlement = Settlement(delivered=False, attempts=0, last=failure)
        await self._dead_letter(record, record.event_id, settlement)
        logger.error(
            "Dead-lettered %s partition %d offset %d of %s: %s",
            record.topic,
            record.partition,
            record.offset,
            self.agency,
            error_type,
        )
        self._settle(item)

    async def _dead_letter(
        self, record: FeedRecord, event_id: str, settlement: Settlement
    ) -> None:
        """Publish the dead letter, retrying until the broker acknowledges it."""
        error = settlement.last.describe()
        letter = dead_letter_record(
            record,
            topic=self.dead_letters.topic,
            event_id=event_id,
            attempts=settlement.attempts,
            last_status=settlement.last.status,
            error=error,
        )
        logged = False
        while True:
            try:
                await self.dead_letters.publish(letter)
                break
            except DeadLetterError:
                if not logged:
                    logger.exception(
                        "Cannot dead-letter %s of %s; retrying every %g s",
                        event_id,
                        self.agency,
                        DEAD_LETTER_RETRY_SECONDS,
                    )
                    logged = True
                await asyncio.sleep(DEAD_LETTER_RETRY_SECONDS)
        await asyncio.to_thread(self.store.mark_dead_lettered, record, event_id, error)
        self.metrics.deliveries.labels(self.agency, "dead_lettered").inc()
        logger.warning(
            "Dead-lettered %s of %s after %d attempts: %s",
            event_id,
            self.agency,
            settlement.attempts,
            error,
        )
        self.dead_letter_changed()

    def _settle(self, item: QueuedRecord) -> None:
        self.on_settled(item.record, item.epoch)

    def _update_gauge(self) -> None:
        self.metrics.queued.labels(self.agency).set(self.unsettled)

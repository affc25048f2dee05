"""Turns stored events into Kafka records: the events topic and the agency feeds.

Every notification becomes one record on the complaint events topic, exactly
as stored. When feeds are on, it also becomes one redacted copy per agency
that holds or held the complaint (see ``gateway.feeds``); an agency that
receives a complaint for the first time gets its earlier events first. Feed
copies carry a ``ce_redactions`` header naming what was removed.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING
from uuid import UUID

from events.codec import decode_json, encode_kafka
from gateway.feeds import FeedState, advance, route
from gateway.kafka.producer import OutgoingRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from eventsourcing.persistence import Notification

    from events.codec import KafkaMessage
    from events.envelope import Envelope
    from gateway.feeds import Delivery
    from gateway.settings import TopicNames

logger = logging.getLogger(__name__)

REDACTIONS_HEADER = "ce_redactions"


class EventRecordBuilder:
    """Builds the records of a batch of notifications; see the module docstring.

    ``history(complaint_id, up_to)`` returns the complaint's envelopes with
    sequence 1 to ``up_to``; it is called when routing state is not cached.
    ``feed_agencies`` are the agencies with a feed topic; copies for others
    are counted and dropped.
    """

    def __init__(
        self,
        topics: TopicNames,
        *,
        history: Callable[[UUID, int], list[Envelope]],
        feed_agencies: frozenset[str] = frozenset(),
        cache_size: int = 100_000,
    ) -> None:
        self._topics = topics
        self._history = history
        self._feed_agencies = feed_agencies
        self._states: OrderedDict[UUID, tuple[int, FeedState]] = OrderedDict()
        self._cache_size = cache_size
        self.unrouted: dict[str, int] = {}

    def build(self, notifications: Sequence[Notification]) -> list[OutgoingRecord]:
        records: list[OutgoingRecord] = []
        for notification in notifications:
            decoded = decode_json(notification.state)
            message = encode_kafka(decoded)
            records.append(
                OutgoingRecord(
                    self._topics.events, message.key, message.value, message.headers
                )
            )
            if self._feed_agencies:
                # An unredacted copy of a current-version event is the stored
                # event itself, so its encoding is reused.
                encoded = {} if decoded.upcast else {id(decoded.envelope): message}
                records += self._feed_records(decoded.envelope, encoded)
        return records

    def _feed_records(
        self, envelope: Envelope, encoded: dict[int, KafkaMessage]
    ) -> list[OutgoingRecord]:
        """Route one event to the feeds; ``encoded`` maps ``id(envelope)`` to its
        Kafka form and collects the encodings made here."""
        complaint_id = UUID(envelope.subject)
        before = self._state_before(complaint_id, envelope.sequence)
        after, deliveries = route(
            before,
            envelope,
            _Lazy(lambda: self._history(complaint_id, envelope.sequence - 1)),
        )
        self._remember(complaint_id, envelope.sequence, after)
        return [record for d in deliveries if (record := self._feed_record(d, encoded))]

    def _feed_record(
        self, delivery: Delivery, encoded: dict[int, KafkaMessage]
    ) -> OutgoingRecord | None:
        if delivery.agency not in self._feed_agencies:
            count = self.unrouted.get(delivery.agency, 0)
            if count == 0:
                logger.warning(
                    "Agency %s has no feed topic; its feed copies are dropped",
                    delivery.agency,
                )
            self.unrouted[delivery.agency] = count + 1
            return None
        message = encoded.get(id(delivery.envelope))
        if message is None:
            message = encode_kafka(delivery.envelope)
            encoded[id(delivery.envelope)] = message
        headers = message.headers
        if delivery.redactions:
            headers += ((REDACTIONS_HEADER, ",".join(delivery.redactions).encode()),)
        return OutgoingRecord(
            self._topics.agency_feed(delivery.agency),
            message.key,
            message.value,
            headers,
        )

    def _state_before(self, complaint_id: UUID, sequence: int) -> FeedState:
        cached = self._states.get(complaint_id)
        if cached is not None and cached[0] == sequence - 1:
            self._states.move_to_end(complaint_id)
            return cached[1]
        state = FeedState()
        if sequence > 1:
            for past in self._history(complaint_id, sequence - 1):
                state = advance(state, past)
        return state

    def _remember(self, complaint_id: UUID, sequence: int, state: FeedState) -> None:
        self._states[complaint_id] = (sequence, state)
        self._states.move_to_end(complaint_id)
        if len(self._states) > self._cache_size:
            self._states.popitem(last=False)


class _Lazy:
    """An iterable that loads its items on first iteration only."""

    def __init__(self, load: Callable[[], list[Envelope]]) -> None:
        self._load = load

    def __iter__(self) -> Iterator[Envelope]:
        return iter(self._load())

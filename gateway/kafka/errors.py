"""Errors raised by the gateway's Kafka clients, translated from aiokafka's."""

from __future__ import annotations


class KafkaClientError(Exception):
    """Root of the gateway's Kafka errors.

    ``retriable`` is true when the same call may succeed later unchanged (a
    broker restart, a leader election); false when it cannot.
    """

    def __init__(self, message: str, *, retriable: bool) -> None:
        super().__init__(message)
        self.retriable = retriable


class PublishError(KafkaClientError):
    """Records could not be published or were not acknowledged."""


class TopicError(KafkaClientError):
    """A topic could not be created or described."""

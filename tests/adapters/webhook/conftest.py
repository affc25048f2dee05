"""Fixtures of the webhook tests: a receiver process and a per-test Kafka testbed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from gateway.settings import TopicNames
from infra.kafka.admin import delete_topics
from tests.adapters.webhook.support import Receiver, Testbed, receiver_process

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with receiver_process(tmp_path) as running:
        yield running


@pytest.fixture
async def bed(
    kafka_bootstrap: str, tmp_path: Path, unique_id: str
) -> AsyncIterator[Testbed]:
    """Unique feed topics, dead-letter topic and group; topics deleted afterwards."""
    topics = TopicNames(agency_feed_prefix=f"test.{unique_id}.feed.")
    testbed = Testbed(kafka_bootstrap, topics, tmp_path, unique_id, [])
    yield testbed
    await delete_topics(kafka_bootstrap, testbed.created)

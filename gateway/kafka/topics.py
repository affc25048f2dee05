"""Explicit topic creation: the brokers never create topics on first use."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from gateway.kafka.errors import TopicError

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)


async def ensure_topics(
    bootstrap_servers: str,
    names: Iterable[str],
    *,
    partitions: int,
    replication: int,
    config: dict[str, str] | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = sorted(set(names) - existing)
        if missing:
            await _create(admin, missing, partitions, replication, config or {})
    except KafkaError as exc:
        msg = f"cannot create topics on {bootstrap_servers}: {exc}"
        raise TopicError(msg, retriable=exc.retriable) from exc
    finally:
        await admin.close()
    for name in missing:
        logger.info("Created topic %s (%d partitions)", name, partitions)
    return missing


async def _create(
    admin: AIOKafkaAdminClient,
    names: list[str],
    partitions: int,
    replication: int,
    config: dict[str, str],
) -> None:
    topics = [
        NewTopic(
            name,
            num_partitions=partitions,
            replication_factor=replication,
            topic_configs=config,
        )
        for name in names
    ]
    try:
        await admin.create_topics(topics)
    except TopicAlreadyExistsError:
        # Another process created them between the listing and this call.
        logger.debug("Topics %s already existed", names)

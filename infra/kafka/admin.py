"""Typed topic administration over aiokafka's admin client.

The local brokers never create topics on first use, so every producer and test
creates its topics here first.
"""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from pydantic import BaseModel, ConfigDict, Field

from infra.errors import InfraError

logger = logging.getLogger(__name__)

ADMIN_REQUEST_TIMEOUT_MS = 30_000


class TopicAdminError(InfraError):
    """The broker rejected a topic creation or deletion."""


class TopicSpec(BaseModel):
    """A topic to create: its name, partition count, replication and settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=249, pattern=r"^[A-Za-z0-9._-]+$")
    partitions: int = Field(default=1, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    configs: dict[str, str] = Field(default_factory=dict)


async def create_topic(
    bootstrap: str, spec: TopicSpec, *, exist_ok: bool = False
) -> None:
    """Create a topic and return once the controller has accepted it."""
    topic = NewTopic(
        name=spec.name,
        num_partitions=spec.partitions,
        replication_factor=spec.replication_factor,
        topic_configs=dict(spec.configs),
    )
    async with _admin(bootstrap) as admin:
        response = await admin.create_topics(
            [topic], timeout_ms=ADMIN_REQUEST_TIMEOUT_MS
        )
    for entry in response.topic_errors:
        topic_name, error_code = entry[0], entry[1]
        error = for_code(error_code) if error_code else None
        if error is None or (exist_ok and error is TopicAlreadyExistsError):
            continue
        message = entry[2] if len(entry) > 2 else error.message  # noqa: PLR2004
        raise TopicAdminError(
            f"creating topic {topic_name!r} on {bootstrap} failed: "
            f"{error.__name__}: {message}"
        )
    logger.info(
        "Created topic %s (%d partitions, replication factor %d)",
        spec.name,
        spec.partitions,
        spec.replication_factor,
    )


async def delete_topics(bootstrap: str, names: Sequence[str]) -> None:
    """Delete ``names``; a topic that does not exist is not an error."""
    if not names:
        return
    async with _admin(bootstrap) as admin:
        await admin.delete_topics(list(names), timeout_ms=ADMIN_REQUEST_TIMEOUT_MS)
    logger.info("Deleted topics %s", ", ".join(names))


@asynccontextmanager
async def _admin(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=ADMIN_REQUEST_TIMEOUT_MS,
        client_id="lapor-infra-admin",
    )
    try:
        await client.start()
        yield client
    finally:
        await client.close()

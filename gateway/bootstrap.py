"""The composition root: builds the gateway's parts from its settings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from events.codec import decode_json
from gateway.agencies import AgencyRegistry
from gateway.application import Clock, ComplaintService, utc_now
from gateway.kafka.producer import ReliableProducer
from gateway.kafka.topics import ensure_topics
from gateway.publishing import EventRecordBuilder
from gateway.relay import Relay
from gateway.settings import Settings, StoreKind
from monitoring.metrics import CommandMetrics, RelayMetrics

if TYPE_CHECKING:
    from uuid import UUID

    from prometheus_client import CollectorRegistry

    from events.envelope import Envelope

logger = logging.getLogger(__name__)


class ConfigurationError(ValueError):
    """A setting is missing or invalid; the message names it and the fix."""


AGGREGATE_CACHE_SIZE = "10000"
"""Complaints kept in memory between commands; a cached one is fast-forwarded
from the store before use, so several writers stay consistent."""


def store_environment(settings: Settings) -> dict[str, str]:
    """Return the eventsourcing environment for the configured store."""
    if settings.store is StoreKind.SQLITE:
        path = settings.sqlite_file
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = (
                f"cannot create the folder of LAPOR_SQLITE_PATH {path}: {exc}; "
                "point it at a writable folder"
            )
            raise ConfigurationError(msg) from exc
        return {
            "PERSISTENCE_MODULE": "gateway.store.sqlite:Factory",
            "AGGREGATE_CACHE_MAXSIZE": AGGREGATE_CACHE_SIZE,
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    if not settings.postgres_url:
        raise ConfigurationError(
            "LAPOR_POSTGRES_URL is missing: the postgres store needs "
            "postgresql://user:password@host:port/dbname"
        )
    url = urlsplit(settings.postgres_url)
    if url.scheme not in {"postgresql", "postgres"} or not url.hostname:
        raise ConfigurationError(
            "LAPOR_POSTGRES_URL is invalid: expected "
            "postgresql://user:password@host:port/dbname"
        )
    return {
        "PERSISTENCE_MODULE": "gateway.store.postgres:Factory",
        "AGGREGATE_CACHE_MAXSIZE": AGGREGATE_CACHE_SIZE,
        "POSTGRES_HOST": url.hostname,
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "4",
        "POSTGRES_MAX_OVERFLOW": "4",
    }


def load_registry(settings: Settings) -> AgencyRegistry:
    return AgencyRegistry.load(settings.agencies_file)


def build_service(
    settings: Settings,
    registry: AgencyRegistry,
    metrics_registry: CollectorRegistry,
    *,
    clock: Clock = utc_now,
) -> ComplaintService:
    return ComplaintService(
        store_environment(settings),
        clock=clock,
        metrics=CommandMetrics(metrics_registry),
        agencies=frozenset(agency.id for agency in registry.agencies),
    )


def feed_topics(settings: Settings, registry: AgencyRegistry) -> list[str]:
    return [settings.topics.agency_feed(agency.id) for agency in registry.agencies]


async def create_topics(settings: Settings, registry: AgencyRegistry) -> list[str]:
    """Create the missing topics: events, commands, dead letters, results, feeds."""
    topics = settings.topics
    names = [topics.events, topics.commands, topics.commands_dead_letter]
    names += [topics.command_results]
    created = await ensure_topics(
        settings.kafka_bootstrap,
        names,
        partitions=settings.topic_partitions,
        replication=settings.topic_replication,
    )
    created += await ensure_topics(
        settings.kafka_bootstrap,
        feed_topics(settings, registry),
        partitions=settings.feed_partitions,
        replication=settings.topic_replication,
    )
    return created


def build_relay(
    settings: Settings,
    registry: AgencyRegistry,
    service: ComplaintService,
    metrics_registry: CollectorRegistry,
) -> tuple[Relay, ReliableProducer]:
    """Return the relay and the producer it publishes with (start it first)."""

    def history(complaint_id: UUID, up_to: int) -> list[Envelope]:
        stored = service.recorder.select_events(complaint_id, lte=up_to)
        return [decode_json(event.state).envelope for event in stored]

    builder = EventRecordBuilder(
        settings.topics,
        history=history,
        feed_agencies=frozenset(agency.id for agency in registry.agencies),
    )
    producer = ReliableProducer(settings.kafka_bootstrap, client_id="lapor-relay")
    relay = Relay(
        service.store,
        service.recorder,
        builder,
        producer,
        RelayMetrics(metrics_registry),
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
    )
    return relay, producer

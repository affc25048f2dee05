"""Export of an agency's feed topic to CSV, one row per event as received.

The export reads ``lapor.agency-feed.<agency>.v1`` from the beginning up to
the high-water marks it finds when it starts, so it ends even while the
relay keeps publishing. Records come per partition in offset order, and one
complaint's events share a partition, so each complaint's rows are in
sequence order. The ``data`` column is the record value exactly as the feed
carries it: already redacted for the agency (``redactions`` names what was
removed). Only committed records are read.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from adapters.files.errors import ExportError
from events.codec import header_name
from events.structured import ATTRIBUTES
from gateway.publishing import REDACTIONS_HEADER

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

POLL_MS = 500
METADATA_WAIT_SECONDS = 5.0
"""How long a topic that is not in the metadata yet is asked for again."""
METADATA_RETRY_SECONDS = 0.5
COLUMNS = (
    "partition",
    "offset",
    "kafka_timestamp",
    *ATTRIBUTES,
    "redactions",
    "data",
)


async def export_feed(
    bootstrap_servers: str, topic: str, out: Path, *, max_seconds: float = 300.0
) -> int:
    """Write every record of ``topic`` below its high-water marks to ``out``.

    Returns the number of rows written. Raises ``ExportError`` when the topic
    does not exist, Kafka fails, or reading takes longer than
    ``max_seconds``.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        client_id="lapor-feed-export",
    )
    try:
        await consumer.start()
        async with asyncio.timeout(max_seconds):
            return await _export(consumer, topic, out)
    except TimeoutError:
        raise ExportError(
            f"reading {topic} took longer than {max_seconds:.0f} s: raise --timeout",
            retriable=True,
        ) from None
    except KafkaError as exc:
        raise ExportError(
            f"cannot read {topic} from {bootstrap_servers}: {exc}",
            retriable=bool(getattr(exc, "retriable", False)),
        ) from exc
    finally:
        await consumer.stop()


async def _export(consumer: Any, topic: str, out: Path) -> int:  # noqa: ANN401 (aiokafka is untyped)
    partitions = await _assigned(consumer, topic)
    ends = await consumer.end_offsets(partitions)
    await consumer.seek_to_beginning(*partitions)
    logger.info(
        "Exporting %s up to offsets %s",
        topic,
        {p.partition: ends[p] for p in partitions},
    )
    written = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        remaining = [p for p in partitions if await consumer.position(p) < ends[p]]
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=POLL_MS)
            for partition, records in batches.items():
                for record in records:
                    if record.offset < ends[partition]:
                        writer.writerow(_row(record))
                        written += 1
            remaining = [p for p in remaining if await consumer.position(p) < ends[p]]
    logger.info("Exported %d events of %s to %s", written, topic, out)
    return written


async def _assigned(consumer: Any, topic: str) -> list[TopicPartition]:  # noqa: ANN401 (aiokafka is untyped)
    """Assign every partition of ``topic``; a new topic is asked for again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + METADATA_WAIT_SECONDS
    while topic not in await consumer.topics():
        if loop.time() >= deadline:
            raise ExportError(
                f"topic {topic} does not exist: check the agency id and that the "
                "gateway created its feed topics"
            )
        await asyncio.sleep(METADATA_RETRY_SECONDS)
    consumer.subscribe([topic])
    while not consumer.assignment():
        if loop.time() >= deadline:
            raise ExportError(
                f"no partition of {topic} was assigned within "
                f"{METADATA_WAIT_SECONDS:.0f} s: run the export again",
                retriable=True,
            )
        await asyncio.sleep(METADATA_RETRY_SECONDS)
    return sorted(consumer.assignment(), key=lambda p: p.partition)


def _row(record: Any) -> list[str]:  # noqa: ANN401 (aiokafka is untyped)
    headers = {name: value.decode("utf-8", "replace") for name, value in record.headers}
    timestamp = dt.datetime.fromtimestamp(record.timestamp / 1000, dt.UTC)
    value = record.value.decode("utf-8", "replace") if record.value else ""
    return [
        str(record.partition),
        str(record.offset),
        timestamp.isoformat(),
        *(headers.get(header_name(name), "") for name in ATTRIBUTES),
        headers.get(REDACTIONS_HEADER, ""),
        value,
    ]

"""Benchmark: full rebuild of each projection against raw aiokafka consumption.

Run it with the defaults (a million events) or smaller::

    .venv/bin/python bench/projections_rebuild.py --events 100000

The broker is the one ``--bootstrap`` names, else the one at
``LAPOR_KAFKA_BOOTSTRAP``, else the local one that ``lapor-infra`` runs
(started if needed and stopped afterwards if this run started it).

The script publishes ``--events`` events of a realistic lifecycle mix to a new
topic and reads the whole topic with a bare aiokafka consumer, with and
without decoding each record. Then it rebuilds every selected projection from
that topic into a fresh database and samples the process memory at every
tenth of each rebuild. Results go to ``<results dir>/projections_rebuild.json`` and
``.md``; the topic is deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client import CollectorRegistry

from bench.event_mix import EventMix
from events.codec import decode_kafka
from infra.kafka.admin import TopicSpec, create_topic, delete_topics
from infra.paths import var_root
from monitoring.projections import ProjectionMetrics
from projections.registry import create_projection, projection_names
from projections.runner import (
    RunnerConfig,
    StoreLocation,
    drop_location,
    rebuild,
    sqlite_location,
)
from projections.runner.catch_up import FETCH_BYTES_PER_PARTITION
from tests.support.services import kafka_for_session

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from events.codec import KafkaMessage
    from projections.runner import PoisonRecord, RunSummary

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = ROOT / "bench" / "results"
BATCH_RECORDS = 2000
MEMORY_SAMPLES = 10
PRODUCE_CHUNK = 20_000
"""Sends awaited together while producing."""
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measurement:
    """One timed read of the whole topic."""

    name: str
    events: int
    seconds: float
    peak_rss_mib: float
    error: str | None = None
    memory: list[dict[str, float]] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class CountingDeadLetters:
    """Counts poison records; a valid benchmark topic has none."""

    def __init__(self) -> None:
        self.count = 0

    async def publish(self, poison: Sequence[PoisonRecord]) -> None:
        self.count += len(poison)

    async def close(self) -> None:
        return None


def current_rss_mib() -> float:
    with Path("/proc/self/statm").open() as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * PAGE_SIZE / 2**20


def peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def produce(
    bootstrap: str, topic: str, messages: Iterable[KafkaMessage], partitions: int
) -> float:
    """Publish the messages keyed by complaint; return the seconds it took."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        max_batch_size=1024 * 1024,
        compression_type=None,
    )
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for message in messages:
            partition = zlib.crc32(message.key) % partitions
            pending.append(
                await producer.send(
                    topic,
                    key=message.key,
                    value=message.value,
                    headers=list(message.headers),
                    partition=partition,
                )
            )
            if len(pending) >= PRODUCE_CHUNK:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def consume_raw(
    bootstrap: str, topic: str, partitions: int, *, decode: bool
) -> Measurement:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=FETCH_BYTES_PER_PARTITION,
    )
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, number) for number in range(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        started = time.perf_counter()
        count = 0
        remaining = {tp for tp in assigned if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(
                *remaining, timeout_ms=500, max_records=BATCH_RECORDS
            )
            for records in batches.values():
                count += len(records)
                if decode:
                    for record in records:
                        decode_kafka(record.key, record.value, record.headers)
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        seconds = time.perf_counter() - started
    finally:
        await consumer.stop()
    name = "raw aiokafka + decode_kafka" if decode else "raw aiokafka"
    return Measurement(name, count, seconds, peak_rss_mib())


async def rebuild_projection(
    name: str, config: RunnerConfig, target: StoreLocation, total: int
) -> Measurement:
    projection = create_projection(name)
    samples: list[dict[str, float]] = []
    step = max(total // MEMORY_SAMPLES, 1)
    started = time.perf_counter()

    def sample(summary: RunSummary) -> None:
        if summary.applied >= (len(samples) + 1) * step:
            samples.append(
                {
                    "events_applied": summary.applied,
                    "seconds": round(time.perf_counter() - started, 2),
                    "rss_mib": round(current_rss_mib(), 1),
                }
            )

    dead_letters = CountingDeadLetters()
    result = await rebuild(
        projection,
        target=target,
        config=config,
        dead_letters=dead_letters,
        metrics=ProjectionMetrics(CollectorRegistry(), name),
        on_batch=sample,
    )
    error = None
    if dead_letters.count:
        error = f"{dead_letters.count} records were poison"
    return Measurement(
        f"{name} rebuild",
        result.summary.applied,
        result.seconds,
        peak_rss_mib(),
        error=error,
        memory=samples,
    )


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def markdown(report: dict[str, Any]) -> str:
    raw = report["results"][0]["events_per_second"]
    host = report["machine"]
    lines = [
        "# Projection rebuild benchmark",
        "",
        (
            f"{report['events']:,} events ({report['complaints_estimate']:,} "
            f"complaints, {report['partitions']} partitions), produced in "
            f"{report['produce_seconds']:.1f} s. Machine: {host['cpu']}, "
            f"{host['cpus']} CPUs, Python {host['python']}, load average "
            f"{host['load_average_1m']} at the start and "
            f"{report['load_average_end']} at the end. "
            f"Database: {report['database']}."
        ),
        "",
        "| reader | events | seconds | events/s | ratio to raw | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for entry in report["results"]:
        ratio = entry["events_per_second"] / raw if raw else 0.0
        note = f" ({entry['error']})" if entry["error"] else ""
        lines.append(
            f"| {entry['name']}{note} | {entry['events']:,} | {entry['seconds']:.1f} | "
            f"{entry['events_per_second']:,.0f} | {ratio:.3f} | "
            f"{entry['peak_rss_mib']:.0f} |"
        )
    for entry in report["results"]:
        if not entry["memory"]:
            continue
        lines += [
            "",
            (
                f"Memory during the {entry['name']} (resident set when each tenth "
                "of the events was applied):"
            ),
            "",
            "| events applied | seconds | RSS (MiB) |",
            "|---:|---:|---:|",
        ]
        lines.extend(
            f"| {sample['events_applied']:,} | {sample['seconds']:.1f} | "
            f"{sample['rss_mib']:.1f} |"
            for sample in entry["memory"]
        )
    return "\n".join(lines) + "\n"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    start_machine = machine()
    mix = EventMix.build(args.templates)
    messages = mix.messages(args.events, window=args.window)
    topic = f"bench.projections.{uuid.uuid4().hex[:12]}"
    spec = TopicSpec(name=topic, partitions=args.partitions)
    await create_topic(args.bootstrap, spec)
    scratch = tempfile.TemporaryDirectory(prefix="projections-bench-")
    folder = Path(scratch.name)
    try:
        produce_seconds = await produce(
            args.bootstrap, topic, messages, args.partitions
        )
        results = [
            await consume_raw(args.bootstrap, topic, args.partitions, decode=False),
            await consume_raw(args.bootstrap, topic, args.partitions, decode=True),
        ]
        config = RunnerConfig(
            args.bootstrap,
            topic,
            max_records=args.batch,
            client_id="lapor-bench",
        )
        for name in args.projections:
            target = _target(args, folder, name)
            try:
                results.append(
                    await rebuild_projection(name, config, target, args.events)
                )
            except Exception as exc:  # noqa: BLE001 (report any projection's failure)
                results.append(Measurement(f"{name} rebuild", 0, 0.0, 0.0, repr(exc)))
            finally:
                drop_location(target)
    finally:
        scratch.cleanup()
        if not args.keep_topic:
            await delete_topics(args.bootstrap, [topic])
    return {
        "events": args.events,
        "complaints_estimate": round(args.events / mix.mean_events_per_complaint),
        "partitions": args.partitions,
        "batch_records": args.batch,
        "produce_seconds": round(produce_seconds, 2),
        "database": "PostgreSQL" if args.database_url else "SQLite file (WAL)",
        "machine": start_machine,
        "load_average_end": round(os.getloadavg()[0], 2),
        "results": [
            {**asdict(entry), "events_per_second": round(entry.events_per_second, 1)}
            for entry in results
        ],
    }


def _target(args: argparse.Namespace, folder: Path, name: str) -> StoreLocation:
    if args.database_url:
        return StoreLocation.parse(args.database_url, f"bench_{name}")
    return sqlite_location(folder / f"{name}.sqlite")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="events to publish"
    )
    parser.add_argument("--partitions", type=int, default=6, help="topic partitions")
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers")
    parser.add_argument(
        "--projections",
        type=lambda text: text.split(","),
        default=projection_names(),
        help="comma-separated projections to rebuild (default: all registered)",
    )
    parser.add_argument("--database-url", help="PostgreSQL URL instead of SQLite files")
    parser.add_argument(
        "--batch", type=int, default=BATCH_RECORDS, help="records per transaction"
    )
    parser.add_argument("--templates", type=int, default=300, help="template histories")
    parser.add_argument(
        "--window", type=int, default=1000, help="complaints interleaved at a time"
    )
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--keep-topic", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.bootstrap is None:
        with kafka_for_session(var_root(ROOT)) as bootstrap:
            args.bootstrap = bootstrap
            report = asyncio.run(run(args))
    else:
        report = asyncio.run(run(args))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "projections_rebuild.json").write_text(
        json.dumps(report, indent=2) + "\n"
    )
    table = markdown(report)
    (args.results_dir / "projections_rebuild.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The relay survives SIGKILL: every stored event reaches Kafka, in order.

A writer records a few hundred complaint lifecycles while the relay runs as
a subprocess that is killed with SIGKILL at seeded random moments and
started again, more than 20 times. Afterwards the events topic must contain
every stored event, each complaint's events in sequence order without a
gap, and nothing else but exact duplicates. The hash chains must verify,
and each agency feed must carry exactly that agency's complaints.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pytest

from bench.support.deployment import RelayProcess, RelaySetup
from bench.support.workload import HANDLING_AGENCIES, command_batches, lifecycles
from events.chain import verify_stream
from events.codec import decode_json, decode_kafka, encode_kafka
from gateway.outcomes import CommandOutcome
from gateway.settings import StoreKind
from tests.gateway.faults.topic_reading import read_topic
from tests.support.waiting import wait_for

if TYPE_CHECKING:
    from pathlib import Path

    from gateway.application import ComplaintService

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(170)]

SEED = 20251204
COMPLAINTS = 320
KILLS = 22
WRITE_PAUSE_SECONDS = 0.35
START_WITHIN_SECONDS = 30.0
CATCH_UP_SECONDS = 60.0
RELAY_BATCH_SIZE = 100
"""Smaller than the default, so that more kills land between batches."""


async def test_relay_kill_sqlite(
    tmp_path: Path, kafka_bootstrap: str, unique_id: str
) -> None:
    setup = RelaySetup(
        StoreKind.SQLITE,
        kafka_bootstrap,
        tmp_path,
        f"t.{unique_id}",
        batch_size=RELAY_BATCH_SIZE,
        partitions=3,
    )
    await run_kill_scenario(setup)


@pytest.mark.postgres
async def test_relay_kill_postgres(
    tmp_path: Path, kafka_bootstrap: str, postgres_database: str, unique_id: str
) -> None:
    setup = RelaySetup(
        StoreKind.POSTGRES,
        kafka_bootstrap,
        tmp_path,
        f"t.{unique_id}",
        postgres_url=postgres_database,
        batch_size=RELAY_BATCH_SIZE,
        partitions=3,
    )
    await run_kill_scenario(setup)


async def run_kill_scenario(setup: RelaySetup) -> None:
    setup.write_registry()
    await setup.create_topics()
    service = setup.open_service()
    relay = RelayProcess(setup)
    cycles = lifecycles(COMPLAINTS, seed=SEED, prefix=f"{setup.store}-")
    try:
        writer = asyncio.create_task(asyncio.to_thread(write_all, service, cycles))
        rng = random.Random(SEED)  # noqa: S311 (reproducible kill times)
        kills = await kill_repeatedly(relay, rng, writer)
        assert kills >= 20
        await writer
        await catch_up(relay, service)
        await check_topics(setup, service, cycles)
    finally:
        await relay.close()
        service.close()
        await setup.delete_topics()


def write_all(service: ComplaintService, cycles: list[Any]) -> None:
    """Record every lifecycle, pausing between batches to overlap the kills."""
    for batch in command_batches(cycles, group_size=12):
        results = service.execute_batch(batch)
        rejected = [r for r in results if not isinstance(r, CommandOutcome)]
        assert not rejected, f"the workload's commands were rejected: {rejected[:3]}"
        time.sleep(WRITE_PAUSE_SECONDS)


async def kill_repeatedly(
    relay: RelayProcess, rng: random.Random, writer: asyncio.Future[None]
) -> int:
    """SIGKILL the relay ``KILLS`` times at seeded random moments; return the count.

    Half of the kills land a random delay after the relay has started
    publishing, the others a random delay after the process was spawned,
    which may be before it has connected.
    """
    kills = 0
    while kills < KILLS or not writer.done():
        relay.start()
        if rng.random() < 0.5:
            await wait_for(relay.has_started, START_WITHIN_SECONDS, "the relay started")
            await asyncio.sleep(rng.uniform(0.0, 0.6))
        else:
            await asyncio.sleep(rng.uniform(0.2, 2.5))
        assert relay.exit_code() is None, f"the relay exited early: {relay.log_path}"
        await relay.kill()
        kills += 1
    return kills


async def catch_up(relay: RelayProcess, service: ComplaintService) -> None:
    """Run the relay until it has recorded the last notification, then stop it."""
    last = service.recorder.max_notification_id() or 0
    relay.start()
    await wait_for(relay.has_started, START_WITHIN_SECONDS, "the relay started")
    await wait_for(
        lambda: service.store.select_position("events") >= last,
        CATCH_UP_SECONDS,
        f"the relay's position reached notification {last}",
    )
    assert await relay.stop() == 0


async def check_topics(
    setup: RelaySetup, service: ComplaintService, cycles: list[Any]
) -> None:
    stored = {
        decode_json(n.state).envelope.id: encode_kafka(decode_json(n.state))
        for n in service.recorder.select_notifications(1, 1_000_000)
    }
    topics = setup.settings.topics
    records = await read_topic(setup.bootstrap, topics.events)
    ids = [_header(record, "ce_id") for record in records]

    missing = stored.keys() - set(ids)
    assert not missing, f"{len(missing)} stored events never reached Kafka"
    unknown = set(ids) - stored.keys()
    assert not unknown, f"Kafka holds events that were never stored: {unknown}"
    different = [
        event_id
        for event_id, record in zip(ids, records, strict=True)
        if (record.key, record.value, tuple(record.headers))
        != (stored[event_id].key, stored[event_id].value, stored[event_id].headers)
    ]
    assert not different, f"copies differ from the stored events: {different[:5]}"
    gaps = _sequence_gaps(records)
    assert not gaps, f"complaints whose events are out of order: {gaps[:5]}"
    reports = verify_stream(decode_kafka(r.key, r.value, r.headers) for r in records)
    invalid = [report for report in reports.values() if not report.valid]
    assert not invalid, f"hash chains that do not verify: {invalid[:3]}"
    assert len(reports) == len(cycles)

    duplicates = len(ids) - len(set(ids))
    print(  # noqa: T201 (the figure the brief asks the test to report)
        f"{setup.store}: {len(stored)} events, {len(records)} records, "
        f"{duplicates} duplicates after the kills"
    )
    await check_feeds(setup, cycles)


def _sequence_gaps(records: list[Any]) -> list[str]:
    """Return complaints whose first copies do not run 1, 2, 3, ... in offset order."""
    sequences: dict[bytes, list[int]] = defaultdict(list)
    for record in records:
        sequence = int(_header(record, "ce_sequence"))
        seen = sequences[record.key]
        if sequence > len(seen):
            seen.append(sequence)
    return [
        key.decode()
        for key, seen in sequences.items()
        if seen != list(range(1, len(seen) + 1))
    ]


async def check_feeds(setup: RelaySetup, cycles: list[Any]) -> None:
    """Each feed carries exactly the complaints its agency held, and no other."""
    topics = setup.settings.topics
    for agency in HANDLING_AGENCIES[:2]:
        held = {str(c.complaint_id) for c in cycles if agency in c.agencies}
        records = await read_topic(setup.bootstrap, topics.agency_feed(agency))
        subjects = {record.key.decode() for record in records}
        assert subjects - held == set(), f"{agency}'s feed carries others' complaints"
        assert held - subjects == set(), f"{agency}'s feed lacks complaints it held"


def _header(record: Any, name: str) -> str:
    values = [value for key, value in record.headers if key == name]
    assert len(values) == 1, f"record at offset {record.offset} has {name} {values}"
    return str(values[0].decode())

"""The intake process killed at random points records every command exactly once."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import uuid
from typing import Self

import pytest
import yaml
from aiokafka import AIOKafkaProducer

from infra.kafka.admin import delete_topics
from tests.gateway.api.agencies import HOLDER, NATIONAL, Commands, registry
from tests.gateway.intake.conftest import REDRIVE_KEY
from tests.gateway.intake.test_intake_kafka import record
from tests.support.kafka import read_records, read_until_quiet
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

logger = logging.getLogger(__name__)

COMPLAINTS = 4000
"""Each complaint gets three commands: submission, verification, disposition."""
INVALID = 20
KILLS = 20
START_WITHIN = 60
MAX_KILL_DELAY = 0.3
"""A run is killed at a random moment up to this long after its first batch.

Short enough that twenty runs use well under the workload's batches: the
cached complaints make a batch take a few tens of milliseconds, and a kill
loop that runs out of commands would wait for a batch that never comes.
"""
FINAL_WITHIN = 120
PROCESSED = b" Processed "
BATCH_SIZE = 100
"""Small batches, so that more kills land between a batch's two commits."""


def complaint_commands(commands: Commands) -> list[tuple[bytes, bytes, list]]:
    """Return the three records of one complaint, keyed by its id."""
    complaint_id = str(uuid.uuid4())
    documents = [
        (commands.submit(complaint_id=complaint_id), "web"),
        (
            commands.act(
                "verify_complaint", complaint_id, NATIONAL, classification="pengaduan"
            ),
            "national",
        ),
        (
            commands.act(
                "disposition_complaint", complaint_id, NATIONAL, agency=HOLDER
            ),
            "national",
        ),
    ]
    return [(complaint_id.encode(), *record(d, sender)[1:]) for d, sender in documents]


def intake_environment(tmp_path, kafka_bootstrap, topics, unique_id) -> dict[str, str]:
    agencies = tmp_path / "agencies.yaml"
    agencies.write_text(yaml.safe_dump(registry().model_dump(mode="json")))
    return {
        **os.environ,
        "LAPOR_DATA_DIR": str(tmp_path / "data"),
        "LAPOR_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "LAPOR_AGENCIES_FILE": str(agencies),
        "LAPOR_TOPIC_COMMANDS": topics["commands"],
        "LAPOR_TOPIC_COMMANDS_DEAD_LETTER": topics["dead"],
        "LAPOR_TOPIC_COMMAND_RESULTS": topics["results"],
        "LAPOR_TOPIC_EVENTS": f"test.{unique_id}.events",
        "LAPOR_TOPIC_AGENCY_FEED_PREFIX": f"test.{unique_id}.feed.",
        "LAPOR_TOPIC_PARTITIONS": "3",
        "LAPOR_INTAKE_GROUP": f"intake-{unique_id}",
        "LAPOR_INTAKE_BATCH_SIZE": str(BATCH_SIZE),
        "LAPOR_INTAKE_INSTANCE": unique_id,
        "LAPOR_INTAKE_REDRIVE_KEY": REDRIVE_KEY,
    }


class IntakeProcesses:
    """Starts intake processes; kills any still running when the block ends."""

    def __init__(self, environment, log) -> None:
        self.environment = environment
        self.log = log
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.intake"],
            env=self.environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def stored_counts(database) -> tuple[int, int]:
    with sqlite3.connect(database) as connection:
        commands = connection.execute("SELECT count(*) FROM command_results").fetchone()
        events = connection.execute("SELECT count(*) FROM stored_events").fetchone()
    return commands[0], events[0]


@pytest.mark.timeout(300)
async def test_intake_survives_random_kills(
    tmp_path, kafka_bootstrap, make_topic, unique_id, read_topic
):
    topics = {
        "commands": await make_topic(partitions=3),
        "dead": await make_topic(partitions=1),
        "results": await make_topic(partitions=3),
    }
    environment = intake_environment(tmp_path, kafka_bootstrap, topics, unique_id)
    commands = Commands()
    valid = [r for _ in range(COMPLAINTS) for r in complaint_commands(commands)]
    invalid = [
        (b"bad", encode_invalid(commands), record(commands.submit(), "web")[2])
        for _ in range(INVALID)
    ]
    await produce_quickly(kafka_bootstrap, topics["commands"], valid + invalid)
    chance = random.Random(unique_id)  # noqa: S311 (kill times, not secrets)
    loop = asyncio.get_running_loop()
    started = loop.time()
    log_path = tmp_path / "intake.log"
    with log_path.open("wb") as log, IntakeProcesses(environment, log) as intakes:
        for _ in range(KILLS):
            batches = log_path.read_bytes().count(PROCESSED)
            process = intakes.start()
            await wait_for_batch(log_path, batches + 1)
            await asyncio.sleep(chance.uniform(0, MAX_KILL_DELAY))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        kill_seconds = loop.time() - started
        process = intakes.start()
        consumer = await read_topic(topics["results"])
        results = await read_records(consumer, len(valid) + INVALID, FINAL_WITHIN)
        results += await read_until_quiet(consumer, quiet_seconds=2.0)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    dead = await read_until_quiet(await read_topic(topics["dead"]), quiet_seconds=2.0)
    await delete_topics(
        kafka_bootstrap,
        [environment["LAPOR_TOPIC_EVENTS"]]
        + [f"test.{unique_id}.feed.{agency.id}.v1" for agency in registry().agencies],
    )

    outcomes = [json.loads(r.value) for r in results]
    duplicates = sum(o["outcome"] == "duplicate" for o in outcomes)
    logger.info(
        "%d kills in %.0f s; %d commands recorded again after a kill; log in %s",
        KILLS,
        kill_seconds,
        duplicates,
        log_path,
    )
    command_ids = [o["command_id"] for o in outcomes]
    recorded, events = stored_counts(tmp_path / "data" / "gateway.sqlite")
    assert process.returncode == 0
    assert len(outcomes) == len(valid) + INVALID
    assert len(set(command_ids)) == len(command_ids)
    assert sum(o["outcome"] in {"accepted", "duplicate"} for o in outcomes) == len(
        valid
    )
    assert recorded == len(valid)
    assert events == len(valid)
    assert len(dead) == INVALID


def encode_invalid(commands: Commands) -> bytes:
    return json.dumps(commands.submit(channel="fax")).encode()


async def produce_quickly(bootstrap, topic, records) -> None:
    """Send the records in order, waiting for acknowledgements only at the end."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key, headers=headers)
            for key, value, headers in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def wait_for_batch(log_path, batches: int) -> None:
    """Return once the log shows ``batches`` processed batches."""
    await wait_for(
        lambda: log_path.read_bytes().count(PROCESSED) >= batches,
        START_WITHIN,
        f"the intake logged its batch number {batches}",
    )

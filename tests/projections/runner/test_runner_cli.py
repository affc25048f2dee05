"""The runner's command line in a child process: exit codes, metrics, rebuild."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.request

import pytest

from bench.event_mix import EventMix
from events.codec import KafkaMessage
from projections.runner import sqlite_location
from tests.projections.runner.support import (
    ROOT,
    publish,
    run_cli,
    runner_command,
)

PARTITIONS = 2
HALT_METRIC = 'lapor_projection_halted{projection="status",reason="sequence_gap"} 1.0'


@pytest.fixture(scope="module")
def mix():
    return EventMix.build(30, seed=9)


def common(bootstrap, topic, database, unique_id):
    return [
        "--bootstrap",
        bootstrap,
        "--topic",
        topic,
        "--database-url",
        f"sqlite:///{database}",
        "--group-id",
        f"test.{unique_id}",
        "--dead-letter-topic",
        f"{topic}.dlq",
    ]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape(port):
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/metrics", timeout=2
        ) as response:
            return response.read().decode()
    except OSError:
        return ""


@pytest.mark.kafka
async def test_gap_exits_three_with_alert_metric(
    kafka_bootstrap, make_topic, unique_id, tmp_path, mix
):
    topic = await make_topic(partitions=PARTITIONS)
    history = mix.copy(0)
    await publish(
        kafka_bootstrap, topic, [history[0], history[2]], partitions=PARTITIONS
    )
    port = free_port()
    arguments = [
        "run",
        "status",
        *common(kafka_bootstrap, topic, tmp_path / "live.sqlite", unique_id),
        "--metrics-port",
        str(port),
        "--halt-linger",
        "8",
    ]

    process = await asyncio.create_subprocess_exec(
        *runner_command(*arguments),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    seen = False
    deadline = time.monotonic() + 60
    while not seen and time.monotonic() < deadline and process.returncode is None:
        seen = HALT_METRIC in await asyncio.to_thread(scrape, port)
        await asyncio.sleep(0.2)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)

    errors = stderr.decode()
    assert seen, errors
    assert process.returncode == 3
    assert "ERROR projections.runner.runner: Projection status halted" in errors
    assert f"event {dict(history[2].headers)['ce_id'].decode()}" in errors
    assert "offset 1" in errors


@pytest.mark.kafka
async def test_conflict_exits_four(
    kafka_bootstrap, make_topic, unique_id, tmp_path, mix
):
    topic = await make_topic(partitions=1)
    history = mix.copy(1)
    # The same event id as history[1], delivered again under another hash.
    forged = KafkaMessage(
        key=history[1].key,
        value=history[1].value,
        headers=tuple(
            (name, b"ab" * 32 if name == "ce_hash" else value)
            for name, value in history[1].headers
        ),
    )
    await publish(
        kafka_bootstrap, topic, [history[0], history[1], forged], partitions=1
    )
    database = tmp_path / "live.sqlite"
    result = await asyncio.to_thread(
        run_cli,
        "run",
        "status",
        *common(kafka_bootstrap, topic, database, unique_id),
        "--until-caught-up",
    )
    assert result.returncode == 4, result.stderr
    assert "one copy was altered" in result.stderr


@pytest.mark.kafka
async def test_run_rebuild_switch_and_positions(
    kafka_bootstrap, make_topic, unique_id, tmp_path, mix
):
    topic = await make_topic(partitions=PARTITIONS)
    count = await publish(
        kafka_bootstrap, topic, mix.messages(300, window=30), partitions=PARTITIONS
    )
    database = tmp_path / "status.sqlite"
    options = common(kafka_bootstrap, topic, database, unique_id)
    live = await asyncio.to_thread(
        run_cli, "run", "status", *options, "--until-caught-up"
    )
    assert live.returncode == 0, live.stderr
    assert json.loads(live.stdout.splitlines()[-1])["applied"] == count

    positions = await asyncio.to_thread(run_cli, "positions", "status", *options)
    before = json.loads(positions.stdout)
    assert sum(row["offset"] + 1 for row in before) == count

    rebuilt = await asyncio.to_thread(
        run_cli, "rebuild", "status", *options, "--switch"
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "switched status to the rebuilt view" in rebuilt.stdout
    retired = list(tmp_path.glob("status.retired-*.sqlite"))
    assert len(retired) == 1
    assert list(tmp_path.glob("status.rebuild-*.sqlite")) == []

    after = await asyncio.to_thread(run_cli, "positions", "status", *options)
    assert json.loads(after.stdout) == before


def test_unknown_projection_is_usage_error():
    result = run_cli("run", "nonexistent")
    assert result.returncode == 2
    assert "invalid choice: 'nonexistent'" in result.stderr


def test_invalid_database_url_exits_two():
    result = run_cli("positions", "status", "--database-url", "mysql://somewhere/db")
    assert result.returncode == 2
    assert "database backend 'mysql' is not supported" in result.stderr


def test_sqlite_location_has_no_schema(tmp_path):
    location = sqlite_location(tmp_path / "x.sqlite")
    assert location.schema is None
    assert location.sqlite_path == tmp_path / "x.sqlite"

"""Crashes and rebalances: SIGKILL mid-batch, members joining and leaving."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import time

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from bench.event_mix import EventMix
from monitoring.projections import ProjectionMetrics
from projections.runner import (
    ProjectionRunner,
    RunnerConfig,
    StoreLocation,
    create_store_engine,
    differing_tables,
    rebuild,
    sqlite_location,
    view_contents,
)
from projections.status import StatusProjection
from tests.projections.runner.support import (
    ROOT,
    CollectedDeadLetters,
    open_view,
    publish,
    runner_command,
)
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

PARTITIONS = 4
KILL_EVENTS = 4000
MIN_KILLS = 5
MAX_KILLS = 8
PROGRESS_TIMEOUT_SECONDS = 60
FINAL_RUN_TIMEOUT_SECONDS = 180


@pytest.fixture(scope="module")
def mix():
    return EventMix.build(120, seed=17)


def applied_events(location: StoreLocation) -> int:
    """Count the events the view has applied, from its own tracking table."""
    projection = StatusProjection()
    engine = create_store_engine(location, writer=False)
    try:
        from projections.runner import TrackingTables  # noqa: PLC0415

        events = TrackingTables(projection.name).events
        with engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(events)
            ).scalar_one()
    except Exception:  # noqa: BLE001 (the tables may not exist yet)
        return 0
    finally:
        engine.dispose()


def start_runner(bootstrap, topic, location, group_id, *extra):
    return subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
        runner_command(
            "run",
            "status",
            "--bootstrap",
            bootstrap,
            "--topic",
            topic,
            "--database-url",
            location.url,
            "--group-id",
            group_id,
            "--dead-letter-topic",
            f"{topic}.dlq",
            "--log-level",
            "WARNING",
            *extra,
        ),
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_progress(process, location, beyond, timeout):
    """Return the applied count once above ``beyond``; None if the process ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = applied_events(location)
        if count > beyond:
            return count
        if process.poll() is not None:
            return None
        time.sleep(0.02)
    process.kill()
    process.wait()
    raise AssertionError(f"no progress past {beyond} events within {timeout} s")


async def rebuilt_contents(bootstrap, topic, folder, unique_id):
    projection = StatusProjection()
    result = await rebuild(
        projection,
        target=sqlite_location(folder / "rebuilt.sqlite"),
        config=RunnerConfig(bootstrap, topic, client_id=f"test-{unique_id}-rebuild"),
        dead_letters=CollectedDeadLetters(),
        metrics=ProjectionMetrics(CollectorRegistry(), projection.name),
    )
    engine = create_store_engine(result.location, writer=False)
    try:
        return result, view_contents(engine, projection.metadata)
    finally:
        engine.dispose()


def live_contents(location):
    engine = create_store_engine(location, writer=False)
    try:
        return view_contents(engine, StatusProjection().metadata)
    finally:
        engine.dispose()


@pytest.mark.timeout(600)
async def test_sigkill_mid_batch_loses_nothing(
    kafka_bootstrap, make_topic, unique_id, tmp_path, mix
):
    topic = await make_topic(partitions=PARTITIONS)
    await publish(
        kafka_bootstrap,
        topic,
        mix.messages(KILL_EVENTS, window=200),
        partitions=PARTITIONS,
    )
    location = sqlite_location(tmp_path / "live.sqlite")
    group_id = f"test.{unique_id}"
    rng = random.Random(unique_id)  # noqa: S311 (kill timing, not secrets)
    kills = 0
    progress = 0
    while kills < MAX_KILLS:
        # A static member id lets each restart take the partitions back at once.
        process = start_runner(
            kafka_bootstrap,
            topic,
            location,
            group_id,
            "--max-records",
            "40",
            "--instance-id",
            "kill-test",
        )
        reached = await asyncio.to_thread(
            wait_for_progress, process, location, progress, PROGRESS_TIMEOUT_SECONDS
        )
        if reached is None:
            break
        await asyncio.sleep(rng.uniform(0, 0.2))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        kills += 1
        progress = applied_events(location)
        print(f"kill {kills} at {progress} events")  # noqa: T201 (shown on failure)
        if progress >= KILL_EVENTS:
            break
    assert kills >= MIN_KILLS, (
        f"only {kills} kills landed before the topic was consumed"
    )

    final = start_runner(
        kafka_bootstrap,
        topic,
        location,
        group_id,
        "--until-caught-up",
        "--instance-id",
        "kill-test",
    )
    _, stderr = await asyncio.to_thread(
        final.communicate, timeout=FINAL_RUN_TIMEOUT_SECONDS
    )
    assert final.returncode == 0, stderr
    assert applied_events(location) == KILL_EVENTS

    result, rebuilt = await rebuilt_contents(
        kafka_bootstrap, topic, tmp_path, unique_id
    )
    assert result.summary.applied == KILL_EVENTS
    assert differing_tables(live_contents(location), rebuilt) == []


async def wait_while_running(condition, tasks, description, within=90.0):
    """Wait for ``condition``; fail at once if a runner task ends first."""

    def met():
        for task in tasks:
            if task.done():
                task.result()
                raise AssertionError(f"a runner stopped before {description}")
        return condition()

    await wait_for(met, within, description)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_location(request, tmp_path):
    if request.param == "sqlite":
        return sqlite_location(tmp_path / "shared.sqlite")
    url = request.getfixturevalue("postgres_database")
    return StoreLocation.parse(url, "projection_status")


@pytest.mark.timeout(600)
async def test_rebalance_loses_and_repeats_nothing(  # noqa: PLR0913, PLR0917 (fixtures)
    kafka_bootstrap, make_topic, unique_id, tmp_path, mix, shared_location
):
    """A joins, B joins mid-stream, A leaves mid-stream: each event applied once."""
    topic = await make_topic(partitions=PARTITIONS)
    messages = list(mix.messages(3000, window=150))
    parts = [messages[:1000], messages[1000:2000], messages[2000:]]
    await publish(kafka_bootstrap, topic, parts[0], partitions=PARTITIONS)
    config = RunnerConfig(
        kafka_bootstrap,
        topic,
        max_records=25,
        client_id=f"test-{unique_id}",
        group_id=f"test.{unique_id}",
    )
    first, second = open_view(shared_location), open_view(shared_location)
    first_stop, second_stop = asyncio.Event(), asyncio.Event()
    first_runner = ProjectionRunner(first.accounting, config)
    second_runner = ProjectionRunner(second.accounting, config)
    first_task = asyncio.create_task(first_runner.run(first_stop))
    second_task = None
    tasks = [first_task]
    try:
        await wait_while_running(
            lambda: first_runner.summary.applied >= 300, tasks, "A applied 300"
        )
        second_task = asyncio.create_task(second_runner.run(second_stop))
        tasks.append(second_task)
        await wait_while_running(
            lambda: (second.metric("lapor_projection_rebalances_total") or 0) >= 1,
            tasks,
            "B was assigned partitions",
        )
        await publish(kafka_bootstrap, topic, parts[1], partitions=PARTITIONS)
        await wait_while_running(
            lambda: second_runner.summary.applied >= 100, tasks, "B applied 100"
        )
        first_stop.set()
        await asyncio.wait_for(first_task, 60)
        await publish(kafka_bootstrap, topic, parts[2], partitions=PARTITIONS)
        await wait_while_running(
            lambda: applied_events(shared_location) >= len(messages),
            tasks[1:],
            "every event applied",
        )
        second_stop.set()
        await asyncio.wait_for(second_task, 60)
    finally:
        first_stop.set()
        second_stop.set()
        await asyncio.gather(
            first_task, *([second_task] if second_task else []), return_exceptions=True
        )
        first.dispose()
        second.dispose()

    assert first_runner.summary.applied + second_runner.summary.applied == len(messages)
    assert first_runner.summary.duplicates + second_runner.summary.duplicates == 0
    assert first_runner.summary.already_processed == 0
    assert applied_events(shared_location) == len(messages)
    assert first.metric("lapor_projection_rebalances_total") >= 2
    assert second.metric("lapor_projection_rebalances_total") >= 2
    _, rebuilt = await rebuilt_contents(kafka_bootstrap, topic, tmp_path, unique_id)
    assert differing_tables(live_contents(shared_location), rebuilt) == []

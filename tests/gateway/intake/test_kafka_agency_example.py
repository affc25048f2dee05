"""The Kafka agency example in docs/examples runs against the real broker."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from prometheus_client import CollectorRegistry

from gateway.bootstrap import build_relay
from infra.kafka.admin import TopicSpec, create_topic, delete_topics
from tests.gateway.api.agencies import HOLDER, SIGNING_KEY, TOKENS, Commands, registry

pytestmark = pytest.mark.kafka

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "kafka_agency.py"
RUN_WITHIN = 90


@pytest.fixture
async def relay(intake):
    """The relay, publishing the intake's store to the events and feed topics."""
    feed = intake.settings.topics.agency_feed(HOLDER)
    bootstrap = intake.settings.kafka_bootstrap
    await create_topic(bootstrap, TopicSpec(name=feed, partitions=3))
    relay, producer = build_relay(
        intake.settings, registry(), intake.service, CollectorRegistry()
    )
    await producer.start()
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    yield feed
    stop.set()
    await asyncio.wait_for(task, 30)
    await producer.stop()
    await delete_topics(bootstrap, [feed])


def write_inputs(tmp_path, command):
    private = SIGNING_KEY.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    files = {
        "token": TOKENS["signed"],
        "key": base64.b64encode(private).decode(),
        "command": json.dumps(command),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)


async def run_example(intake, feed, tmp_path):
    topics = intake.settings.topics
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLE),
        "--bootstrap",
        intake.settings.kafka_bootstrap,
        "--agency",
        HOLDER,
        "--token-file",
        str(tmp_path / "token"),
        "--signing-key-file",
        str(tmp_path / "key"),
        "--command-file",
        str(tmp_path / "command"),
        "--commands",
        topics.commands,
        "--results",
        topics.command_results,
        "--feed",
        feed,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), RUN_WITHIN)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, stderr.decode()
    return [json.loads(line) for line in stdout.decode().splitlines()]


async def test_example_sends_command_and_reads_feed(intake, relay, tmp_path):
    command = Commands().submit(
        actor={"agency": HOLDER, "role": "agency_admin"},
        target_agency=HOLDER,
        reporter_ref="reporter-walk-in",
        channel="walk_in",
    )
    write_inputs(tmp_path, command)
    lines = await run_example(intake, relay, tmp_path)
    result, event = lines[0]["result"], lines[1]["event"]
    assert len(lines) == 2
    assert result["outcome"] == "accepted"
    assert result["command_id"] == command["command_id"]
    assert event["attributes"]["ce_subject"] == result["complaint_id"]
    assert event["attributes"]["ce_type"] == "id.go.lapor.complaint.submitted.v2"
    assert event["data"]["title"] == command["title"]


async def test_example_prints_rejection(intake, relay, tmp_path):
    command = Commands().submit(actor={"agency": HOLDER, "role": "agency_admin"})
    write_inputs(tmp_path, command)
    [line] = await run_example(intake, relay, tmp_path)
    assert line["result"]["outcome"] == "rejected"
    assert line["result"]["problem"]["code"] == "not-authorised"

"""Real feed records, a receiver process and a running adapter for webhook tests."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry

from adapters.webhook.config import Destination, RetryPolicy, WebhookConfig
from adapters.webhook.service import WebhookService
from events.codec import decode_json
from events.envelope import Actor
from events.values import Channel, Classification, PrivacyFlags, Role
from gateway.application import ComplaintService
from gateway.complaint.commands import (
    PostResponse,
    RecordFollowUp,
    SubmitComplaint,
    VerifyComplaint,
)
from gateway.kafka.producer import OutgoingRecord, ReliableProducer
from gateway.publishing import EventRecordBuilder
from infra.kafka.admin import TopicSpec, create_topic
from monitoring.adapters import WebhookMetrics

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from gateway.settings import TopicNames

SECRET = b"receiver-secret-0123456789abcdef"
RECEIVER = Path(__file__).with_name("receiver.py")
START = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_seconds=0.05, max_delay_seconds=0.2)
"""Back-off short enough for tests; attempts are still real HTTP requests."""


def feed_records(
    folder: Path,
    topics: TopicNames,
    agency: str,
    complaints: int,
    *,
    anonymous: bool = False,
) -> list[OutgoingRecord]:
    """Run real commands through a SQLite service and return the agency's feed.

    Each complaint is submitted to ``agency``, verified, followed up and
    answered: four events per complaint, in order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    service = ComplaintService(
        {
            "PERSISTENCE_MODULE": "gateway.store.sqlite:Factory",
            "SQLITE_DBNAME": str(folder / f"{agency}.sqlite"),
        },
        clock=lambda: START + dt.timedelta(days=1),
    )
    reporter = Actor(agency="lapor-web", role=Role.REPORTER)
    admin = Actor(agency=agency, role=Role.AGENCY_ADMIN)
    try:
        for number in range(complaints):
            at = START + dt.timedelta(minutes=number)
            common = {"occurred_at": at, "correlation_id": f"c-{number}"}
            submitted = service.execute(
                SubmitComplaint(
                    command_id=f"submit-{number}",
                    actor=reporter,
                    reporter_ref="reporter-1",
                    tracking_id=str(1_000_000 + number),
                    channel=Channel.WEBSITE,
                    classification=Classification.COMPLAINT,
                    title=f"Jalan rusak {number}",
                    description="Lubang di jalan dekat halte.",
                    privacy=PrivacyFlags(anonymous=anonymous),
                    target_agency=agency,
                    **common,
                )
            )
            complaint = submitted.complaint_id
            for command in (
                VerifyComplaint(
                    command_id=f"verify-{number}",
                    actor=admin,
                    complaint_id=complaint,
                    classification=Classification.COMPLAINT,
                    **common,
                ),
                RecordFollowUp(
                    command_id=f"follow-{number}",
                    actor=admin,
                    complaint_id=complaint,
                    summary="Tim sudah survei.",
                    **common,
                ),
                PostResponse(
                    command_id=f"respond-{number}",
                    actor=admin,
                    complaint_id=complaint,
                    response="Sudah diperbaiki.",
                    **common,
                ),
            ):
                service.execute(command)
        builder = EventRecordBuilder(
            topics,
            history=lambda cid, up_to: [
                decode_json(e.state).envelope
                for e in service.recorder.select_events(cid, lte=up_to)
            ],
            feed_agencies=frozenset({agency}),
        )
        notifications = service.recorder.select_notifications(start=1, limit=100_000)
        records = builder.build(notifications)
    finally:
        service.close()
    feed = topics.agency_feed(agency)
    return [record for record in records if record.topic == feed]


async def publish(bootstrap: str, records: list[OutgoingRecord]) -> None:
    producer = ReliableProducer(bootstrap, client_id="webhook-test")
    await producer.start()
    try:
        await producer.publish(records)
    finally:
        await producer.stop()


@dataclass
class Receiver:
    """A running receiver process and the log it writes."""

    url: str
    log: Path

    def entries(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line]

    def accepted(self, path: str) -> list[dict[str, Any]]:
        return [
            entry
            for entry in self.entries()
            if entry["path"] == path and entry["status"] == 200
        ]


@contextlib.contextmanager
def receiver_process(folder: Path) -> Iterator[Receiver]:
    """Start the receiver on a free loopback port; stop it afterwards."""
    log = folder / "receiver.jsonl"
    environment = {**os.environ, "RECEIVER_SECRET": SECRET.decode()}
    process = subprocess.Popen(  # noqa: S603 (a fixed script of this test suite)
        [sys.executable, str(RECEIVER), str(log)],
        stdout=subprocess.PIPE,
        env=environment,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield Receiver(url=f"http://127.0.0.1:{port}", log=log)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def destination(agency: str, url: str, **overrides: Any) -> Destination:
    fields: dict[str, Any] = {
        "agency": agency,
        "url": url,
        "secret_env": "UNUSED_IN_TESTS",
        "timeout_seconds": 2.0,
        "retry": FAST_RETRY,
        **overrides,
    }
    return Destination(**fields)


@dataclass
class RunningAdapter:
    service: WebhookService
    registry: CollectorRegistry
    task: asyncio.Task[None]

    def sample(self, name: str, **labels: str) -> float:
        value = self.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value


@contextlib.asynccontextmanager
async def running_adapter(
    config: WebhookConfig, bootstrap: str, topics: TopicNames
) -> AsyncIterator[RunningAdapter]:
    """Run the adapter in this event loop until the block ends."""
    registry = CollectorRegistry()
    service = WebhookService(
        config,
        bootstrap_servers=bootstrap,
        topics=topics,
        metrics=WebhookMetrics(registry),
        secrets={d.agency: SECRET for d in config.destinations},
    )
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    try:
        yield RunningAdapter(service, registry, task)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@dataclass
class Testbed:
    """One test's broker, unique topic names, folder and consumer group."""

    bootstrap: str
    feed_topics: TopicNames
    folder: Path
    unique_id: str
    created: list[str]

    async def topics(self, *agencies: str, partitions: int = 2) -> str:
        """Create the agencies' feed topics and a dead-letter topic; return its name."""
        dead_letters = f"test.{self.unique_id}.webhook-dlq"
        names = [self.feed_topics.agency_feed(agency) for agency in agencies]
        for name in [*names, dead_letters]:
            if name not in self.created:
                spec = TopicSpec(name=name, partitions=partitions)
                await create_topic(self.bootstrap, spec)
                self.created.append(name)
        return dead_letters

    def records(
        self, agency: str, complaints: int, *, anonymous: bool = False
    ) -> list[OutgoingRecord]:
        folder = self.folder / f"store-{agency}-{len(self.created)}-{complaints}"
        return feed_records(
            folder, self.feed_topics, agency, complaints, anonymous=anonymous
        )

    async def publish(self, records: list[OutgoingRecord]) -> None:
        await publish(self.bootstrap, records)

    def config(self, dead_letters: str, *destinations: Destination) -> WebhookConfig:
        return WebhookConfig(
            destinations=destinations,
            dead_letter_topic=dead_letters,
            consumer_group=f"test.{self.unique_id}.webhook",
            delivery_db=self.folder / "deliveries.sqlite",
        )

    def run(
        self, config: WebhookConfig
    ) -> contextlib.AbstractAsyncContextManager[RunningAdapter]:
        return running_adapter(config, self.bootstrap, self.feed_topics)

"""Export of an agency feed from a real Kafka broker to CSV."""

from __future__ import annotations

import asyncio
import csv

import pytest
from aiokafka import AIOKafkaProducer

from adapters.files.cli import main
from adapters.files.export import COLUMNS
from events.codec import decode_json
from gateway.publishing import EventRecordBuilder
from gateway.settings import TopicNames
from infra.kafka.admin import TopicSpec, create_topic, delete_topics
from tests.adapters.files.conftest import MAPPINGS_DIR, data_file

AGENCY = "nyc-nypd"
ROWS = 40


def feed_records(importer, prefix: str):
    """Route the stored events as the relay does; keep the agency's feed copies."""
    topics = TopicNames(agency_feed_prefix=prefix)

    def history(complaint_id, up_to):
        stored = importer.service.recorder.select_events(complaint_id, lte=up_to)
        return [decode_json(event.state).envelope for event in stored]

    builder = EventRecordBuilder(
        topics, history=history, feed_agencies=frozenset({AGENCY})
    )
    notifications = importer.service.recorder.select_notifications(1, 10_000)
    feed = topics.agency_feed(AGENCY)
    return feed, [r for r in builder.build(notifications) if r.topic == feed]


async def publish(bootstrap: str, topic: str, records) -> None:
    await create_topic(bootstrap, TopicSpec(name=topic, partitions=3))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for record in records:
            await producer.send_and_wait(
                topic, record.value, key=record.key, headers=list(record.headers)
            )
    finally:
        await producer.stop()


@pytest.mark.kafka
def test_export_writes_feed_as_received(
    importer, kafka_bootstrap, unique_id, tmp_path, monkeypatch
):
    importer.run("nyc311", data_file("nyc311_requests_sample.csv.gz"), limit=ROWS)
    prefix = f"test.{unique_id}.feed."
    topic, records = feed_records(importer, prefix)
    asyncio.run(publish(kafka_bootstrap, topic, records))
    monkeypatch.setenv("LAPOR_TOPIC_AGENCY_FEED_PREFIX", prefix)
    monkeypatch.setenv("LAPOR_KAFKA_BOOTSTRAP", kafka_bootstrap)
    out = tmp_path / "feed.csv"
    try:
        status = main(
            ["export", "--agency", AGENCY, "--out", str(out), "--timeout", "60"]
        )
    finally:
        asyncio.run(delete_topics(kafka_bootstrap, [topic]))
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert status == 0
    assert records
    assert len(rows) == len(records)
    assert tuple(rows[0]) == COLUMNS
    assert sorted(r["data"] for r in rows) == sorted(r.value.decode() for r in records)
    assert {r["actoragency"] for r in rows} >= {"nyc-311", AGENCY}


@pytest.mark.kafka
def test_export_of_missing_topic_fails(
    kafka_bootstrap, unique_id, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("LAPOR_TOPIC_AGENCY_FEED_PREFIX", f"test.{unique_id}.absent.")
    monkeypatch.setenv("LAPOR_KAFKA_BOOTSTRAP", kafka_bootstrap)
    status = main(
        [
            "export",
            "--agency",
            AGENCY,
            "--out",
            str(tmp_path / "x.csv"),
            "--timeout",
            "30",
        ]
    )
    assert status == 1
    assert "does not exist" in capsys.readouterr().err


def test_export_rejects_invalid_agency_id():
    with pytest.raises(SystemExit):
        main(["export", "--agency", "Not An Id", "--out", "x.csv"])


def test_mappings_dir_exists():
    assert MAPPINGS_DIR.is_dir()

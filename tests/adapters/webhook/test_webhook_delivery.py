"""The webhook adapter against the real broker and a real receiver process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import yaml

from adapters.webhook.dead_letters import read_dead_letters
from adapters.webhook.redrive import list_letters, redrive
from adapters.webhook.store import DeliveryState, DeliveryStore
from events.structured import from_document
from gateway.kafka.producer import OutgoingRecord
from tests.adapters.webhook.support import SECRET, destination
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

DELIVERED = "lapor_webhook_deliveries_total"
HOOK_VARIABLE = "HOOK_SECRET"


def closed_port() -> int:
    """Return a loopback port on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_delivers_feed_signed_and_in_order(bed, receiver):
    dead_letters = await bed.topics("ag-a")
    records = bed.records("ag-a", 3)
    await bed.publish(records)
    config = bed.config(dead_letters, destination("ag-a", receiver.url + "/ok/a"))
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: len(receiver.accepted("/ok/a")) == 12, 30, "12 events arrive"
        )
        await wait_for(
            lambda: adapter.sample(DELIVERED, agency="ag-a", outcome="delivered") == 12,
            10,
            "12 deliveries are counted",
        )
        await wait_for(
            lambda: (
                sum(adapter.service.tracker.committable().values()) == 0
                and adapter.service.tracker.outstanding(("x", 0)) == 0
            ),
            10,
            "every settled offset is committed",
        )
        consumer = adapter.service.consumer
        committed = [await consumer.committed(tp) for tp in consumer.assignment()]
    entries = receiver.accepted("/ok/a")
    assert all(entry["signature"] == "valid" for entry in entries)
    assert all(
        entry["content_type"].startswith("application/cloudevents+json")
        for entry in entries
    )
    documents = [json.loads(entry["body"]) for entry in entries]
    assert [d["id"] for d in documents] == [e["event_id"] for e in entries]
    by_complaint: dict[str, list[int]] = {}
    for document in documents:
        by_complaint.setdefault(document["subject"], []).append(document["sequence"])
    assert sorted(by_complaint.values()) == [[1, 2, 3, 4]] * 3
    for document in documents:
        assert from_document(document).envelope.id == document["id"]
    assert sum(committed) == len(records)


async def test_anonymous_copy_carries_its_redactions(bed, receiver):
    dead_letters = await bed.topics("ag-anon")
    records = bed.records("ag-anon", 1, anonymous=True)
    await bed.publish(records)
    config = bed.config(
        dead_letters,
        destination("ag-anon", receiver.url + "/ok/anon"),
    )
    async with bed.run(config):
        await wait_for(
            lambda: len(receiver.accepted("/ok/anon")) == 4, 30, "4 events arrive"
        )
    documents = [json.loads(e["body"]) for e in receiver.accepted("/ok/anon")]
    submitted = next(d for d in documents if d["sequence"] == 1)
    assert submitted["redactions"] == "identity"
    assert submitted["data"]["reporter_ref"] == "anonymous"
    assert all("redactions" not in d for d in documents if d["sequence"] > 1)


async def test_dead_endpoint_dead_letters_and_spares_others(bed, receiver):
    dead_letters = await bed.topics("ag-dead", "ag-live")
    dead = bed.records("ag-dead", 2)
    live = bed.records("ag-live", 2)
    await bed.publish(dead + live)
    config = bed.config(
        dead_letters,
        destination("ag-dead", f"http://127.0.0.1:{closed_port()}/hook"),
        destination("ag-live", receiver.url + "/ok/live"),
    )
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: len(receiver.accepted("/ok/live")) == 8, 30, "live events arrive"
        )
        await wait_for(
            lambda: (
                adapter.sample(DELIVERED, agency="ag-dead", outcome="dead_lettered")
                == 8
            ),
            60,
            "8 dead letters",
        )
        assert adapter.sample("lapor_webhook_dead_letters", agency="ag-dead") == 8
        assert adapter.sample("lapor_webhook_retries_total", agency="ag-dead") == 16
    letters = await read_dead_letters(bed.bootstrap, dead_letters, "ag-dead")
    assert len(letters) == 8
    originals = {(r.topic, r.key, dict(r.headers)["ce_id"].decode()) for r in dead}
    assert {
        (letter.record.topic, letter.record.key, letter.event_id) for letter in letters
    } == originals
    assert all(letter.attempts == 3 for letter in letters)
    assert all(letter.error == "connection failed" for letter in letters)
    assert all(letter.record.offset >= 0 for letter in letters)
    assert all(
        ("ce_id", letter.event_id.encode()) in letter.record.headers
        for letter in letters
    )
    store = DeliveryStore(config.delivery_db)
    rows = store.rows("ag-dead")
    store.close()
    assert {row.state for row in rows} == {DeliveryState.DEAD_LETTERED}


async def test_dead_letters_redrive_after_recovery(bed, receiver):
    dead_letters = await bed.topics("ag-later")
    await bed.publish(bed.records("ag-later", 1))
    down = destination("ag-later", f"http://127.0.0.1:{closed_port()}/hook")
    config = bed.config(dead_letters, down)
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: (
                adapter.sample(DELIVERED, agency="ag-later", outcome="dead_lettered")
                == 4
            ),
            60,
            "4 dead letters",
        )
    recovered = config.model_copy(
        update={"destinations": (destination("ag-later", receiver.url + "/ok/later"),)}
    )
    letters = await list_letters(recovered, bed.bootstrap, "ag-later")
    assert [view.state for view in letters] == ["dead_lettered"] * 4
    first = letters[0].letter.event_id
    single = await redrive(
        recovered,
        bed.bootstrap,
        "ag-later",
        event_id=first,
        attempts=1,
        secret=SECRET,
    )
    assert single.delivered == [first]
    rest = await redrive(
        recovered, bed.bootstrap, "ag-later", event_id=None, attempts=1, secret=SECRET
    )
    assert len(rest.delivered) == 3
    assert rest.already_delivered == [first]
    assert len(receiver.accepted("/ok/later")) == 4
    after = await list_letters(recovered, bed.bootstrap, "ag-later")
    assert [view.state for view in after] == ["redriven"] * 4


async def test_slow_endpoint_pauses_only_its_agency(bed, receiver):
    dead_letters = await bed.topics("ag-slow", "ag-fast")
    slow = bed.records("ag-slow", 3)
    fast = bed.records("ag-fast", 5)
    await bed.publish(slow + fast)
    config = bed.config(
        dead_letters,
        destination(
            "ag-slow",
            receiver.url + "/slow/0.4/slow",
            timeout_seconds=5.0,
            queue_size=2,
        ),
        destination("ag-fast", receiver.url + "/ok/fast"),
    )
    async with bed.run(config) as adapter:
        paused_seen = False

        def fast_done() -> bool:
            nonlocal paused_seen
            paused_seen = paused_seen or "ag-slow" in adapter.service.paused
            return len(receiver.accepted("/ok/fast")) == 20

        await wait_for(fast_done, 30, "the fast agency's 20 events arrive")
        slow_when_fast_done = len(receiver.accepted("/slow/0.4/slow"))
        await wait_for(
            lambda: len(receiver.accepted("/slow/0.4/slow")) == 12,
            60,
            "the slow agency's 12 events arrive",
        )
    assert paused_seen
    assert slow_when_fast_done < 12
    slow_ids = [e["event_id"] for e in receiver.accepted("/slow/0.4/slow")]
    assert len(set(slow_ids)) == 12


async def test_timeout_counts_as_retriable_failure(bed, receiver):
    dead_letters = await bed.topics("ag-stuck")
    await bed.publish(bed.records("ag-stuck", 1))
    config = bed.config(
        dead_letters,
        destination("ag-stuck", receiver.url + "/slow/3/stuck", timeout_seconds=0.3),
    )
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: (
                adapter.sample(DELIVERED, agency="ag-stuck", outcome="dead_lettered")
                == 4
            ),
            60,
            "4 dead letters",
        )
    letters = await read_dead_letters(bed.bootstrap, dead_letters, "ag-stuck")
    assert {letter.error for letter in letters} == {"timed out (ReadTimeout)"}


async def test_flaky_endpoint_is_retried_until_delivered(bed, receiver):
    dead_letters = await bed.topics("ag-flaky")
    await bed.publish(bed.records("ag-flaky", 2))
    config = bed.config(
        dead_letters,
        destination("ag-flaky", receiver.url + "/flaky/2/flaky"),
    )
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: len(receiver.accepted("/flaky/2/flaky")) == 8, 30, "8 events arrive"
        )
        await wait_for(
            lambda: (
                adapter.sample(DELIVERED, agency="ag-flaky", outcome="retried") == 8
            ),
            10,
            "8 retried deliveries are counted",
        )
        assert adapter.sample("lapor_webhook_retries_total", agency="ag-flaky") == 16
    attempts = [e["attempt"] for e in receiver.entries() if e["status"] == 200]
    assert attempts == ["3"] * 8


async def test_rejecting_endpoint_is_not_retried(bed, receiver):
    dead_letters = await bed.topics("ag-no")
    await bed.publish(bed.records("ag-no", 1))
    config = bed.config(
        dead_letters,
        destination("ag-no", receiver.url + "/reject/no"),
    )
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: (
                adapter.sample(DELIVERED, agency="ag-no", outcome="dead_lettered") == 4
            ),
            30,
            "4 dead letters",
        )
    letters = await read_dead_letters(bed.bootstrap, dead_letters, "ag-no")
    assert {letter.last_status for letter in letters} == {400}
    assert {letter.attempts for letter in letters} == {1}
    assert len(receiver.entries()) == 4


async def test_malformed_record_dead_lettered_others_delivered(bed, receiver):
    dead_letters = await bed.topics("ag-bad", partitions=1)
    good = bed.records("ag-bad", 1)
    poison = OutgoingRecord(
        topic=bed.feed_topics.agency_feed("ag-bad"),
        key=good[0].key,
        value=b"{not json",
        headers=good[0].headers,
    )
    await bed.publish([poison, *good])
    config = bed.config(
        dead_letters,
        destination("ag-bad", receiver.url + "/ok/bad"),
    )
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: len(receiver.accepted("/ok/bad")) == 4, 30, "4 events arrive"
        )
        assert adapter.sample(DELIVERED, agency="ag-bad", outcome="dead_lettered") == 1
    letters = await read_dead_letters(bed.bootstrap, dead_letters, "ag-bad")
    assert len(letters) == 1
    assert letters[0].record.offset == 0
    assert letters[0].error == "invalid feed record: MalformedJSONError"
    assert letters[0].record.value == b"{not json"


async def test_republished_events_are_posted_once(bed, receiver):
    dead_letters = await bed.topics("ag-dup")
    records = bed.records("ag-dup", 2)
    await bed.publish(records)
    config = bed.config(
        dead_letters,
        destination("ag-dup", receiver.url + "/ok/dup"),
    )
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: len(receiver.accepted("/ok/dup")) == 8, 30, "8 events arrive"
        )
        await bed.publish(records)
        await wait_for(
            lambda: adapter.sample(DELIVERED, agency="ag-dup", outcome="skipped") == 8,
            30,
            "8 repeats are skipped",
        )
    ids = [entry["event_id"] for entry in receiver.accepted("/ok/dup")]
    assert len(ids) == 8
    assert len(set(ids)) == 8


async def test_restart_resumes_after_committed_offsets(bed, receiver):
    dead_letters = await bed.topics("ag-restart")
    config = bed.config(
        dead_letters,
        destination("ag-restart", receiver.url + "/ok/restart"),
    )
    first = bed.records("ag-restart", 1)
    await bed.publish(first)
    async with bed.run(config):
        await wait_for(
            lambda: len(receiver.accepted("/ok/restart")) == 4, 30, "4 events arrive"
        )
    (bed.folder / "deliveries.sqlite").unlink()
    second = [r for r in bed.records("ag-restart", 2) if r not in first]
    await bed.publish(second)
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: len(receiver.accepted("/ok/restart")) == 8, 30, "8 events arrive"
        )
        assert adapter.sample(DELIVERED, agency="ag-restart", outcome="skipped") == 0
    ids = [entry["event_id"] for entry in receiver.accepted("/ok/restart")]
    assert len(set(ids)) == 8


def run_cli(config_path, bootstrap, *arguments):
    environment = {
        **os.environ,
        "LAPOR_KAFKA_BOOTSTRAP": bootstrap,
        HOOK_VARIABLE: SECRET.decode(),
    }
    return subprocess.run(  # noqa: S603 (the project's own command)
        [
            sys.executable,
            "-m",
            "adapters.webhook",
            "--config",
            str(config_path),
            *arguments,
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


async def test_cli_lists_and_redrives_dead_letters(bed, receiver):
    dead_letters = await bed.topics("ag-cli")
    await bed.publish(bed.records("ag-cli", 1))
    config = bed.config(
        dead_letters,
        destination("ag-cli", receiver.url + "/reject/cli"),
    )
    async with bed.run(config) as adapter:
        await wait_for(
            lambda: (
                adapter.sample(DELIVERED, agency="ag-cli", outcome="dead_lettered") == 4
            ),
            30,
            "4 dead letters",
        )
    path = bed.folder / "webhooks.yaml"
    document = config.model_dump(mode="json")
    document["destinations"][0].update(
        url=receiver.url + "/ok/cli", secret_env=HOOK_VARIABLE
    )
    path.write_text(yaml.safe_dump(document))
    listed = run_cli(
        path, bed.bootstrap, "dead-letters", "list", "--agency", "ag-cli", "--json"
    )
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [row["state"] for row in rows] == ["dead_lettered"] * 4
    assert {row["last_status"] for row in rows} == {400}
    redriven = run_cli(
        path, bed.bootstrap, "dead-letters", "redrive", "--agency", "ag-cli", "--all"
    )
    assert redriven.returncode == 0, redriven.stderr
    assert "4 delivered, 0 failed, 0 skipped" in redriven.stdout
    assert len(receiver.accepted("/ok/cli")) == 4
    unknown = run_cli(
        path,
        bed.bootstrap,
        "dead-letters",
        "redrive",
        "--agency",
        "ag-cli",
        "--event-id",
        "no-such-event",
    )
    assert unknown.returncode == 1
    assert "no dead letter for event 'no-such-event'" in unknown.stderr

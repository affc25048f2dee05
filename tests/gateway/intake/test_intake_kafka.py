"""The Kafka command intake against the real broker."""

from __future__ import annotations

import json

import pytest

from gateway.intake.dead_letters import list_letters, redrive_all, redrive_offset
from tests.gateway.api.agencies import (
    HOLDER,
    NATIONAL,
    TOKENS,
    Commands,
    encode,
    sign,
)
from tests.gateway.intake.conftest import produce
from tests.support.kafka import read_records, read_until_quiet

pytestmark = pytest.mark.kafka

WITHIN = 60


def headers(sender: str, *extra: tuple[str, bytes]) -> list[tuple[str, bytes]]:
    return [("authorization", f"Bearer {TOKENS[sender]}".encode()), *extra]


def record(command, sender="web"):
    return (command["command_id"].encode(), encode(command), headers(sender))


def by_command(records):
    """Return the decoded results of ``records`` by command id."""
    results = [json.loads(r.value) for r in records]
    return {result["command_id"]: result for result in results}


async def results_of(read_topic, intake, count):
    consumer = await read_topic(intake.settings.topics.command_results)
    records = await read_records(consumer, count, within=WITHIN)
    extra = await read_until_quiet(consumer, quiet_seconds=1.5, within=WITHIN)
    assert extra == []
    return [json.loads(r.value) for r in records], records


async def test_commands_recorded_once_when_sent_twice(intake, read_topic):
    commands = Commands()
    documents = [commands.submit() for _ in range(5)]
    sent = [record(d) for d in documents] * 2
    await produce(
        intake.settings.kafka_bootstrap, intake.settings.topics.commands, sent
    )
    results, records = await results_of(read_topic, intake, 10)
    outcomes = sorted(r["outcome"] for r in results)
    assert outcomes == ["accepted"] * 5 + ["duplicate"] * 5
    assert {r["command_id"] for r in results} == {d["command_id"] for d in documents}
    assert {r.key for r in records} == {b"lapor-web"}
    assert intake.service.recorder.max_notification_id() == 5


async def test_poison_records_dead_lettered(intake, read_topic):
    commands = Commands()
    complaint = commands.submit()
    too_early = commands.act(
        "disposition_complaint",
        "0b6f1e7a-1111-4222-8333-444455556666",
        NATIONAL,
        agency=HOLDER,
    )
    poison = [
        (b"k1", b"{not json", headers("web")),
        (
            b"k2",
            encode(commands.submit(occurred_at="2025-06-02T09:00:00")),
            headers("web"),
        ),
        (b"k3", encode(commands.submit()), [("x-trace", b"abc")]),
        (b"k4", encode(commands.submit()), headers("national")),
        (b"k5", encode(too_early), headers("national")),
        (b"k6", encode(commands.submit()), [("authorization", b"\xff\xfe")]),
    ]
    topic = intake.settings.topics.commands
    await produce(intake.settings.kafka_bootstrap, topic, [*poison, record(complaint)])

    results, _ = await results_of(read_topic, intake, 5)
    dead = await read_records(
        await read_topic(intake.settings.topics.commands_dead_letter), 6, within=WITHIN
    )
    letters = {r.key: dict(r.headers) for r in dead}

    assert sorted(r["outcome"] for r in results) == ["accepted"] + ["rejected"] * 4
    assert sorted(letters) == [b"k1", b"k2", b"k3", b"k4", b"k5", b"k6"]
    assert letters[b"k1"]["lapor-dlq-code"] == b"invalid-command"
    assert letters[b"k2"]["lapor-dlq-code"] == b"invalid-command"
    assert b"occurred_at" in letters[b"k2"]["lapor-dlq-reason"]
    assert letters[b"k3"]["lapor-dlq-code"] == b"unauthenticated"
    assert letters[b"k3"]["x-trace"] == b"abc"
    assert letters[b"k4"]["lapor-dlq-code"] == b"claim-rejected"
    assert letters[b"k5"]["lapor-dlq-code"] == b"complaint-not-found"
    assert letters[b"k6"]["lapor-dlq-code"] == b"undecodable"
    assert letters[b"k5"]["lapor-dlq-topic"] == topic.encode()
    assert letters[b"k5"]["lapor-dlq-error"] == b"CommandTargetError"
    assert letters[b"k5"]["lapor-dlq-command-id"] == too_early["command_id"].encode()
    for letter in letters.values():
        assert "authorization" not in letter
    assert intake.service.recorder.max_notification_id() == 1


async def test_dead_letter_keeps_coordinates(intake, read_topic, kafka_bootstrap):
    topic = intake.settings.topics.commands
    await produce(kafka_bootstrap, topic, [(b"only", b"[]", headers("web"))])
    [letter] = await read_records(
        await read_topic(intake.settings.topics.commands_dead_letter), 1, within=WITHIN
    )
    [original] = await read_records(await read_topic(topic), 1, within=WITHIN)
    fields = dict(letter.headers)
    assert fields["lapor-dlq-partition"] == str(original.partition).encode()
    assert fields["lapor-dlq-offset"] == str(original.offset).encode()
    assert fields["lapor-dlq-timestamp"] == str(original.timestamp).encode()
    assert letter.value == b"[]"


async def test_rejections_reported_on_results(intake, read_topic):
    commands = Commands()
    document = commands.submit(channel="fax")
    await produce(
        intake.settings.kafka_bootstrap,
        intake.settings.topics.commands,
        [record(document)],
    )
    [result], _ = await results_of(read_topic, intake, 1)
    assert result["outcome"] == "rejected"
    assert result["command_id"] == document["command_id"]
    assert result["problem"]["code"] == "invalid-command"
    assert result["problem"]["errors"][0]["field"] == "$.channel"
    assert "fax" not in json.dumps(result)


async def test_signed_system_over_kafka(intake, read_topic):
    commands = Commands()
    document = commands.submit(
        actor={"agency": HOLDER, "role": "agency_admin"},
        target_agency=HOLDER,
        reporter_ref="reporter-walk-in",
    )
    body = encode(document)
    await produce(
        intake.settings.kafka_bootstrap,
        intake.settings.topics.commands,
        [
            (b"a", body, headers("signed")),
            (b"b", body, headers("signed", ("x-lapor-signature", sign(body).encode()))),
        ],
    )
    results, _ = await results_of(read_topic, intake, 2)
    assert sorted(r["outcome"] for r in results) == ["accepted", "rejected"]
    rejected = next(r for r in results if r["outcome"] == "rejected")
    assert rejected["problem"]["code"] == "unauthenticated"


async def test_redrive_one_letter(intake, read_topic):
    commands = Commands()
    complaint = commands.submit()
    topic = intake.settings.topics.commands
    bootstrap = intake.settings.kafka_bootstrap
    await produce(bootstrap, topic, [record(complaint)])
    [accepted], _ = await results_of(read_topic, intake, 1)
    complaint_id = accepted["complaint_id"]
    verify = commands.act(
        "verify_complaint", complaint_id, NATIONAL, classification="pengaduan"
    )
    early = commands.act("disposition_complaint", complaint_id, NATIONAL, agency=HOLDER)
    await produce(bootstrap, topic, [record(early, "national")])
    results_consumer = await read_topic(intake.settings.topics.command_results)
    first = by_command(await read_records(results_consumer, 2, within=WITHIN))
    assert first[early["command_id"]]["problem"]["code"] == "transition-rejected"
    await produce(bootstrap, topic, [record(verify, "national")])
    await read_records(results_consumer, 1, within=WITHIN)

    [letter] = await list_letters(intake.settings)
    redriven = await redrive_offset(intake.settings, letter.partition, letter.offset)
    [result] = await read_records(results_consumer, 1, within=WITHIN)
    outcome = json.loads(result.value)
    assert redriven.command_id == early["command_id"]
    assert letter.code == "transition-rejected"
    assert outcome["outcome"] == "accepted"
    assert outcome["command_id"] == early["command_id"]
    assert outcome["status"] == "dispositioned"


async def test_redrive_all_then_nothing_left(intake, read_topic):
    commands = Commands()
    topic = intake.settings.topics.commands
    bootstrap = intake.settings.kafka_bootstrap
    unauthenticated = (b"u", encode(commands.submit()), [])
    await produce(bootstrap, topic, [unauthenticated])
    await read_records(
        await read_topic(intake.settings.topics.commands_dead_letter), 1, within=WITHIN
    )
    group = f"redrive-{intake.settings.intake_instance}"
    first = await redrive_all(intake.settings, group_id=group)
    dead = await read_records(
        await read_topic(intake.settings.topics.commands_dead_letter), 2, within=WITHIN
    )
    second = await redrive_all(intake.settings, group_id=group)
    assert [letter.code for letter in first] == ["unauthenticated"]
    assert dict(dead[1].headers)["lapor-dlq-code"] == b"unauthenticated"
    assert [letter.offset for letter in second] == [dead[1].offset]
    assert intake.service.recorder.max_notification_id() is None


async def test_forged_grant_not_accepted(intake, read_topic):
    commands = Commands()
    forged = [
        ("lapor-redrive-system", b"national-admin"),
        ("lapor-redrive-grant", b"00" * 32),
    ]
    await produce(
        intake.settings.kafka_bootstrap,
        intake.settings.topics.commands,
        [(b"f", encode(commands.submit()), forged)],
    )
    [letter] = await read_records(
        await read_topic(intake.settings.topics.commands_dead_letter), 1, within=WITHIN
    )
    assert dict(letter.headers)["lapor-dlq-code"] == b"unauthenticated"

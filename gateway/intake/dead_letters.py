"""Operator command: list the command intake's dead letters and re-drive them.

::

    python -m gateway.intake.dead_letters list [--limit N]
    python -m gateway.intake.dead_letters redrive --offset N [--partition P]
    python -m gateway.intake.dead_letters redrive --all

``redrive`` republishes the original command to the topic it was read from,
with its headers and, instead of the removed token, the re-drive grant the
intake issued (see ``gateway.intake.grants``). ``--all`` re-drives every
letter not re-driven by an earlier ``--all`` and records how far it got in
the consumer group ``lapor.dead-letter-redrive``. Settings come from the
``LAPOR_*`` environment variables.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from gateway.intake.messages import (
    DLQ_CODE,
    DLQ_COMMAND_ID,
    DLQ_GRANT,
    DLQ_OFFSET,
    DLQ_PARTITION,
    DLQ_PREFIX,
    DLQ_REASON,
    DLQ_SYSTEM,
    DLQ_TOPIC,
    REDRIVE_GRANT,
    REDRIVE_SYSTEM,
    REDRIVEN_FROM,
)
from gateway.kafka.producer import OutgoingRecord, ReliableProducer
from gateway.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

REDRIVE_GROUP = "lapor.dead-letter-redrive"
READ_TIMEOUT_SECONDS = 30.0


class DeadLetterError(Exception):
    """A dead letter could not be found or read."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One record of the dead-letter topic, with its ``lapor-dlq-*`` headers read."""

    partition: int
    offset: int
    time: datetime
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        for key, value in reversed(self.headers):
            if key == name:
                return value.decode(errors="replace")
        return None

    @property
    def code(self) -> str:
        return self.header(DLQ_CODE) or "unknown"

    @property
    def reason(self) -> str:
        return self.header(DLQ_REASON) or ""

    @property
    def command_id(self) -> str | None:
        return self.header(DLQ_COMMAND_ID)

    @property
    def original(self) -> str:
        """``topic/partition/offset`` of the record that failed."""
        parts = (
            self.header(DLQ_TOPIC),
            self.header(DLQ_PARTITION),
            self.header(DLQ_OFFSET),
        )
        return "/".join(part or "?" for part in parts)


class DeadLetterReader:
    """Reads the letters on the dead-letter topic up to its current end.

    Without ``group_id`` it starts at the beginning; with it, at the group's
    committed offsets, and :meth:`commit` records how far it read.
    """

    def __init__(
        self, bootstrap: str, topic: str, *, group_id: str | None = None
    ) -> None:
        self.topic = topic
        self.bootstrap = bootstrap
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
        )

    async def __aenter__(self) -> Self:
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._consumer.stop()

    async def read(self, within: float = READ_TIMEOUT_SECONDS) -> list[DeadLetter]:
        """Return the letters from the start position to the topic's end now."""
        partitions = await self._partitions()
        self._consumer.assign(partitions)
        ends = await self._consumer.end_offsets(partitions)
        letters: list[DeadLetter] = []
        async with asyncio.timeout(within):
            while await self._behind(partitions, ends):
                batches = await self._consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    letters += [_letter(record) for record in records]
        return sorted(letters, key=lambda letter: (letter.partition, letter.offset))

    async def commit(self) -> None:
        await self._consumer.commit()

    async def _partitions(self) -> list[TopicPartition]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            [described] = await admin.describe_topics([self.topic])
        finally:
            await admin.close()
        numbers = sorted(p["partition"] for p in described["partitions"])
        if described["error_code"] or not numbers:
            raise DeadLetterError(
                f"topic {self.topic!r} does not exist: check "
                "LAPOR_TOPIC_COMMANDS_DEAD_LETTER and LAPOR_KAFKA_BOOTSTRAP"
            )
        return [TopicPartition(self.topic, number) for number in numbers]

    async def _behind(
        self, partitions: list[TopicPartition], ends: dict[TopicPartition, int]
    ) -> bool:
        for partition in partitions:
            if await self._consumer.position(partition) < ends[partition]:
                return True
        return False


def _letter(record: Any) -> DeadLetter:  # noqa: ANN401 (aiokafka's untyped record)
    return DeadLetter(
        partition=record.partition,
        offset=record.offset,
        time=datetime.fromtimestamp(record.timestamp / 1000, tz=UTC),
        key=record.key,
        value=record.value or b"",
        headers=tuple(record.headers or ()),
    )


def redrive_record(
    letter: DeadLetter, dead_letter_topic: str, default_topic: str
) -> OutgoingRecord:
    """Return the record that sends ``letter``'s command again."""
    headers = [(k, v) for k, v in letter.headers if not k.startswith(DLQ_PREFIX)]
    system, grant = letter.header(DLQ_SYSTEM), letter.header(DLQ_GRANT)
    if system and grant:
        headers += [(REDRIVE_SYSTEM, system.encode()), (REDRIVE_GRANT, grant.encode())]
    origin = f"{dead_letter_topic}/{letter.partition}/{letter.offset}"
    headers.append((REDRIVEN_FROM, origin.encode()))
    topic = letter.header(DLQ_TOPIC) or default_topic
    return OutgoingRecord(topic, letter.key or b"", letter.value, tuple(headers))


async def redrive(settings: Settings, letters: Sequence[DeadLetter]) -> None:
    """Republish ``letters`` to their command topic, in order."""
    topics = settings.topics
    records = [
        redrive_record(letter, topics.commands_dead_letter, topics.commands)
        for letter in letters
    ]
    producer = ReliableProducer(settings.kafka_bootstrap, client_id="lapor-redrive")
    await producer.start()
    try:
        await producer.publish(records)
    finally:
        await producer.stop()


async def list_letters(settings: Settings) -> list[DeadLetter]:
    """Return every letter on the dead-letter topic, oldest first per partition."""
    topics = settings.topics
    async with DeadLetterReader(
        settings.kafka_bootstrap, topics.commands_dead_letter
    ) as reader:
        return await reader.read()


async def redrive_offset(settings: Settings, partition: int, offset: int) -> DeadLetter:
    """Re-drive the letter at ``partition`` and ``offset``; return it."""
    for letter in await list_letters(settings):
        if (letter.partition, letter.offset) == (partition, offset):
            await redrive(settings, [letter])
            return letter
    raise DeadLetterError(
        f"no dead letter at partition {partition}, offset {offset} of "
        f"{settings.topics.commands_dead_letter}: run 'list' to see the offsets"
    )


async def redrive_all(
    settings: Settings, group_id: str = REDRIVE_GROUP
) -> list[DeadLetter]:
    """Re-drive every letter after the group's last ``--all``; return them."""
    topics = settings.topics
    async with DeadLetterReader(
        settings.kafka_bootstrap, topics.commands_dead_letter, group_id=group_id
    ) as reader:
        letters = await reader.read()
        if letters:
            await redrive(settings, letters)
            await reader.commit()
    return letters


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        asyncio.run(_run(arguments, Settings()))
    except DeadLetterError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


async def _run(arguments: argparse.Namespace, settings: Settings) -> None:
    if arguments.command == "list":
        letters = await list_letters(settings)
        _write_table(letters[-arguments.limit :] if arguments.limit else letters)
    elif arguments.all:
        letters = await redrive_all(settings)
        sys.stdout.write(f"re-drove {len(letters)} dead letters\n")
    else:
        letter = await redrive_offset(settings, arguments.partition, arguments.offset)
        sys.stdout.write(
            f"re-drove partition {letter.partition} offset {letter.offset} "
            f"(command {letter.command_id or '-'}) to {letter.original}\n"
        )


def _write_table(letters: Sequence[DeadLetter]) -> None:
    sys.stdout.write("partition\toffset\ttime\tcode\tcommand_id\treason\n")
    for letter in letters:
        time = letter.time.isoformat(timespec="seconds")
        sys.stdout.write(
            f"{letter.partition}\t{letter.offset}\t{time}\t{letter.code}\t"
            f"{letter.command_id or '-'}\t{letter.reason}\n"
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.intake.dead_letters",
        description="List and re-drive the command intake's dead letters.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list the dead letters")
    listing.add_argument(
        "--limit", type=int, default=0, help="show only the last N letters (0: all)"
    )
    redrive_parser = commands.add_parser("redrive", help="send dead letters again")
    which = redrive_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--offset", type=int, help="offset of the letter to re-drive")
    which.add_argument(
        "--all", action="store_true", help="every letter not re-driven by --all yet"
    )
    redrive_parser.add_argument(
        "--partition", type=int, default=0, help="partition of --offset (default 0)"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())

"""An agency system that speaks Kafka to the LAPOR! gateway.

It sends one command to the command topic, waits for the command's result on
the results topic, and reads its agency feed until the complaint's events
arrive. Run it with the values your gateway operator gave you::

    python docs/examples/kafka_agency.py \\
        --bootstrap 127.0.0.1:19092 --agency pemkot-bandung \\
        --token-file bandung.token --signing-key-file bandung.key \\
        --command-file command.json

It prints one JSON line for the result and one per feed event.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

COMMANDS_TOPIC = "lapor.complaint-commands.v1"
RESULTS_TOPIC = "lapor.command-results.v1"


@dataclass(frozen=True)
class AgencyConnection:
    """Connection settings of an agency system that talks to the gateway over Kafka.

    ``group_id`` names the consumer group that remembers how far the system
    has read its results and feed; ``None`` reads from the start each time.
    """

    bootstrap: str
    agency: str
    token: str
    signing_key: Ed25519PrivateKey | None = None
    commands_topic: str = COMMANDS_TOPIC
    results_topic: str = RESULTS_TOPIC
    feed_topic: str | None = None
    group_id: str | None = None

    @property
    def feed(self) -> str:
        return self.feed_topic or f"lapor.agency-feed.{self.agency}.v1"

    def headers(self, body: bytes) -> list[tuple[str, bytes]]:
        """Return a command record's headers: the token, and the signature if any."""
        headers = [("authorization", f"Bearer {self.token}".encode())]
        if self.signing_key is not None:
            signature = base64.b64encode(self.signing_key.sign(body))
            headers.append(("x-lapor-signature", signature))
        return headers

    def consumer(self, topic: str) -> AIOKafkaConsumer:
        """Return a consumer that reads only committed records, from the start."""
        return AIOKafkaConsumer(
            topic,
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            enable_auto_commit=self.group_id is not None,
        )


async def send_command(connection: AgencyConnection, command: dict[str, Any]) -> None:
    """Send one command, keyed by its complaint so that its commands stay in order."""
    body = json.dumps(command).encode()
    key = str(command.get("complaint_id") or command["command_id"]).encode()
    producer = AIOKafkaProducer(
        bootstrap_servers=connection.bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        await producer.send_and_wait(
            connection.commands_topic, body, key=key, headers=connection.headers(body)
        )
    finally:
        await producer.stop()


async def wait_for_result(
    connection: AgencyConnection, command_id: str, within: float = 60.0
) -> dict[str, Any]:
    """Return the result of ``command_id``, skipping other agencies' records."""
    results = connection.consumer(connection.results_topic)
    await results.start()
    try:
        async with asyncio.timeout(within):
            async for record in results:
                if record.key != connection.agency.encode():
                    continue
                result: dict[str, Any] = json.loads(record.value)
                if result["command_id"] == command_id:
                    return result
    finally:
        await results.stop()
    raise RuntimeError("the results topic ended")


async def read_feed(
    connection: AgencyConnection, complaint_id: str, count: int, within: float = 60.0
) -> list[dict[str, Any]]:
    """Return the first ``count`` events of one complaint from the agency's feed.

    A feed record is a CloudEvent in Kafka binary mode: the attributes are
    ``ce_*`` headers, the value is the event data and the key the complaint id.
    """
    feed = connection.consumer(connection.feed)
    events: list[dict[str, Any]] = []
    await feed.start()
    try:
        async with asyncio.timeout(within):
            async for record in feed:
                if record.key != complaint_id.encode():
                    continue
                attributes = {name: value.decode() for name, value in record.headers}
                events.append(
                    {"attributes": attributes, "data": json.loads(record.value)}
                )
                if len(events) == count:
                    return events
    finally:
        await feed.stop()
    raise RuntimeError("the feed topic ended")


async def run(connection: AgencyConnection, command: dict[str, Any]) -> None:
    """Send ``command``, print its result, then its complaint's feed events."""
    await send_command(connection, command)
    result = await wait_for_result(connection, command["command_id"])
    sys.stdout.write(json.dumps({"result": result}) + "\n")
    if result["outcome"] == "rejected":
        return
    events = await read_feed(connection, result["complaint_id"], result["version"])
    for event in events:
        sys.stdout.write(json.dumps({"event": event}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="Send a command over Kafka.")
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers")
    parser.add_argument("--agency", required=True, help="your agency id")
    parser.add_argument("--token-file", required=True, help="file with your token")
    parser.add_argument(
        "--signing-key-file", help="file with your base64 Ed25519 private key"
    )
    parser.add_argument("--command-file", required=True, help="the command's JSON")
    parser.add_argument("--commands", default=COMMANDS_TOPIC, help="command topic")
    parser.add_argument("--results", default=RESULTS_TOPIC, help="results topic")
    parser.add_argument("--feed", help="feed topic (default: your agency's)")
    arguments = parser.parse_args()
    key = None
    if arguments.signing_key_file:
        raw = base64.b64decode(Path(arguments.signing_key_file).read_text())
        key = Ed25519PrivateKey.from_private_bytes(raw)
    connection = AgencyConnection(
        bootstrap=arguments.bootstrap,
        agency=arguments.agency,
        token=Path(arguments.token_file).read_text().strip(),
        signing_key=key,
        commands_topic=arguments.commands,
        results_topic=arguments.results,
        feed_topic=arguments.feed,
    )
    command = json.loads(Path(arguments.command_file).read_text())
    asyncio.run(run(connection, command))


if __name__ == "__main__":
    main()

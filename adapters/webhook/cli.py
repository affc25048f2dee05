"""``python -m adapters.webhook``: run the adapter and manage its dead letters.

Commands::

    run                                   deliver the feeds until SIGINT/SIGTERM
    topics                                create the dead-letter topic
    dead-letters list --agency X          show an agency's dead letters
    dead-letters redrive --agency X (--event-id ID | --all) [--attempts N]

The destinations file comes from ``--config`` or ``LAPOR_WEBHOOK_CONFIG``;
Kafka from ``LAPOR_KAFKA_BOOTSTRAP`` (see ``gateway.settings``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from prometheus_client import CollectorRegistry
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.webhook.config import WebhookConfig
from adapters.webhook.errors import WebhookError
from adapters.webhook.redrive import list_letters, redrive
from adapters.webhook.service import WebhookService
from gateway.kafka.errors import KafkaClientError
from gateway.kafka.topics import ensure_topics
from gateway.ops import create_ops_app, register_process_metrics, serve
from gateway.settings import Settings
from monitoring.adapters import WebhookMetrics

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)


class WebhookSettings(BaseSettings):
    """Process settings of the webhook adapter, from ``LAPOR_WEBHOOK_*``."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_WEBHOOK_", frozen=True)

    config: Path = Path("config/webhooks.yaml")
    ops_host: str = "127.0.0.1"
    ops_port: Annotated[int, Field(ge=0, le=65535)] = 9471
    """Port of ``/metrics`` and the health endpoints; 0 turns them off."""


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    args = _parser().parse_args(argv)
    try:
        config = WebhookConfig.load(args.config or WebhookSettings().config)
        result: int = asyncio.run(args.handler(config, Settings(), args))
    except (WebhookError, KafkaClientError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 (command-line output)
        return 1
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.webhook",
        description="Push agency feeds to their webhooks; inspect dead letters.",
    )
    parser.add_argument("--config", type=Path, help="webhook destinations file (YAML)")
    commands = parser.add_subparsers(required=True, metavar="command")
    run = commands.add_parser("run", help="deliver the feeds until stopped")
    run.set_defaults(handler=_run)
    topics = commands.add_parser("topics", help="create the dead-letter topic")
    topics.set_defaults(handler=_topics)
    letters = commands.add_parser("dead-letters", help="list or re-drive dead letters")
    actions = letters.add_subparsers(required=True, metavar="action")
    listing = actions.add_parser("list", help="show an agency's dead letters")
    listing.add_argument("--agency", required=True, help="agency id")
    listing.add_argument("--json", action="store_true", help="print JSON lines")
    listing.set_defaults(handler=_list)
    again = actions.add_parser("redrive", help="post dead letters again")
    again.add_argument("--agency", required=True, help="agency id")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--event-id", help="re-drive this event id only")
    which.add_argument("--all", action="store_true", help="re-drive every one")
    again.add_argument(
        "--attempts",
        type=int,
        default=3,
        help="attempts per letter, with the destination's back-off (default 3)",
    )
    again.set_defaults(handler=_redrive)
    return parser


async def _run(config: WebhookConfig, settings: Settings, _args: Any) -> int:  # noqa: ANN401 (argparse namespace)
    process = WebhookSettings()
    registry = CollectorRegistry()
    register_process_metrics(registry)
    service = WebhookService(
        config,
        bootstrap_servers=settings.kafka_bootstrap,
        topics=settings.topics,
        metrics=WebhookMetrics(registry),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    tasks = [asyncio.create_task(service.run(stop))]
    if process.ops_port:
        app = create_ops_app(registry, {})
        tasks.append(
            asyncio.create_task(serve(app, process.ops_host, process.ops_port, stop))
        )
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()
    return 0


async def _topics(config: WebhookConfig, settings: Settings, _args: Any) -> int:  # noqa: ANN401
    created = await ensure_topics(
        settings.kafka_bootstrap,
        [config.dead_letter_topic],
        partitions=settings.topic_partitions,
        replication=settings.topic_replication,
    )
    print(f"created: {', '.join(created) or 'nothing, the topic exists'}")  # noqa: T201
    return 0


async def _list(config: WebhookConfig, settings: Settings, args: Any) -> int:  # noqa: ANN401
    views = await list_letters(config, settings.kafka_bootstrap, args.agency)
    for view in views:
        letter = view.letter
        row = {
            "event_id": letter.event_id,
            "state": view.state,
            "topic": letter.record.topic,
            "partition": letter.record.partition,
            "offset": letter.record.offset,
            "attempts": letter.attempts,
            "last_status": letter.last_status,
            "error": letter.error,
            "dead_lettered_at": letter.dead_lettered_at,
        }
        if args.json:
            print(json.dumps(row))  # noqa: T201
        else:
            print(  # noqa: T201
                f"{row['event_id']}  {row['state']:<13} {row['topic']}"
                f"[{row['partition']}]@{row['offset']}  attempts={row['attempts']}"
                f"  {row['error']}"
            )
    if not args.json:
        print(f"{len(views)} dead letters for {args.agency}")  # noqa: T201
    return 0


async def _redrive(config: WebhookConfig, settings: Settings, args: Any) -> int:  # noqa: ANN401
    if args.attempts < 1:
        print("error: --attempts must be at least 1", file=sys.stderr)  # noqa: T201
        return 2
    summary = await redrive(
        config,
        settings.kafka_bootstrap,
        args.agency,
        event_id=args.event_id,
        attempts=args.attempts,
    )
    for event_id in summary.delivered:
        print(f"delivered  {event_id}")  # noqa: T201
    for event_id in summary.already_delivered:
        print(f"skipped    {event_id} (re-driven before)")  # noqa: T201
    for event_id, error in summary.failed.items():
        print(f"failed     {event_id}: {error}")  # noqa: T201
    print(  # noqa: T201
        f"{len(summary.delivered)} delivered, {len(summary.failed)} failed, "
        f"{len(summary.already_delivered)} skipped"
    )
    return 1 if summary.failed else 0

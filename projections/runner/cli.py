"""Command line of the projection runner: run live, rebuild, show positions.

::

    python -m projections.runner run status
    python -m projections.runner rebuild status --switch
    python -m projections.runner positions status

Exit status: 0 done, 1 failed, 2 invalid arguments or settings, 3 halted on a
sequence gap, 4 halted on a conflicting event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server

from gateway.settings import Settings
from monitoring.projections import ProjectionMetrics
from projections.registry import create_projection, projection_names
from projections.runner.applier import BatchApplier
from projections.runner.database import (
    StoreLocation,
    create_store_engine,
    create_tables,
)
from projections.runner.dead_letters import KafkaDeadLetters
from projections.runner.errors import ProjectionRunnerError
from projections.runner.rebuild import (
    rebuild,
    rebuild_location,
    switch_over,
    timestamp_stamp,
)
from projections.runner.runner import (
    BatchAccounting,
    ProjectionRunner,
    RunnerConfig,
    RunSummary,
)
from projections.runner.settings import ProjectionSettings, default_database_url
from projections.runner.tracking import TrackingTables

if TYPE_CHECKING:
    from projections.base import Projection

logger = logging.getLogger(__name__)

METRICS_ADDRESS = "127.0.0.1"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m projections.runner",
        description="Run, rebuild and inspect the projections fed from Kafka.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="apply the events topic as it grows")
    _add_common(run)
    _add_run_options(run)

    again = commands.add_parser(
        "rebuild", help="rebuild the view from the beginning of the topic"
    )
    _add_common(again)
    again.add_argument("--target-url", help="database URL of the rebuilt view")
    again.add_argument("--target-schema", help="PostgreSQL schema of the rebuilt view")
    again.add_argument(
        "--switch",
        action="store_true",
        help="make the rebuilt view the live one (stop the live runner first)",
    )

    positions = commands.add_parser("positions", help="print the stored positions")
    _add_common(positions)
    return parser


def _add_run_options(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--metrics-port",
        type=int,
        help="serve Prometheus metrics on this port of 127.0.0.1",
    )
    run.add_argument(
        "--instance-id",
        help="static group member id, stable across restarts of this instance",
    )
    run.add_argument(
        "--until-caught-up",
        action="store_true",
        help="exit once every assigned partition is read to its end",
    )
    run.add_argument(
        "--halt-linger",
        type=float,
        default=None,
        help="seconds to keep serving metrics after a halt before exiting "
        "(default: 60 with --metrics-port, else 0)",
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("projection", choices=projection_names())
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers")
    parser.add_argument("--topic", help="the complaint events topic")
    parser.add_argument("--database-url", help="SQLAlchemy URL of the view")
    parser.add_argument("--schema", help="PostgreSQL schema of the view")
    parser.add_argument("--dead-letter-topic", help="topic for undecodable records")
    parser.add_argument(
        "--max-records", type=int, help="records per database transaction at most"
    )
    parser.add_argument(
        "--group-id", help="consumer group (default: lapor.projection.<name>)"
    )
    parser.add_argument(
        "--log-level", default="INFO", help="logging level (default: INFO)"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "run":
            return asyncio.run(_run(args))
        if args.command == "rebuild":
            return asyncio.run(_rebuild(args))
        return _positions(args)
    except ProjectionRunnerError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 (the CLI's error output)
        return exc.exit_code


class _Setup:
    """The projection, its database and its Kafka settings, from arguments."""

    def __init__(self, args: argparse.Namespace) -> None:
        gateway = Settings()
        options = ProjectionSettings()
        self.projection: Projection = create_projection(args.projection)
        name = self.projection.name
        url = args.database_url or options.database_url
        url = url or default_database_url(gateway, name)
        schema = args.schema
        if schema is None and url.startswith("postgres"):
            schema = f"{options.schema_prefix}{name}"
        self.location = StoreLocation.parse(url, schema)
        self.bootstrap: str = args.bootstrap or gateway.kafka_bootstrap
        self.config = RunnerConfig(
            bootstrap_servers=self.bootstrap,
            topic=args.topic or gateway.topics.events,
            max_records=args.max_records or options.max_records,
            client_id=f"lapor-projection-{name}",
            group_id=args.group_id,
        )
        self.dead_letter_topic: str = (
            args.dead_letter_topic or options.dead_letter_topic
        )
        self.registry = CollectorRegistry()
        self.metrics = ProjectionMetrics(self.registry, name)

    def dead_letters(self, consumer: str) -> KafkaDeadLetters:
        return KafkaDeadLetters(
            self.bootstrap, topic=self.dead_letter_topic, consumer=consumer
        )


async def _run(args: argparse.Namespace) -> int:
    setup = _Setup(args)
    name = setup.projection.name
    linger = _serve_metrics(args, setup)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)

    tracking = TrackingTables(name)
    engine = create_store_engine(setup.location, writer=True)
    try:
        create_tables(
            engine, setup.location, setup.projection.metadata, tracking.metadata
        )
        dead_letters = setup.dead_letters(f"projection.{name}")
        applier = BatchApplier(setup.projection, engine, tracking, dead_letters)
        config = replace(setup.config, instance_id=args.instance_id)
        runner = ProjectionRunner(BatchAccounting(applier, setup.metrics), config)
        summary = await runner.run(stop, until_caught_up=args.until_caught_up)
    except ProjectionRunnerError as exc:
        setup.metrics.halt(exc.halt_reason)
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 (the CLI's error output)
        if linger > 0:
            logger.info("Serving the halt metrics for %.0f s before exiting", linger)
            await asyncio.sleep(linger)
        return exc.exit_code
    except Exception:
        setup.metrics.halt("error")
        logger.exception("Projection %s failed", name)
        return 1
    finally:
        engine.dispose()
    _print_summary(summary)
    return 0


def _serve_metrics(args: argparse.Namespace, setup: _Setup) -> float:
    """Start the metrics server if asked; return how long to linger after a halt."""
    if args.metrics_port is None:
        return args.halt_linger or 0.0
    start_http_server(args.metrics_port, addr=METRICS_ADDRESS, registry=setup.registry)
    return 60.0 if args.halt_linger is None else args.halt_linger


async def _rebuild(args: argparse.Namespace) -> int:
    setup = _Setup(args)
    name = setup.projection.name
    stamp = timestamp_stamp()
    if args.target_url is not None:
        target = StoreLocation.parse(args.target_url, args.target_schema)
    else:
        target = rebuild_location(setup.location, stamp)
    result = await rebuild(
        setup.projection,
        target=target,
        config=setup.config,
        dead_letters=setup.dead_letters(f"projection.{name}.rebuild"),
        metrics=setup.metrics,
    )
    print(f"rebuilt {name} into {target.describe()} in {result.seconds:.1f} s")  # noqa: T201 (command output)
    _print_summary(result.summary)
    if args.switch:
        retired = switch_over(setup.location, target, stamp)
        print(f"switched {name} to the rebuilt view; old view: {retired.describe()}")  # noqa: T201 (command output)
    return 0


def _positions(args: argparse.Namespace) -> int:
    setup = _Setup(args)
    tracking = TrackingTables(setup.projection.name)
    engine = create_store_engine(setup.location, writer=False)
    try:
        create_tables(engine, setup.location, tracking.metadata)
        with engine.connect() as connection:
            stored = tracking.read_positions(connection)
    finally:
        engine.dispose()
    rows = [
        {"topic": topic, "partition": partition, "offset": offset}
        for (topic, partition), offset in sorted(stored.items())
    ]
    print(json.dumps(rows))  # noqa: T201 (command output)
    return 0


def _print_summary(summary: RunSummary) -> None:
    print(json.dumps(asdict(summary)))  # noqa: T201 (command output)

"""``python -m adapters.sqlpoll``: poll a legacy helpdesk table into the gateway.

Commands::

    run --config FILE        poll every poll_seconds until SIGINT/SIGTERM
    poll-once --config FILE  poll once and print the outcome counts
    create-example --config FILE
                             create the example helpdesk table (for trials)

Commands go to the gateway's HTTP API (``gateway.url``) with the agency's
token from the variable that ``gateway.token_env`` names.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server
from sqlalchemy import create_engine

from adapters.mapping import MappingCatalog, MappingError, MappingMetrics, StatusMapper
from adapters.sink import HttpSink, SinkError
from adapters.sqlpoll.applier import ChangeApplier, PollerIdentity
from adapters.sqlpoll.checkpoints import CheckpointStore
from adapters.sqlpoll.complaints import (
    ComplaintDirectory,
    FixedDirectory,
    HttpComplaints,
    StatusViewDirectory,
)
from adapters.sqlpoll.config import TablePollConfig
from adapters.sqlpoll.errors import PollConfigError, PollError
from adapters.sqlpoll.legacy import create_example_schema
from adapters.sqlpoll.poller import TablePoller
from monitoring.adapters import PollMetrics

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    parser = argparse.ArgumentParser(
        prog="python -m adapters.sqlpoll",
        description="Poll a legacy helpdesk table and send its changes as commands.",
    )
    parser.add_argument("command", choices=["run", "poll-once", "create-example"])
    parser.add_argument("--config", type=Path, required=True, help="poller YAML")
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=0,
        help="serve /metrics on this loopback port while running (0: off)",
    )
    args = parser.parse_args(argv)
    try:
        config = TablePollConfig.load(args.config)
        if args.command == "create-example":
            create_example_schema(create_engine(config.legacy.read_url()))
            return 0
        return _poll(config, run=args.command == "run", metrics_port=args.metrics_port)
    except (PollError, MappingError, SinkError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 (command-line output)
        return 1


def _poll(config: TablePollConfig, *, run: bool, metrics_port: int) -> int:
    if config.gateway is None:
        msg = "the configuration has no gateway section: add gateway.url and token_env"
        raise PollConfigError(msg)
    registry = CollectorRegistry()
    token = config.gateway.read_token()
    sink = HttpSink(config.gateway.url, token)
    complaints = HttpComplaints(config.gateway.url, token)
    store = CheckpointStore(config.state.url, schema=config.state.schema_name)
    metrics = PollMetrics(registry)
    applier = ChangeApplier(
        PollerIdentity(config.name, "sqlpoll", config.agency),
        sink=sink,
        complaints=complaints,
        mapper=StatusMapper(
            MappingCatalog.load(),
            metrics=MappingMetrics(registry),
            agencies=frozenset({config.agency}),
        ),
        store=store,
        metrics=metrics,
    )
    legacy = create_engine(config.legacy.read_url(), pool_pre_ping=True)
    poller = TablePoller(config, legacy, applier, _directory(config), metrics=metrics)
    try:
        if not run:
            summary = poller.poll_once()
            for outcome, count in sorted(summary.outcomes.items()):
                print(f"{outcome.value}: {count}")  # noqa: T201
            return 0
        if metrics_port:
            start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
        _run_until_signalled(poller, config.poll_seconds)
        return 0
    finally:
        sink.close()
        complaints.close()
        store.close()
        legacy.dispose()


def _directory(config: TablePollConfig) -> ComplaintDirectory:
    if config.directory is None:
        return FixedDirectory({})
    url = os.environ.get(config.directory.url_env)
    if not url:
        msg = f"environment variable {config.directory.url_env} is missing"
        raise PollConfigError(msg)
    engine = create_engine(url, pool_pre_ping=True)
    if config.directory.schema_name is not None:
        engine = engine.execution_options(
            schema_translate_map={None: config.directory.schema_name}
        )
    return StatusViewDirectory(engine)


def _run_until_signalled(poller: TablePoller, interval: float) -> None:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    logger.info("SQL poller %s started", poller.config.name)
    failing = False
    while not stop.is_set():
        try:
            poller.poll_once()
            if failing:
                logger.info("SQL poller %s recovered", poller.config.name)
            failing = False
        except (PollError, SinkError) as exc:
            if not failing:
                logger.exception("Poll of %s failed; retrying", poller.config.name)
            else:
                logger.debug("Poll of %s failed again: %s", poller.config.name, exc)
            failing = True
        stop.wait(interval)
    logger.info("SQL poller %s stopped", poller.config.name)

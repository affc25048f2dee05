"""``python -m adapters.open311``: poll an agency's Open311 server into the gateway.

Commands::

    run --config FILE        poll every poll_seconds until SIGINT/SIGTERM
    poll-once --config FILE  poll once and print the outcome counts

Commands go to the gateway's HTTP API (``gateway.url``) with the agency's
token from the variable that ``gateway.token_env`` names. The server side is
an APIRouter: include ``create_open311_router`` in the gateway's application.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from prometheus_client import CollectorRegistry, start_http_server
from pydantic import ValidationError

from adapters.mapping import MappingCatalog, MappingError, MappingMetrics, StatusMapper
from adapters.open311.client import Open311Client
from adapters.open311.polling import (
    Open311PollConfig,
    Open311Poller,
    RequestSubmissions,
)
from adapters.sink import HttpSink, SinkError
from adapters.sqlpoll.applier import ChangeApplier, PollerIdentity
from adapters.sqlpoll.checkpoints import CheckpointStore
from adapters.sqlpoll.complaints import HttpComplaints
from adapters.sqlpoll.errors import PollConfigError, PollError
from monitoring.adapters import PollMetrics

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    parser = argparse.ArgumentParser(
        prog="python -m adapters.open311",
        description="Poll an agency's Open311 server and send changes as commands.",
    )
    parser.add_argument("command", choices=["run", "poll-once"])
    parser.add_argument("--config", type=Path, required=True, help="poller YAML")
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=0,
        help="serve /metrics on this loopback port while running (0: off)",
    )
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        return _poll(config, run=args.command == "run", metrics_port=args.metrics_port)
    except (PollError, MappingError, SinkError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 (command-line output)
        return 1


def load_config(path: Path) -> Open311PollConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Open311PollConfig.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        msg = f"invalid Open311 poller configuration {path}: {exc}"
        raise PollConfigError(msg) from exc


def _poll(config: Open311PollConfig, *, run: bool, metrics_port: int) -> int:
    if config.gateway is None:
        msg = "the configuration has no gateway section: add gateway.url and token_env"
        raise PollConfigError(msg)
    registry = CollectorRegistry()
    token = config.gateway.read_token()
    sink = HttpSink(config.gateway.url, token)
    complaints = HttpComplaints(config.gateway.url, token)
    store = CheckpointStore(config.state.url, schema=config.state.schema_name)
    api_key = os.environ.get(config.api_key_env) if config.api_key_env else None
    client = Open311Client(
        config.base_url,
        api_key=api_key,
        timeout=config.timeout_seconds,
        page_size=config.page_size,
        start_param=config.start_param,
        end_param=config.end_param,
    )
    try:
        poller = _poller(config, registry, client, (sink, complaints, store))
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
        client.close()
        sink.close()
        complaints.close()
        store.close()


def _poller(
    config: Open311PollConfig,
    registry: CollectorRegistry,
    client: Open311Client,
    parts: tuple[HttpSink, HttpComplaints, CheckpointStore],
) -> Open311Poller:
    sink, complaints, store = parts
    metrics = PollMetrics(registry)
    submissions = RequestSubmissions(config.agency)
    applier = ChangeApplier(
        PollerIdentity(config.name, "open311", config.agency),
        sink=sink,
        complaints=complaints,
        mapper=StatusMapper(
            MappingCatalog.load(),
            metrics=MappingMetrics(registry),
            agencies=frozenset({config.agency}),
        ),
        store=store,
        metrics=metrics,
        creator=submissions,
    )
    return Open311Poller(
        config,
        client,
        applier,
        submissions,
        clock=lambda: dt.datetime.now(dt.UTC),
        metrics=metrics,
    )


def _run_until_signalled(poller: Open311Poller, interval: float) -> None:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    name = poller.config.name
    logger.info("Open311 poller %s started", name)
    failing = False
    while not stop.is_set():
        try:
            poller.poll_once()
            if failing:
                logger.info("Open311 poller %s recovered", name)
            failing = False
        except (PollError, SinkError) as exc:
            if not failing:
                logger.exception("Poll of %s failed; retrying", name)
            else:
                logger.debug("Poll of %s failed again: %s", name, exc)
            failing = True
        stop.wait(interval)
    logger.info("Open311 poller %s stopped", name)

"""Run the Kafka command intake as its own process: ``python -m gateway.intake``.

Configuration comes from the ``LAPOR_*`` environment variables
(``gateway.settings``). The process creates missing topics, then consumes
until SIGTERM or SIGINT, and exits with status 1 on an unrecoverable error.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry

from gateway.bootstrap import build_service, create_topics, load_registry
from gateway.intake.consumer import run_intake
from gateway.intake.retry import Backoff, FailureLog
from gateway.kafka.errors import TopicError
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.agencies import AgencyRegistry

logger = logging.getLogger("gateway.intake")


async def serve(settings: Settings) -> None:
    """Run the intake until a termination signal arrives."""
    registry = load_registry(settings)
    metrics_registry = CollectorRegistry()
    service = build_service(settings, registry, metrics_registry)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    try:
        if await _create_topics(settings, registry, stop):
            await run_intake(settings, registry, service, metrics_registry, stop)
    finally:
        service.close()


async def _create_topics(
    settings: Settings, registry: AgencyRegistry, stop: asyncio.Event
) -> bool:
    """Create missing topics, retrying while Kafka is unreachable.

    Returns ``False`` if ``stop`` was set before the topics existed.
    """
    failures = FailureLog(logger, "Creating topics")
    backoff = Backoff()
    while True:
        try:
            await create_topics(settings, registry)
        except TopicError as exc:
            if not exc.retriable:
                raise
            failures.failed(exc)
            if not await backoff.wait(stop):
                return False
            continue
        failures.recovered()
        return True


def main() -> int:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(serve(Settings()))
    except Exception:
        logger.exception("Command intake failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

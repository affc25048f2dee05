"""Metadata requests that tell whether local brokers are up and registered."""

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

logger = logging.getLogger(__name__)

T = TypeVar("T")
PROBE_REQUEST_TIMEOUT_MS = 3000


async def registered_broker_ids(bootstrap: str) -> frozenset[int]:
    """Return the ids of the brokers that ``bootstrap`` lists in its metadata.

    Returns an empty set when the broker does not respond.
    """
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=PROBE_REQUEST_TIMEOUT_MS,
        client_id="lapor-infra-probe",
    )
    try:
        await admin.start()
        described: dict[str, Any] = await admin.describe_cluster()
    except (KafkaError, OSError, TimeoutError) as exc:
        logger.debug("Metadata request to %s failed: %r", bootstrap, exc)
        return frozenset()
    finally:
        await admin.close()
    return frozenset(int(broker["node_id"]) for broker in described["brokers"])


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion from synchronous code.

    Inside a running event loop (an async test, for example) it runs on a fresh loop
    in a worker thread, since ``asyncio.run`` refuses to nest.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def brokers_registered(bootstrap: str) -> frozenset[int]:
    """Return the broker ids that ``bootstrap`` lists, from synchronous code."""
    return run_sync(registered_broker_ids(bootstrap))

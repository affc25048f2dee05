"""Local Kafka and PostgreSQL for a test session, or the ones the environment names.

``LAPOR_KAFKA_BOOTSTRAP`` and ``LAPOR_POSTGRES_URL`` name servers that are already
running; the session then only checks that they respond. Otherwise the session
starts the servers through ``infra`` with their default ports and folders under
``var/``, reusing ones already running there, and stops what it started.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.errors import ServiceNotReachableError
from infra.kafka.config import cluster, single_broker
from infra.kafka.local import LocalKafka
from infra.kafka.probe import brokers_registered
from infra.postgres.client import wait_reachable
from infra.postgres.server import LocalPostgres
from tests.support.leases import ServerLeases

KAFKA_BOOTSTRAP_VARIABLE = "LAPOR_KAFKA_BOOTSTRAP"
POSTGRES_URL_VARIABLE = "LAPOR_POSTGRES_URL"
EXTERNAL_CHECK_TIMEOUT_SECONDS = 30.0


@contextmanager
def kafka_for_session(var_dir: Path) -> Iterator[str]:
    """Yield the bootstrap servers of a single broker for the whole session."""
    external = os.environ.get(KAFKA_BOOTSTRAP_VARIABLE)
    if external:
        wait_for_kafka(external, EXTERNAL_CHECK_TIMEOUT_SECONDS)
        yield external
        return
    kafka = LocalKafka(single_broker(var_dir / "kafka"))
    with _leased(kafka, var_dir / "kafka"):
        yield kafka.bootstrap


@contextmanager
def cluster_for_session(var_dir: Path) -> Iterator[LocalKafka]:
    """Yield the three-node cluster; fault tests stop and restart its nodes."""
    kafka = LocalKafka(cluster(var_dir / "kafka-cluster"))
    with _leased(kafka, var_dir / "kafka-cluster"):
        yield kafka


@contextmanager
def postgres_for_session(var_dir: Path) -> Iterator[str]:
    """Yield a URL of a PostgreSQL database for the whole session."""
    external = os.environ.get(POSTGRES_URL_VARIABLE)
    if external:
        wait_reachable(external, EXTERNAL_CHECK_TIMEOUT_SECONDS)
        yield external
        return
    server = LocalPostgres(var_dir / "postgres")
    leases = ServerLeases(server.home)
    leases.acquire(
        is_running=lambda: server.running_pid() is not None, start=server.start
    )
    try:
        yield server.url
    finally:
        leases.release(stop=server.stop)


@contextmanager
def _leased(kafka: LocalKafka, folder: Path) -> Iterator[None]:
    leases = ServerLeases(folder)
    leases.acquire(is_running=kafka.is_running, start=kafka.start)
    try:
        yield
    finally:
        leases.release(stop=kafka.stop)


def wait_for_kafka(bootstrap: str, timeout: float) -> None:
    """Return once ``bootstrap`` lists a broker in response to a metadata request."""
    deadline = time.monotonic() + timeout
    while not brokers_registered(bootstrap):
        if time.monotonic() >= deadline:
            raise ServiceNotReachableError(
                f"Kafka at {bootstrap} (from {KAFKA_BOOTSTRAP_VARIABLE}) did not "
                f"respond within {timeout:g} s; start it or unset the variable"
            )
        time.sleep(0.5)

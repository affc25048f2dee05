"""The complaint service over both stores, for the write path's behaviour suite.

Every test that uses ``store_env`` (and so ``service``) runs twice: on the
SQLite store in a file under the test's ``tmp_path``, and on the real
PostgreSQL server in a fresh database of its own (marked ``postgres``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import psycopg
import pytest
from prometheus_client import CollectorRegistry
from psycopg import sql

from gateway.application import ComplaintService
from gateway.bootstrap import store_environment
from gateway.complaint import DEFAULT_POLICY, LifecyclePolicy
from gateway.settings import Settings, StoreKind
from monitoring.metrics import CommandMetrics
from tests.gateway.builders import CommandFactory, ManualClock

if TYPE_CHECKING:
    from pathlib import Path

STORES = [
    pytest.param(StoreKind.SQLITE, id="sqlite"),
    pytest.param(StoreKind.POSTGRES, id="postgres", marks=pytest.mark.postgres),
]

MAIN_STORE = "gateway"

ServiceFactory = Callable[..., ComplaintService]


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> StoreKind:
    kind: StoreKind = request.param
    return kind


@pytest.fixture
def new_store_env(
    request: pytest.FixtureRequest, store_kind: StoreKind, tmp_path: Path
) -> Callable[[str], dict[str, str]]:
    """Return the environment of another empty store of the test's kind.

    A SQLite store is a file named after ``name``; a PostgreSQL store is a
    schema named ``name`` in the test's database.
    """

    def new_env(name: str) -> dict[str, str]:
        if store_kind is StoreKind.SQLITE:
            path = tmp_path / f"{name}.sqlite"
            return store_environment(Settings(store=store_kind, sqlite_path=path))
        url: str = request.getfixturevalue("postgres_database")
        env = store_environment(Settings(store=store_kind, postgres_url=url))
        if name != MAIN_STORE:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(
                    sql.SQL("CREATE SCHEMA {0}").format(sql.Identifier(name))
                )
            env["POSTGRES_SCHEMA"] = name
        return env

    return new_env


@pytest.fixture
def store_env(new_store_env: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """The eventsourcing environment of an empty store of each kind."""
    return new_store_env(MAIN_STORE)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def commands(clock: ManualClock) -> CommandFactory:
    return CommandFactory(clock)


@pytest.fixture
def open_service(
    store_env: dict[str, str], clock: ManualClock
) -> Iterator[ServiceFactory]:
    """Open services on the test's store, each with its own connections.

    Every service opened here is closed after the test.
    """
    opened: list[ComplaintService] = []

    def open_one(
        *,
        env: dict[str, str] | None = None,
        policy: LifecyclePolicy = DEFAULT_POLICY,
        metrics: CommandMetrics | None = None,
        service_clock: ManualClock | None = None,
    ) -> ComplaintService:
        service = ComplaintService(
            dict(store_env if env is None else env),
            clock=service_clock or clock,
            policy=policy,
            metrics=metrics,
        )
        opened.append(service)
        return service

    yield open_one
    for service in opened:
        service.close()


@pytest.fixture
def metrics_registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def service(
    open_service: ServiceFactory, metrics_registry: CollectorRegistry
) -> ComplaintService:
    return open_service(metrics=CommandMetrics(metrics_registry))

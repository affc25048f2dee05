"""An API over a real ComplaintService, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from prometheus_client import CollectorRegistry

from gateway.api.app import create_app
from gateway.api.health import store_check
from gateway.bootstrap import build_service
from gateway.settings import Settings, StoreKind
from tests.gateway.api.agencies import Commands, registry

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from gateway.application import ComplaintService

SMALL_BODY_LIMIT = 4096


def service_settings(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Settings:
    if store == "sqlite":
        return Settings(data_dir=tmp_path)
    url = request.getfixturevalue("postgres_database")
    return Settings(data_dir=tmp_path, store=StoreKind.POSTGRES, postgres_url=url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> str:
    """The store the test runs on; each test runs once per store."""
    return str(request.param)


@pytest.fixture
def metrics_registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def service(
    store: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    metrics_registry: CollectorRegistry,
) -> Iterator[ComplaintService]:
    settings = service_settings(store, tmp_path, request)
    service = build_service(settings, registry(), metrics_registry)
    yield service
    service.close()


@pytest.fixture
async def client(
    service: ComplaintService, metrics_registry: CollectorRegistry
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        service,
        registry(),
        metrics_registry,
        {"store": store_check(service)},
        max_body_bytes=SMALL_BODY_LIMIT,
        max_batch_commands=20,
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http,
    ):
        yield http


@pytest.fixture
def commands() -> Commands:
    return Commands()

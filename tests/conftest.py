"""Real services for marked tests.

A test marked ``kafka`` gets a single local broker, ``postgres`` a PostgreSQL server
and ``cluster`` the three-broker cluster. Each starts once per session, only when a
test that needs it runs. Unmarked tests never start a server, and the service
fixtures fail when a test that lacks the marker requests them.
"""

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from infra.kafka.admin import TopicSpec, create_topic, delete_topics
from infra.kafka.local import LocalKafka
from infra.paths import var_root
from infra.postgres.client import drop_database, ensure_database, with_database
from tests.support.services import (
    cluster_for_session,
    kafka_for_session,
    postgres_for_session,
)

SERVICE_MARKERS = {
    "kafka": "kafka_bootstrap_session",
    "postgres": "postgres_url_session",
    "cluster": "kafka_cluster_session",
}

TopicFactory = Callable[..., Awaitable[str]]


def _require_marker(request: pytest.FixtureRequest, marker: str) -> None:
    if request.node.get_closest_marker(marker) is None:
        pytest.fail(
            f"{request.node.nodeid} uses a {marker} fixture without "
            f"@pytest.mark.{marker}; add the marker",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def kafka_bootstrap_session(request: pytest.FixtureRequest) -> Iterator[str]:
    with kafka_for_session(var_root(request.config.rootpath)) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def postgres_url_session(request: pytest.FixtureRequest) -> Iterator[str]:
    with postgres_for_session(var_root(request.config.rootpath)) as url:
        yield url


@pytest.fixture(scope="session")
def kafka_cluster_session(request: pytest.FixtureRequest) -> Iterator[LocalKafka]:
    with cluster_for_session(var_root(request.config.rootpath)) as kafka:
        yield kafka


@pytest.fixture(autouse=True)
def _services_for_markers(request: pytest.FixtureRequest) -> None:
    """Start the services a test's markers name, even if it requests no fixture."""
    for marker, fixture_name in SERVICE_MARKERS.items():
        if request.node.get_closest_marker(marker) is not None:
            request.getfixturevalue(fixture_name)


@pytest.fixture
def kafka_bootstrap(request: pytest.FixtureRequest) -> str:
    """Bootstrap servers of the single test broker (``@pytest.mark.kafka``)."""
    _require_marker(request, "kafka")
    bootstrap: str = request.getfixturevalue("kafka_bootstrap_session")
    return bootstrap


@pytest.fixture
def kafka_cluster(request: pytest.FixtureRequest) -> Iterator[LocalKafka]:
    """The three-node cluster (``@pytest.mark.cluster``).

    Nodes that a test stopped or killed are started again afterwards, so every
    test begins with all three running.
    """
    _require_marker(request, "cluster")
    kafka: LocalKafka = request.getfixturevalue("kafka_cluster_session")
    yield kafka
    if not kafka.is_running():
        kafka.start()


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    """URL of the shared test database (``@pytest.mark.postgres``)."""
    _require_marker(request, "postgres")
    url: str = request.getfixturevalue("postgres_url_session")
    return url


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a fresh, empty database that is dropped after the test."""
    _require_marker(request, "postgres")
    server_url: str = request.getfixturevalue("postgres_url_session")
    name = "t_" + uuid.uuid4().hex[:16]
    admin_url = with_database(server_url, "postgres")
    ensure_database(admin_url, name)
    yield with_database(server_url, name)
    drop_database(admin_url, name)


@pytest.fixture
def unique_id(request: pytest.FixtureRequest) -> str:
    """A short id unique to this test run, readable in broker and server logs."""
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"{slug}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def make_topic(
    request: pytest.FixtureRequest, unique_id: str
) -> AsyncIterator[TopicFactory]:
    """Create topics with unique names on the test broker or cluster; delete them
    after the test. Call ``await make_topic(partitions=3)`` for each topic.
    """
    if request.node.get_closest_marker("cluster") is not None:
        bootstrap = request.getfixturevalue("kafka_cluster").bootstrap
        replication_factor = 3
    else:
        bootstrap = request.getfixturevalue("kafka_bootstrap")
        replication_factor = 1
    created: list[str] = []

    async def create(partitions: int = 3, configs: dict[str, str] | None = None) -> str:
        name = f"test.{unique_id}.{len(created)}"
        spec = TopicSpec(
            name=name,
            partitions=partitions,
            replication_factor=replication_factor,
            configs=configs or {},
        )
        await create_topic(bootstrap, spec)
        created.append(name)
        return name

    yield create
    await delete_topics(bootstrap, created)


@pytest.fixture
async def topic(make_topic: TopicFactory) -> str:
    """A fresh three-partition topic."""
    return await make_topic()

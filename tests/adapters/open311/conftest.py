"""Fixtures of the Open311 tests: the fake agency server, pollers, our server."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from fastapi import FastAPI

from adapters.open311.client import Open311Client
from adapters.open311.index import RequestIndex
from adapters.open311.polling import (
    Open311PollConfig,
    Open311Poller,
    RequestSubmissions,
)
from adapters.open311.server import Open311Context, create_open311_router
from adapters.sqlpoll.applier import ChangeApplier, PollerIdentity
from adapters.sqlpoll.checkpoints import CheckpointStore
from tests.adapters.sqlpoll.local_gateway import Gateway

if TYPE_CHECKING:
    from collections.abc import Iterator

AGENCY_SERVER = Path(__file__).with_name("agency_server.py")
NYC_AGENCY = "nyc-311"
NEW_YORK = dt.timezone(dt.timedelta(hours=-4))


@dataclass
class AgencyServer:
    """The fake agency server process, its data file and its call log."""

    root: str
    data: Path
    log: Path

    def url(self, mode: str = "ok") -> str:
        return f"{self.root}/{mode}"

    def serve(self, requests: list[dict[str, Any]]) -> None:
        self.data.write_text(json.dumps(requests), encoding="utf-8")

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def agency_server(tmp_path: Path) -> Iterator[AgencyServer]:
    data = tmp_path / "requests.json"
    data.write_text("[]")
    log = tmp_path / "calls.jsonl"
    process = subprocess.Popen(  # noqa: S603 (a fixed script of this test suite)
        [sys.executable, str(AGENCY_SERVER), str(data), str(log)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield AgencyServer(f"http://127.0.0.1:{port}", data, log)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    built = Gateway.build(tmp_path / "gateway")
    yield built
    built.close()


class ManualClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class ClientSide:
    """Builds Open311 pollers that share one poll state and one gateway."""

    gateway: Gateway
    store: CheckpointStore
    clock: ManualClock

    def poller(self, base_url: str, **overrides: Any) -> Open311Poller:
        fields: dict[str, Any] = {
            "name": "nyc-open311",
            "agency": NYC_AGENCY,
            "base_url": base_url,
            "start_at": dt.datetime(2018, 6, 25, tzinfo=NEW_YORK),
            "overlap_seconds": 6 * 3600,
            "window_seconds": 2 * 86_400,
            "timeout_seconds": 2.0,
            "page_size": 25,
            **overrides,
        }
        config = Open311PollConfig.model_validate(fields)
        submissions = RequestSubmissions(NYC_AGENCY)
        applier = ChangeApplier(
            PollerIdentity(config.name, "open311", NYC_AGENCY, frozenset({NYC_AGENCY})),
            sink=self.gateway.sink,
            complaints=self.gateway.complaints,
            mapper=self.gateway.mapper,
            store=self.store,
            metrics=self.gateway.poll_metrics,
            creator=submissions,
        )
        client = Open311Client(
            config.base_url,
            timeout=config.timeout_seconds,
            page_size=config.page_size,
        )
        return Open311Poller(
            config,
            client,
            applier,
            submissions,
            clock=self.clock,
            metrics=self.gateway.poll_metrics,
        )

    def changes(self, outcome: str) -> float:
        return self.gateway.sample(
            "lapor_adapter_changes_total",
            adapter="open311",
            agency=NYC_AGENCY,
            outcome=outcome,
        )


@pytest.fixture
def client_side(gateway: Gateway, tmp_path: Path) -> Iterator[ClientSide]:
    store = CheckpointStore(f"sqlite:///{tmp_path}/open311-state.sqlite")
    clock = ManualClock(dt.datetime(2018, 7, 1, tzinfo=NEW_YORK))
    yield ClientSide(gateway, store, clock)
    store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` over real HTTP on a loopback port until the block ends."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            msg = "the Open311 test server did not start within 10 s"
            raise AssertionError(msg)
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class ServerSide:
    url: str
    context: Open311Context
    gateway: Gateway


@pytest.fixture
def open311_server(
    gateway: Gateway, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[ServerSide]:
    make_catalog = getattr(request, "param", None)
    catalog = make_catalog() if make_catalog is not None else None
    index = RequestIndex(f"sqlite:///{tmp_path}/open311-index.sqlite")
    options: dict[str, Any] = {"reporter_key": b"reporter-pseudonym-key-for-tests"}
    if catalog is not None:
        options["catalog"] = catalog
    context = Open311Context(
        service=gateway.service,
        registry=gateway.registry,
        sink=gateway.sink,
        index=index,
        **options,
    )
    app = FastAPI()
    app.include_router(create_open311_router(context))
    with serve_in_thread(app) as url:
        yield ServerSide(url + "/open311/v2", context, gateway)
    index.close()

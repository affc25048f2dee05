"""``python -m adapters.sqlpoll poll-once`` through the gateway's real HTTP API."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
import yaml
from prometheus_client import CollectorRegistry

from gateway.api.app import create_app
from tests.adapters.open311.conftest import serve_in_thread
from tests.adapters.sqlpoll.conftest import T0, psycopg_url
from tests.adapters.sqlpoll.local_gateway import CITY, CITY_TOKEN

if TYPE_CHECKING:
    from fastapi import FastAPI

pytestmark = pytest.mark.postgres


def gateway_app(helpdesk) -> FastAPI:
    gateway = helpdesk.gateway
    return create_app(gateway.service, gateway.registry, CollectorRegistry(), {})


def test_poll_once_sends_commands_over_http(helpdesk, postgres_database, tmp_path):
    complaint = helpdesk.complaint("7200001")
    # Without a directory the legacy column must hold the complaint id itself.
    reference = str(complaint)
    helpdesk.write("T-1", "Dijawab", T0, tracking=reference, notes="Sudah diganti.")
    helpdesk.write("T-2", "Draf", T0, tracking=reference)
    with serve_in_thread(gateway_app(helpdesk)) as url:
        config = {
            "name": "helpdesk-cli",
            "source": "pemkot-helpdesk",
            "agency": CITY,
            "legacy": {"url_env": "HELPDESK_URL", "table": "helpdesk.tickets"},
            "state": {"url": f"sqlite:///{tmp_path}/state.sqlite"},
            "gateway": {"url": url, "token_env": "CITY_GATEWAY_TOKEN"},
            "start_at": T0.isoformat(),
        }
        path = tmp_path / "poller.yaml"
        path.write_text(yaml.safe_dump(config))
        environment = {
            **os.environ,
            "HELPDESK_URL": psycopg_url(postgres_database),
            "CITY_GATEWAY_TOKEN": CITY_TOKEN,
        }
        command = [sys.executable, "-m", "adapters.sqlpoll", "poll-once"]
        result = subprocess.run(  # noqa: S603 (the project's own command)
            [*command, "--config", str(path)],
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["applied: 1", "unmapped: 1"]
    assert helpdesk.gateway.status(complaint) == "responded"


def test_missing_token_is_reported(helpdesk, tmp_path):
    config = {
        "name": "helpdesk-cli",
        "source": "pemkot-helpdesk",
        "agency": CITY,
        "legacy": {"url_env": "HELPDESK_URL", "table": "helpdesk.tickets"},
        "gateway": {"url": "http://127.0.0.1:9", "token_env": "NO_SUCH_TOKEN_VAR"},
        "start_at": T0.isoformat(),
    }
    path = tmp_path / "poller.yaml"
    path.write_text(yaml.safe_dump(config))
    environment = {k: v for k, v in os.environ.items() if k != "NO_SUCH_TOKEN_VAR"}
    result = subprocess.run(  # noqa: S603 (the project's own command)
        [sys.executable, "-m", "adapters.sqlpoll", "poll-once", "--config", str(path)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "NO_SUCH_TOKEN_VAR is missing" in result.stderr
    del helpdesk

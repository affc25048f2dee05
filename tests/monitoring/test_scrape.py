"""A real Prometheus server scrapes a running gateway process."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_AGENCIES = ROOT / "config" / "agencies.example.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
        return json.load(response)


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except OSError as exc:
            last_error = exc
        else:
            if result:
                return result
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout} s waiting for {what}: {last_error}")


@pytest.fixture
def relay_process(tmp_path, kafka_bootstrap, unique_id):
    ops_port = free_port()
    env = {
        **os.environ,
        "LAPOR_SQLITE_PATH": str(tmp_path / "gateway.sqlite"),
        "LAPOR_AGENCIES_FILE": str(EXAMPLE_AGENCIES),
        "LAPOR_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "LAPOR_OPS_PORT": str(ops_port),
        "LAPOR_TOPIC_EVENTS": f"scrape.{unique_id}.events.v1",
        "LAPOR_TOPIC_COMMANDS": f"scrape.{unique_id}.commands.v1",
        "LAPOR_TOPIC_COMMANDS_DEAD_LETTER": f"scrape.{unique_id}.dlq.v1",
        "LAPOR_TOPIC_COMMAND_RESULTS": f"scrape.{unique_id}.results.v1",
        "LAPOR_TOPIC_AGENCY_FEED_PREFIX": f"scrape.{unique_id}.feed.",
    }
    log = (tmp_path / "relay.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "relay"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        wait_for(
            lambda: (
                get_json(f"http://127.0.0.1:{ops_port}/health/ready")["status"]
                == "ready"
            ),
            60,
            "the relay's readiness",
        )
        yield ops_port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.mark.kafka
@pytest.mark.slow
def test_prometheus_scrapes_gateway_series(tmp_path, relay_process):
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is missing: .ci/run installs Debian's prometheus")
        pytest.skip("prometheus is missing: apt-get install prometheus")
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: lapor-relay\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{relay_process}']}}]\n"
    )
    log = (tmp_path / "prometheus.log").open("w")
    server = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        api = f"http://127.0.0.1:{port}/api/v1/query?query="

        def series(name: str) -> list:
            url = api + urllib.parse.quote(name)
            return get_json(url)["data"]["result"]

        relay_lag = wait_for(
            lambda: series('lapor_relay_lag_events{job="lapor-relay"}'),
            60,
            "Prometheus to return the relay's series",
        )
        up = series('up{job="lapor-relay"}')
        kafka_up = wait_for(
            lambda: series('lapor_dependency_up{dependency="kafka"}'),
            30,
            "the dependency gauge",
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert relay_lag[0]["metric"]["relay"] == "events"
    assert up[0]["value"][1] == "1"
    assert kafka_up[0]["value"][1] == "1"

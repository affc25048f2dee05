"""The main job end to end: ``lapor-gateway run --exit`` against the test broker."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_SECONDS = 240
SECTIONS = (
    "Complaints by status",
    "Top agencies by backlog",
    "Top agencies by overdue",
    "Performance, whole history",
    "Audit of the events topic",
    "Rejected rows and commands by reason",
    "Where to look",
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def _run_main_job(bootstrap: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LAPOR_KAFKA_BOOTSTRAP": bootstrap}
    return subprocess.run(  # noqa: S603 (a fixed command line of this project)
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "run",
            "--exit",
            "--sources",
            "nyc311,bpi2013",
            "--limit",
            "60",
            "--data-dir",
            str(data_dir),
            "--http-port",
            "0",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


async def _delete_run_topics(bootstrap: str, prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if topics:
            await admin.delete_topics(topics)
    finally:
        await admin.close()


@pytest.fixture(scope="module")
def main_job_run(
    kafka_bootstrap_session: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    data_dir = tmp_path_factory.mktemp("main-job")
    completed = _run_main_job(kafka_bootstrap_session, data_dir)
    prefix = re.search(r"Topics: prefix (run-[0-9-]+\.)", completed.stdout)
    if prefix is not None:
        asyncio.run(_delete_run_topics(kafka_bootstrap_session, prefix.group(1)))
    return completed, data_dir


@pytest.mark.timeout(RUN_TIMEOUT_SECONDS + 60)
def test_main_job_exits_cleanly(main_job_run):
    completed, _ = main_job_run
    assert completed.returncode == 0, (
        completed.stdout[-3000:] + completed.stderr[-3000:]
    )


def test_main_job_figures_consistent(main_job_run):
    completed, _ = main_job_run
    assert "consistent: every figure agrees" in completed.stdout
    assert "MISMATCH" not in completed.stdout


@pytest.mark.parametrize("section", SECTIONS)
def test_main_job_prints_section(main_job_run, section):
    completed, _ = main_job_run
    assert section in completed.stdout


def test_main_job_audit_clean(main_job_run):
    completed, _ = main_job_run
    assert re.search(r"verification\s+│\s+clean", completed.stdout)


def test_main_job_writes_reports(main_job_run):
    _, data_dir = main_job_run
    [run_dir] = list(data_dir.iterdir())
    assert sorted((run_dir / "reports").glob("performance-*.html"))
    assert sorted((run_dir / "reports").glob("performance-*.csv"))


def test_main_job_tokens_private(main_job_run):
    _, data_dir = main_job_run
    [run_dir] = list(data_dir.iterdir())
    assert (run_dir / "tokens.yaml").stat().st_mode & 0o777 == 0o600


def test_main_job_rejects_unknown_source(tmp_path):
    completed = subprocess.run(  # noqa: S603 (a fixed command line of this project)
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "run",
            "--exit",
            "--sources",
            "nosuch",
            "--data-dir",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    assert "unknown sources nosuch" in completed.stderr

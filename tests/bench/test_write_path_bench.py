"""The write-path benchmark still runs end to end, on a tiny workload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[2]
COMMANDS = 200


def test_write_path_bench_tiny(tmp_path: Path, kafka_bootstrap: str) -> None:
    env = {**os.environ, "LAPOR_KAFKA_BOOTSTRAP": kafka_bootstrap}
    completed = subprocess.run(  # noqa: S603 (this interpreter and script)
        [
            sys.executable,
            str(PROJECT / "bench" / "write_path.py"),
            "--store",
            "sqlite",
            "--commands",
            str(COMMANDS),
            "--results",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
        cwd=PROJECT,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "commands/s to the events topic" in completed.stdout

    run = json.loads((tmp_path / "write_path.json").read_text("utf-8"))["runs"][
        "sqlite"
    ]
    gateway = run["gateway"]
    assert gateway["commands"] >= COMMANDS
    assert gateway["events"] == gateway["commands"]
    assert gateway["records"] > gateway["events"]
    assert run["raw"]["records"] == gateway["records"]
    assert run["drain"]["events"] == gateway["events"]
    assert run["figures"]["ratio_to_raw"] > 0
    assert run["machine"]["cores"] == os.cpu_count()
    assert "| sqlite |" in (tmp_path / "write_path.md").read_text("utf-8")

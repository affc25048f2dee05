"""The alert and recording rules pass promtool's checks and unit tests."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from monitoring.metrics import (
    CommandMetrics,
    DependencyMetrics,
    RelayMetrics,
    SchedulerMetrics,
)

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "monitoring" / "prometheus" / "rules" / "lapor.rules.yml"
RULE_TESTS = Path(__file__).with_name("rules_test.yml")


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: .ci/run installs Debian's prometheus")
        pytest.skip("promtool is missing: apt-get install prometheus")
    return path


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [promtool(), *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_rules_pass_check():
    result = run("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def test_rules_pass_unit_tests():
    result = run("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def test_every_alert_has_a_unit_test_and_runbook():
    rules = RULES.read_text()
    tests = RULE_TESTS.read_text()
    runbooks = (ROOT / "docs" / "runbooks.md").read_text()
    alerts = [
        line.split(":", 1)[1].strip()
        for line in rules.splitlines()
        if line.strip().startswith("- alert:")
    ]
    assert len(alerts) >= 7
    for alert in alerts:
        assert f"alertname: {alert}" in tests, alert
    for anchor in {
        line.split("#", 1)[1].strip()
        for line in rules.splitlines()
        if "runbook_url:" in line
    }:
        heading = anchor.replace("-", " ")
        assert f"## {heading.capitalize()}" in runbooks, anchor


def test_exposition_passes_promtool_check_metrics():
    registry = CollectorRegistry()
    commands = CommandMetrics(registry)
    relay = RelayMetrics(registry)
    SchedulerMetrics(registry)
    dependencies = DependencyMetrics(registry)
    commands.received.labels("SubmitComplaint", "pemkot-bandung", "accepted").inc()
    commands.latency.labels("SubmitComplaint").observe(0.004)
    relay.events_published.inc(3)
    relay.lag_events.set(2)
    dependencies.up.labels("kafka").set(1)
    result = run("check", "metrics", stdin=generate_latest(registry))
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()

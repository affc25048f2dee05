"""Detached processes, pid files and port checks on this machine."""

import shutil
import socket
import sys

import pytest

from infra import process
from infra.errors import PortInUseError


@pytest.fixture
def sleeper(tmp_path):
    """A detached ``sleep`` whose command line carries a unique marker."""
    marker = str(tmp_path / "marker")
    pid_file = tmp_path / "sleep.pid"
    script = f"import time, sys; time.sleep(60)  # {marker}"
    pid = process.spawn(
        [sys.executable, "-c", script],
        log_path=tmp_path / "logs" / "sleep.log",
        pid_file=pid_file,
    )
    yield pid, marker, pid_file
    if process.is_alive(pid, marker):
        process.kill(pid, marker)


def test_spawn_records_pid(sleeper):
    pid, marker, pid_file = sleeper

    assert process.read_pid(pid_file) == pid
    assert process.running_pid(pid_file, marker) == pid


def test_alive_needs_marker(sleeper):
    pid, marker, _ = sleeper

    assert process.is_alive(pid, marker)
    assert not process.is_alive(pid, marker + "-other")


def test_terminate_stops_with_sigterm(sleeper):
    pid, marker, _ = sleeper

    assert process.terminate(pid, marker, grace_seconds=10)
    assert not process.is_alive(pid, marker)


def test_terminate_falls_back_to_sigkill(tmp_path):
    marker = str(tmp_path / "stubborn")
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"print('ready', flush=True); time.sleep(60)  # {marker}"
    )
    log = tmp_path / "stubborn.log"
    pid = process.spawn(
        [sys.executable, "-c", script], log_path=log, pid_file=tmp_path / "pid"
    )
    assert process.wait_until(lambda: "ready" in log.read_text(), timeout=10)

    assert not process.terminate(pid, marker, grace_seconds=0.5)
    assert not process.is_alive(pid, marker)


def test_stale_pid_file_is_removed(tmp_path):
    pid_file = tmp_path / "stale.pid"
    pid_file.write_text("999999999\n")

    assert process.running_pid(pid_file, "anything") is None
    assert not pid_file.exists()


def test_invalid_pid_file_reads_as_none(tmp_path):
    pid_file = tmp_path / "bad.pid"
    pid_file.write_text("not a pid\n")

    assert process.read_pid(pid_file) is None


def test_bound_port_is_reported():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((process.LOOPBACK, 0))
        listener.listen()
        port = listener.getsockname()[1]

        assert not process.port_is_free(port)
        assert process.port_accepts(port)
        with pytest.raises(PortInUseError, match=str(port)):
            process.ensure_ports_free("test server", [port])


def test_spawn_output_goes_to_log(tmp_path):
    log = tmp_path / "echo.log"
    echo = shutil.which("echo")
    assert echo is not None
    pid = process.spawn([echo, "hello log"], log_path=log, pid_file=tmp_path / "pid")

    assert process.wait_until(lambda: not process.is_alive(pid, "hello"), timeout=10)
    assert log.read_text() == "hello log\n"


def test_tail_of_missing_file_says_so(tmp_path):
    assert "no log" in process.tail(tmp_path / "missing.log")


def test_tail_returns_last_lines(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("".join(f"line {number}\n" for number in range(100)))

    assert process.tail(log, lines=2) == "line 98\nline 99"

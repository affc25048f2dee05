"""Background server processes: ports, pid files, start, stop and log tails.

Servers run detached (their own session, stdin closed, output in a log file), so they
outlive the command that started them. A pid file records each one. A pid counts as
the server only while the process's command line still contains the server's marker
(its configuration path), so a recycled pid is never mistaken for the server. Linux
only, because liveness is read from ``/proc``.
"""

import contextlib
import errno
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from infra.errors import PortInUseError, ServiceStopError

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
POLL_INTERVAL_SECONDS = 0.2
KILL_WAIT_SECONDS = 10.0
EMPTY_CMDLINE_RETRIES = 20
EMPTY_CMDLINE_PAUSE_SECONDS = 0.05


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Return whether a TCP listener could bind ``host:port`` now.

    SO_REUSEADDR makes the check ignore closed connections in TIME_WAIT, as the
    servers themselves do, so a node can restart right after it stopped.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def port_accepts(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """Return whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_ports_free(service: str, ports: Iterable[int]) -> None:
    """Raise PortInUseError naming the first port of ``ports`` already bound."""
    for port in ports:
        if not port_is_free(port):
            raise PortInUseError(
                f"{service}: port {LOOPBACK}:{port} is already in use; stop the "
                "process that holds it (`ss -ltnp`) or choose other ports"
            )


def read_pid(pid_file: Path) -> int | None:
    """Return the pid stored in ``pid_file``, or None if it is missing or invalid."""
    try:
        return int(pid_file.read_text("ascii").strip())
    except (FileNotFoundError, ValueError):
        return None


def is_alive(pid: int, marker: str) -> bool:
    """Return whether ``pid`` runs and its command line contains ``marker``.

    A zombie counts as dead; one that is our own child is reaped here. The command
    line of a starting JVM reads as empty for a moment (seen with OpenJDK 17), so
    an empty one is read again.
    """
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    proc = Path("/proc") / str(pid)
    for _ in range(EMPTY_CMDLINE_RETRIES):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text("ascii").rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return False
        if state == "Z":
            return False
        if cmdline:
            return marker.encode() in cmdline.replace(b"\0", b" ")
        time.sleep(EMPTY_CMDLINE_PAUSE_SECONDS)
    # NOTE: a live process whose command line stays empty counts as the server.
    return True


def running_pid(pid_file: Path, marker: str) -> int | None:
    """Return the live pid recorded in ``pid_file``, removing a stale pid file."""
    pid = read_pid(pid_file)
    if pid is not None and is_alive(pid, marker):
        return pid
    pid_file.unlink(missing_ok=True)
    return None


def spawn(
    argv: Sequence[str],
    *,
    log_path: Path,
    pid_file: Path,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start ``argv`` detached with output appended to ``log_path``; record its pid.

    ``argv[0]`` must be a path. The server gets its own session and no Popen
    object, so nothing warns about a child still running when the caller exits.
    If it exits while the caller still runs, ``is_alive`` reaps it.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    file_actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (
            os.POSIX_SPAWN_OPEN,
            1,
            str(log_path),
            os.O_WRONLY | os.O_CREAT | os.O_APPEND,
            0o644,
        ),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    pid = os.posix_spawn(
        argv[0],
        list(argv),
        dict(env) if env is not None else dict(os.environ),
        file_actions=file_actions,
        setsid=True,
    )
    pid_file.write_text(f"{pid}\n", "ascii")
    logger.info("Started %s as pid %d, log %s", argv[0], pid, log_path)
    return pid


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    interval: float = POLL_INTERVAL_SECONDS,
) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def terminate(pid: int, marker: str, grace_seconds: float) -> bool:
    """Stop ``pid`` with SIGTERM, then SIGKILL after ``grace_seconds``.

    Returns True when SIGTERM sufficed, False when SIGKILL was needed.
    """
    return not terminate_all({pid: marker}, grace_seconds)


def terminate_all(markers: Mapping[int, str], grace_seconds: float) -> set[int]:
    """Send SIGTERM to every pid at once, then SIGKILL to those alive after
    ``grace_seconds``; return the pids that needed SIGKILL.
    """
    for pid in markers:
        _signal(pid, signal.SIGTERM)

    def all_gone() -> bool:
        return not any(is_alive(pid, marker) for pid, marker in markers.items())

    wait_until(all_gone, grace_seconds)
    stubborn = {pid for pid, marker in markers.items() if is_alive(pid, marker)}
    for pid in stubborn:
        logger.warning(
            "pid %d ignored SIGTERM for %.0f s; sending SIGKILL", pid, grace_seconds
        )
        kill(pid, markers[pid])
    return stubborn


def kill(pid: int, marker: str) -> None:
    """Stop ``pid`` with SIGKILL and wait until it is gone."""
    _signal(pid, signal.SIGKILL)
    if not wait_until(lambda: not is_alive(pid, marker), KILL_WAIT_SECONDS):
        raise ServiceStopError(
            f"pid {pid} is still alive {KILL_WAIT_SECONDS:.0f} s after SIGKILL; "
            f"check it with `ps -o pid,stat,cmd -p {pid}`"
        )


def _signal(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def tail(path: Path, lines: int = 40) -> str:
    """Return the last ``lines`` lines of a text file, or a note that it is missing."""
    try:
        text = path.read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])

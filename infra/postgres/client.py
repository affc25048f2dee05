"""Connection checks and URL handling for the local or an external PostgreSQL."""

import logging
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from infra.errors import ServiceNotReachableError
from infra.process import LOOPBACK, POLL_INTERVAL_SECONDS

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5


def local_url(port: int, database: str, user: str = "postgres") -> str:
    return f"postgresql://{user}@{LOOPBACK}:{port}/{database}"


def redact(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username or ''}:***@{host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def wait_reachable(url: str, timeout: float) -> None:
    """Return once ``SELECT 1`` succeeds on ``url``; raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _select_one(url)
        except psycopg.OperationalError as exc:
            if time.monotonic() >= deadline:
                raise ServiceNotReachableError(
                    f"PostgreSQL at {redact(url)} did not respond within "
                    f"{timeout:g} s: {exc}; check that the server runs and that "
                    "the URL is right"
                ) from exc
            time.sleep(POLL_INTERVAL_SECONDS)
        else:
            return


def _select_one(url: str) -> None:
    with (
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT 1")


def ensure_database(admin_url: str, name: str) -> bool:
    """Create database ``name`` through ``admin_url`` unless it exists.

    Returns whether it was created.
    """
    with psycopg.connect(
        admin_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists:
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    logger.info("Created database %s", name)
    return True


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name``, closing its open connections first."""
    with psycopg.connect(
        admin_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
    ) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def with_database(url: str, name: str) -> str:
    """Return ``url`` pointing at database ``name`` instead of its own."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))

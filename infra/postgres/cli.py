"""``lapor-infra postgres start|stop|status``.

When ``LAPOR_POSTGRES_URL`` is set, the commands use that server instead: ``start``
and ``status`` only check that it accepts connections, and ``stop`` leaves it
alone.
"""

import argparse
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from infra.console import write_line
from infra.paths import var_root
from infra.postgres.client import redact, wait_reachable
from infra.postgres.server import (
    DEFAULT_DATABASE,
    DEFAULT_PORT,
    DEFAULT_START_TIMEOUT_SECONDS,
    DEFAULT_STOP_GRACE_SECONDS,
    LocalPostgres,
)

if TYPE_CHECKING:
    # argparse exposes the type of add_subparsers() only under a private name.
    from argparse import _SubParsersAction

    SubParsers = _SubParsersAction[argparse.ArgumentParser]

EXTERNAL_URL_VARIABLE = "LAPOR_POSTGRES_URL"
EXIT_NOT_RUNNING = 3
STATUS_CHECK_TIMEOUT_SECONDS = 5.0


def add_postgres_commands(services: "SubParsers") -> None:
    postgres = services.add_parser(
        "postgres",
        help=f"the local PostgreSQL, or the server named by ${EXTERNAL_URL_VARIABLE}",
    )
    commands = postgres.add_subparsers(dest="command", required=True)

    start = commands.add_parser("start", help="start the server and print its URL")
    _add_common(start)
    start.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="TCP port on 127.0.0.1"
    )
    start.add_argument(
        "--database", default=DEFAULT_DATABASE, help="database to create and print"
    )
    start.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_START_TIMEOUT_SECONDS,
        help="seconds to wait for the server to accept connections",
    )
    start.set_defaults(handler=run_start)

    stop = commands.add_parser("stop", help="stop the server (fast shutdown)")
    _add_common(stop)
    stop.add_argument(
        "--grace",
        type=float,
        default=DEFAULT_STOP_GRACE_SECONDS,
        help="seconds to wait for the shutdown before sending signals",
    )
    stop.set_defaults(handler=run_stop)

    status = commands.add_parser("status", help="show pid, port, folder and URL")
    _add_common(status)
    status.set_defaults(handler=run_status)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, help="server folder (default var/postgres)"
    )


def _local(arguments: argparse.Namespace) -> LocalPostgres:
    home = (arguments.data_dir or var_root() / "postgres").resolve()
    return LocalPostgres(
        home,
        port=getattr(arguments, "port", DEFAULT_PORT),
        database=getattr(arguments, "database", DEFAULT_DATABASE),
    )


def run_start(arguments: argparse.Namespace) -> int:
    external = os.environ.get(EXTERNAL_URL_VARIABLE)
    began = time.monotonic()
    if external:
        wait_reachable(external, arguments.timeout)
        write_line(f"postgres: using {redact(external)} from {EXTERNAL_URL_VARIABLE}")
        return 0
    server = _local(arguments)
    server.start(timeout=arguments.timeout)
    write_line(f"postgres ready in {time.monotonic() - began:.1f} s")
    write_line(server.status().describe())
    return 0


def run_stop(arguments: argparse.Namespace) -> int:
    if os.environ.get(EXTERNAL_URL_VARIABLE):
        write_line(
            f"postgres: the server named by {EXTERNAL_URL_VARIABLE} is not managed "
            "here; nothing stopped"
        )
        return 0
    stopped = _local(arguments).stop(grace_seconds=arguments.grace)
    write_line(f"postgres: {'stopped' if stopped else 'was not running'}")
    return 0


def run_status(arguments: argparse.Namespace) -> int:
    external = os.environ.get(EXTERNAL_URL_VARIABLE)
    if external:
        wait_reachable(external, STATUS_CHECK_TIMEOUT_SECONDS)
        write_line(
            f"postgres: {redact(external)} from {EXTERNAL_URL_VARIABLE} "
            "accepts connections"
        )
        return 0
    status = _local(arguments).status()
    write_line(status.describe())
    return 0 if status.pid else EXIT_NOT_RUNNING

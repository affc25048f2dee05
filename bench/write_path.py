"""Benchmark the write path: commands per second from intake to the events topic.

Usage: ``python bench/write_path.py [--store sqlite|postgres|both] [--commands N]``.

For each store it records N commands of realistic complaint lifecycles through
``ComplaintService.execute_batch`` while the relay runs in its own process,
and stops the clock when the relay has recorded the last event as published
(after the broker's acknowledgement). It then publishes the same records with
raw aiokafka and reports the gateway's rate as a ratio of the raw rate, with
each process's peak memory. Results go to ``bench/results/write_path.json``
and ``write_path.md``.

The broker is the one at ``LAPOR_KAFKA_BOOTSTRAP``, or the local one that
``lapor-infra`` runs (started if needed); PostgreSQL likewise comes from
``LAPOR_POSTGRES_URL`` or the local server, and each run gets a new database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import psycopg  # noqa: E402 (after the project is importable)

from bench.support import report  # noqa: E402
from bench.support.deployment import RelaySetup  # noqa: E402
from bench.support.measure import (  # noqa: E402
    drain_setup,
    measure_drain,
    measure_gateway,
    measure_raw,
)
from bench.support.workload import command_batches, lifecycles  # noqa: E402
from gateway.settings import StoreKind  # noqa: E402
from infra.kafka.admin import delete_topics  # noqa: E402
from infra.kafka.provision import DEFAULT_KAFKA_VERSION  # noqa: E402
from infra.paths import var_root  # noqa: E402
from infra.postgres.client import (  # noqa: E402
    drop_database,
    ensure_database,
    with_database,
)
from tests.support.services import (  # noqa: E402
    KAFKA_BOOTSTRAP_VARIABLE,
    kafka_for_session,
    postgres_for_session,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gateway.complaint.commands import ComplaintCommand

COMMANDS_PER_LIFECYCLE = 6
"""Minimum commands in one workload lifecycle, to size the workload."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    if args.store == "both":
        # One process per store, so that each store's peak memory is its own.
        return max(_run_alone(store, argv) for store in ("sqlite", "postgres"))
    batches = _workload(args.commands, args.batch_size, args.seed)
    folder = var_root(PROJECT) / "bench" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True)
    with kafka_for_session(var_root(PROJECT)) as bootstrap:
        run = _run_store(args.store, bootstrap, batches, folder / args.store, args)
    print(_summary(args.store, run))
    # A failed run keeps its folder: the relay logs and the store are there.
    shutil.rmtree(folder, ignore_errors=True)
    return 0


def _run_alone(store: str, argv: list[str] | None) -> int:
    """Run this script for one store in a child process; return its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if "--store" in arguments:
        del arguments[arguments.index("--store") : arguments.index("--store") + 2]
    command = [sys.executable, __file__, *arguments, "--store", store]
    return subprocess.run(command, check=False).returncode  # noqa: S603 (itself)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--store", choices=["sqlite", "postgres", "both"], default="both"
    )
    parser.add_argument(
        "--commands",
        type=int,
        default=20_000,
        help="commands to record (default 20000)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=200,
        help="about how many commands each execute_batch call gets (default 200)",
    )
    parser.add_argument("--seed", type=int, default=1, help="workload seed")
    parser.add_argument(
        "--results",
        type=Path,
        default=report.RESULTS_FOLDER,
        help="folder for write_path.json and write_path.md (default bench/results)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also write pyinstrument profiles of the writer and the relay "
        "to the results folder",
    )
    return parser


def _workload(
    commands: int, batch_size: int, seed: int
) -> list[list[ComplaintCommand]]:
    """Return pipelined batches of at least ``commands`` commands."""
    cycles = lifecycles(commands // COMMANDS_PER_LIFECYCLE + 1, seed=seed)
    total, count = 0, 0
    while total < commands:
        total += len(cycles[count].commands)
        count += 1
    group_size = max(1, batch_size // len(cycles[0].commands))
    return list(command_batches(cycles[:count], group_size=group_size))


def _run_store(
    store: str,
    bootstrap: str,
    batches: list[list[ComplaintCommand]],
    folder: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    folder.mkdir(parents=True)
    with _postgres_database(store) as (postgres_url, postgres_version):
        setup = RelaySetup(
            StoreKind(store),
            bootstrap,
            folder,
            f"bench.{uuid.uuid4().hex[:12]}",
            postgres_url=postgres_url,
        )
        run = asyncio.run(_measure(setup, batches, args))
    machine = report.machine_facts(_kafka_version(), postgres_version)
    report.save(store, run, machine, folder=args.results)
    return run


async def _measure(
    setup: RelaySetup, batches: list[list[ComplaintCommand]], args: argparse.Namespace
) -> dict[str, Any]:
    profiles = args.results if args.profile else None
    if profiles is not None:
        profiles.mkdir(parents=True, exist_ok=True)
    try:
        gateway, records = await measure_gateway(
            setup,
            batches,
            relay_profile=profiles / f"relay-{setup.store}.txt" if profiles else None,
            writer_profile=profiles / f"writer-{setup.store}.txt" if profiles else None,
        )
        raw = await measure_raw(setup, records, setup.folder)
        drain = await measure_drain(setup)
    finally:
        names = setup.all_topics() + drain_setup(setup).all_topics()
        await delete_topics(setup.bootstrap, names + [f"{n}.raw" for n in names])
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "batch_size": args.batch_size,
        "gateway": gateway.__dict__,
        "raw": raw.__dict__,
        "drain": drain.__dict__,
    }


@contextlib.contextmanager
def _postgres_database(store: str) -> Iterator[tuple[str | None, str | None]]:
    """Yield a fresh database's URL and the server version, for the postgres store."""
    if store != StoreKind.POSTGRES:
        yield None, None
        return
    with postgres_for_session(var_root(PROJECT)) as server_url:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        admin_url = with_database(server_url, "postgres")
        ensure_database(admin_url, name)
        try:
            with psycopg.connect(admin_url) as connection:
                row = connection.execute("SHOW server_version").fetchone()
            yield with_database(server_url, name), str(row[0]) if row else None
        finally:
            drop_database(admin_url, name)


def _kafka_version() -> str:
    if os.environ.get(KAFKA_BOOTSTRAP_VARIABLE):
        return "external broker (version not probed)"
    return DEFAULT_KAFKA_VERSION


def _summary(store: str, run: dict[str, Any]) -> str:
    figures = report.rates(run)
    return (
        f"{store}: {run['gateway']['commands']} commands, "
        f"{figures['gateway_commands_per_second']:.0f} commands/s to the events "
        f"topic (writer alone {figures['writer_commands_per_second']:.0f}/s), raw "
        f"aiokafka {figures['raw_commands_per_second']:.0f} commands/s, ratio "
        f"{figures['ratio_to_raw']:.2f}"
    )


if __name__ == "__main__":
    sys.exit(main())

"""The ``lapor-gateway`` command: runs the gateway's parts and its operator tasks."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from gateway.agencies import RegistryError, hash_token, new_token
from gateway.bootstrap import ConfigurationError, create_topics, load_registry
from gateway.processes import (
    Runtime,
    run_api,
    run_intake,
    run_ops,
    run_relay,
    run_scheduler,
)
from gateway.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any

logger = logging.getLogger("gateway")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        settings = Settings()
        result: int = args.handler(settings, args)
    except (ConfigurationError, RegistryError, ValidationError) as exc:
        print(f"lapor-gateway: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lapor-gateway",
        description="The SP4N-LAPOR! inter-agency complaint gateway.",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="lowest level of log lines to print (default: INFO)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _add(commands, "topics", "create the gateway's Kafka topics", _topics)
    _add(
        commands,
        "new-token",
        "print a new agency-system token and the digest to register",
        _credentials,
    )
    _add(commands, "relay", "publish stored events to Kafka until stopped", _relay)
    _add(commands, "scheduler", "act on passed deadlines until stopped", _scheduler)
    _add(commands, "api", "serve the HTTP API until stopped", _api)
    _add(commands, "intake", "consume the Kafka command topic until stopped", _intake)
    _add(
        commands,
        "serve",
        "run the API, command intake, relay and scheduler in one process",
        _serve,
    )
    _add_run(commands)
    return parser


def _add_run(commands: Any) -> None:  # noqa: ANN401 (argparse's private subparsers type)
    run = _add(
        commands,
        "run",
        "run the whole gateway on the sample data and print a summary",
        _run,
    )
    run.add_argument(
        "--exit",
        action="store_true",
        help="exit after the summary (status 1 if the figures disagree) "
        "instead of serving until Ctrl-C",
    )
    run.add_argument(
        "--data-dir",
        type=Path,
        default=Path("var/run"),
        help="folder for the run folders (default: %(default)s)",
    )
    run.add_argument(
        "--sources",
        default="nyc311,bpi2013,lapor2017",
        help="comma-separated inputs: nyc311, bpi2013 (shipped samples), "
        "lapor2017 (read from ../shared/data when present; default: %(default)s)",
    )
    run.add_argument(
        "--limit", type=_positive, help="import at most N readable rows per source"
    )
    run.add_argument(
        "--http-port",
        type=int,
        default=8080,
        help="API port on 127.0.0.1; a free port is used if it is taken "
        "(default: %(default)s)",
    )


def _add(
    commands: Any,  # noqa: ANN401 (argparse's private subparsers type)
    name: str,
    help_text: str,
    handler: Callable[[Settings, argparse.Namespace], int],
) -> argparse.ArgumentParser:
    command: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    command.set_defaults(handler=handler)
    return command


def _credentials(_settings: Settings, _args: argparse.Namespace) -> int:
    token = new_token()
    print(f"token:        {token}")  # noqa: T201
    print(f"token_sha256: {hash_token(token)}")  # noqa: T201
    print(  # noqa: T201
        "Give the token to the agency system once; put only the digest in the "
        "agency registry.",
        file=sys.stderr,
    )
    return 0


def _topics(settings: Settings, _args: argparse.Namespace) -> int:
    registry = load_registry(settings)
    created = asyncio.run(create_topics(settings, registry))
    print(f"created {len(created)} topics: {', '.join(created) or 'none'}")  # noqa: T201
    return 0


def _relay(settings: Settings, _args: argparse.Namespace) -> int:
    return run_until_signalled(settings, [run_ops, run_relay])


def _api(settings: Settings, _args: argparse.Namespace) -> int:
    return run_until_signalled(settings, [run_api])


def _intake(settings: Settings, _args: argparse.Namespace) -> int:
    return run_until_signalled(settings, [run_ops, run_intake])


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    # The API serves /metrics and the health endpoints for the whole process.
    return run_until_signalled(
        settings, [run_api, run_intake, run_relay, run_scheduler]
    )


def _scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    return run_until_signalled(settings, [run_ops, run_scheduler])


def _run(_settings: Settings, args: argparse.Namespace) -> int:
    # The main job builds its own settings for a fresh run folder and topics.
    from mainjob.errors import MainJobError  # noqa: PLC0415 (keeps other commands light)
    from mainjob.run import RunOptions, run_main_job  # noqa: PLC0415

    options = RunOptions(
        data_dir=args.data_dir,
        sources=tuple(name.strip() for name in args.sources.split(",") if name.strip()),
        limit=args.limit,
        http_port=args.http_port,
        exit_when_done=args.exit,
        log_level=args.log_level,
    )
    try:
        return run_main_job(options)
    except MainJobError as exc:
        print(f"lapor-gateway run: {exc}", file=sys.stderr)  # noqa: T201
        return 1


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def run_until_signalled(
    settings: Settings,
    parts: list[Callable[[Runtime, asyncio.Event], Coroutine[Any, Any, None]]],
) -> int:
    """Run the parts in one event loop until SIGINT or SIGTERM, or one fails."""
    runtime = Runtime.build(settings)

    async def run_all() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        tasks = [asyncio.create_task(part(runtime, stop)) for part in parts]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()

    try:
        asyncio.run(run_all())
    finally:
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``lapor-infra`` command: local Kafka and PostgreSQL for development and CI.

Exit codes: 0 success, 1 failure (the message tells what to do), 2 usage error,
3 ``status`` found a service not running.
"""

import argparse
import logging
import sys
from collections.abc import Sequence

from infra.errors import InfraError
from infra.kafka.cli import add_kafka_commands
from infra.postgres.cli import add_postgres_commands

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lapor-infra",
        description=(
            "Provision, start and stop the local Kafka and PostgreSQL servers that "
            "development, tests and CI use. Servers listen on 127.0.0.1 only."
        ),
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debug messages"
    )
    services = parser.add_subparsers(dest="service", required=True)
    add_kafka_commands(services)
    add_postgres_commands(services)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``lapor-infra`` command and return its exit code."""
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if arguments.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # aiokafka reports every refused connection while a broker starts up.
    logging.getLogger("aiokafka").setLevel(
        logging.DEBUG if arguments.verbose else logging.CRITICAL
    )
    try:
        exit_code: int = arguments.handler(arguments)
    except InfraError as exc:
        sys.stderr.write(f"lapor-infra: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("lapor-infra: interrupted\n")
        return 130
    return exit_code

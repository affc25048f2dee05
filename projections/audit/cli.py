"""The audit commands: ``python -m projections.audit <command> ...``.

``verify`` and ``replay`` need nothing but Kafka (and, for checkpoints, the
gateway's public key). ``export`` reads the projection database, or the
events topic with ``--bootstrap``. ``keygen`` writes a signing key pair and
``checkpoint`` signs a checkpoint on request. Exit codes are listed in
``docs/audit.md`` and in ``projections.audit.auditor``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from events.timestamps import parse_timestamp
from projections.audit.access import Viewer
from projections.audit.auditor import (
    EXIT_CLEAN,
    EXIT_CONFIGURATION,
    EXIT_EVENTS_TAMPERED,
    EXIT_NOT_FOUND,
    EXIT_READ_FAILED,
)
from projections.audit.errors import (
    AuditError,
    ComplaintNotFoundError,
    LogReadError,
    ReplayError,
    SigningKeyError,
)
from projections.audit.export import render_html
from projections.audit.export import render_json as export_json
from projections.audit.replay import ReplayBasis, describe, replay_as_of
from projections.audit.report import render_json, render_text
from projections.audit.settings import DEFAULT_CHECKPOINTS_TOPIC, AuditSettings
from projections.audit.signing import generate_key_pair, load_public_key, load_signer
from projections.audit.sources import (
    audit_topic,
    checkpoint_now,
    export_from_database,
    export_from_topic,
    publish_checkpoints,
    topic_events_of,
)

DEFAULT_EVENTS_TOPIC = "lapor.complaint-events.v1"
DEFAULT_TIMEOUT_SECONDS = 120.0
COMMAND_LINE_READER = "command-line"
"""The reader an export names when the command line runs it with full access."""

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Run one audit command and return its exit code."""
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code: int = arguments.run(arguments)
    except SigningKeyError as exc:
        return _fail(exc, EXIT_CONFIGURATION)
    except LogReadError as exc:
        return _fail(exc, EXIT_READ_FAILED)
    except ComplaintNotFoundError as exc:
        return _fail(exc, EXIT_NOT_FOUND)
    except ReplayError as exc:
        return _fail(exc, EXIT_EVENTS_TAMPERED)
    except AuditError as exc:
        return _fail(exc, EXIT_CONFIGURATION)
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m projections.audit",
        description="Verify, replay and export complaint histories for auditors.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _add_verify(commands)
    _add_replay(commands)
    _add_export(commands)
    _add_keygen(commands)
    _add_checkpoint(commands)
    return parser


def _add_kafka_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--bootstrap",
        required=required,
        help="Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]",
    )
    parser.add_argument(
        "--topic",
        default=DEFAULT_EVENTS_TOPIC,
        help=f"complaint events topic (default {DEFAULT_EVENTS_TOPIC})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help="seconds allowed for reading each topic to its end (default %(default)s)",
    )


def _add_verify(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "verify", help="verify every complaint's hash chain and the signed checkpoints"
    )
    _add_kafka_options(parser, required=True)
    parser.add_argument(
        "--public-key",
        type=Path,
        action="append",
        required=True,
        help="PEM or base64 Ed25519 public key of the gateway; repeat for old keys",
    )
    parser.add_argument(
        "--checkpoints-topic",
        help=f"signed checkpoints topic, usually {DEFAULT_CHECKPOINTS_TOPIC}",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run_verify)


def _add_replay(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "replay", help="show a complaint's status as of a past moment"
    )
    _add_kafka_options(parser, required=True)
    parser.add_argument("--complaint", required=True, help="complaint id (UUID)")
    parser.add_argument(
        "--as-of",
        required=True,
        type=parse_timestamp,
        help="ISO 8601 moment with an offset, such as 2025-06-30T17:00:00+07:00",
    )
    parser.add_argument(
        "--by",
        choices=[basis.value for basis in ReplayBasis],
        default=ReplayBasis.RECORDED.value,
        help="compare the moment with each event's recorded time (default) or "
        "with when the action occurred",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run_replay)


def _add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "export", help="export one complaint's history as JSON or HTML"
    )
    _add_kafka_options(parser, required=False)
    parser.add_argument("--complaint", required=True, help="complaint id (UUID)")
    parser.add_argument("--format", choices=["json", "html"], required=True)
    parser.add_argument("--out", type=Path, required=True, help="file to write")
    parser.add_argument(
        "--database",
        help="projection database URL (default LAPOR_AUDIT_DATABASE_URL or "
        "sqlite:///var/data/projections.sqlite); ignored with --bootstrap",
    )
    parser.add_argument(
        "--for-agency",
        help="redact the export as this (non-auditor) agency may see it",
    )
    parser.set_defaults(run=run_export)


def _add_keygen(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "keygen", help="write a new checkpoint signing key pair"
    )
    parser.add_argument(
        "--out-dir", type=Path, required=True, help="folder for the two key files"
    )
    parser.set_defaults(run=run_keygen)


def _add_checkpoint(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    parser = commands.add_parser(
        "checkpoint",
        help="sign a checkpoint of the projection now and publish pending ones",
    )
    parser.add_argument("--database", help="projection database URL")
    parser.add_argument(
        "--topic", default=DEFAULT_EVENTS_TOPIC, help="events topic to checkpoint"
    )
    parser.add_argument(
        "--key-file",
        type=Path,
        help="private key PEM (default LAPOR_AUDIT_SIGNING_KEY_FILE or the "
        "variable LAPOR_AUDIT_SIGNING_KEY_VARIABLE names)",
    )
    parser.add_argument(
        "--bootstrap", help="publish pending checkpoints to these Kafka brokers"
    )
    parser.add_argument(
        "--checkpoints-topic",
        help=f"checkpoints topic (default {DEFAULT_CHECKPOINTS_TOPIC})",
    )
    parser.set_defaults(run=run_checkpoint)


def run_verify(arguments: argparse.Namespace) -> int:
    verifiers = [load_public_key(path) for path in arguments.public_key]
    report = asyncio.run(
        audit_topic(
            arguments.bootstrap,
            arguments.topic,
            verifiers=verifiers,
            checkpoints_topic=arguments.checkpoints_topic,
            timeout_seconds=arguments.timeout,
        )
    )
    _write(render_json(report) if arguments.json else render_text(report))
    return report.exit_code


def run_replay(arguments: argparse.Namespace) -> int:
    events = asyncio.run(
        topic_events_of(
            arguments.bootstrap,
            arguments.topic,
            arguments.complaint,
            timeout_seconds=arguments.timeout,
        )
    )
    result = replay_as_of(
        [event for event, _ in events],
        complaint_id=arguments.complaint,
        as_of=arguments.as_of,
        basis=ReplayBasis(arguments.by),
    )
    _write(result.model_dump_json(indent=2) if arguments.json else describe(result))
    return EXIT_CLEAN


def run_export(arguments: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    viewer = (
        Viewer(agency=COMMAND_LINE_READER, full_access=True)
        if arguments.for_agency is None
        else Viewer(agency=arguments.for_agency, full_access=False)
    )
    if arguments.bootstrap is not None:
        export = asyncio.run(
            export_from_topic(
                arguments.bootstrap,
                arguments.topic,
                arguments.complaint,
                viewer,
                timeout_seconds=arguments.timeout,
                now=now,
            )
        )
    else:
        url = arguments.database or AuditSettings().database_url
        export = export_from_database(url, arguments.complaint, viewer, now=now)
    text = render_html(export) if arguments.format == "html" else export_json(export)
    arguments.out.write_text(text, encoding="utf-8")
    chain = "verified" if export.verification.valid else "BROKEN"
    _write(
        f"Wrote the {arguments.format} export of complaint {arguments.complaint} "
        f"({len(export.events)} events, chain {chain}) to {arguments.out}"
    )
    return EXIT_CLEAN if export.verification.valid else EXIT_EVENTS_TAMPERED


def run_keygen(arguments: argparse.Namespace) -> int:
    private_path, public_path = generate_key_pair(arguments.out_dir)
    _write(
        f"Wrote the private key to {private_path} (keep it out of the repository; "
        "point LAPOR_AUDIT_SIGNING_KEY_FILE at it) and the public key to "
        f"{public_path} (give it to auditors)."
    )
    return EXIT_CLEAN


def run_checkpoint(arguments: argparse.Namespace) -> int:
    settings = AuditSettings()
    signer = (
        load_signer(key_file=arguments.key_file, key_variable=None)
        if arguments.key_file is not None
        else settings.signer()
    )
    if signer is None:
        raise SigningKeyError(
            "no signing key is configured: pass --key-file or set "
            "LAPOR_AUDIT_SIGNING_KEY_FILE (or LAPOR_AUDIT_SIGNING_KEY_VARIABLE)"
        )
    url = arguments.database or settings.database_url
    signed = checkpoint_now(url, arguments.topic, signer, now=datetime.now(UTC))
    _write(f"Signed checkpoint {signed.checkpoint_id} of topic {arguments.topic}.")
    if arguments.bootstrap is not None:
        topic = arguments.checkpoints_topic or settings.checkpoints_topic
        published = asyncio.run(publish_checkpoints(url, arguments.bootstrap, topic))
        _write(f"Published {published} checkpoints to {topic}.")
    return EXIT_CLEAN


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def _fail(error: Exception, code: int) -> int:
    sys.stderr.write(f"error: {error}\n")
    return code

"""Command line of the file adapter: ``python -m adapters.files <command>``.

- ``import --profile NAME FILE``: import an export into the gateway, in this
  process (the store named by the ``LAPOR_*`` settings) or over HTTP;
- ``registry --profile NAME FILE --out FILE``: write the agency registry the
  file needs, with fresh tokens for the new import systems;
- ``export --agency ID --out FILE.csv``: write an agency's feed to CSV.

Exit status: 0 when the command ran (rejected rows do not change it), 1 when
it could not run, 2 for invalid arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from prometheus_client import CollectorRegistry

from adapters.files.errors import FileImportError
from adapters.files.export import export_feed
from adapters.files.importer import run_import, scan_registry
from adapters.files.profiles import (
    DEFAULT_SEED,
    PROFILES,
    ProfileContext,
    profile_named,
)
from adapters.files.registry import new_token, system_id_of
from adapters.mapping import (
    DEFAULT_MAPPINGS_DIR,
    MappingCatalog,
    MappingError,
    MappingMetrics,
    StatusMapper,
)
from adapters.sink import HttpSink, InProcessSink, SinkError
from gateway.agencies import AgencyRegistry, RegistryError, hash_token
from gateway.bootstrap import ConfigurationError, build_service
from gateway.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from adapters.files.profiles import Profile
    from adapters.files.registry import RegistryEntries
    from adapters.files.result import ImportResult

FAILURES = (FileImportError, MappingError, SinkError, RegistryError, ConfigurationError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv`` and return the exit status."""
    arguments = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(arguments.run(arguments))
    except FAILURES as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 (the command's output)
        return 1


def _import(arguments: argparse.Namespace) -> int:
    profile = _profile(arguments)
    if arguments.sink == "http":
        if not arguments.url or not arguments.token_file:
            raise SinkError("--sink http needs --url and --token-file")
        sink = HttpSink.from_token_file(arguments.url, arguments.token_file)
        try:
            result = _run(profile, arguments, sink)
        finally:
            sink.close()
    else:
        entries = scan_registry(profile, arguments.file)
        registry = entries.to_registry(_base_registry(arguments.agencies))
        service = build_service(Settings(), registry, CollectorRegistry())
        try:
            result = _run(profile, arguments, InProcessSink(service, registry))
        finally:
            service.close()
    print(result.summary())  # noqa: T201 (the command's output)
    if arguments.report is not None:
        arguments.report.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return 0


def _run(
    profile: Profile, arguments: argparse.Namespace, sink: HttpSink | InProcessSink
) -> ImportResult:
    return run_import(
        profile,
        arguments.file,
        sink,
        limit=arguments.limit,
        progress=not arguments.quiet,
    )


def _registry(arguments: argparse.Namespace) -> int:
    profile = _profile(arguments)
    base = _base_registry(arguments.agencies)
    entries = scan_registry(profile, arguments.file)
    tokens: dict[str, str] = {}

    def issue(system_id: str) -> str:
        agency = next(
            g.agency for g in entries.grants if system_id_of(g.agency) == system_id
        )
        tokens[agency] = new_token()
        return hash_token(tokens[agency])

    registry = entries.to_registry(base, token_digest=issue)
    _write_yaml(arguments.out, _registry_document(registry))
    if arguments.tokens_out is not None:
        _write_secret(arguments.tokens_out, yaml.safe_dump(tokens, sort_keys=True))
    _report_registry(entries, tokens, arguments)
    return 0


def _export(arguments: argparse.Namespace) -> int:
    settings = Settings()
    topic = settings.topics.agency_feed(arguments.agency)
    bootstrap = arguments.bootstrap or settings.kafka_bootstrap
    count = asyncio.run(
        export_feed(bootstrap, topic, arguments.out, max_seconds=arguments.timeout)
    )
    print(f"Exported {count} events of {topic} to {arguments.out}")  # noqa: T201 (the command's output)
    return 0


def _profile(arguments: argparse.Namespace) -> Profile:
    catalog = MappingCatalog.load(arguments.mappings)
    mapper = StatusMapper(catalog, metrics=MappingMetrics(CollectorRegistry()))
    return profile_named(arguments.profile, ProfileContext(mapper, seed=arguments.seed))


def _base_registry(path: Path | None) -> AgencyRegistry | None:
    if path is not None:
        return AgencyRegistry.load(path)
    default = Settings().agencies_file
    return AgencyRegistry.load(default) if default.exists() else None


def _registry_document(registry: AgencyRegistry) -> dict[str, object]:
    document = registry.model_dump(mode="json", exclude_defaults=True)
    for system in document.get("systems", []):
        system["roles"] = sorted(system["roles"])
        if "units" in system:
            system["units"] = sorted(system["units"])
    return document


def _write_yaml(path: Path, document: object) -> None:
    path.write_text(
        yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )


def _write_secret(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def _report_registry(
    entries: RegistryEntries, tokens: dict[str, str], arguments: argparse.Namespace
) -> None:
    print(  # noqa: T201 (the command's output)
        f"Wrote {len(entries.agencies)} agencies and {len(entries.grants)} import "
        f"systems to {arguments.out}; {len(tokens)} new tokens"
        + (f" in {arguments.tokens_out}" if arguments.tokens_out else " (not written)")
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.files",
        description="Import agency exports into the gateway; export agency feeds.",
    )
    parser.add_argument("--verbose", action="store_true", help="log at INFO level")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _add_import(commands.add_parser("import", help="import an export file"))
    _add_registry(
        commands.add_parser("registry", help="write the registry a file needs")
    )
    _add_export(commands.add_parser("export", help="export an agency feed to CSV"))
    return parser


def _add_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        required=True,
        choices=sorted(PROFILES),
        help="the export's mapping profile",
    )
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="CSV or JSON Lines file, gzip allowed"
    )
    parser.add_argument(
        "--mappings",
        type=Path,
        default=DEFAULT_MAPPINGS_DIR,
        help="folder of status mapping files (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="seed of synthesised timestamps (default: %(default)s)",
    )
    parser.add_argument(
        "--agencies",
        type=Path,
        help="agency registry to add to (default: LAPOR_AGENCIES_FILE if it exists)",
    )


def _add_import(parser: argparse.ArgumentParser) -> None:
    _add_source(parser)
    parser.add_argument("--limit", type=_positive, help="stop after N readable rows")
    parser.add_argument(
        "--sink",
        choices=("inprocess", "http"),
        default="inprocess",
        help="where commands go (default: %(default)s)",
    )
    parser.add_argument(
        "--url", help="gateway base URL for --sink http, e.g. http://127.0.0.1:8080"
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        help="bearer tokens for --sink http: YAML agency: token, or one token",
    )
    parser.add_argument(
        "--report", type=Path, help="write the full result as JSON to this file"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=_import)


def _add_registry(parser: argparse.ArgumentParser) -> None:
    _add_source(parser)
    parser.add_argument(
        "--out", type=Path, required=True, help="registry YAML to write"
    )
    parser.add_argument(
        "--tokens-out",
        type=Path,
        help=(
            "write the new systems' tokens here (mode 600) for --sink http; "
            "without it nobody learns them"
        ),
    )
    parser.set_defaults(run=_registry)


def _add_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--agency",
        required=True,
        type=_agency_id,
        help="agency id whose feed is exported",
    )
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument(
        "--bootstrap", help="Kafka bootstrap servers (default: LAPOR_KAFKA_BOOTSTRAP)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds to read the feed before giving up (default: %(default)s)",
    )
    parser.set_defaults(run=_export)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of rows")
    return value


def _agency_id(text: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an agency id (lower-case letters, digits, hyphens)"
        )
    return text

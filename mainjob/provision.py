"""The run folder's contents: agency registry, tokens, signing keys, feed choice.

The registry is built from the input files themselves: each file adapter
profile lists the agencies, units and import systems its rows need
(``scan_registry``), and the lists of all sources are merged. Every system
gets a fresh token. Only the SHA-256 digests go into ``agencies.yaml``, and
the tokens go into ``tokens.yaml`` (mode 600) for HTTP clients. One
read-only inspectorate system, ``auditor-console``, is added so that the
status, audit and performance queries can be tried with a token that sees
every agency.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml
from prometheus_client import CollectorRegistry

from adapters.files.importer import scan_registry
from adapters.files.profiles import DEFAULT_SEED, ProfileContext, profile_named
from adapters.files.reading import SourceFile, SourceRow
from adapters.mapping import (
    DEFAULT_MAPPINGS_DIR,
    MappingCatalog,
    MappingMetrics,
    StatusMapper,
)
from events.values import Role
from gateway.agencies import (
    Agency,
    AgencyKind,
    AgencyRegistry,
    AgencySystem,
    hash_token,
    new_token,
)
from gateway.application import target_of
from projections.audit.signing import generate_key_pair

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from adapters.files.profiles import Profile
    from mainjob.plan import RunPlan, Source

AUDITOR_AGENCY = "auditor"
AUDITOR_SYSTEM = "auditor-console"
FEED_TOP_AGENCIES = 10
"""Agencies by volume that get a feed topic, besides every national admin."""


@dataclass(frozen=True, slots=True)
class Provisioned:
    """The files of the run folder once provisioned."""

    registry: AgencyRegistry
    agencies_file: Path
    tokens_file: Path
    private_key: Path
    public_key: Path
    feed_agencies: tuple[str, ...]
    """National admins first, then the busiest agencies."""
    volumes: dict[str, int]
    """Complaints each agency acted on, over every source (a dry pass)."""
    agency_sources: dict[str, str]
    """The profile of the first source that names each agency."""


def profile_for(name: str) -> Profile:
    """Return the file profile ``name`` with a status mapper of its own."""
    catalog = MappingCatalog.load(DEFAULT_MAPPINGS_DIR)
    mapper = StatusMapper(catalog, metrics=MappingMetrics(CollectorRegistry()))
    return profile_named(name, ProfileContext(mapper, seed=DEFAULT_SEED))


def provision(plan: RunPlan) -> Provisioned:
    """Write the registry, tokens and key pair into the run folder."""
    registry = AgencyRegistry(agencies=())
    volumes: Counter[str] = Counter()
    agency_sources: dict[str, str] = {}
    for source in plan.sources:
        entries = scan_registry(profile_for(source.profile), source.path)
        registry = entries.to_registry(registry)
        for agency in entries.agencies:
            agency_sources.setdefault(agency.id, source.profile)
        volumes.update(_complaints_per_agency(source, plan.limit))
    registry = _with_auditor(registry)
    tokens = {system.id: new_token() for system in registry.systems}
    registry = _with_tokens(registry, tokens)
    agencies_file = plan.run_dir / "agencies.yaml"
    agencies_file.write_text(
        yaml.safe_dump(_registry_document(registry), sort_keys=False),
        encoding="utf-8",
    )
    tokens_file = plan.run_dir / "tokens.yaml"
    _write_secret(tokens_file, _tokens_document(registry, tokens))
    private_key, public_key = generate_key_pair(plan.run_dir / "keys")
    return Provisioned(
        registry=registry,
        agencies_file=agencies_file,
        tokens_file=tokens_file,
        private_key=private_key,
        public_key=public_key,
        feed_agencies=choose_feed_agencies(registry, volumes),
        volumes=dict(volumes),
        agency_sources=agency_sources,
    )


def choose_feed_agencies(
    registry: AgencyRegistry, volumes: Counter[str]
) -> tuple[str, ...]:
    """Return every national admin, then the ``FEED_TOP_AGENCIES`` busiest others."""
    national = sorted(
        {
            system.agency
            for system in registry.systems
            if Role.NATIONAL_ADMIN in system.roles
        }
    )
    others = [
        agency
        for agency, _ in sorted(volumes.items(), key=lambda item: (-item[1], item[0]))
        if agency not in national and registry.agency(agency) is not None
    ]
    return (*national, *others[:FEED_TOP_AGENCIES])


def _complaints_per_agency(source: Source, limit: int | None) -> Counter[str]:
    """Count, per agency, the complaints whose commands the agency sends.

    A dry pass through the profile: rows are converted but nothing is sent.
    """
    profile = profile_for(source.profile)
    seen: set[tuple[str, str]] = set()
    with SourceFile(source.path, profile.source_format, profile.required) as file:
        rows: Iterator[SourceRow] = (
            row for row in file.rows() if isinstance(row, SourceRow)
        )
        if limit is not None:
            rows = profile.limited(rows, limit)
        for outcome in profile.outcomes(rows):
            for command in getattr(outcome, "commands", ()):
                seen.add((command.actor.agency, str(target_of(command))))
    return Counter(agency for agency, _ in seen)


def _with_auditor(registry: AgencyRegistry) -> AgencyRegistry:
    auditor = Agency(
        id=AUDITOR_AGENCY,
        name="Auditor of this run (read-only)",
        kind=AgencyKind.INSPECTORATE,
    )
    system = AgencySystem(
        id=AUDITOR_SYSTEM,
        agency=AUDITOR_AGENCY,
        roles=frozenset(),
        token_sha256=hash_token(new_token()),
    )
    return AgencyRegistry(
        agencies=(*registry.agencies, auditor),
        systems=(*registry.systems, system),
    )


def _with_tokens(registry: AgencyRegistry, tokens: dict[str, str]) -> AgencyRegistry:
    systems = tuple(
        system.model_copy(update={"token_sha256": hash_token(tokens[system.id])})
        for system in registry.systems
    )
    return AgencyRegistry(agencies=registry.agencies, systems=systems)


def _registry_document(registry: AgencyRegistry) -> dict[str, object]:
    document = registry.model_dump(mode="json", exclude_defaults=True)
    for system in document.get("systems", []):
        system["roles"] = sorted(system.get("roles", []))
        if "units" in system:
            system["units"] = sorted(system["units"])
    return document


def _tokens_document(registry: AgencyRegistry, tokens: dict[str, str]) -> str:
    """Return ``agency: token`` YAML, the form ``HttpSink`` reads."""
    by_agency = {system.agency: tokens[system.id] for system in registry.systems}
    return yaml.safe_dump(by_agency, sort_keys=True)


def _write_secret(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)

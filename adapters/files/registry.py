"""The agencies, units and agency systems an import acts for.

Each profile builds :class:`RegistryEntries` from its file: the agencies and
units the data names, and one import system per agency with the roles the
import needs there. :meth:`RegistryEntries.to_registry` merges them into an
existing ``AgencyRegistry`` (adding units to agencies it already has), so the
gateway can register them, and the in-process sink can run the claim check.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from typing import TYPE_CHECKING

from events.values import FrozenModel, Role, UnitId
from gateway.agencies import (
    Agency,
    AgencyKind,
    AgencyRegistry,
    AgencySystem,
    hash_token,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

MAX_ID_LENGTH = 63
MAX_AGENCY_SLUG = 56
"""Maximum length of a slug id, so that ``<slug>-files`` fits in 63 characters."""
SYSTEM_SUFFIX = "-files"


class SystemGrant(FrozenModel):
    """The roles and units the import system of one agency may claim."""

    agency: str
    roles: frozenset[Role]
    units: frozenset[UnitId] = frozenset()


class RegistryEntries(FrozenModel):
    """Agencies and import systems that one source file needs."""

    agencies: tuple[Agency, ...]
    grants: tuple[SystemGrant, ...]

    @property
    def agency_ids(self) -> frozenset[str]:
        return frozenset(agency.id for agency in self.agencies)

    def to_registry(
        self,
        base: AgencyRegistry | None = None,
        token_digest: Callable[[str], str] | None = None,
    ) -> AgencyRegistry:
        """Return ``base`` with these agencies, units and systems added.

        A new system gets ``token_digest(system_id)`` as its token hash. The
        default is the hash of a random token that is thrown away, which is
        enough for the in-process claim check. A system that ``base`` already
        has keeps its token hash and gains the roles and units.
        """
        digest_of = token_digest or _unusable_digest
        agencies = {agency.id: agency for agency in base.agencies} if base else {}
        for agency in self.agencies:
            agencies[agency.id] = _merged_agency(agencies.get(agency.id), agency)
        systems = {system.id: system for system in base.systems} if base else {}
        for grant in self.grants:
            system_id = system_id_of(grant.agency)
            known = systems.get(system_id)
            systems[system_id] = AgencySystem(
                id=system_id,
                agency=grant.agency,
                roles=grant.roles | (known.roles if known else frozenset()),
                units=grant.units | (known.units if known else frozenset()),
                token_sha256=known.token_sha256 if known else digest_of(system_id),
            )
        return AgencyRegistry(
            agencies=tuple(agencies.values()), systems=tuple(systems.values())
        )


class RegistryBuilder:
    """Collects agencies, units and roles while a profile scans its file."""

    def __init__(self) -> None:
        self._agencies: dict[str, tuple[str, AgencyKind]] = {}
        self._units: dict[str, set[str]] = {}
        self._roles: dict[str, set[Role]] = {}

    def add_agency(
        self, agency_id: str, name: str, kind: AgencyKind, roles: Iterable[Role]
    ) -> None:
        """Add an agency (the first name given wins) and the roles the import needs."""
        self._agencies.setdefault(agency_id, (name, kind))
        self._units.setdefault(agency_id, set())
        self._roles.setdefault(agency_id, set()).update(roles)

    def add_unit(self, agency_id: str, unit_id: str) -> None:
        self._units.setdefault(agency_id, set()).add(unit_id)
        self._roles.setdefault(agency_id, set()).add(Role.UNIT_LIAISON)

    def build(self) -> RegistryEntries:
        agencies = tuple(
            Agency(id=agency_id, name=name, kind=kind, units=tuple(sorted(units)))
            for agency_id, (name, kind) in sorted(self._agencies.items())
            for units in [self._units[agency_id]]
        )
        grants = tuple(
            SystemGrant(
                agency=agency_id,
                roles=frozenset(self._roles[agency_id]),
                units=frozenset(self._units[agency_id]),
            )
            for agency_id in sorted(self._agencies)
        )
        return RegistryEntries(agencies=agencies, grants=grants)


def slug(name: str, max_length: int = MAX_AGENCY_SLUG) -> str | None:
    """Return an id made of ``name``: ASCII lower case, digits and hyphens.

    A slug longer than ``max_length`` is cut and ends in a digest of the
    whole name, so two long names stay apart. Returns ``None`` when the name
    has fewer than two usable characters.
    """
    ascii_text = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    )
    text = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(text) < 2:  # noqa: PLR2004 (ids have at least two characters)
        return None
    if len(text) <= max_length:
        return text
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{text[: max_length - 7].rstrip('-')}-{digest}"


def system_id_of(agency: str) -> str:
    """Return the id of an agency's import system (``<agency>-files``)."""
    candidate = agency + SYSTEM_SUFFIX
    if len(candidate) <= MAX_ID_LENGTH:
        return candidate
    digest = hashlib.sha256(agency.encode()).hexdigest()[:6]
    keep = MAX_ID_LENGTH - len(SYSTEM_SUFFIX) - 7
    return f"{agency[:keep].rstrip('-')}-{digest}{SYSTEM_SUFFIX}"


def new_token() -> str:
    """Return a fresh random bearer token."""
    return secrets.token_urlsafe(32)


def _unusable_digest(_: str) -> str:
    return hash_token(new_token())


def _merged_agency(known: Agency | None, added: Agency) -> Agency:
    if known is None:
        return added
    units = tuple(sorted(set(known.units) | set(added.units)))
    return known.model_copy(update={"units": units})

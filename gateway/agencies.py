"""The configured agencies and the agency systems allowed to call the gateway.

The registry is read from a YAML file at start-up and checked whole: an
unknown agency, a duplicate id or a malformed token hash stops the start with
an error that names the entry. Tokens themselves never appear in the file,
only their SHA-256 digests, so the file can be kept in version control.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Self

import yaml
from pydantic import StringConstraints, ValidationError, model_validator

from events.values import AgencyId, FrozenModel, Role, ShortText, UnitId

if TYPE_CHECKING:
    from pathlib import Path

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Ed25519PublicKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{43}=$")]


class AgencyKind(StrEnum):
    NATIONAL = "national"
    MINISTRY = "ministry"
    INSTITUTION = "institution"
    REGIONAL = "regional"
    INSPECTORATE = "inspectorate"


class RegistryError(ValueError):
    """The agency registry file is missing, malformed or inconsistent."""


class Agency(FrozenModel):
    """A government agency connected to the gateway, with its units."""

    id: AgencyId
    name: ShortText
    kind: AgencyKind
    region: Annotated[str, StringConstraints(pattern=r"^ID-[A-Z]{2}$")] | None = None
    """ISO 3166-2 province code that selects regional holidays (``ID-BA``)."""
    timezone: str = "Asia/Jakarta"
    units: tuple[UnitId, ...] = ()


class AgencySystem(FrozenModel):
    """An agency's software client: what it may claim when it sends commands."""

    id: AgencyId
    agency: AgencyId
    roles: frozenset[Role]
    units: frozenset[UnitId] = frozenset()
    """Units a unit liaison of this system may act for; empty means none."""
    token_sha256: Sha256Hex
    signing_key: Ed25519PublicKey | None = None
    """Base64 Ed25519 public key; when set, every command must be signed."""


class AgencyRegistry(FrozenModel):
    """All agencies and systems, indexed and cross-checked."""

    agencies: tuple[Agency, ...]
    systems: tuple[AgencySystem, ...] = ()

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        agency_ids = [agency.id for agency in self.agencies]
        _reject_duplicates("agency", agency_ids)
        _reject_duplicates("system", [system.id for system in self.systems])
        _reject_duplicates("token", [s.token_sha256 for s in self.systems])
        units = {agency.id: set(agency.units) for agency in self.agencies}
        for system in self.systems:
            if system.agency not in units:
                msg = (
                    f"system {system.id!r} names agency {system.agency!r}, "
                    "which is not in the agencies list"
                )
                raise ValueError(msg)
            unknown = system.units - units[system.agency]
            if unknown:
                msg = (
                    f"system {system.id!r} names units {sorted(unknown)} that "
                    f"agency {system.agency!r} does not list"
                )
                raise ValueError(msg)
        return self

    def agency(self, agency_id: str) -> Agency | None:
        return next((a for a in self.agencies if a.id == agency_id), None)

    def authenticate(self, token: str) -> AgencySystem | None:
        """Return the system whose token this is, comparing digests in constant time."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        found = None
        for system in self.systems:
            if hmac.compare_digest(system.token_sha256, digest):
                found = system
        return found

    @classmethod
    def load(cls, path: Path) -> AgencyRegistry:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            msg = (
                f"cannot read the agency registry {path}: {exc}; set "
                "LAPOR_AGENCIES_FILE or start from config/agencies.example.yaml"
            )
            raise RegistryError(msg) from exc
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            msg = f"invalid agency registry {path}: {exc}"
            raise RegistryError(msg) from exc


def new_token() -> str:
    """Return a new random token of 256 bits, URL-safe base64."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is registered."""
    return hashlib.sha256(token.encode()).hexdigest()


def _reject_duplicates(kind: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            msg = f"duplicate {kind} {value!r} in the agency registry"
            raise ValueError(msg)
        seen.add(value)

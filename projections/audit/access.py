"""Who may read which complaint histories in the audit trail, and what of them.

The national admin (agency kind ``national``) and auditors (kind
``inspectorate``) read every history, including confidential ones. Any other
agency reads only the complaints it holds or has held, redacted as its feed
is (``gateway.feeds.redact``). The sealed reporter identity is removed from
every export, for every reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.agencies import AgencyKind
from gateway.authorisation import authenticate

if TYPE_CHECKING:
    from gateway.agencies import AgencyRegistry
    from gateway.feeds import FeedState

FULL_ACCESS_KINDS = frozenset({AgencyKind.NATIONAL, AgencyKind.INSPECTORATE})
IDENTITY_FIELD = "reporter_identity"
IDENTITY_REDACTION = "identity"


@dataclass(frozen=True, slots=True)
class Viewer:
    """An authenticated reader of the audit trail."""

    agency: str
    full_access: bool
    """True for the national admin and auditors: every complaint, unredacted."""


def viewer_of(registry: AgencyRegistry, authorization: str | None) -> Viewer:
    """Authenticate an ``Authorization: Bearer`` value and return its viewer.

    Raises ``gateway.authorisation.AuthenticationError`` for a missing or
    unknown token. An agency missing from the registry gets no full access.
    """
    system = authenticate(registry, authorization)
    agency = registry.agency(system.agency)
    full = agency is not None and agency.kind in FULL_ACCESS_KINDS
    return Viewer(agency=system.agency, full_access=full)


def may_read(viewer: Viewer, state: FeedState) -> bool:
    """Return whether ``viewer`` may read a complaint in routing state ``state``."""
    return viewer.full_access or viewer.agency in state.audience


def without_identity(document: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Remove the sealed reporter identity; also return whether one was there."""
    data = document.get("data")
    if not isinstance(data, dict) or IDENTITY_FIELD not in data:
        return document, False
    stripped = {key: value for key, value in data.items() if key != IDENTITY_FIELD}
    return {**document, "data": stripped}, data[IDENTITY_FIELD] is not None

"""Who may read which complaints of the status view, and how much of each.

An agency system reads the complaints its agency holds or held. The national
admin (agency kind ``national``) and inspectorates and auditors (kind
``inspectorate``) read every complaint. The content of a confidential
(rahasia) complaint, its title and the reasons and notes of its disposition
chain, is shown only to the current holder, the national admin and auditors.
The view never stores the reporter's identity, so no caller can read it, and
the reporter's pseudonymous reference is never returned either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Header, HTTPException, status

from events.values import AgencyId, FrozenModel
from gateway.agencies import AgencyKind
from gateway.authorisation import AuthenticationError, authenticate

if TYPE_CHECKING:
    from collections.abc import Callable

    from gateway.agencies import AgencyRegistry, AgencySystem

ALL_SEEING_KINDS = frozenset({AgencyKind.NATIONAL, AgencyKind.INSPECTORATE})


class Viewer(FrozenModel):
    """An authenticated caller of the status queries."""

    system: AgencyId
    agency: AgencyId
    sees_all: bool
    """National admin or auditor: every complaint, with confidential content."""

    def reads_content(self, *, confidential: bool, holder: str | None) -> bool:
        """Return whether this caller may read a complaint's title, reasons, notes."""
        return not confidential or self.sees_all or holder == self.agency


def viewer_of(registry: AgencyRegistry, system: AgencySystem) -> Viewer:
    """Return the viewer for an authenticated agency system."""
    agency = registry.agency(system.agency)
    kind = None if agency is None else agency.kind
    return Viewer(
        system=system.id, agency=system.agency, sees_all=kind in ALL_SEEING_KINDS
    )


def viewer_dependency(
    registry: AgencyRegistry,
) -> Callable[[str | None], Viewer]:
    """Return a FastAPI dependency that authenticates the ``Authorization`` header."""

    def current_viewer(
        authorization: Annotated[str | None, Header()] = None,
    ) -> Viewer:
        try:
            system = authenticate(registry, authorization)
        except AuthenticationError as exc:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail=str(exc),
                headers={"WWW-Authenticate": "Bearer"},
            ) from exc
        return viewer_of(registry, system)

    return current_viewer

"""HTTP query API of the audit trail: history, HTML export and verification.

Every route needs an ``Authorization: Bearer <token>`` of a registered agency
system. An unknown complaint and one the caller may not read both return
404, so the API does not reveal which complaints exist.
"""

# FastAPI reads the route annotations at runtime, including the local
# ``authenticated_viewer`` alias, so annotations are not postponed in this module.
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from events.timestamps import Timestamp
from events.values import FrozenModel
from gateway.agencies import AgencyRegistry
from gateway.authorisation import AccessError
from monitoring.audit import AuditMetrics
from projections.audit.access import Viewer, viewer_of
from projections.audit.errors import ComplaintNotFoundError
from projections.audit.export import (
    ComplaintExport,
    build_export,
    readable_history,
    render_html,
)
from projections.audit.findings import Finding, duplicates_of, findings_of
from projections.audit.history import (
    ChainStatus,
    load_history,
    load_status,
    verify_stored,
)

HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
"""The export page runs no script and loads nothing; it is never cached."""


class VerificationResult(FrozenModel):
    """The outcome of verifying one complaint's stored hash chain on request."""

    complaint_id: str
    valid: bool
    checked_at: Timestamp
    findings: tuple[Finding, ...]
    duplicates: int
    status: ChainStatus | None
    """The projection's status row after recording this verification."""


class RequireViewer:
    """FastAPI dependency that returns the authenticated reader or raises 401."""

    def __init__(self, registry: AgencyRegistry) -> None:
        self.registry = registry

    def __call__(self, authorization: Annotated[str | None, Header()] = None) -> Viewer:
        try:
            return viewer_of(self.registry, authorization)
        except AccessError as exc:
            raise HTTPException(
                status_code=exc.status,
                detail=str(exc),
                headers={"WWW-Authenticate": "Bearer"},
            ) from exc


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_router(
    *,
    registry: AgencyRegistry,
    engine: Engine,
    metrics: AuditMetrics | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> APIRouter:
    """Return the audit routes, under ``/audit``, reading from ``engine``."""
    router = APIRouter(prefix="/audit", tags=["audit"])
    authenticated_viewer = Annotated[Viewer, Depends(RequireViewer(registry))]

    def export_for(complaint_id: UUID, viewer: Viewer) -> ComplaintExport:
        with engine.connect() as connection:
            entries = load_history(connection, str(complaint_id))
        try:
            return build_export(str(complaint_id), entries, viewer, now=clock())
        except ComplaintNotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc

    @router.get("/complaints/{complaint_id}/history")
    def get_history(
        complaint_id: UUID, viewer: authenticated_viewer
    ) -> ComplaintExport:
        """Return the complaint's events, redacted for the caller, and their check."""
        return export_for(complaint_id, viewer)

    @router.get("/complaints/{complaint_id}/export.html", response_class=HTMLResponse)
    def get_export_html(
        complaint_id: UUID, viewer: authenticated_viewer
    ) -> HTMLResponse:
        """Return the complaint's history as a readable HTML page."""
        export = export_for(complaint_id, viewer)
        return HTMLResponse(render_html(export), headers=HTML_HEADERS)

    @router.get("/complaints/{complaint_id}/verify")
    def get_verify(
        complaint_id: UUID, viewer: authenticated_viewer
    ) -> VerificationResult:
        """Verify the complaint's stored hash chain now and record the result."""
        identifier = str(complaint_id)
        now = clock()
        with engine.begin() as connection:
            entries = load_history(connection, identifier)
            try:
                readable_history(identifier, entries, viewer)
                report, index = verify_stored(
                    connection, identifier, now=now, metrics=metrics
                )
            except ComplaintNotFoundError as exc:
                raise HTTPException(status_code=404, detail=str(exc)) from exc
            status = load_status(connection, identifier)
        return VerificationResult(
            complaint_id=identifier,
            valid=report.valid,
            checked_at=now,
            findings=tuple(findings_of(report, index)),
            duplicates=len(duplicates_of(report, index)),
            status=status,
        )

    return router

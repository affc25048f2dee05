"""The audit HTTP routes: authentication, visibility, export page and verification."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from events.values import Role
from gateway.agencies import (
    Agency,
    AgencyKind,
    AgencyRegistry,
    AgencySystem,
    hash_token,
)
from monitoring.audit import AuditMetrics
from projections.audit import AuditProjection
from projections.audit.api import RequireViewer, build_router
from tests.complaint.builders import HOLDER, OTHER_AGENCY
from tests.projections.audit.feeding import feed
from tests.projections.audit.histories import SCRIPT_TITLE, snapshot_of

NOW = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)
TOKENS = {
    "kemenpanrb": "token-national",
    "inspektorat-jabar": "token-inspectorate",
    HOLDER: "token-past-holder",
    OTHER_AGENCY: "token-holder",
    "pemkab-garut": "token-stranger",
}
KINDS = {
    "kemenpanrb": AgencyKind.NATIONAL,
    "inspektorat-jabar": AgencyKind.INSPECTORATE,
    HOLDER: AgencyKind.REGIONAL,
    OTHER_AGENCY: AgencyKind.REGIONAL,
    "pemkab-garut": AgencyKind.REGIONAL,
}


def registry() -> AgencyRegistry:
    return AgencyRegistry(
        agencies=tuple(
            Agency(id=agency, name=agency, kind=kind) for agency, kind in KINDS.items()
        ),
        systems=tuple(
            AgencySystem(
                id=f"{agency}-system",
                agency=agency,
                roles=frozenset({Role.AGENCY_ADMIN}),
                token_sha256=hash_token(token),
            )
            for agency, token in TOKENS.items()
        ),
    )


@pytest.fixture
async def client(engine, histories):
    feed(engine, AuditProjection(), snapshot_of(histories.published))
    app = FastAPI()
    metrics = AuditMetrics(CollectorRegistry())
    app.include_router(
        build_router(
            registry=registry(), engine=engine, metrics=metrics, clock=lambda: NOW
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gateway.test"
    ) as http:
        yield http


def bearer(agency: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[agency]}"}


def bounced_id(histories) -> str:
    return next(
        complaint_id
        for complaint_id, events in histories.by_complaint.items()
        if events[0].envelope.data.title == SCRIPT_TITLE
    )


async def test_missing_token_is_rejected(client, histories):
    response = await client.get(f"/audit/complaints/{bounced_id(histories)}/history")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_unknown_token_is_rejected(client, histories):
    response = await client.get(
        f"/audit/complaints/{bounced_id(histories)}/history",
        headers={"Authorization": "Bearer nope"},
    )

    assert response.status_code == 401


@pytest.mark.parametrize("agency", ["kemenpanrb", "inspektorat-jabar"])
async def test_auditors_read_confidential_history(client, histories, agency):
    response = await client.get(
        f"/audit/complaints/{bounced_id(histories)}/history", headers=bearer(agency)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["full_access"] is True
    assert body["events"][0]["document"]["data"]["title"] == SCRIPT_TITLE
    assert "reporter_identity" not in body["events"][0]["document"]["data"]


async def test_past_holder_reads_redacted_history(client, histories):
    response = await client.get(
        f"/audit/complaints/{bounced_id(histories)}/history", headers=bearer(HOLDER)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["full_access"] is False
    assert "content" in body["events"][0]["redactions"]


async def test_stranger_gets_not_found(client, histories):
    response = await client.get(
        f"/audit/complaints/{bounced_id(histories)}/history",
        headers=bearer("pemkab-garut"),
    )

    assert response.status_code == 404


async def test_unknown_complaint_gets_not_found(client):
    response = await client.get(
        "/audit/complaints/00000000-0000-4000-8000-000000000000/history",
        headers=bearer("kemenpanrb"),
    )

    assert response.status_code == 404


async def test_malformed_complaint_id_is_rejected(client):
    response = await client.get(
        "/audit/complaints/not-a-uuid/history", headers=bearer("kemenpanrb")
    )

    assert response.status_code == 422


async def test_export_page_is_escaped_html(client, histories):
    response = await client.get(
        f"/audit/complaints/{bounced_id(histories)}/export.html",
        headers=bearer(OTHER_AGENCY),
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text


async def test_verify_records_result(client, histories):
    complaint_id = bounced_id(histories)

    response = await client.get(
        f"/audit/complaints/{complaint_id}/verify", headers=bearer("inspektorat-jabar")
    )

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["findings"] == []
    assert body["status"]["verified_valid"] is True
    assert body["status"]["verified_at"] == "2025-08-01T12:00:00.000000Z"


async def test_verify_hidden_from_stranger(client, histories):
    response = await client.get(
        f"/audit/complaints/{bounced_id(histories)}/verify",
        headers=bearer("pemkab-garut"),
    )

    assert response.status_code == 404


def test_dependency_returns_viewer():
    dependency = RequireViewer(registry())

    viewer = dependency(authorization=f"Bearer {TOKENS['inspektorat-jabar']}")

    assert viewer.agency == "inspektorat-jabar"
    assert viewer.full_access

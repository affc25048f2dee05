"""The status router over HTTP: authentication, visibility, parameters, pages."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest
from fastapi import FastAPI

from events.values import Role
from gateway.agencies import (
    Agency,
    AgencyKind,
    AgencyRegistry,
    AgencySystem,
    hash_token,
)
from projections.runner import create_store_engine
from projections.status.access import viewer_of
from projections.status.api import status_router
from tests.complaint.builders import (
    AGENCY,
    FOREIGN_AGENCY,
    HOLDER,
    NATIONAL,
    OTHER_AGENCY,
    Clock,
    envelopes_of,
)
from tests.projections.runner.support import records_of, sqlite_view
from tests.projections.status.support import held_by, submitted

TOKENS = {
    "national": "token-national-0001",
    "holder": "token-bandung-0001",
    "other": "token-jabar-0001",
    "auditor": "token-inspektorat-0001",
}
NOW = dt.datetime(2025, 6, 3, 12, tzinfo=dt.UTC)


def system(system_id, agency, role, token):
    return AgencySystem(
        id=system_id,
        agency=agency,
        roles=frozenset({role}),
        token_sha256=hash_token(token),
    )


REGISTRY = AgencyRegistry(
    agencies=(
        Agency(id="kemenpanrb", name="KemenPANRB", kind=AgencyKind.NATIONAL),
        Agency(id=HOLDER, name="Pemkot Bandung", kind=AgencyKind.REGIONAL),
        Agency(id=OTHER_AGENCY, name="Pemprov Jabar", kind=AgencyKind.REGIONAL),
        Agency(id="itjen-kemendagri", name="Itjen", kind=AgencyKind.INSPECTORATE),
    ),
    systems=(
        system("lapor-admin", "kemenpanrb", Role.NATIONAL_ADMIN, TOKENS["national"]),
        system("bandung-app", HOLDER, Role.AGENCY_ADMIN, TOKENS["holder"]),
        system("jabar-app", OTHER_AGENCY, Role.AGENCY_ADMIN, TOKENS["other"]),
        system("itjen-app", "itjen-kemendagri", Role.AGENCY_ADMIN, TOKENS["auditor"]),
    ),
)


def auth(who):
    return {"Authorization": f"Bearer {TOKENS[who]}"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A view with one complaint held by each of two agencies, and four unheld."""
    folder = tmp_path_factory.mktemp("status-api")
    view = sqlite_view(folder)
    clock = Clock()
    ours = held_by(clock, AGENCY)
    theirs = held_by(clock, FOREIGN_AGENCY)
    unheld = [submitted(clock) for _ in range(4)]
    envelopes = [e for c in (ours, theirs, *unheld) for e in envelopes_of(c)]
    result = asyncio.run(view.applier.apply(records_of(envelopes)))
    assert result.halt is None
    view.dispose()
    engine = create_store_engine(view.location, writer=False)
    app = FastAPI()
    app.include_router(
        status_router(engine=engine, agencies=REGISTRY, clock=lambda: NOW)
    )
    yield app, ours, theirs, unheld
    engine.dispose()


@pytest.fixture
async def client(loaded):
    transport = httpx.ASGITransport(app=loaded[0])
    async with httpx.AsyncClient(
        transport=transport, base_url="http://status.test"
    ) as http:
        yield http


async def test_missing_credentials_rejected(client):
    response = await client.get("/status/complaints")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_unknown_token_rejected(client):
    response = await client.get(
        "/status/complaints", headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert "unknown credentials" in response.json()["detail"]


async def test_agency_lists_only_its_complaints(client, loaded):
    ours = loaded[1]
    response = await client.get("/status/complaints", headers=auth("holder"))
    assert response.status_code == 200
    assert [item["complaint_id"] for item in response.json()["items"]] == [str(ours.id)]


@pytest.mark.parametrize("who", ["national", "auditor"])
async def test_national_and_auditors_list_all(client, who):
    response = await client.get("/status/complaints", headers=auth(who))
    assert len(response.json()["items"]) == 6


async def test_other_agencys_complaint_not_found(client, loaded):
    theirs = loaded[2]
    response = await client.get(
        f"/status/complaints/{theirs.id}", headers=auth("holder")
    )
    assert response.status_code == 404


async def test_detail_has_chain_and_due_dates(client, loaded):
    ours = loaded[1]
    response = await client.get(f"/status/complaints/{ours.id}", headers=auth("holder"))
    body = response.json()
    assert response.status_code == 200
    assert body["summary"]["status"] == "dispositioned"
    assert body["disposition_chain"][0]["to_agency"] == HOLDER
    assert body["due_dates"]["first_follow_up"] is not None


async def test_pages_over_http(client):
    seen = []
    cursor = None
    for _ in range(5):
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            "/status/complaints", params=params, headers=auth("national")
        )
        body = response.json()
        seen.extend(item["complaint_id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6
    assert len(set(seen)) == 6


async def test_status_filter_uses_lifecycle_names(client, loaded):
    unheld = loaded[3]
    response = await client.get(
        "/status/complaints", params={"status": "submitted"}, headers=auth("national")
    )
    assert {item["complaint_id"] for item in response.json()["items"]} == {
        str(complaint.id) for complaint in unheld
    }


async def test_overdue_uses_injected_clock(client):
    overdue = await client.get(
        "/status/complaints", params={"overdue": "true"}, headers=auth("national")
    )
    on_time = await client.get(
        "/status/complaints", params={"overdue": "false"}, headers=auth("national")
    )
    assert overdue.json()["items"] == []
    assert len(on_time.json()["items"]) == 6


@pytest.mark.parametrize(
    ("params", "status_code"),
    [
        ({"limit": 501}, 422),
        ({"limit": 0}, 422),
        ({"status": "lost"}, 422),
        ({"as_of": "2025-06-02T10:00:00"}, 422),
        ({"cursor": "bm90LWEtY3Vyc29y"}, 400),
        ({"agency": "Not An Agency"}, 422),
    ],
)
async def test_invalid_parameters_rejected(client, params, status_code):
    response = await client.get(
        "/status/complaints", params=params, headers=auth("national")
    )
    assert response.status_code == status_code


async def test_malformed_complaint_id_rejected(client):
    response = await client.get(
        "/status/complaints/not-a-uuid", headers=auth("national")
    )
    assert response.status_code == 422


def test_viewer_kinds():
    systems = {item.id: item for item in REGISTRY.systems}
    assert viewer_of(REGISTRY, systems["lapor-admin"]).sees_all
    assert viewer_of(REGISTRY, systems["itjen-app"]).sees_all
    assert not viewer_of(REGISTRY, systems["bandung-app"]).sees_all


def test_national_admin_actor_is_registered():
    assert REGISTRY.agency(NATIONAL.agency) is not None

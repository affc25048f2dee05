"""The HTTP queries: who may read which figures, and what they return."""

from __future__ import annotations

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
from gateway.authorisation import AuthenticationError
from projections.performance.api import performance_router, viewer_for
from projections.performance.report import parse_csv
from tests.projections.performance.histories import (
    History,
    apply_all,
    sqlite_engine,
    wib,
)

BANDUNG = "pemkot-bandung"
JABAR = "pemprov-jabar"
TOKENS = {
    "kemenpanrb": "token-national",
    "ombudsman": "token-auditor",
    BANDUNG: "token-bandung",
    JABAR: "token-jabar",
}
KINDS = {
    "kemenpanrb": AgencyKind.NATIONAL,
    "ombudsman": AgencyKind.INSPECTORATE,
    BANDUNG: AgencyKind.REGIONAL,
    JABAR: AgencyKind.REGIONAL,
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


def bearer(agency: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[agency]}"}


@pytest.fixture
async def client(tmp_path):
    engine = sqlite_engine(tmp_path)
    apply_all(
        engine,
        [
            History(wib(2025, 9, 1))
            .verify(wib(2025, 9, 1, 10))
            .disposition(wib(2025, 9, 1, 11), BANDUNG)
            .follow_up(wib(2025, 9, 2)),
            History(wib(2025, 9, 2))
            .verify(wib(2025, 9, 2, 10))
            .disposition(wib(2025, 9, 2, 11), JABAR),
        ],
    )
    app = FastAPI()
    app.include_router(performance_router(engine, registry()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gateway.test"
    ) as http:
        yield http
    engine.dispose()


def agencies_in(body: dict) -> set[str]:
    return {figures["agency"] for figures in body["figures"]}


def test_viewer_kinds():
    assert viewer_for(registry(), "Bearer token-national").sees_all
    assert viewer_for(registry(), "Bearer token-auditor").sees_all
    regional = viewer_for(registry(), "Bearer token-bandung")
    assert not regional.sees_all
    assert regional.may_see(BANDUNG)
    assert not regional.may_see(JABAR)


def test_viewer_needs_known_token():
    with pytest.raises(AuthenticationError):
        viewer_for(registry(), "Bearer not-a-token")
    with pytest.raises(AuthenticationError):
        viewer_for(registry(), None)


async def test_missing_token_unauthorised(client):
    response = await client.get("/performance/figures", params={"period": "2025-09"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("viewer", ["kemenpanrb", "ombudsman"])
async def test_national_and_auditor_see_all(client, viewer):
    response = await client.get(
        "/performance/figures", params={"period": "2025-09"}, headers=bearer(viewer)
    )
    assert response.status_code == 200
    assert agencies_in(response.json()) == {"", BANDUNG, JABAR}


async def test_agency_sees_only_itself(client):
    response = await client.get(
        "/performance/figures", params={"period": "2025-09"}, headers=bearer(BANDUNG)
    )
    assert response.status_code == 200
    body = response.json()
    assert agencies_in(body) == {BANDUNG}
    (figures,) = body["figures"]
    assert figures["followed_up"] == 1


async def test_agency_cannot_read_another(client):
    response = await client.get(
        f"/performance/agencies/{JABAR}/figures",
        params={"period": "2025-09"},
        headers=bearer(BANDUNG),
    )
    assert response.status_code == 403
    assert JABAR in response.json()["detail"]


async def test_agency_reads_its_own(client):
    response = await client.get(
        f"/performance/agencies/{JABAR}/figures",
        params={"period": "2025-09", "as_of": "2025-09-30T00:00:00+07:00"},
        headers=bearer(JABAR),
    )
    assert response.status_code == 200
    assert agencies_in(response.json()) == {JABAR}


async def test_invalid_period_rejected(client):
    response = await client.get(
        "/performance/figures", params={"period": "2025-1"}, headers=bearer(BANDUNG)
    )
    assert response.status_code == 422
    assert "YYYY-MM" in response.json()["detail"]


async def test_naive_as_of_rejected(client):
    response = await client.get(
        "/performance/backlog",
        params={"as_of": "2025-09-30T00:00:00"},
        headers=bearer("kemenpanrb"),
    )
    assert response.status_code == 422
    assert "no UTC offset" in response.json()["detail"]


async def test_backlog_filtered_for_agency(client):
    params = {"as_of": "2025-09-30T00:00:00+07:00"}
    everything = await client.get(
        "/performance/backlog", params=params, headers=bearer("kemenpanrb")
    )
    own = await client.get("/performance/backlog", params=params, headers=bearer(JABAR))
    assert {count["agency"] for count in everything.json()["backlog"]} == {
        BANDUNG,
        JABAR,
    }
    assert {count["agency"] for count in own.json()["backlog"]} == {JABAR}


async def test_report_html_for_agency(client):
    response = await client.get("/performance/reports/2025-09", headers=bearer(BANDUNG))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'id="agency-{BANDUNG}"' in response.text
    assert JABAR not in response.text


async def test_report_csv_for_auditor(client):
    response = await client.get(
        "/performance/reports/2025",
        params={"format": "csv"},
        headers=bearer("ombudsman"),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    values = parse_csv(response.text)
    assert values[("2025-09", "agency", JABAR, "", "received", "")] == "1"
    assert values[("2025", "national", "", "", "received", "")] == "2"

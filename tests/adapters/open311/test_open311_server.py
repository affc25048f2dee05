"""Our Open311 server over real HTTP: services, requests, privacy and errors."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from adapters.open311.services import CatalogEntry, ServiceCatalog, slug
from events.codec import decode_json
from events.envelope import Actor
from events.values import Role
from gateway.complaint.commands import (
    CloseComplaint,
    PostResponse,
    VerifyComplaint,
)
from tests.adapters.open311.nyc import nyc_rows
from tests.adapters.sqlpoll.local_gateway import (
    CHANNEL_TOKEN,
    CITY,
    CITY_TOKEN,
    LIAISON_TOKEN,
)

EMAIL = "warga@example.org"


def form(**fields):
    base = {
        "api_key": CHANNEL_TOKEN,
        "service_code": "pekerjaan-umum",
        "description": "Jalan berlubang di depan pasar.",
        "lat": "-6.9175",
        "long": "107.6191",
        "email": EMAIL,
        "first_name": "Siti",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def post(server, **fields):
    return httpx.post(f"{server.url}/requests.json", data=form(**fields), timeout=10)


def read(server, number, api_key=CHANNEL_TOKEN):
    return httpx.get(
        f"{server.url}/requests/{number}.json", params={"api_key": api_key}, timeout=10
    )


def listing(server, api_key=CHANNEL_TOKEN, **params):
    return httpx.get(
        f"{server.url}/requests.json", params={"api_key": api_key, **params}, timeout=10
    )


def complaint_of(server, number):
    row = server.context.index.get(int(number))
    return row.complaint_id


def test_services_list_categories(open311_server):
    response = httpx.get(f"{open311_server.url}/services.json", timeout=10)
    services = {s["service_code"]: s for s in response.json()}
    assert response.status_code == 200
    assert services["pekerjaan-umum"]["service_name"] == "Pekerjaan Umum"
    assert services["pekerjaan-umum"]["group"] == "pengaduan"
    assert services["aspirasi"]["group"] == "aspirasi"
    definition = httpx.get(
        f"{open311_server.url}/services/pekerjaan-umum.json", timeout=10
    ).json()
    assert [a["code"] for a in definition["attributes"]] == [
        "anonymous",
        "confidential",
    ]


def test_posted_request_reads_back_open(open311_server):
    created = post(open311_server)
    assert created.status_code == 201
    number = created.json()[0]["service_request_id"]
    assert "tracking number 9000000000" in created.json()[0]["service_notice"]
    view = read(open311_server, number).json()[0]
    assert view["status"] == "open"
    assert view["status_notes"] == "submitted: awaiting verification"
    assert view["agency_responsible"] == "Admin Nasional SP4N-LAPOR!"
    assert view["description"] == "Jalan berlubang di depan pasar."
    assert view["lat"] == -6.9175
    assert view["service_code"] == "pekerjaan-umum"
    assert view["requested_datetime"]
    assert view["expected_datetime"]


def test_personal_fields_never_reach_the_store(open311_server):
    number = post(open311_server).json()[0]["service_request_id"]
    complaint = complaint_of(open311_server, number)
    stored = open311_server.gateway.service.recorder.select_events(complaint)
    raw = b"".join(event.state for event in stored)
    assert EMAIL.encode() not in raw
    assert b"Siti" not in raw
    submitted = decode_json(stored[0].state).envelope.data
    assert submitted.reporter_ref.startswith("open311-")
    assert submitted.channel.value == "open311"
    again = post(open311_server, description="Lubang kedua.")
    other = complaint_of(open311_server, again.json()[0]["service_request_id"])
    second = open311_server.gateway.service.recorder.select_events(other)
    same_reporter = decode_json(second[0].state).envelope.data.reporter_ref
    assert same_reporter == submitted.reporter_ref


def test_status_follows_the_lifecycle(open311_server):
    created = post(open311_server, api_key=CITY_TOKEN)
    number = created.json()[0]["service_request_id"]
    complaint = complaint_of(open311_server, number)
    service = open311_server.gateway.service
    admin = Actor(agency=CITY, role=Role.AGENCY_ADMIN)
    now = dt.datetime.now(dt.UTC)
    common = {"actor": admin, "correlation_id": "c", "complaint_id": complaint}
    service.execute(
        VerifyComplaint(
            command_id="v", occurred_at=now, classification="pengaduan", **common
        )
    )
    service.execute(
        PostResponse(command_id="r", occurred_at=now, response="Sudah.", **common)
    )
    responded = read(open311_server, number, CITY_TOKEN).json()[0]
    service.execute(CloseComplaint(command_id="x", occurred_at=now, **common))
    closed = read(open311_server, number, CITY_TOKEN).json()[0]
    assert responded["status"] == "open"
    assert responded["status_notes"] == "responded: the agency has responded"
    assert responded["agency_responsible"] == "Kota Bandung"
    assert closed["status"] == "closed"
    assert "expected_datetime" not in closed


def test_confidential_request_shows_only_status(open311_server):
    created = post(open311_server, **{"attribute[confidential]": "true"})
    view = read(open311_server, created.json()[0]["service_request_id"]).json()[0]
    assert set(view) == {
        "service_request_id",
        "status",
        "status_notes",
        "updated_datetime",
    }


def test_anonymous_request_shows_no_reporter(open311_server):
    created = post(open311_server, **{"attribute[anonymous]": "yes"})
    number = created.json()[0]["service_request_id"]
    text = read(open311_server, number).text
    submitted = decode_json(
        open311_server.gateway.service.recorder.select_events(
            complaint_of(open311_server, number)
        )[0].state
    ).envelope.data
    assert submitted.privacy.anonymous
    assert submitted.reporter_ref not in text
    assert EMAIL not in text
    assert "account_id" not in text
    assert "description" in text


def test_listing_filters_and_pages(open311_server):
    numbers = [
        post(open311_server, description=f"Laporan {n}").json()[0]["service_request_id"]
        for n in range(5)
    ]
    post(open311_server, service_code="kesehatan")
    first = listing(open311_server, service_code="pekerjaan-umum", page_size=2)
    second = listing(open311_server, service_code="pekerjaan-umum", page_size=2, page=2)
    third = listing(open311_server, service_code="pekerjaan-umum", page_size=2, page=3)
    paged = [
        v["service_request_id"] for v in first.json() + second.json() + third.json()
    ]
    assert paged == numbers
    assert len(listing(open311_server).json()) == 6
    assert listing(open311_server, status="closed").json() == []
    assert len(listing(open311_server, status="open,closed").json()) == 6
    chosen = listing(open311_server, service_request_id=f"{numbers[0]},{numbers[3]}")
    assert [v["service_request_id"] for v in chosen.json()] == [
        numbers[0],
        numbers[3],
    ]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    assert listing(open311_server, start_date=future).json() == []
    assert listing(open311_server, api_key=CITY_TOKEN).json() == []


def test_repeated_idempotency_key_returns_the_same_request(open311_server):
    headers = {"Idempotency-Key": "client-123"}
    url = f"{open311_server.url}/requests.json"
    first = httpx.post(url, data=form(), headers=headers, timeout=10)
    second = httpx.post(url, data=form(), headers=headers, timeout=10)
    assert first.json() == second.json()
    assert len(listing(open311_server).json()) == 1


@pytest.mark.parametrize(
    ("fields", "status", "phrase"),
    [
        ({"api_key": None}, 401, "api_key is missing"),
        ({"api_key": "wrong"}, 403, "api_key is invalid"),
        ({"service_code": "nope"}, 400, "is not offered"),
        ({"description": None}, 400, "description is missing"),
        ({"lat": None, "long": None}, 400, "location is missing"),
        ({"long": None}, 400, "lat and long must be sent together"),
        ({"lat": "north"}, 400, "is not a number"),
        ({"lat": "95"}, 400, "out of range"),
    ],
)
def test_invalid_posts_answer_in_open311_form(open311_server, fields, status, phrase):
    response = post(open311_server, **fields)
    assert response.status_code == status
    assert response.json()[0]["code"] == status
    assert phrase in response.json()[0]["description"]


def test_read_errors(open311_server):
    assert read(open311_server, 12345).status_code == 404
    assert read(open311_server, "abc").status_code == 404
    assert read(open311_server, 1, api_key="wrong").status_code == 403
    bad_date = listing(open311_server, start_date="2025-01-01T00:00")
    assert bad_date.status_code == 400
    assert "no UTC offset" in bad_date.json()[0]["description"]
    assert listing(open311_server, status="pending").status_code == 400


def test_json_body_is_accepted(open311_server):
    response = httpx.post(
        f"{open311_server.url}/requests.json", json=form(), timeout=10
    )
    assert response.status_code == 201


def test_system_without_submit_role_is_refused(open311_server):
    response = post(open311_server, api_key=LIAISON_TOKEN)
    assert response.status_code == 403
    assert (
        "needs the reporter or agency_admin role" in response.json()[0]["description"]
    )


def nyc_catalog():
    types = sorted({row["Complaint Type"] for row in nyc_rows(40)})
    return ServiceCatalog(tuple(CatalogEntry(code=slug(t), category=t) for t in types))


@pytest.mark.parametrize("open311_server", [nyc_catalog], indirect=True)
def test_nyc_rows_posted_as_requests(open311_server):
    rows = nyc_rows(40)
    created = []
    for row in rows:
        fields = form(
            service_code=slug(row["Complaint Type"]),
            description=row["Descriptor"] or row["Complaint Type"],
            lat=row["Latitude"] or None,
            long=row["Longitude"] or None,
            address_string=row["Incident Address"] or row["Borough"] or "New York",
            email=None,
            first_name=None,
        )
        response = httpx.post(
            f"{open311_server.url}/requests.json", data=fields, timeout=10
        )
        assert response.status_code == 201, response.text
        created.append(response.json()[0]["service_request_id"])
    listed = listing(open311_server, page_size=200).json()
    assert [v["service_request_id"] for v in listed] == created
    assert {v["service_name"] for v in listed} <= {r["Complaint Type"] for r in rows}
    assert {v["status"] for v in listed} == {"open"}

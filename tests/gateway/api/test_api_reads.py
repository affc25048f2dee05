"""GET /v1/complaints/{id} and its events: who may read, and what is withheld."""

from __future__ import annotations

from gateway.feeds import ANONYMOUS_REPORTER, WITHHELD
from tests.gateway.api.agencies import AGENCY, NATIONAL, OTHER, UNIT, bearer
from tests.gateway.api.test_api_commands import held, send, submitted

MISSING = "0b6f1e7a-1111-4222-8333-444455556666"


async def read(client, complaint_id, token, suffix=""):
    return await client.get(
        f"/v1/complaints/{complaint_id}{suffix}", headers=bearer(token)
    )


async def moved_to_other(client, commands, **fields):
    """Return a complaint held by the holder first and by the other agency now."""
    complaint_id = await held(client, commands, **fields)
    command = commands.act(
        "redisposition_complaint", complaint_id, NATIONAL, to_agency=OTHER
    )
    response = await send(client, command, "national")
    assert response.status_code == 201, response.text
    return complaint_id


async def test_holder_reads_complaint(client, commands):
    complaint_id = await held(client, commands)
    response = await read(client, complaint_id, "bandung")
    body = response.json()
    assert response.status_code == 200
    assert body["version"] == 3
    assert body["state"]["holder"] == "pemkot-bandung"
    assert body["submission"]["title"] == "Jalan berlubang"
    assert body["redactions"] == []


async def test_agency_never_holding_gets_not_found(client, commands):
    complaint_id = await held(client, commands)
    response = await read(client, complaint_id, "jabar")
    missing = await read(client, MISSING, "jabar")
    assert response.status_code == 404
    assert response.json()["code"] == "complaint-not-found"
    assert missing.status_code == 404
    assert (
        response.json()["detail"].replace(complaint_id, MISSING)
        == (missing.json()["detail"])
    )


async def test_agency_gets_not_found_for_events(client, commands):
    complaint_id = await held(client, commands)
    response = await read(client, complaint_id, "jabar", "/events")
    assert response.status_code == 404


async def test_national_and_inspectorate_read_all(client, commands):
    complaint_id = await submitted(client, commands)
    national = await read(client, complaint_id, "national")
    inspectorate = await read(client, complaint_id, "inspectorate")
    assert national.status_code == 200
    assert inspectorate.status_code == 200


async def test_unheld_complaint_hidden_from_agency(client, commands):
    complaint_id = await submitted(client, commands)
    response = await read(client, complaint_id, "bandung")
    assert response.status_code == 404


async def test_read_requires_credentials(client, commands):
    complaint_id = await submitted(client, commands)
    response = await client.get(f"/v1/complaints/{complaint_id}")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


async def test_malformed_id_named(client):
    response = await read(client, "not-a-uuid", "national")
    body = response.json()
    assert response.status_code == 422
    assert body["errors"][0]["field"] == "path.complaint_id"
    assert body["errors"][0]["value"] == "not-a-uuid"


async def test_confidential_content_withheld_from_past_holder(client, commands):
    privacy = {"anonymous": False, "confidential": True}
    complaint_id = await moved_to_other(client, commands, privacy=privacy)
    past = await read(client, complaint_id, "bandung")
    current = await read(client, complaint_id, "jabar")
    assert past.status_code == 200
    assert past.json()["submission"]["title"] == WITHHELD
    assert past.json()["submission"]["description"] == WITHHELD
    assert past.json()["redactions"] == ["content"]
    assert current.json()["submission"]["title"] == "Jalan berlubang"


async def test_confidential_events_withheld_from_past_holder(client, commands):
    privacy = {"anonymous": False, "confidential": True}
    complaint_id = await moved_to_other(client, commands, privacy=privacy)
    response = await read(client, complaint_id, "bandung", "/events")
    events = response.json()["events"]
    assert response.status_code == 200
    assert len(events) == 4
    assert events[0]["redactions"] == ["content"]
    assert events[0]["envelope"]["data"]["title"] == WITHHELD
    assert events[0]["envelope"]["sequence"] == 1


async def test_anonymous_reporter_hidden_from_agency(client, commands):
    identity = {
        "key_id": "reporter-key-1",
        "nonce": "AAECAwQFBgcICQoL",
        "ciphertext": "c2VhbGVk",
    }
    complaint_id = await held(
        client,
        commands,
        privacy={"anonymous": True, "confidential": False},
        reporter_identity=identity,
    )
    agency = (await read(client, complaint_id, "bandung")).json()
    national = (await read(client, complaint_id, "national")).json()
    assert agency["state"]["reporter_ref"] == ANONYMOUS_REPORTER
    assert agency["state"]["identity_key_id"] is None
    assert agency["submission"]["reporter_identity"] is None
    assert agency["redactions"] == ["identity"]
    assert national["submission"]["reporter_identity"]["key_id"] == "reporter-key-1"


async def test_events_in_order_for_holder(client, commands):
    complaint_id = await held(client, commands)
    command = commands.act("forward_complaint_to_unit", complaint_id, AGENCY, unit=UNIT)
    await send(client, command, "bandung")
    response = await read(client, complaint_id, "bandung", "/events")
    body = response.json()
    assert body["version"] == 4
    assert [e["envelope"]["sequence"] for e in body["events"]] == [1, 2, 3, 4]
    assert body["events"][3]["envelope"]["type"] == (
        "id.go.lapor.complaint.forwarded_to_unit.v1"
    )

"""POST /v1/commands over a real service, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

from tests.gateway.api.agencies import (
    AGENCY,
    HOLDER,
    LIAISON,
    NATIONAL,
    OTHER_AGENCY,
    REPORTER,
    UNIT,
    bearer,
    encode,
    sign,
)

PROBLEM = "application/problem+json"


async def send(client, command, sender="web", headers=None):
    return await client.post(
        "/v1/commands",
        content=encode(command),
        headers={
            **bearer(sender),
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )


async def submitted(client, commands, **fields):
    response = await send(client, commands.submit(**fields))
    assert response.status_code == 201, response.text
    return response.json()["complaint_id"]


async def held(client, commands, **fields):
    """Return a complaint verified and dispositioned to the holder."""
    complaint_id = await submitted(client, commands, **fields)
    for command in (
        commands.act(
            "verify_complaint", complaint_id, NATIONAL, classification="pengaduan"
        ),
        commands.act("disposition_complaint", complaint_id, NATIONAL, agency=HOLDER),
    ):
        response = await send(client, command, "national")
        assert response.status_code == 201, response.text
    return complaint_id


async def test_submission_returns_outcome(client, commands):
    response = await send(client, commands.submit())
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1
    assert body["status"] == "submitted"
    assert body["duplicate"] is False
    assert body["event_types"] == ["id.go.lapor.complaint.submitted.v2"]


async def test_missing_credentials_rejected(client, commands):
    response = await client.post("/v1/commands", content=encode(commands.submit()))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"
    assert "Authorization: Bearer" in response.json()["detail"]


async def test_unknown_token_rejected(client, commands):
    response = await client.post(
        "/v1/commands",
        content=encode(commands.submit()),
        headers={"Authorization": "Bearer not-a-registered-token"},
    )
    assert response.status_code == 401
    assert "unknown credentials" in response.json()["detail"]


async def test_credentials_checked_before_body(client):
    response = await client.post("/v1/commands", content=b"not json")
    assert response.status_code == 401


async def test_claim_for_other_role_rejected(client, commands):
    command = commands.submit(actor={"agency": "lapor-web", "role": "agency_admin"})
    response = await send(client, command, "web")
    assert response.status_code == 403
    assert response.json()["code"] == "claim-rejected"
    assert "may not act as 'agency_admin'" in response.json()["detail"]


async def test_claim_for_other_agency_rejected(client, commands):
    complaint_id = await held(client, commands)
    command = commands.act("forward_complaint_to_unit", complaint_id, AGENCY, unit=UNIT)
    response = await send(client, command, "jabar")
    assert response.status_code == 403
    assert response.json()["code"] == "claim-rejected"


async def test_agency_not_holding_rejected(client, commands):
    complaint_id = await held(client, commands)
    command = commands.act(
        "record_follow_up", complaint_id, OTHER_AGENCY, summary="Bukan kami."
    )
    response = await send(client, command, "jabar")
    assert response.status_code == 403
    assert response.json()["code"] == "not-authorised"


async def test_signature_required(client, commands):
    command = commands.act(
        "forward_complaint_to_unit", await held(client, commands), AGENCY, unit=UNIT
    )
    response = await send(client, command, "signed")
    assert response.status_code == 401
    assert "X-Lapor-Signature" in response.json()["detail"]


async def test_valid_signature_accepted(client, commands):
    command = commands.act(
        "forward_complaint_to_unit", await held(client, commands), AGENCY, unit=UNIT
    )
    body = encode(command)
    response = await client.post(
        "/v1/commands",
        content=body,
        headers={**bearer("signed"), "X-Lapor-Signature": sign(body)},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "in_unit"


async def test_signature_over_other_body_rejected(client, commands):
    command = commands.act(
        "forward_complaint_to_unit", await held(client, commands), AGENCY, unit=UNIT
    )
    body = encode(command)
    response = await client.post(
        "/v1/commands",
        content=body,
        headers={**bearer("signed"), "X-Lapor-Signature": sign(body + b" ")},
    )
    assert response.status_code == 401
    assert "does not verify" in response.json()["detail"]


async def test_naive_timestamp_named(client, commands):
    response = await send(client, commands.submit(occurred_at="2025-06-02T09:00:00"))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "invalid-command"
    [error] = body["errors"]
    assert error["field"] == "$.occurred_at"
    assert error["value"] == "2025-06-02T09:00:00"
    assert "no UTC offset" in error["expected"]


async def test_unknown_channel_named(client, commands):
    response = await send(client, commands.submit(channel="fax"))
    [error] = response.json()["errors"]
    assert response.status_code == 422
    assert error["field"] == "$.channel"
    assert error["value"] == "fax"
    assert "'website'" in error["expected"]


async def test_nested_and_missing_fields_named(client, commands):
    command = commands.submit(location={"area": "Dago", "latitude": 100})
    del command["title"]
    response = await send(client, command)
    errors = {error["field"]: error for error in response.json()["errors"]}
    assert response.status_code == 422
    assert errors["$.location.latitude"]["value"] == 100
    assert "less than or equal to 90" in errors["$.location.latitude"]["expected"]
    assert errors["$.title"]["expected"] == "a value: the field is required"


async def test_unknown_type_named(client, commands):
    response = await send(client, commands.submit(type="submit_everything"))
    [error] = response.json()["errors"]
    assert error["field"] == "$.type"
    assert error["value"] == "submit_everything"


async def test_invalid_json_named(client):
    response = await client.post(
        "/v1/commands", content=b"{not json", headers=bearer("web")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$"


async def test_unknown_agency_named(client, commands):
    complaint_id = await submitted(client, commands)
    await send(
        client,
        commands.act(
            "verify_complaint", complaint_id, NATIONAL, classification="pengaduan"
        ),
        "national",
    )
    command = commands.act(
        "disposition_complaint", complaint_id, NATIONAL, agency="pemkab-atlantis"
    )
    response = await send(client, command, "national")
    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "unknown-agency"
    assert body["errors"][0]["field"] == "$.agency"
    assert body["errors"][0]["value"] == "pemkab-atlantis"


async def test_declared_oversized_body_rejected(client):
    response = await client.post(
        "/v1/commands", content=b"x" * 5000, headers=bearer("web")
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert "limit is 4096 bytes" in response.json()["detail"]
    assert response.json()["code"] == "body-too-large"


async def test_streamed_oversized_body_rejected(client):
    async def chunks():
        for _ in range(10):
            yield b"x" * 1000

    response = await client.post(
        "/v1/commands", content=chunks(), headers=bearer("web")
    )
    assert response.status_code == 413


async def test_repeat_returns_first_outcome(client, commands, service):
    command = commands.submit()
    first = await send(client, command)
    stored = service.recorder.max_notification_id()
    repeat = await send(client, command)
    assert first.status_code == 201
    assert repeat.status_code == 200
    assert repeat.json()["duplicate"] is True
    assert repeat.json()["event_ids"] == first.json()["event_ids"]
    assert service.recorder.max_notification_id() == stored


async def test_reused_command_id_rejected(client, commands, service):
    command = commands.submit()
    await send(client, command)
    stored = service.recorder.max_notification_id()
    response = await send(client, {**command, "title": "Judul lain"})
    assert response.status_code == 409
    assert response.json()["code"] == "command-reuse"
    assert service.recorder.max_notification_id() == stored


async def test_stale_version_reports_current(client, commands):
    complaint_id = await submitted(client, commands)
    command = commands.act(
        "verify_complaint",
        complaint_id,
        NATIONAL,
        classification="pengaduan",
        expected_version=3,
    )
    response = await send(client, command, "national")
    body = response.json()
    assert response.status_code == 409
    assert body["code"] == "version-conflict"
    assert body["current_version"] == 1


async def test_transition_rejected(client, commands):
    complaint_id = await submitted(client, commands)
    command = commands.act(
        "disposition_complaint", complaint_id, NATIONAL, agency=HOLDER
    )
    response = await send(client, command, "national")
    assert response.status_code == 409
    assert response.json()["code"] == "transition-rejected"


async def test_missing_complaint_not_found(client, commands):
    command = commands.act(
        "verify_complaint",
        "0b6f1e7a-1111-4222-8333-444455556666",
        NATIONAL,
        classification="pengaduan",
    )
    response = await send(client, command, "national")
    assert response.status_code == 404
    assert response.json()["code"] == "complaint-not-found"


async def test_lifecycle_through_http(client, commands):
    complaint_id = await held(client, commands)
    steps = [
        (
            "bandung",
            commands.act("forward_complaint_to_unit", complaint_id, AGENCY, unit=UNIT),
        ),
        (
            "bandung",
            commands.act("record_follow_up", complaint_id, LIAISON, summary="Survei."),
        ),
        (
            "bandung",
            commands.act("post_response", complaint_id, LIAISON, response="Selesai."),
        ),
        ("web", commands.act("close_complaint", complaint_id, REPORTER)),
        (
            "web",
            commands.act(
                "record_satisfaction", complaint_id, REPORTER, satisfied=True, rating=5
            ),
        ),
    ]
    statuses = []
    for sender, command in steps:
        response = await send(client, command, sender)
        assert response.status_code == 201, response.text
        statuses.append(response.json()["status"])
    assert statuses == ["in_unit", "in_follow_up", "responded", "closed", "closed"]
    state = await client.get(
        f"/v1/complaints/{complaint_id}", headers=bearer("national")
    )
    assert state.json()["version"] == 8
    assert state.json()["state"]["satisfied"] is True


async def test_concurrent_commands_get_own_results(client, commands, service):
    documents = [commands.submit() for _ in range(40)]
    responses = await asyncio.gather(*(send(client, d) for d in documents))
    assert [r.status_code for r in responses] == [201] * 40
    assert len({r.json()["complaint_id"] for r in responses}) == 40
    assert [r.json()["command_id"] for r in responses] == [
        d["command_id"] for d in documents
    ]
    assert service.recorder.max_notification_id() == 40


async def test_concurrent_repeats_recorded_once(client, commands, service):
    command = commands.submit()
    responses = await asyncio.gather(*(send(client, command) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({json.dumps(r.json()["event_ids"]) for r in responses}) == 1
    assert service.recorder.max_notification_id() == 1


async def test_unsafe_integer_named(client, commands):
    response = await send(client, commands.submit(expected_version=2**60))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "$.expected_version"
    assert "less than or equal to 9007199254740991" in error["expected"]


async def test_nan_coordinate_named(client, commands):
    command = commands.submit(location={"area": "Dago", "latitude": 0.0})
    body = encode(command).replace(b'"latitude": 0.0', b'"latitude": NaN')
    response = await client.post(
        "/v1/commands",
        content=body,
        headers={**bearer("web"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == ["$.location.latitude"]


async def test_bad_command_leaves_concurrent_ones_alone(client, commands):
    good = [commands.submit() for _ in range(10)]
    bad = commands.submit(expected_version=2**60)
    responses = await asyncio.gather(
        *(send(client, command) for command in [*good[:5], bad, *good[5:]])
    )
    statuses = [response.status_code for response in responses]
    assert statuses == [201] * 5 + [422] + [201] * 5


async def test_submission_expecting_version_conflicts(client, commands):
    response = await send(client, commands.submit(expected_version=1))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "version-conflict"
    assert body["current_version"] == 0
    assert "does not exist yet" in body["detail"]

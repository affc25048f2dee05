"""POST /v1/commands/batch: one result per command, in order."""

from __future__ import annotations

import json

from tests.gateway.api.agencies import NATIONAL, bearer, sign


async def send_batch(client, documents, sender="web", headers=None):
    return await client.post(
        "/v1/commands/batch",
        content=json.dumps({"commands": documents}).encode(),
        headers={**bearer(sender), **(headers or {})},
    )


async def test_batch_results_in_order(client, commands, service):
    first = commands.submit()
    documents = [
        first,
        commands.submit(channel="fax"),
        commands.submit(actor=NATIONAL),
        first,
        {**first, "title": "Judul lain"},
        commands.submit(),
    ]
    response = await send_batch(client, documents)
    results = response.json()["results"]
    assert response.status_code == 200
    assert [r["index"] for r in results] == list(range(6))
    assert [r["status"] for r in results] == [201, 422, 403, 200, 409, 201]
    assert results[1]["problem"]["errors"][0]["field"] == "$.commands[1].channel"
    assert results[2]["problem"]["code"] == "claim-rejected"
    assert results[3]["outcome"]["duplicate"] is True
    assert results[4]["problem"]["code"] == "command-reuse"
    assert service.recorder.max_notification_id() == 2


async def test_batch_over_limit_rejected(client, service):
    documents = [{}] * 21
    response = await send_batch(client, documents)
    body = response.json()
    assert response.status_code == 422
    assert body["errors"][0]["field"] == "$.commands"
    assert body["errors"][0]["value"] == 21
    assert service.recorder.max_notification_id() is None


async def test_batch_body_must_hold_commands(client):
    response = await client.post(
        "/v1/commands/batch", content=b'[{"type": "x"}]', headers=bearer("web")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$"


async def test_batch_signature_covers_body(client, commands):
    body = json.dumps({"commands": [commands.submit()]}).encode()
    unsigned = await client.post(
        "/v1/commands/batch", content=body, headers=bearer("signed")
    )
    signed = await client.post(
        "/v1/commands/batch",
        content=body,
        headers={**bearer("signed"), "X-Lapor-Signature": sign(body)},
    )
    assert unsigned.status_code == 401
    assert signed.status_code == 200
    assert signed.json()["results"][0]["problem"]["code"] == "claim-rejected"

"""Health, metrics, request logging and the OpenAPI document."""

from __future__ import annotations

import logging

import httpx
import pytest
from prometheus_client import CollectorRegistry

from gateway.api.app import create_app
from gateway.api.health import kafka_check, store_check
from tests.gateway.api.agencies import TOKENS, bearer, registry
from tests.gateway.api.test_api_commands import send

pytestmark = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


async def failing_check():
    raise ConnectionRefusedError


async def app_client(service, checks):
    app = create_app(service, registry(), CollectorRegistry(), checks)
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


async def test_live(client):
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "live"}


async def test_ready_when_store_answers(client):
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"store": "ok"}


async def test_not_ready_names_failed_check(service):
    checks = {"store": store_check(service), "kafka": failing_check}
    async with await app_client(service, checks) as client:
        response = await client.get("/health/ready")
    body = response.json()
    assert response.status_code == 503
    assert body["code"] == "not-ready"
    assert body["checks"] == {"store": "ok", "kafka": "failed: ConnectionRefusedError"}


async def test_kafka_check_fails_without_broker(service, unused_tcp_port):
    checks = {"kafka": kafka_check(f"127.0.0.1:{unused_tcp_port}")}
    async with await app_client(service, checks) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503


@pytest.mark.kafka
async def test_kafka_check_passes_with_broker(service, kafka_bootstrap):
    checks = {"kafka": kafka_check(kafka_bootstrap)}
    async with await app_client(service, checks) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 200


async def test_metrics_count_commands(client, commands):
    await send(client, commands.submit())
    response = await client.get("/metrics")
    text = response.text
    assert response.status_code == 200
    assert (
        'lapor_commands_received_total{agency="lapor-web",'
        'command_type="SubmitComplaint",outcome="accepted"} 1.0'
    ) in text
    assert (
        'lapor_http_requests_total{method="POST",route="/v1/commands",status="201"} 1.0'
    ) in text


async def test_one_log_line_per_request(client, commands, caplog):
    caplog.set_level(logging.INFO, logger="gateway.api.access")
    await send(client, commands.submit())
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.api.access"]
    [line] = lines
    assert line.startswith("POST /v1/commands 201 ")
    assert line.endswith(" ms system=lapor-web-app")
    assert TOKENS["web"] not in caplog.text
    assert "Jalan" not in caplog.text


async def test_unknown_route_is_problem(client):
    response = await client.get("/v2/nothing", headers=bearer("web"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_openapi_describes_commands(client):
    response = await client.get("/openapi.json")
    document = response.json()
    schemas = document["components"]["schemas"]
    body = document["paths"]["/v1/commands"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Command"
    }
    assert schemas["Command"]["discriminator"]["propertyName"] == "type"
    assert "SubmitComplaint" in schemas
    assert schemas["CommandBatch"]["properties"]["commands"]["maxItems"] == 20


async def test_docs_served(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()

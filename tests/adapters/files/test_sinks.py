"""The sinks: the in-process claim check, and the HTTP client against the real API."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import httpx
import pytest
import uvicorn
from prometheus_client import CollectorRegistry

from adapters.files.commands import ComplaintScript, ImportActors, liaison
from adapters.files.importer import run_import, scan_registry
from adapters.files.registry import RegistryEntries, SystemGrant, system_id_of
from adapters.sink import HttpSink, InProcessSink, SinkError, SinkStatus, read_tokens
from events.envelope import Actor
from events.values import Channel, Classification, Role
from gateway.agencies import Agency, AgencyKind, hash_token
from gateway.api.app import create_app
from gateway.complaint.commands import DispositionComplaint, VerifyComplaint
from tests.adapters.files.conftest import data_file, new_importer

NYC_FILE = "nyc311_requests_sample.csv.gz"
AT = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
ACTORS = ImportActors(channel="lapor-web", national="kemenpanrb")
SERVER_START_SECONDS = 10.0


def small_registry():
    entries = RegistryEntries(
        agencies=(
            Agency(id="lapor-web", name="LAPOR! web", kind=AgencyKind.NATIONAL),
            Agency(id="kemenpanrb", name="KemenPANRB", kind=AgencyKind.NATIONAL),
            Agency(
                id="pemkot-bandung",
                name="Pemkot Bandung",
                kind=AgencyKind.REGIONAL,
                units=("dinas-pupr", "dinas-kesehatan"),
            ),
        ),
        grants=(
            SystemGrant(agency="lapor-web", roles=frozenset({Role.REPORTER})),
            SystemGrant(agency="kemenpanrb", roles=frozenset({Role.NATIONAL_ADMIN})),
            SystemGrant(
                agency="pemkot-bandung",
                roles=frozenset({Role.AGENCY_ADMIN, Role.UNIT_LIAISON}),
                units=frozenset({"dinas-pupr"}),
            ),
        ),
    )
    return entries.to_registry()


def submission(script: ComplaintScript):
    return script.submit(
        AT,
        ACTORS.reporter(),
        tracking_id="1916449",
        channel=Channel.WEBSITE,
        classification=Classification.COMPLAINT,
        title="Jalan berlubang",
        description="Lubang di Jalan Dago.",
    )


@pytest.fixture
def sink(importer):
    return InProcessSink(importer.service, small_registry())


def test_in_process_records_commands(sink):
    script = ComplaintScript("test", "1", "urn:test")
    results = sink.submit(
        [
            submission(script),
            script.act(
                VerifyComplaint,
                "verify",
                AT,
                ACTORS.national_admin(),
                classification=Classification.COMPLAINT,
            ),
        ]
    )
    assert [r.status for r in results] == [SinkStatus.ACCEPTED, SinkStatus.ACCEPTED]


@pytest.mark.parametrize(
    "actor",
    [
        Actor(agency="pemprov-jabar", role=Role.AGENCY_ADMIN),
        Actor(agency="lapor-web", role=Role.NATIONAL_ADMIN),
        liaison("pemkot-bandung", "dinas-kesehatan"),
        Actor(agency="kemenpanrb", role=Role.SYSTEM),
    ],
    ids=["no-system", "role-not-granted", "unit-not-granted", "system-role"],
)
def test_in_process_checks_claim(sink, actor):
    script = ComplaintScript("test", "2", "urn:test")
    command = script.act(
        VerifyComplaint, "verify", AT, actor, classification=Classification.COMPLAINT
    )
    result = sink.submit([command])[0]
    assert result.status is SinkStatus.REJECTED
    assert result.code == "claim-rejected"


def test_in_process_rejects_unknown_agency(sink):
    script = ComplaintScript("test", "3", "urn:test")
    command = script.act(
        DispositionComplaint,
        "disposition",
        AT,
        ACTORS.national_admin(),
        agency="nowhere",
    )
    result = sink.submit([command])[0]
    assert result.code == "unknown-agency"


def test_in_process_reports_rule_rejection(sink):
    script = ComplaintScript("test", "4", "urn:test")
    results = sink.submit(
        [
            submission(script),
            script.act(
                DispositionComplaint,
                "disposition",
                AT,
                ACTORS.national_admin(),
                agency="pemkot-bandung",
            ),
        ]
    )
    assert results[1].code == "transition-rejected"
    assert "submitted" in (results[1].detail or "")


def test_token_file_mapping(tmp_path):
    path = tmp_path / "tokens.yaml"
    path.write_text("nyc-311: abc\nnyc-nypd: def\n", encoding="utf-8")
    assert read_tokens(path) == {"nyc-311": "abc", "nyc-nypd": "def"}


def test_token_file_single_token(tmp_path):
    path = tmp_path / "token"
    path.write_text("s3cr3t-token\n", encoding="utf-8")
    assert read_tokens(path) == "s3cr3t-token"


def test_token_file_invalid(tmp_path):
    path = tmp_path / "token"
    path.write_text("two words\n", encoding="utf-8")
    with pytest.raises(SinkError, match="neither one token"):
        read_tokens(path)


def answering(statuses: list[int]):
    """An httpx transport that responds with the given statuses, in turn."""
    calls: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        status = statuses[min(len(calls), len(statuses) - 1)]
        calls.append(status)
        if status != 200:
            return httpx.Response(status, json={"detail": "unavailable"})
        count = len(json.loads(request.content)["commands"])
        return httpx.Response(
            200, json={"results": [{"index": i, "status": 201} for i in range(count)]}
        )

    return httpx.MockTransport(handle), calls


def test_http_retries_server_errors():
    transport, calls = answering([503, 502, 200])
    sink = HttpSink(
        "http://127.0.0.1:9",
        "token",
        client=httpx.Client(transport=transport),
        backoff=0,
    )
    results = sink.submit([submission(ComplaintScript("test", "5", "urn:test"))])
    assert calls == [503, 502, 200]
    assert results[0].status is SinkStatus.ACCEPTED


def test_http_gives_up_after_retries():
    transport, calls = answering([503])
    sink = HttpSink(
        "http://127.0.0.1:9",
        "token",
        client=httpx.Client(transport=transport),
        retries=2,
        backoff=0,
    )
    with pytest.raises(SinkError, match="after 3 attempts") as raised:
        sink.submit([submission(ComplaintScript("test", "6", "urn:test"))])
    assert raised.value.retriable
    assert len(calls) == 3


@pytest.fixture
def gateway_url(importer):
    """The real API over the test's store, served by uvicorn on a loopback port."""
    profile = importer.profile("nyc311")
    entries = scan_registry(profile, data_file(NYC_FILE))
    tokens = {grant.agency: f"token-{grant.agency}" for grant in entries.grants}
    registry = entries.to_registry(
        token_digest=lambda system_id: hash_token(
            next(t for a, t in tokens.items() if system_id_of(a) == system_id)
        )
    )
    app = create_app(importer.service, registry, CollectorRegistry(), {})
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        assert time.monotonic() < deadline, "the API did not start within 10 s"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", tokens
    server.should_exit = True
    thread.join(SERVER_START_SECONDS)


def test_http_import_matches_in_process(importer, gateway_url, tmp_path):
    url, tokens = gateway_url
    path = data_file(NYC_FILE)
    sink = HttpSink(url, tokens, max_commands=40)
    try:
        over_http = run_import(importer.profile("nyc311"), path, sink, limit=300)
        again = run_import(importer.profile("nyc311"), path, sink, limit=300)
    finally:
        sink.close()
    local = new_importer(tmp_path / "local")
    in_process = local.run("nyc311", path, limit=300)
    local.service.close()
    assert over_http.commands_accepted == in_process.commands_accepted
    assert over_http.rejected_rows == in_process.rejected_rows
    assert again.commands_duplicate == over_http.commands_accepted


def test_http_wrong_token_fails(gateway_url):
    url, _ = gateway_url
    sink = HttpSink(url, "wrong-token")
    try:
        with pytest.raises(SinkError, match="HTTP 401"):
            sink.submit([submission(ComplaintScript("test", "7", "urn:test"))])
    finally:
        sink.close()

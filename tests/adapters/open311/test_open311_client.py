"""The Open311 client against a fake agency server process serving NYC 311 data."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.open311.requests import parse_request
from adapters.sqlpoll.applier import Outcome
from adapters.sqlpoll.errors import SourceError
from events.codec import decode_json
from tests.adapters.open311.conftest import NEW_YORK, free_port
from tests.adapters.open311.nyc import as_open311, is_consistent, nyc_rows

WINDOW_START = dt.datetime(2018, 6, 25, tzinfo=NEW_YORK)


def nyc_documents(limit: int = 80) -> list[dict]:
    """NYC requests updated inside the test's poll range, in file order."""
    documents = [as_open311(row) for row in nyc_rows()]
    inside = [
        d
        for d in documents
        if d["updated_datetime"]
        and WINDOW_START
        <= dt.datetime.fromisoformat(d["updated_datetime"])
        <= dt.datetime(2018, 7, 1, tzinfo=NEW_YORK)
    ]
    return inside[:limit]


def request_document(number: int, status: str, updated: dt.datetime, **extra):
    return {
        "service_request_id": f"9{number:07d}",
        "status": status,
        "status_notes": extra.pop("notes", None),
        "service_name": "Street Light Condition",
        "description": "Street light out",
        "requested_datetime": (WINDOW_START + dt.timedelta(hours=1)).isoformat(),
        "updated_datetime": updated.isoformat(),
        "address": "1 CENTRE STREET",
        "lat": 40.7128,
        "long": -74.006,
        **extra,
    }


def test_nyc_requests_become_complaints(client_side, agency_server):
    documents = nyc_documents()
    agency_server.serve(documents)
    summary = client_side.poller(agency_server.url()).poll_once()
    consistent = [d for d in documents if is_consistent(d)]
    assert summary.rows == len(documents)
    assert summary.outcomes[Outcome.APPLIED] == len(consistent)
    assert summary.outcomes.get(Outcome.MALFORMED, 0) == len(documents) - len(
        consistent
    )
    gateway = client_side.gateway
    closed = next(d for d in consistent if d["status"] == "closed")
    closed_id = complaint_of(client_side, closed)
    assert gateway.event_names(closed_id) == [
        "complaint.submitted",
        "complaint.verified",
        "complaint.response_posted",
        "complaint.closed",
    ]
    response = stored_response(gateway, closed_id)
    assert response == (closed["status_notes"] or "Status in open311: closed")


def complaint_of(client_side, document):
    del client_side
    request = parse_request(document)
    return request.change("open311", "nyc-311").complaint_id


def stored_response(gateway, complaint_id):
    for stored in gateway.service.recorder.select_events(complaint_id):
        data = decode_json(stored.state).envelope.data
        if data.event_name == "complaint.response_posted":
            return data.response
    return None


def test_overlapping_windows_apply_each_version_once(client_side, agency_server):
    documents = [d for d in nyc_documents(30) if is_consistent(d)]
    agency_server.serve(documents)
    poller = client_side.poller(agency_server.url(), window_seconds=86_400)
    first = poller.poll_once()
    events = sum(
        len(client_side.gateway.event_names(complaint_of(client_side, d)))
        for d in documents
    )
    client_side.clock.now += dt.timedelta(hours=1)
    second = poller.poll_once()
    assert first.outcomes == {Outcome.APPLIED: len(documents)}
    assert Outcome.APPLIED not in second.outcomes
    assert (
        sum(
            len(client_side.gateway.event_names(complaint_of(client_side, d)))
            for d in documents
        )
        == events
    )
    assert client_side.changes("applied") == len(documents)


def test_status_change_between_polls_closes(client_side, agency_server):
    opened_at = WINDOW_START + dt.timedelta(days=5)
    agency_server.serve([request_document(1, "open", opened_at)])
    poller = client_side.poller(agency_server.url())
    poller.poll_once()
    closed_at = client_side.clock.now - dt.timedelta(minutes=30)
    agency_server.serve(
        [request_document(1, "closed", closed_at, notes="Lamp replaced.")]
    )
    client_side.clock.now += dt.timedelta(hours=1)
    summary = poller.poll_once()
    complaint = complaint_of(client_side, request_document(1, "open", opened_at))
    assert summary.outcomes == {Outcome.APPLIED: 1}
    assert client_side.gateway.status(complaint) == "closed"
    assert stored_response(client_side.gateway, complaint) == "Lamp replaced."


def test_slow_server_times_out_and_nothing_is_lost(client_side, agency_server):
    documents = [d for d in nyc_documents(10) if is_consistent(d)]
    agency_server.serve(documents)
    slow = client_side.poller(agency_server.url("slow/3"), timeout_seconds=0.5)
    with pytest.raises(SourceError, match=r"did not answer within 0\.5 s") as raised:
        slow.poll_once()
    assert raised.value.retriable
    assert client_side.store.watermark("nyc-open311") is None
    assert (
        client_side.gateway.sample(
            "lapor_adapter_polls_total",
            adapter="open311",
            agency="nyc-311",
            outcome="failed",
        )
        == 1
    )
    client_side.clock.now += dt.timedelta(minutes=5)
    summary = client_side.poller(agency_server.url()).poll_once()
    assert summary.outcomes == {Outcome.APPLIED: len(documents)}


def test_dead_server_is_retried_later_without_loss(client_side, agency_server):
    documents = [d for d in nyc_documents(10) if is_consistent(d)]
    agency_server.serve(documents)
    dead = client_side.poller(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(SourceError, match="could not be reached"):
        dead.poll_once()
    client_side.clock.now += dt.timedelta(days=3)
    summary = client_side.poller(agency_server.url()).poll_once()
    assert summary.outcomes == {Outcome.APPLIED: len(documents)}


def test_malformed_json_fails_the_poll(client_side, agency_server):
    agency_server.serve([request_document(2, "open", WINDOW_START)])
    with pytest.raises(SourceError, match="not JSON"):
        client_side.poller(agency_server.url("broken")).poll_once()
    with pytest.raises(SourceError, match="HTTP 503"):
        client_side.poller(agency_server.url("failing")).poll_once()
    assert client_side.store.watermark("nyc-open311") is None


def test_malformed_requests_are_counted_once(client_side, agency_server):
    at = client_side.clock.now - dt.timedelta(hours=1)  # inside the next overlap
    good = request_document(3, "open", at)
    agency_server.serve(
        [
            good,
            {**request_document(4, "open", at), "service_request_id": None},
            {**request_document(5, "open", at), "status": ""},
            {**request_document(6, "open", at), "requested_datetime": "yesterday"},
            {**request_document(7, "open", at), "updated_datetime": "2018-06-30T22:00"},
            {
                **request_document(8, "closed", WINDOW_START),
                "requested_datetime": at.isoformat(),
            },
            "not an object",
        ]
    )
    # One window per poll: the fake server lists undated items in every window.
    poller = client_side.poller(agency_server.url(), window_seconds=30 * 86_400)
    first = poller.poll_once()
    client_side.clock.now += dt.timedelta(minutes=10)
    second = poller.poll_once()
    assert first.outcomes == {Outcome.APPLIED: 1, Outcome.MALFORMED: 6}
    # The request updated before the overlap (number 8) is not listed again.
    assert second.outcomes == {Outcome.DUPLICATE: 6}
    assert client_side.changes("malformed") == 6


def test_unmapped_status_creates_nothing(client_side, agency_server):
    at = WINDOW_START + dt.timedelta(days=1)
    document = request_document(9, "pending", at)
    agency_server.serve([document])
    summary = client_side.poller(agency_server.url()).poll_once()
    complaint = complaint_of(client_side, document)
    assert summary.outcomes == {Outcome.UNMAPPED: 1}
    assert client_side.gateway.service.find(complaint) is None
    assert (
        client_side.gateway.sample(
            "lapor_adapter_unmapped_status_total", adapter="open311", agency="nyc-311"
        )
        == 1
    )


def test_paging_reads_every_request(client_side, agency_server):
    at = WINDOW_START + dt.timedelta(days=1)
    agency_server.serve([request_document(n, "open", at) for n in range(60)])
    summary = client_side.poller(agency_server.url(), page_size=25).poll_once()
    pages = [c for c in agency_server.calls() if c["query"].get("page")]
    assert summary.outcomes == {Outcome.APPLIED: 60}
    assert {c["query"]["page"] for c in pages} >= {"1", "2", "3"}


@pytest.mark.slow
def test_whole_nyc_sample(client_side, agency_server):
    documents = [as_open311(row) for row in nyc_rows()]
    agency_server.serve(documents)
    client_side.clock.now = dt.datetime(2019, 10, 1, tzinfo=NEW_YORK)
    poller = client_side.poller(
        agency_server.url(),
        start_at=dt.datetime(2014, 1, 1, tzinfo=NEW_YORK),
        window_seconds=60 * 86_400,
        page_size=200,
    )
    summary = poller.poll_once()
    consistent = [d for d in documents if is_consistent(d)]
    dated = [d for d in documents if d["updated_datetime"]]
    assert summary.rows == len(dated)
    assert summary.outcomes[Outcome.APPLIED] == len(consistent)
    assert summary.outcomes[Outcome.MALFORMED] == len(dated) - len(consistent)
    again = poller.poll_once()
    assert Outcome.APPLIED not in again.outcomes

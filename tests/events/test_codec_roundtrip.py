"""Codec round trips for every event type, and the stability of the canonical form."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from events.canonical import canonical_json
from events.chain import seal, verify_chain
from events.codec import decode_json, decode_kafka, encode_json, encode_kafka
from events.envelope import Actor
from events.faults import AlteredEvent
from events.payloads import EVENT_TYPES, ComplaintSubmitted
from events.structured import ATTRIBUTES, StructuredDocument, to_document
from events.values import Channel, Classification, Location, PrivacyFlags, Role
from tests.events.strategies import EVENT_DATA, envelopes

DOCUMENT_ADAPTER: TypeAdapter[StructuredDocument] = TypeAdapter(StructuredDocument)


def test_every_event_type_has_a_strategy():
    assert set(EVENT_DATA) == set(EVENT_TYPES)


@pytest.mark.parametrize("model", EVENT_TYPES, ids=lambda model: model.event_name)
@settings(max_examples=30)
@given(data=st.data())
def test_json_round_trip_per_type(model, data):
    envelope = data.draw(envelopes(EVENT_DATA[model]))
    decoded = decode_json(encode_json(envelope))
    assert decoded.envelope == envelope
    assert decoded.document == to_document(envelope)
    assert not decoded.upcast


@pytest.mark.parametrize("model", EVENT_TYPES, ids=lambda model: model.event_name)
@settings(max_examples=30)
@given(data=st.data())
def test_kafka_round_trip_per_type(model, data):
    envelope = data.draw(envelopes(EVENT_DATA[model]))
    message = encode_kafka(envelope)
    decoded = decode_kafka(message.key, message.value, message.headers)
    assert decoded.envelope == envelope
    assert decoded.document == to_document(envelope)


@given(envelopes())
def test_kafka_and_json_decode_to_same_document(envelope):
    message = encode_kafka(envelope)
    from_kafka = decode_kafka(message.key, message.value, message.headers)
    from_json = decode_json(encode_json(envelope))
    assert from_kafka.document == from_json.document


@given(envelopes())
def test_decoded_events_verify(envelope):
    message = encode_kafka(envelope)
    decoded = decode_kafka(message.key, message.value, message.headers)
    report = verify_chain([decoded])
    assert not any(isinstance(fault, AlteredEvent) for fault in report.faults)


@given(envelopes())
def test_json_encoding_is_canonical(envelope):
    raw = encode_json(envelope)
    assert canonical_json(json.loads(raw)) == raw


@given(envelopes())
def test_json_encoding_survives_reencoding(envelope):
    raw = encode_json(envelope)
    assert encode_json(decode_json(raw)) == raw


@given(envelopes())
def test_kafka_value_is_canonical_data(envelope):
    message = encode_kafka(envelope)
    assert message.value == canonical_json(to_document(envelope)["data"])


@given(envelopes())
def test_kafka_key_is_complaint_id(envelope):
    assert encode_kafka(envelope).key == envelope.subject.encode()


@given(envelopes())
def test_kafka_headers_are_cloudevents_legal(envelope):
    for name, _ in encode_kafka(envelope).headers:
        assert name == "content-type" or name.removeprefix("ce_").isalnum()
        assert name == name.lower()


@given(envelopes())
def test_document_matches_published_schema(envelope):
    document = to_document(envelope)
    DOCUMENT_ADAPTER.validate_python(document, strict=False)
    assert set(document) <= set(ATTRIBUTES) | {"data"}


def test_schema_document_lists_every_attribute():
    keys = set(StructuredDocument.__annotations__)
    assert keys == set(ATTRIBUTES) | {"data"}


def _golden_envelope():
    return seal(
        complaint_id=uuid.UUID("0b7c2a8e-4d1f-4a57-9a3e-5f0c1d2e3f40"),
        sequence=1,
        data=ComplaintSubmitted(
            tracking_id="1916449",
            channel=Channel.SMS,
            classification=Classification.COMPLAINT,
            category="Pekerjaan Umum",
            title="Jalan berlubang di Jl. Soekarno-Hatta",
            description="Lubang sedalam 20 cm, sudah dua bulan — mohon ditambal.",
            location=Location(area="Kota Bandung", latitude=-6.9147, longitude=107.6),
            privacy=PrivacyFlags(anonymous=True),
            reporter_ref="reporter-5c1e",
        ),
        actor=Actor(agency="lapor-nasional", role=Role.REPORTER),
        occurred_at=dt.datetime(
            2024, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))
        ),
        recorded_at=dt.datetime(2024, 3, 1, 2, 30, 1, 250_000, tzinfo=dt.UTC),
        correlation_id="request-1",
        causation_id="command-1",
        previous_hash=None,
    )


GOLDEN_JSON = (
    b'{"actoragency":"lapor-nasional","actorrole":"reporter",'
    b'"causationid":"command-1","correlationid":"request-1",'
    b'"data":{"category":"Pekerjaan Umum","channel":"sms",'
    b'"classification":"pengaduan","description":"Lubang sedalam 20 cm, sudah dua '
    b'bulan \xe2\x80\x94 mohon ditambal.","location":{"area":"Kota Bandung",'
    b'"latitude":-6.9147,"longitude":107.6},'
    b'"privacy":{"anonymous":true,"confidential":false},"reporter_identity":null,'
    b'"reporter_ref":"reporter-5c1e","source_reference":null,"target_agency":null,'
    b'"title":"Jalan berlubang di Jl. Soekarno-Hatta","tracking_id":"1916449"},'
    b'"datacontenttype":"application/json",'
    b'"hash":"84dcdb2fc6b450d184051b0eb605b8fd60876f5fe88af01ebf6415afab2ad267",'
    b'"id":"0b7c2a8e-4d1f-4a57-9a3e-5f0c1d2e3f40/1",'
    b'"recordedtime":"2024-03-01T02:30:01.250000Z","sequence":1,'
    b'"source":"/agencies/lapor-nasional","specversion":"1.0",'
    b'"subject":"0b7c2a8e-4d1f-4a57-9a3e-5f0c1d2e3f40",'
    b'"time":"2024-03-01T02:30:00.000000Z",'
    b'"type":"id.go.lapor.complaint.submitted.v2"}'
)
"""The stored form of the golden event; a change here breaks every stored hash."""
GOLDEN_HASH = "84dcdb2fc6b450d184051b0eb605b8fd60876f5fe88af01ebf6415afab2ad267"


def test_canonical_bytes_are_stable():
    assert encode_json(_golden_envelope()) == GOLDEN_JSON


def test_hash_is_stable():
    assert _golden_envelope().hash == GOLDEN_HASH

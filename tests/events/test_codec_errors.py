"""Every decoding error path of the codec names the offending value."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from events.canonical import canonical_json
from events.chain import seal
from events.codec import KafkaMessage, decode_json, decode_kafka, encode_kafka
from events.envelope import Actor
from events.errors import (
    CanonicalFormError,
    ContractError,
    DecodeError,
    InvalidAttributeError,
    InvalidEventError,
    MalformedJSONError,
    MissingAttributeError,
    NaiveTimestampError,
    UnknownEventTypeError,
)
from events.payloads import ComplaintVerified
from events.structured import REQUIRED_ATTRIBUTES, from_document, to_document
from events.values import Classification, Role

ENVELOPE = seal(
    complaint_id=uuid.UUID("6f1d0c8e-9b2a-4c3d-8e7f-0a1b2c3d4e5f"),
    sequence=2,
    data=ComplaintVerified(classification=Classification.COMPLAINT, tags=("jalan",)),
    actor=Actor(agency="pemkot-bandung", role=Role.AGENCY_ADMIN, unit="diskominfo"),
    occurred_at=dt.datetime(2024, 3, 4, 10, 0, tzinfo=dt.UTC),
    recorded_at=dt.datetime(2024, 3, 4, 10, 0, 1, tzinfo=dt.UTC),
    correlation_id="request-9",
    causation_id="command-9",
    previous_hash="e" * 64,
)


def _document(**changes):
    document = to_document(ENVELOPE)
    for name, value in changes.items():
        if value is None:
            document.pop(name, None)
        else:
            document[name] = value
    return document


def _decode(document):
    return decode_json(canonical_json(document))


def _headers(**changes):
    headers = dict(encode_kafka(ENVELOPE).headers)
    for name, value in changes.items():
        header = "content-type" if name == "content_type" else f"ce_{name}"
        if value is None:
            headers.pop(header)
        else:
            headers[header] = value
    return tuple(headers.items())


MESSAGE = encode_kafka(ENVELOPE)


# Structured JSON -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe{}", b"{not json", b"", b'{"a":1,"a":2}', b'{"a":NaN}'],
    ids=["not-utf8", "syntax", "empty", "repeated-key", "nan"],
)
def test_malformed_json_rejected(raw):
    with pytest.raises(MalformedJSONError) as caught:
        decode_json(raw)
    assert caught.value.value == raw


@pytest.mark.parametrize("raw", [b"[]", b'"event"', b"42", b"null"])
def test_json_that_is_not_an_object_rejected(raw):
    with pytest.raises(MalformedJSONError, match="expected an object"):
        decode_json(raw)


@pytest.mark.parametrize("attribute", REQUIRED_ATTRIBUTES)
def test_missing_attribute_named(attribute):
    with pytest.raises(MissingAttributeError) as caught:
        _decode(_document(**{attribute: None}))
    assert f"'{attribute}'" in str(caught.value)
    assert caught.value.value == attribute


def test_missing_data_rejected():
    document = _document()
    del document["data"]
    with pytest.raises(MissingAttributeError, match="no data object"):
        _decode(document)


def test_data_that_is_not_an_object_rejected():
    with pytest.raises(MissingAttributeError, match="no data object"):
        _decode(_document(data=["reason"]))


def test_unknown_attribute_named():
    with pytest.raises(InvalidAttributeError) as caught:
        _decode(_document(traceparent="00-abc"))
    assert "'traceparent'" in str(caught.value)


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("sequence", "2"), ("sequence", True), ("sequence", 2.0), ("id", 7)],
)
def test_wrong_json_type_named(attribute, value):
    # from_document, because RFC 8785 writes 2.0 as 2 and hides the float.
    with pytest.raises(InvalidAttributeError) as caught:
        from_document(_document(**{attribute: value}))
    assert f"'{attribute}'" in str(caught.value)
    assert caught.value.value == value


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("specversion", "0.3"),
        ("subject", "not-a-uuid"),
        ("hash", "ABC"),
        ("prevhash", "e" * 63),
        ("actorrole", "mayor"),
        ("actoragency", "Pemkot Bandung"),
        ("actorunit", "Dinas PUPR"),
        ("recordedtime", "last tuesday"),
        ("sequence", 0),
        ("datacontenttype", "text/plain"),
        ("correlationid", ""),
    ],
)
def test_invalid_attribute_value_named(attribute, value):
    with pytest.raises(InvalidAttributeError) as caught:
        _decode(_document(**{attribute: value}))
    assert f"'{attribute}'" in str(caught.value)
    assert caught.value.value == value


def test_naive_time_rejected_with_advice():
    with pytest.raises(InvalidAttributeError) as caught:
        _decode(_document(time="2024-03-04T10:00:00"))
    assert "'time'" in str(caught.value)
    assert "no UTC offset" in str(caught.value)
    assert isinstance(
        caught.value.__cause__.errors()[0]["ctx"]["error"], NaiveTimestampError
    )


def test_id_not_derived_rejected():
    with pytest.raises(InvalidAttributeError, match="not derived from subject"):
        _decode(_document(id="someone-else/2"))


@pytest.mark.parametrize(
    "event_type",
    [
        "id.go.lapor.complaint.verified.v9",
        "id.go.lapor.complaint.teleported.v1",
        "complaint.verified",
    ],
)
def test_unknown_type_rejected(event_type):
    with pytest.raises(UnknownEventTypeError) as caught:
        _decode(_document(type=event_type))
    assert caught.value.value == event_type


def test_unknown_version_hints_current_type():
    with pytest.raises(UnknownEventTypeError, match=r"complaint\.verified\.v1"):
        _decode(_document(type="id.go.lapor.complaint.verified.v9"))


def test_invalid_data_named():
    data = {"classification": "gossip"}
    with pytest.raises(InvalidEventError) as caught:
        _decode(_document(data=data))
    assert "'classification'" in str(caught.value)
    assert caught.value.value == "gossip"


def test_unknown_data_field_rejected():
    data = {"classification": "pengaduan", "urgency": "high"}
    with pytest.raises(InvalidEventError, match="'urgency'"):
        _decode(_document(data=data))


def test_unencodable_value_rejected():
    with pytest.raises(CanonicalFormError):
        canonical_json({"sequence": 2**60})


def test_errors_share_one_root():
    for error in (MalformedJSONError, MissingAttributeError, UnknownEventTypeError):
        assert issubclass(error, DecodeError)
        assert issubclass(error, ContractError)


# Kafka binary mode ----------------------------------------------------------


KAFKA_REQUIRED = [name for name in REQUIRED_ATTRIBUTES if name != "datacontenttype"]


@pytest.mark.parametrize("attribute", KAFKA_REQUIRED)
def test_missing_header_named(attribute):
    with pytest.raises(MissingAttributeError) as caught:
        decode_kafka(MESSAGE.key, MESSAGE.value, _headers(**{attribute: None}))
    assert f"'ce_{attribute}'" in str(caught.value)


def test_missing_content_type_named():
    with pytest.raises(MissingAttributeError, match="'content-type'"):
        decode_kafka(MESSAGE.key, MESSAGE.value, _headers(content_type=None))


def test_wrong_content_type_named():
    headers = _headers(content_type=b"application/avro")
    with pytest.raises(InvalidAttributeError, match="'content-type'"):
        decode_kafka(MESSAGE.key, MESSAGE.value, headers)


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("actorrole", b"mayor"), ("hash", b"xyz"), ("time", b"2024-03-04T10:00:00")],
)
def test_invalid_header_named(attribute, value):
    headers = _headers(**{attribute: value})
    with pytest.raises(InvalidAttributeError) as caught:
        decode_kafka(MESSAGE.key, MESSAGE.value, headers)
    assert f"'ce_{attribute}'" in str(caught.value)


@pytest.mark.parametrize("text", [b"0", b"02", b"+2", b"-2", b"two", b"", b"2.0"])
def test_invalid_sequence_header_named(text):
    headers = _headers(sequence=text)
    with pytest.raises(InvalidAttributeError) as caught:
        decode_kafka(MESSAGE.key, MESSAGE.value, headers)
    assert "'ce_sequence'" in str(caught.value)
    assert caught.value.value == text.decode()


def test_non_utf8_header_named():
    headers = _headers(correlationid=b"\xff\xfe")
    with pytest.raises(InvalidAttributeError, match="'ce_correlationid'"):
        decode_kafka(MESSAGE.key, MESSAGE.value, headers)


def test_unknown_ce_header_named():
    headers = (*MESSAGE.headers, ("ce_traceparent", b"00-abc"))
    with pytest.raises(InvalidAttributeError, match="'ce_traceparent'"):
        decode_kafka(MESSAGE.key, MESSAGE.value, headers)


def test_repeated_header_named():
    headers = (*MESSAGE.headers, ("ce_hash", b"f" * 64))
    with pytest.raises(InvalidAttributeError, match="repeats the header 'ce_hash'"):
        decode_kafka(MESSAGE.key, MESSAGE.value, headers)


def test_other_headers_ignored():
    headers = (*MESSAGE.headers, ("traceparent", b"00-abc"))
    decoded = decode_kafka(MESSAGE.key, MESSAGE.value, headers)
    assert decoded.envelope == ENVELOPE


@pytest.mark.parametrize("key", [None, b"", b"6f1d0c8e"])
def test_key_other_than_subject_rejected(key):
    with pytest.raises(InvalidAttributeError) as caught:
        decode_kafka(key, MESSAGE.value, MESSAGE.headers)
    assert caught.value.value == key


def test_missing_value_rejected():
    with pytest.raises(MissingAttributeError, match="has no value"):
        decode_kafka(MESSAGE.key, None, MESSAGE.headers)


@pytest.mark.parametrize("value", [b"{", b"[1]", b"\xff"])
def test_malformed_value_rejected(value):
    with pytest.raises(MalformedJSONError, match="Kafka record value"):
        decode_kafka(MESSAGE.key, value, MESSAGE.headers)


def test_invalid_value_data_named():
    value = json.dumps({"classification": "gossip"}).encode()
    with pytest.raises(InvalidEventError, match="'classification'"):
        decode_kafka(MESSAGE.key, value, MESSAGE.headers)


def test_kafka_message_carries_optional_headers_only_when_set():
    names = {name for name, _ in MESSAGE.headers}
    assert {"ce_actorunit", "ce_prevhash"} <= names
    first = seal(
        complaint_id=uuid.uuid4(),
        sequence=1,
        data=ComplaintVerified(classification=Classification.COMPLAINT),
        actor=Actor(agency="lapor-nasional", role=Role.NATIONAL_ADMIN),
        occurred_at=dt.datetime(2024, 3, 4, tzinfo=dt.UTC),
        recorded_at=dt.datetime(2024, 3, 4, tzinfo=dt.UTC),
        correlation_id="r",
        causation_id="c",
        previous_hash=None,
    )
    first_names = {name for name, _ in encode_kafka(first).headers}
    assert "ce_actorunit" not in first_names
    assert "ce_prevhash" not in first_names


def test_kafka_headers_are_bytes():
    assert isinstance(MESSAGE, KafkaMessage)
    assert all(isinstance(value, bytes) for _, value in MESSAGE.headers)


def test_feed_redactions_header_is_ignored():
    headers = (*MESSAGE.headers, ("ce_redactions", b"identity"))
    decoded = decode_kafka(MESSAGE.key, MESSAGE.value, headers)
    assert decoded.envelope == ENVELOPE

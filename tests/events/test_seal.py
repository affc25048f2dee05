"""seal: the derived attributes, the hash, and the envelope's own checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
import rfc8785
from hypothesis import given
from pydantic import ValidationError

from events.canonical import hash_document
from events.chain import seal
from events.envelope import Actor, Envelope, event_type_of, split_event_type
from events.errors import InvalidEventError, UnknownEventTypeError
from events.payloads import EVENT_TYPES, ComplaintSetPending, ComplaintVerified
from events.structured import to_document
from events.values import Classification, Role
from tests.events.strategies import envelopes

COMPLAINT = uuid.UUID("0b7c2a8e-4d1f-4a57-9a3e-5f0c1d2e3f40")
ACTOR = Actor(agency="pemkot-bandung", role=Role.AGENCY_ADMIN, unit="dinas-pupr")
WIB = dt.timezone(dt.timedelta(hours=7))
OCCURRED = dt.datetime(2024, 3, 1, 9, 30, tzinfo=WIB)


def _seal(**overrides):
    arguments = {
        "complaint_id": COMPLAINT,
        "sequence": 1,
        "data": ComplaintSetPending(reason="Lokasi belum jelas"),
        "actor": ACTOR,
        "occurred_at": OCCURRED,
        "recorded_at": OCCURRED + dt.timedelta(seconds=2),
        "correlation_id": "request-7",
        "causation_id": "command-7",
        "previous_hash": None,
    }
    arguments.update(overrides)
    return seal(**arguments)


def test_seal_derives_id_from_complaint_and_sequence():
    assert _seal(sequence=3, previous_hash="a" * 64).id == f"{COMPLAINT}/3"


def test_seal_sets_subject_to_complaint_id():
    assert _seal().subject == str(COMPLAINT)


def test_seal_names_type_and_version():
    assert _seal().type == "id.go.lapor.complaint.set_pending.v1"


def test_seal_defaults_source_to_actor_agency():
    assert _seal().source == "/agencies/pemkot-bandung"


def test_seal_keeps_given_source():
    assert _seal(source="/systems/laporgub").source == "/systems/laporgub"


def test_seal_stores_times_in_utc():
    envelope = _seal()
    assert envelope.time == OCCURRED
    assert envelope.time.tzinfo is dt.UTC


def test_seal_hash_covers_document_without_hash():
    envelope = _seal(sequence=2, previous_hash="b" * 64)
    document = to_document(envelope)
    del document["hash"]
    expected = hashlib.sha256(rfc8785.dumps(document)).hexdigest()
    assert envelope.hash == expected
    assert document["prevhash"] == "b" * 64


def test_seal_is_deterministic():
    assert _seal().hash == _seal().hash


def test_seal_hash_depends_on_previous_hash():
    first = _seal(sequence=2, previous_hash="a" * 64)
    second = _seal(sequence=2, previous_hash="c" * 64)
    assert first.hash != second.hash


def test_first_event_with_previous_hash_rejected():
    with pytest.raises(InvalidEventError, match="sequence 1"):
        _seal(previous_hash="a" * 64)


def test_later_event_without_previous_hash_rejected():
    with pytest.raises(InvalidEventError, match="predecessor"):
        _seal(sequence=2)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sequence", 0),
        ("correlation_id", ""),
        ("causation_id", "has space"),
        ("source", ""),
    ],
)
def test_seal_rejects_invalid_attribute(field, value):
    overrides = {field: value}
    if field == "sequence":
        overrides["previous_hash"] = "a" * 64
    with pytest.raises(ValidationError):
        _seal(**overrides)


@given(envelopes())
def test_sealed_hash_matches_document(envelope):
    assert envelope.hash == hash_document(to_document(envelope))


def test_envelope_rejects_type_of_other_model():
    fields = _seal().model_dump()
    fields["type"] = event_type_of(ComplaintVerified)
    with pytest.raises(ValidationError, match="does not match the data model"):
        Envelope.model_validate(
            {**fields, "data": ComplaintSetPending(reason="Lokasi belum jelas")}
        )


def test_envelope_rejects_id_not_derived():
    fields = _seal().model_dump()
    fields["id"] = "some-other-id"
    fields["data"] = ComplaintSetPending(reason="Lokasi belum jelas")
    with pytest.raises(ValidationError, match="not derived from subject"):
        Envelope.model_validate(fields)


def test_envelope_validates_data_mapping_by_type():
    fields = _seal().model_dump()
    fields["data"] = {"reason": "Lokasi belum jelas"}
    envelope = Envelope.model_validate(fields)
    assert envelope.data == ComplaintSetPending(reason="Lokasi belum jelas")


def test_envelope_rejects_data_mapping_of_older_version():
    fields = _seal().model_dump()
    fields["type"] = "id.go.lapor.complaint.submitted.v1"
    fields["data"] = {"channel": "web"}
    with pytest.raises(UnknownEventTypeError, match="older version"):
        Envelope.model_validate(fields)


def test_envelope_is_frozen():
    envelope = _seal()
    with pytest.raises(ValidationError):
        envelope.sequence = 2  # type: ignore[misc]


def test_python_dump_includes_subclass_data():
    data = ComplaintVerified(classification=Classification.COMPLAINT)
    envelope = _seal(data=data)
    assert envelope.model_dump()["data"]["classification"] == "pengaduan"


@pytest.mark.parametrize("model", EVENT_TYPES)
def test_event_type_splits_back(model):
    assert split_event_type(event_type_of(model)) == (
        model.event_name,
        model.schema_version,
    )


@pytest.mark.parametrize(
    "text",
    [
        "complaint.submitted.v2",
        "id.go.lapor.complaint.submitted",
        "id.go.lapor.complaint.submitted.v0",
        "id.go.lapor.Complaint.v1",
    ],
)
def test_malformed_event_type_does_not_split(text):
    assert split_event_type(text) is None

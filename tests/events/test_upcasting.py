"""Stored version-1 events: upcast on read, verified over their stored form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from events.canonical import canonical_json
from events.chain import verify_chain, verify_stream
from events.codec import decode_json, decode_kafka, encode_json, encode_kafka
from events.envelope import event_type_of
from events.errors import InvalidEventError, UnknownEventTypeError, UpcastError
from events.faults import AlteredEvent
from events.legacy import ComplaintSubmittedV1
from events.payloads import EVENT_TYPES, ComplaintSubmitted, ComplaintVerified
from events.registry import REGISTRY, EventRegistry
from events.structured import DecodedEvent, from_document
from events.upcasters import UPCASTERS, channel_from_text
from events.values import Channel, PrivacyFlags

FIXTURES = Path(__file__).parent / "fixtures"


def _stored(name):
    return (FIXTURES / name).read_bytes()


def test_fixture_is_stored_canonical_form():
    raw = _stored("complaint_submitted_v1_sms.json")
    assert canonical_json(json.loads(raw)) == raw


def test_v1_sms_upcasts_to_current_model():
    decoded = decode_json(_stored("complaint_submitted_v1_sms.json"))
    data = decoded.envelope.data
    assert isinstance(data, ComplaintSubmitted)
    assert data.channel is Channel.SMS
    assert data.privacy == PrivacyFlags()
    assert data.target_agency == "pemkab-garut"
    assert data.location is not None
    assert data.location.latitude == -7.2279


def test_v1_twitter_anonymous_upcasts():
    decoded = decode_json(_stored("complaint_submitted_v1_twitter_anonymous.json"))
    submitted = decoded.envelope.data
    assert isinstance(submitted, ComplaintSubmitted)
    assert submitted.channel is Channel.TWITTER
    assert submitted.privacy == PrivacyFlags(anonymous=True, confidential=False)


def test_v1_unknown_channel_becomes_other():
    decoded = decode_json(_stored("complaint_submitted_v1_unknown_channel.json"))
    submitted = decoded.envelope.data
    assert isinstance(submitted, ComplaintSubmitted)
    assert submitted.channel is Channel.OTHER
    assert submitted.privacy == PrivacyFlags(anonymous=False, confidential=True)
    assert decoded.envelope.actor.unit == "kelurahan-cibangkong"


def test_upcast_envelope_names_current_type():
    decoded = decode_json(_stored("complaint_submitted_v1_sms.json"))
    assert decoded.envelope.type == event_type_of(ComplaintSubmitted)
    assert decoded.stored_type == "id.go.lapor.complaint.submitted.v1"
    assert decoded.upcast


def test_upcast_event_verifies_over_stored_form():
    decoded = decode_json(_stored("complaint_submitted_v1_sms.json"))
    assert verify_chain([decoded]).valid


def test_upcast_envelope_alone_does_not_verify():
    """Re-serialising the upcast envelope gives a v2 document the hash never covered."""
    decoded = decode_json(_stored("complaint_submitted_v1_sms.json"))
    faults = verify_chain([decoded.envelope]).faults
    assert len(faults) == 1
    assert isinstance(faults[0], AlteredEvent)


def test_stored_form_survives_reencoding():
    raw = _stored("complaint_submitted_v1_twitter_anonymous.json")
    assert encode_json(decode_json(raw)) == raw


def test_stored_form_survives_kafka():
    decoded = decode_json(_stored("complaint_submitted_v1_unknown_channel.json"))
    message = encode_kafka(decoded)
    received = decode_kafka(message.key, message.value, message.headers)
    assert received.document == decoded.document
    assert received.envelope == decoded.envelope
    assert verify_chain([received]).valid


def test_v1_history_verifies_and_upcasts():
    documents = json.loads(_stored("history_v1.json"))
    decoded = [from_document(document) for document in documents]
    assert verify_chain(decoded).valid
    assert [event.upcast for event in decoded] == [True, False, False]
    assert isinstance(decoded[1].envelope.data, ComplaintVerified)


def test_v1_history_tampering_detected():
    documents = json.loads(_stored("history_v1.json"))
    documents[0]["data"]["confidential"] = True
    decoded = [from_document(document) for document in documents]
    faults = verify_chain(decoded).faults
    assert [type(fault) for fault in faults] == [AlteredEvent]


def test_mixed_versions_in_one_stream():
    history = [from_document(d) for d in json.loads(_stored("history_v1.json"))]
    single = decode_json(_stored("complaint_submitted_v1_sms.json"))
    reports = verify_stream([history[0], single, *history[1:]])
    assert all(report.valid for report in reports.values())


def test_invalid_v1_data_rejected_before_upcasting():
    document = json.loads(_stored("complaint_submitted_v1_sms.json"))
    del document["data"]["channel"]
    with pytest.raises(InvalidEventError, match=r"submitted\.v1"):
        from_document(document)


def test_v2_shape_under_v1_type_rejected():
    document = json.loads(_stored("complaint_submitted_v1_sms.json"))
    data = document["data"]
    data["privacy"] = {"anonymous": data.pop("anonymous")}
    with pytest.raises(InvalidEventError, match="'privacy'"):
        from_document(document)


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("web", Channel.WEBSITE),
        ("Website", Channel.WEBSITE),
        ("www.lapor.go.id", Channel.WEBSITE),
        ("lapor.go.id", Channel.WEBSITE),
        ("SMS 1708", Channel.SMS),
        ("sms", Channel.SMS),
        ("1708", Channel.SMS),
        ("twitter @lapor1708", Channel.TWITTER),
        ("Twitter", Channel.TWITTER),
        ("@LAPOR1708", Channel.TWITTER),
        ("whatsapp", Channel.WHATSAPP),
        ("WA", Channel.WHATSAPP),
        ("Aplikasi Android", Channel.ANDROID),
        ("iOS", Channel.IOS),
        ("instagram", Channel.INSTAGRAM),
        ("e-mail", Channel.EMAIL),
        ("Email", Channel.EMAIL),
        ("telepon", Channel.PHONE),
        ("call center", Channel.PHONE),
        ("surat", Channel.LETTER),
        ("walk-in", Channel.WALK_IN),
        ("datang langsung", Channel.WALK_IN),
        ("integrated_system", Channel.INTEGRATED_SYSTEM),
        ("open311", Channel.OPEN311),
        ("Kotak saran kelurahan", Channel.OTHER),
        ("", Channel.OTHER),
        ("   ", Channel.OTHER),
    ],
)
def test_channel_spellings_mapped(text, channel):
    assert channel_from_text(text) is channel


@pytest.mark.parametrize("channel", list(Channel))
def test_current_channel_values_map_to_themselves(channel):
    assert channel_from_text(channel.value) is channel


def test_upcaster_leaves_stored_dict_unchanged():
    document = json.loads(_stored("complaint_submitted_v1_sms.json"))
    before = json.dumps(document, sort_keys=True)
    from_document(document)
    assert json.dumps(document, sort_keys=True) == before


def test_failing_upcaster_raises_upcast_error():
    def broken(data):
        return {**data, "channel": data["no_such_field"]}

    registry = EventRegistry(
        EVENT_TYPES,
        (ComplaintSubmittedV1,),
        {("complaint.submitted", 1): broken},
    )
    data = json.loads(_stored("complaint_submitted_v1_sms.json"))["data"]
    with pytest.raises(UpcastError, match=r"submitted\.v1"):
        registry.upcast("id.go.lapor.complaint.submitted.v1", data)


def test_registry_lists_every_version():
    names = {(version.event_name, version.version) for version in REGISTRY.versions()}
    expected = {(model.event_name, model.schema_version) for model in EVENT_TYPES}
    assert names == expected | {("complaint.submitted", 1)}


def test_registry_rejects_legacy_without_upcaster():
    with pytest.raises(ValueError, match="no upcaster"):
        EventRegistry(EVENT_TYPES, (ComplaintSubmittedV1,), {})


def test_registry_rejects_missing_older_version():
    with pytest.raises(ValueError, match="lacks version 1"):
        EventRegistry(EVENT_TYPES, (), UPCASTERS)


def test_registry_rejects_type_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        EventRegistry(
            (*EVENT_TYPES, ComplaintVerified), (ComplaintSubmittedV1,), UPCASTERS
        )


def test_current_model_of_old_version_rejected():
    with pytest.raises(UnknownEventTypeError, match="upcasts to"):
        REGISTRY.current_model("id.go.lapor.complaint.submitted.v1")


def test_decoded_event_wraps_current_envelope():
    decoded = decode_json(_stored("complaint_submitted_v1_sms.json"))
    wrapped = DecodedEvent.from_envelope(decoded.envelope)
    assert wrapped.stored_type == event_type_of(ComplaintSubmitted)
    assert not wrapped.upcast

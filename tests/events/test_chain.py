"""verify_chain and verify_stream: each fault on a known history."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from events.canonical import hash_document
from events.chain import seal, verify_chain, verify_stream
from events.envelope import Actor
from events.errors import MixedComplaintsError
from events.faults import (
    AlteredEvent,
    ChainHead,
    ConflictingEvents,
    DuplicateEvent,
    HeadMismatch,
    InsertedEvent,
    MissingEvents,
    ReorderedEvent,
    WrongFirstEvent,
    WrongPreviousHash,
)
from events.payloads import (
    ComplaintDispositioned,
    ComplaintSubmitted,
    ComplaintVerified,
    FollowUpRecorded,
    ResponsePosted,
)
from events.structured import DecodedEvent, from_document, to_document
from events.values import Channel, Classification, Role

COMPLAINT = uuid.UUID("3a9b6c2d-1e4f-4a5b-8c7d-9e0f1a2b3c4d")
START = dt.datetime(2024, 5, 6, 8, 0, tzinfo=dt.UTC)
ACTOR = Actor(agency="lapor-nasional", role=Role.NATIONAL_ADMIN)
DATA = (
    ComplaintSubmitted(
        tracking_id="2001",
        channel=Channel.WEBSITE,
        classification=Classification.COMPLAINT,
        title="Lampu jalan mati",
        description="Sudah seminggu gelap.",
        reporter_ref="reporter-1",
    ),
    ComplaintVerified(classification=Classification.COMPLAINT),
    ComplaintDispositioned(agency="pemkot-bandung"),
    FollowUpRecorded(agency="pemkot-bandung", summary="Petugas dikirim."),
    ResponsePosted(agency="pemkot-bandung", response="Lampu sudah diganti."),
)


def _history(data=DATA, complaint_id=COMPLAINT):
    chain = []
    for index, item in enumerate(data):
        chain.append(
            seal(
                complaint_id=complaint_id,
                sequence=index + 1,
                data=item,
                actor=ACTOR,
                occurred_at=START + dt.timedelta(hours=index),
                recorded_at=START + dt.timedelta(hours=index, seconds=1),
                correlation_id="request-1",
                causation_id=f"command-{index + 1}",
                previous_hash=chain[-1].hash if chain else None,
            )
        )
    return chain


HISTORY = _history()
HEAD = ChainHead(sequence=HISTORY[-1].sequence, hash=HISTORY[-1].hash)


def _documents():
    return [to_document(envelope) for envelope in HISTORY]


def _decode(documents):
    return [from_document(document) for document in documents]


def _faults(documents, head=None):
    return list(verify_chain(_decode(documents), head=head).faults)


def _forge(document, *, summary="Tidak ada tindak lanjut."):
    """Return a copy with other data that still hashes correctly."""
    forged = {**document, "data": {**document["data"], "summary": summary}}
    forged["hash"] = hash_document(forged)
    return forged


def test_intact_history_is_valid():
    report = verify_chain(HISTORY, head=HEAD)
    assert report.valid
    assert report.event_count == len(HISTORY)
    assert report.complaint_id == str(COMPLAINT)


def test_decoded_events_verify_like_envelopes():
    decoded = [DecodedEvent.from_envelope(envelope) for envelope in HISTORY]
    assert verify_chain(decoded, head=HEAD).valid


def test_altered_event_reported():
    documents = _documents()
    documents[3]["data"]["summary"] = "Tidak ada tindak lanjut."
    faults = _faults(documents)
    assert len(faults) == 1
    assert isinstance(faults[0], AlteredEvent)
    assert faults[0].position == 3
    assert faults[0].stated_hash == HISTORY[3].hash


def test_altered_and_rehashed_event_breaks_next_link():
    documents = _documents()
    documents[3] = _forge(documents[3])
    assert _faults(documents) == [
        WrongPreviousHash(
            str(COMPLAINT),
            HISTORY[4].id,
            5,
            4,
            expected=documents[3]["hash"],
            found=HISTORY[3].hash,
        )
    ]


def test_rehashed_last_event_needs_head():
    documents = _documents()
    documents[4] = {**documents[4], "data": {**documents[4]["data"], "response": "-"}}
    documents[4]["hash"] = hash_document(documents[4])
    assert _faults(documents) == []
    assert _faults(documents, HEAD) == [
        HeadMismatch(str(COMPLAINT), 5, HEAD.hash, documents[4]["hash"])
    ]


def test_removed_event_reported():
    documents = _documents()
    del documents[2]
    assert _faults(documents) == [MissingEvents(str(COMPLAINT), 3, 3)]


def test_removed_first_event_reported():
    documents = _documents()
    del documents[0]
    assert _faults(documents) == [MissingEvents(str(COMPLAINT), 1, 1)]


def test_removed_last_event_needs_head():
    documents = _documents()[:-1]
    assert _faults(documents) == []
    assert _faults(documents, HEAD) == [MissingEvents(str(COMPLAINT), 5, 5)]


def test_reordered_event_reported():
    documents = _documents()
    documents[1], documents[2] = documents[2], documents[1]
    faults = _faults(documents)
    assert len(faults) == 1
    assert isinstance(faults[0], ReorderedEvent)
    assert faults[0].sequence in {2, 3}


def test_event_moved_to_front_reported_once():
    documents = _documents()
    documents.insert(0, documents.pop())
    faults = _faults(documents)
    assert faults == [
        ReorderedEvent(
            str(COMPLAINT),
            HISTORY[4].id,
            5,
            0,
            previous_sequence=None,
            next_sequence=1,
        )
    ]


def test_first_event_with_previous_hash_reported():
    documents = _documents()
    documents[0]["prevhash"] = "0" * 64
    documents[0]["hash"] = hash_document(documents[0])
    faults = _faults(documents)
    assert isinstance(faults[0], WrongFirstEvent)
    assert "previous hash" in faults[0].reason


def test_first_event_of_other_type_reported():
    history = _history(DATA[1:])
    faults = list(verify_chain(history).faults)
    assert len(faults) == 1
    assert isinstance(faults[0], WrongFirstEvent)
    assert "complaint.verified" in faults[0].reason


def test_exact_duplicate_is_not_a_fault():
    documents = _documents()
    documents.insert(4, dict(documents[1]))
    report = verify_chain(_decode(documents), head=HEAD)
    assert report.valid
    assert report.duplicates == (
        DuplicateEvent(str(COMPLAINT), HISTORY[1].id, 2, (1, 4)),
    )


def test_forged_copy_linked_elsewhere_is_inserted():
    documents = _documents()
    forged = _forge(documents[3])
    documents.insert(4, forged)
    faults = _faults(documents)
    assert faults == [
        InsertedEvent(
            str(COMPLAINT), HISTORY[3].id, 4, 4, forged["hash"], HISTORY[3].hash
        )
    ]


def test_forged_copy_placed_first_is_inserted():
    documents = _documents()
    forged = _forge(documents[3])
    documents.insert(3, forged)
    faults = _faults(documents)
    assert faults == [
        InsertedEvent(
            str(COMPLAINT), HISTORY[3].id, 4, 3, forged["hash"], HISTORY[3].hash
        )
    ]


def test_forged_copy_of_last_event_conflicts():
    documents = _documents()
    forged = {**documents[4], "data": {**documents[4]["data"], "response": "-"}}
    forged["hash"] = hash_document(forged)
    documents.append(forged)
    faults = _faults(documents)
    assert faults == [
        ConflictingEvents(
            str(COMPLAINT), HISTORY[4].id, 5, (4, 5), (HISTORY[4].hash, forged["hash"])
        )
    ]


def test_head_decides_conflict_at_end():
    documents = _documents()
    forged = {**documents[4], "data": {**documents[4]["data"], "response": "-"}}
    forged["hash"] = hash_document(forged)
    documents.insert(4, forged)
    faults = _faults(documents, HEAD)
    assert faults == [
        InsertedEvent(str(COMPLAINT), HISTORY[4].id, 5, 4, forged["hash"], HEAD.hash)
    ]


def test_changed_copy_without_rehash_is_reported():
    documents = _documents()
    changed = {
        **documents[2],
        "data": {**documents[2]["data"], "agency": "pemkab-garut"},
    }
    documents.append(changed)
    faults = _faults(documents)
    assert len(faults) == 1
    assert isinstance(faults[0], InsertedEvent)
    assert faults[0].position == 5


def test_empty_history_is_valid_without_head():
    assert verify_chain([]).valid


def test_empty_history_with_head_misses_everything():
    report = verify_chain([], complaint_id=str(COMPLAINT), head=HEAD)
    assert report.faults == (MissingEvents(str(COMPLAINT), 1, 5),)


def test_mixed_complaints_rejected():
    other = _history(DATA[:1], uuid.uuid4())
    with pytest.raises(MixedComplaintsError, match="verify_stream"):
        verify_chain([*HISTORY, *other])


def test_other_complaint_than_named_rejected():
    with pytest.raises(MixedComplaintsError):
        verify_chain(HISTORY, complaint_id=str(uuid.uuid4()))


def test_stream_reports_each_complaint():
    second = _history(DATA[:3], uuid.UUID(int=2))
    third = _history(DATA[:2], uuid.UUID(int=3))
    stream = [HISTORY[0], second[0], HISTORY[1], third[0], second[1], third[1]]
    stream += [*HISTORY[2:], second[2]]
    reports = verify_stream(stream)
    assert list(reports) == [
        str(COMPLAINT),
        str(uuid.UUID(int=2)),
        str(uuid.UUID(int=3)),
    ]
    assert all(report.valid for report in reports.values())


def test_stream_positions_index_whole_stream():
    second = _history(DATA[:2], uuid.UUID(int=2))
    stream = [DecodedEvent.from_envelope(event) for event in (HISTORY[0], second[0])]
    altered = to_document(second[1])
    altered["data"]["classification"] = "aspirasi"
    stream.append(from_document(altered))
    reports = verify_stream(stream)
    assert reports[str(COMPLAINT)].valid
    faults = reports[str(uuid.UUID(int=2))].faults
    assert len(faults) == 1
    assert isinstance(faults[0], AlteredEvent)
    assert faults[0].position == 2


def test_stream_heads_report_silent_complaints():
    silent = str(uuid.UUID(int=9))
    reports = verify_stream(HISTORY, heads={silent: ChainHead(2, "a" * 64)})
    assert reports[silent].faults == (MissingEvents(silent, 1, 2),)


FAULT_EXAMPLES = [
    AlteredEvent("c", "c/2", 2, 1, "a" * 64, "b" * 64),
    MissingEvents("c", 2, 3),
    ReorderedEvent("c", "c/2", 2, 4, previous_sequence=5, next_sequence=None),
    WrongPreviousHash("c", "c/2", 2, 1, expected="a" * 64, found=None),
    WrongFirstEvent("c", "c/1", 0, "its type is x"),
    InsertedEvent("c", "c/2", 2, 1, "a" * 64, "b" * 64),
    ConflictingEvents("c", "c/2", 2, (1, 2), ("a" * 64, "b" * 64)),
    HeadMismatch("c", 2, "a" * 64, "b" * 64),
]


@pytest.mark.parametrize(
    "fault", FAULT_EXAMPLES, ids=lambda fault: type(fault).__name__
)
def test_fault_describes_itself(fault):
    text = fault.describe()
    assert "c/2" in text or "complaint c" in text or "c/1" in text

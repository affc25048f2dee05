"""Property tests: the hash chain detects any single mutation of a stored history.

The attacker edits stored documents and may recompute the edited event's own
hash. The checks pass the head (last sequence and hash) that a signed
checkpoint provides, because without it removing the last event, or replacing
it by one with a valid hash, leaves a valid shorter chain. Appending a new event
with a valid hash after the head is out of reach of any chain check.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from events.canonical import hash_document
from events.chain import verify_chain, verify_stream
from events.envelope import event_type_of
from events.faults import ChainHead
from events.structured import from_document, to_document
from events.timestamps import format_timestamp
from events.values import Role
from tests.events.strategies import (
    agency_ids,
    aware_datetimes,
    event_data,
    histories,
    unit_ids,
)

HEX_DIGESTS = st.from_regex(r"\A[0-9a-f]{64}\Z")
ATTRIBUTES = [
    "data",
    "time",
    "recordedtime",
    "actorrole",
    "actoragency",
    "actorunit",
    "correlationid",
    "causationid",
    "source",
    "prevhash",
    "hash",
    "sequence",
]


def _head(history):
    return ChainHead(sequence=history[-1].sequence, hash=history[-1].hash)


def _check(documents, head):
    return verify_chain([from_document(document) for document in documents], head=head)


def _changed(draw, document: dict[str, Any], size: int) -> dict[str, Any]:
    """Return a copy of ``document`` with one attribute given another value."""
    changed = copy.deepcopy(document)
    attribute = draw(st.sampled_from(ATTRIBUTES))
    if attribute == "data":
        data = draw(event_data)
        changed["data"] = data.model_dump(mode="json")
        changed["type"] = event_type_of(type(data))
    elif attribute in {"time", "recordedtime"}:
        changed[attribute] = format_timestamp(draw(aware_datetimes))
    elif attribute == "actorrole":
        changed[attribute] = draw(st.sampled_from(Role)).value
    elif attribute == "actoragency":
        changed[attribute] = draw(agency_ids)
    elif attribute == "actorunit":
        if "actorunit" in changed:
            del changed["actorunit"]
        else:
            changed["actorunit"] = draw(unit_ids)
    elif attribute in {"correlationid", "causationid", "source"}:
        changed[attribute] += "x"
    elif attribute in {"prevhash", "hash"}:
        changed[attribute] = draw(HEX_DIGESTS)
    else:
        sequence = draw(st.integers(min_value=1, max_value=size + 3))
        changed["sequence"] = sequence
        changed["id"] = f"{changed['subject']}/{sequence}"
    assume(changed != document)
    if attribute != "hash" and draw(st.booleans()):
        changed["hash"] = hash_document(changed)
    return changed


@given(histories(max_size=6))
def test_intact_history_is_valid(history):
    documents = [to_document(event) for event in history]
    assert _check(documents, _head(history)).valid


@given(st.data(), histories(max_size=6))
def test_any_changed_attribute_detected(data, history):
    documents = [to_document(event) for event in history]
    index = data.draw(st.integers(min_value=0, max_value=len(documents) - 1))
    documents[index] = _changed(data.draw, documents[index], len(documents))
    assert not _check(documents, _head(history)).valid


@given(st.data(), histories(max_size=6))
def test_any_removal_detected(data, history):
    documents = [to_document(event) for event in history]
    index = data.draw(st.integers(min_value=0, max_value=len(documents) - 1))
    del documents[index]
    assert not _check(documents, _head(history)).valid


@given(st.data(), histories(min_size=2, max_size=6))
def test_removal_before_last_detected_without_head(data, history):
    documents = [to_document(event) for event in history]
    index = data.draw(st.integers(min_value=0, max_value=len(documents) - 2))
    del documents[index]
    assert not _check(documents, None).valid


@given(st.data(), histories(max_size=6))
def test_any_forged_insertion_detected(data, history):
    """Insert a forged event that hashes and links correctly, anywhere but after
    the head: either it takes an existing sequence number or leaves a gap."""
    documents = [to_document(event) for event in history]
    size = len(documents)
    sequence = data.draw(
        st.integers(min_value=1, max_value=size)
        | st.integers(min_value=size + 2, max_value=size + 4)
    )
    forged = copy.deepcopy(documents[min(sequence, size) - 1])
    replacement = data.draw(event_data)
    forged["data"] = replacement.model_dump(mode="json")
    forged["type"] = event_type_of(type(replacement))
    forged["sequence"] = sequence
    forged["id"] = f"{forged['subject']}/{sequence}"
    if 2 <= sequence <= size + 1:
        forged["prevhash"] = documents[sequence - 2]["hash"]
    forged["hash"] = hash_document(forged)
    assume(forged not in documents)
    position = data.draw(st.integers(min_value=0, max_value=size))
    documents.insert(position, forged)
    assert not _check(documents, _head(history)).valid


@given(st.data(), histories(min_size=2, max_size=6))
def test_any_swap_detected(data, history):
    documents = [to_document(event) for event in history]
    first, second = data.draw(
        st.lists(
            st.integers(min_value=0, max_value=len(documents) - 1),
            min_size=2,
            max_size=2,
            unique=True,
        )
    )
    documents[first], documents[second] = documents[second], documents[first]
    assert not _check(documents, _head(history)).valid


@given(st.data(), histories(max_size=6))
def test_any_changed_duplicate_detected(data, history):
    documents = [to_document(event) for event in history]
    index = data.draw(st.integers(min_value=0, max_value=len(documents) - 1))
    changed = _changed(data.draw, documents[index], len(documents))
    position = data.draw(st.integers(min_value=0, max_value=len(documents)))
    documents.insert(position, changed)
    assert not _check(documents, _head(history)).valid


@given(st.data(), histories(max_size=6))
def test_exact_duplicates_are_not_faults(data, history):
    documents = [to_document(event) for event in history]
    index = data.draw(st.integers(min_value=0, max_value=len(documents) - 1))
    position = data.draw(st.integers(min_value=index + 1, max_value=len(documents)))
    documents.insert(position, copy.deepcopy(documents[index]))
    report = _check(documents, _head(history))
    assert report.valid
    assert len(report.duplicates) == 1
    assert report.duplicates[0].positions == (index, position)


@given(st.data(), st.lists(histories(max_size=4), min_size=1, max_size=4))
def test_interleaved_stream_is_valid(data, chains):
    queues = [list(chain) for chain in chains]
    stream = []
    while any(queues):
        pending = [queue for queue in queues if queue]
        stream.append(data.draw(st.sampled_from(pending)).pop(0))
    reports = verify_stream(stream)
    assert len(reports) == len({chain[0].subject for chain in chains})
    assert all(report.valid for report in reports.values())

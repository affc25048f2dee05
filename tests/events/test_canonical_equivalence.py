"""The standard-library fast path of ``canonical_json`` gives RFC 8785's exact bytes.

``canonical_json`` encodes float-free documents with ASCII keys through
``json``. These properties compare it with the ``rfc8785`` package on
generated documents, including the ones that must take the slow path (floats,
non-ASCII keys, integers out of range, lone surrogates).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from events.canonical import _is_plain, canonical_json, hash_document
from events.codec import encode_json
from events.errors import CanonicalFormError
from events.structured import to_document
from tests.events.strategies import envelopes

SAFE_INTEGER = 2**53 - 1

# Every code point, lone surrogates and control characters included.
any_text = st.text(st.characters(codec=None, categories=None), max_size=30)
ascii_keys = st.text(st.characters(max_codepoint=0x7F), max_size=12)
safe_integers = st.integers(min_value=-SAFE_INTEGER, max_value=SAFE_INTEGER)
scalars = st.none() | st.booleans() | safe_integers | any_text


def documents(keys: st.SearchStrategy[str], leaves: st.SearchStrategy[Any]) -> Any:
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=5)
            | st.lists(children, max_size=5).map(tuple)
            | st.dictionaries(keys, children, max_size=6)
        ),
        max_leaves=30,
    )


plain_documents = documents(
    ascii_keys, st.none() | st.booleans() | safe_integers | st.text(max_size=30)
)
any_documents = documents(
    any_text,
    scalars
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(allow_nan=False, allow_infinity=False),
)


def reference(value: Any) -> bytes | None:
    """Return rfc8785's bytes, or ``None`` when it rejects the value."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        # rfc8785 0.1.4 raises UnicodeEncodeError for a lone surrogate in a key.
        return None


@given(plain_documents)
@settings(max_examples=500)
def test_plain_documents_take_fast_path(document):
    assert _is_plain(document)


@given(plain_documents)
@settings(max_examples=500)
def test_fast_path_matches_rfc8785(document):
    assert canonical_json(document) == rfc8785.dumps(document)


@given(any_documents)
@settings(max_examples=400)
def test_any_document_matches_rfc8785(document):
    expected = reference(document)
    if expected is None:
        with pytest.raises(CanonicalFormError):
            canonical_json(document)
    else:
        assert canonical_json(document) == expected


@given(any_text)
def test_any_string_matches_rfc8785(text):
    expected = reference({"k": [text]})
    if expected is None:
        with pytest.raises(CanonicalFormError):
            canonical_json({"k": [text]})
    else:
        assert canonical_json({"k": [text]}) == expected


@given(envelopes())
@settings(max_examples=200)
def test_event_documents_match_rfc8785(envelope):
    document = to_document(envelope)
    assert encode_json(envelope) == rfc8785.dumps(document)


@given(envelopes())
@settings(max_examples=200)
def test_event_hash_uses_rfc8785_bytes(envelope):
    document = to_document(envelope)
    unsealed = {key: value for key, value in document.items() if key != "hash"}
    digest = hashlib.sha256(rfc8785.dumps(unsealed)).hexdigest()
    assert hash_document(document) == digest


@pytest.mark.parametrize(
    "value",
    [
        {"n": 2**53},
        {"n": -(2**53)},
        {"x": 1.5},
        {"é": 1},
        {"\U0001f600": 1, "\ue000": 2},
        {"s": "\ud800"},
        {1: "integer key"},
    ],
)
def test_edge_cases_match_rfc8785(value):
    expected = reference(value)
    if expected is None:
        with pytest.raises(CanonicalFormError):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected

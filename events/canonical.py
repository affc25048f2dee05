"""RFC 8785 canonical JSON and the SHA-256 event hash computed over it.

A document that contains only objects with ASCII keys, arrays, strings,
integers within plus or minus 2**53 - 1, booleans and null is encoded with the
standard library's C encoder (sorted keys, compact separators, no ASCII
escaping). That gives the same bytes as RFC 8785, because ASCII keys sort the
same by code point as by UTF-16 code unit, and both escape exactly ``"``,
``\\`` and the control characters, with lower-case hex. Any other document,
and every document with a float, goes through the ``rfc8785`` package.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import rfc8785

from events.errors import CanonicalFormError

if TYPE_CHECKING:
    from collections.abc import Mapping

HASH_ATTRIBUTE = "hash"
"""The attribute that carries an event's own hash and is left out when hashing."""

_INTEGER_LIMIT = 2**53 - 1
_SCALAR_TYPES = (str, bool, type(None))
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


def canonical_json(value: Any) -> bytes:  # noqa: ANN401 (any JSON value)
    """Encode a JSON value (dicts, lists, str, int, float, bool, None) per RFC 8785."""
    if _is_plain(value):
        try:
            return _ENCODER.encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 raises the error below
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        # rfc8785 0.1.4 lets UnicodeEncodeError out for a lone surrogate in a key.
        raise CanonicalFormError(
            f"value has no RFC 8785 canonical form ({exc}): keep integers within "
            "plus or minus 2**53 - 1, floats finite and strings free of lone "
            "surrogates",
            value=value,
        ) from exc


def _is_plain(value: Any) -> bool:  # noqa: ANN401 (any JSON value)
    """Return whether the standard encoder gives ``value`` its RFC 8785 bytes."""
    kind = type(value)
    if kind in _SCALAR_TYPES:
        return True
    if kind is int:
        return bool(-_INTEGER_LIMIT <= value <= _INTEGER_LIMIT)
    if kind is dict:
        return all(
            type(key) is str and key.isascii() and _is_plain(item)
            for key, item in value.items()
        )
    if kind is list or kind is tuple:
        return all(_is_plain(item) for item in value)
    return False


def hash_document(document: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex digest of a structured event without its ``hash``.

    The digest covers every other attribute as the document contains them, including
    ``prevhash``, which links the event to its predecessor.
    """
    unsealed = {key: value for key, value in document.items() if key != HASH_ATTRIBUTE}
    return hashlib.sha256(canonical_json(unsealed)).hexdigest()

"""RFC 8785 canonical JSON and the SHA-256 event hash computed over it."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import rfc8785

from events.errors import CanonicalFormError

if TYPE_CHECKING:
    from collections.abc import Mapping

HASH_ATTRIBUTE = "hash"
"""The attribute that carries an event's own hash and is left out when hashing."""


def canonical_json(value: Any) -> bytes:  # noqa: ANN401 (any JSON value)
    """Encode a JSON value (dicts, lists, str, int, float, bool, None) per RFC 8785."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise CanonicalFormError(
            f"value has no RFC 8785 canonical form ({exc}): keep integers within "
            "plus or minus 2**53 - 1, floats finite and strings free of lone "
            "surrogates",
            value=value,
        ) from exc


def hash_document(document: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex digest of a structured event without its ``hash``.

    The digest covers every other attribute as the document contains them, including
    ``prevhash``, which links the event to its predecessor.
    """
    unsealed = {key: value for key, value in document.items() if key != HASH_ATTRIBUTE}
    return hashlib.sha256(canonical_json(unsealed)).hexdigest()

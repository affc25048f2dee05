"""Request signing for webhook deliveries, and its check for receivers.

Every request carries ``X-Lapor-Timestamp`` (Unix time in whole seconds, as
decimal text) and ``X-Lapor-Signature``, ``sha256=`` followed by the lower-case
hex HMAC-SHA256 of ``timestamp + "." + body`` under the destination's secret.
Signing the timestamp with the body lets a receiver reject a captured request
replayed later: :func:`verify_signature` accepts a timestamp only within
``tolerance`` seconds of its own clock. ``X-Lapor-Event-Id`` repeats the
CloudEvents id, so a receiver can drop a delivery it has already processed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from adapters.webhook.errors import SignatureError, SignatureExpiredError

TIMESTAMP_HEADER = "X-Lapor-Timestamp"
SIGNATURE_HEADER = "X-Lapor-Signature"
EVENT_ID_HEADER = "X-Lapor-Event-Id"
SIGNATURE_SCHEME = "sha256="
DEFAULT_TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^sha256=[0-9a-f]{64}$")


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """Return the ``X-Lapor-Signature`` value of ``body`` sent at ``timestamp``."""
    message = timestamp.encode("ascii") + b"." + body
    digest = hmac.new(_key(secret), message, hashlib.sha256).hexdigest()
    return SIGNATURE_SCHEME + digest


def signature_headers(
    secret: str | bytes, body: bytes, event_id: str, *, now: float | None = None
) -> dict[str, str]:
    """Return the three signing headers of one request, timestamped ``now``."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        EVENT_ID_HEADER: event_id,
    }


def verify_signature(  # noqa: PLR0913 (the receiver passes each header separately)
    secret: str | bytes,
    timestamp: str | None,
    body: bytes,
    signature: str | None,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> None:
    """Check a received request's signature; raise ``SignatureError`` if it fails.

    ``timestamp`` and ``signature`` are the ``X-Lapor-Timestamp`` and
    ``X-Lapor-Signature`` header values and ``body`` the raw request body, before
    any JSON parsing. A timestamp more than ``tolerance`` seconds before or after
    ``now`` (default: the current time) raises ``SignatureExpiredError``, so a
    replayed request fails once the window has passed. Within the window, drop
    repeats by ``X-Lapor-Event-Id``.
    """
    if timestamp is None or not _TIMESTAMP.match(timestamp):
        raise SignatureError(
            f"header {TIMESTAMP_HEADER} is {timestamp!r}: expected Unix time in "
            "whole seconds; reject the request"
        )
    if signature is None or not _SIGNATURE.match(signature):
        raise SignatureError(
            f"header {SIGNATURE_HEADER} is malformed: expected 'sha256=' and 64 "
            "lower-case hex digits; reject the request"
        )
    current = time.time() if now is None else now
    age = current - int(timestamp)
    if abs(age) > tolerance:
        raise SignatureExpiredError(
            f"timestamp {timestamp} is {age:.0f} s from now, outside the "
            f"{tolerance:g} s replay window: reject the request, or check the "
            "receiver's clock if every request fails this way"
        )
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature):
        raise SignatureError(
            "signature does not match the body and timestamp: reject the request; "
            "if every request fails, check that the receiver uses the current secret"
        )

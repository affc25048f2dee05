"""Request signing and the receivers' check, including the replay window."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.webhook.errors import SignatureError, SignatureExpiredError
from adapters.webhook.signing import sign, signature_headers, verify_signature

SECRET = b"0123456789abcdef0123456789abcdef"
NOW = 1_750_000_000


def test_headers_carry_timestamp_signature_and_event_id():
    headers = signature_headers(SECRET, b"{}", "c/1", now=NOW)
    assert headers["X-Lapor-Timestamp"] == str(NOW)
    assert headers["X-Lapor-Event-Id"] == "c/1"
    assert headers["X-Lapor-Signature"] == sign(SECRET, str(NOW), b"{}")


def test_signature_is_hmac_over_timestamp_dot_body():
    expected = hmac.new(SECRET, b"1750000000.{}", hashlib.sha256).hexdigest()
    assert sign(SECRET, "1750000000", b"{}") == "sha256=" + expected


@given(body=st.binary(max_size=2000), skew=st.integers(-300, 300))
def test_signed_request_verifies_within_window(body, skew):
    headers = signature_headers(SECRET, body, "e", now=NOW)
    verify_signature(
        SECRET,
        headers["X-Lapor-Timestamp"],
        body,
        headers["X-Lapor-Signature"],
        300,
        now=NOW + skew,
    )


@given(body=st.binary(min_size=1, max_size=200), flip=st.integers(0, 199))
def test_changed_body_fails(body, flip):
    signature = sign(SECRET, str(NOW), body)
    index = flip % len(body)
    changed = body[:index] + bytes([body[index] ^ 1]) + body[index + 1 :]
    with pytest.raises(SignatureError):
        verify_signature(SECRET, str(NOW), changed, signature, now=NOW)


def test_other_secret_fails():
    signature = sign(b"another-secret-of-32-bytes-xxxxx", str(NOW), b"{}")
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, str(NOW), b"{}", signature, now=NOW)


def test_changed_timestamp_fails():
    signature = sign(SECRET, str(NOW), b"{}")
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, str(NOW + 1), b"{}", signature, now=NOW)


@pytest.mark.parametrize("skew", [301, -301, 86_400])
def test_replay_outside_window_fails(skew):
    signature = sign(SECRET, str(NOW), b"{}")
    with pytest.raises(SignatureExpiredError):
        verify_signature(SECRET, str(NOW), b"{}", signature, 300, now=NOW + skew)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        (None, "sha256=" + "0" * 64),
        ("12.5", "sha256=" + "0" * 64),
        ("-1", "sha256=" + "0" * 64),
        (str(NOW), None),
        (str(NOW), "0" * 64),
        (str(NOW), "sha256=" + "A" * 64),
        (str(NOW), "sha1=" + "0" * 40),
    ],
)
def test_malformed_headers_fail(timestamp, signature):
    with pytest.raises(SignatureError):
        verify_signature(SECRET, timestamp, b"{}", signature, now=NOW)


def test_text_and_bytes_secrets_agree():
    assert sign("abc", "1", b"x") == sign(b"abc", "1", b"x")

"""Checkpoint signing and verification, and the key files they use."""

from __future__ import annotations

import base64
import datetime as dt
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.canonical import canonical_json
from projections.audit.checkpoint import (
    GENESIS_DIGEST,
    Checkpoint,
    HeadMark,
    PartitionMark,
    extend_digest,
    parse_signed_checkpoint,
    sign_checkpoint,
    verify_signed,
)
from projections.audit.errors import CheckpointFormatError, SigningKeyError
from projections.audit.settings import configured_projection
from projections.audit.signing import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    CheckpointSigner,
    generate_key_pair,
    load_public_key,
    load_signer,
)

TAKEN_AT = dt.datetime(2025, 7, 1, 10, 0, tzinfo=dt.UTC)
COMPLAINT = "3a9b6c2d-1e4f-4a5b-8c7d-9e0f1a2b3c4d"


def checkpoint_for(signer: CheckpointSigner) -> Checkpoint:
    return Checkpoint(
        topic="lapor.complaint-events.v1",
        taken_at=TAKEN_AT,
        key_id=signer.key_id,
        partitions=(
            PartitionMark(
                partition=0,
                offset=12,
                events=11,
                complaints=3,
                digest=extend_digest(GENESIS_DIGEST, "a" * 64),
            ),
        ),
        complaints=3,
        heads=(HeadMark(complaint_id=COMPLAINT, sequence=4, hash="b" * 64),),
    )


def test_signed_checkpoint_verifies(signer):
    signed = sign_checkpoint(checkpoint_for(signer), signer)

    document, signature, parsed = parse_signed_checkpoint(signed.to_json())

    assert verify_signed(document, signature, signer.verifier())
    assert parsed == signed.checkpoint


def test_changed_checkpoint_fails_verification(signer):
    signed = sign_checkpoint(checkpoint_for(signer), signer)
    document, signature, _ = parse_signed_checkpoint(signed.to_json())

    document["partitions"][0]["events"] = 10

    assert not verify_signed(document, signature, signer.verifier())


def test_other_key_fails_verification(signer):
    signed = sign_checkpoint(checkpoint_for(signer), signer)
    other = CheckpointSigner(Ed25519PrivateKey.generate())
    document, signature, _ = parse_signed_checkpoint(signed.to_json())

    assert not verify_signed(document, signature, other.verifier())


def test_garbage_signature_fails_verification(signer):
    signed = sign_checkpoint(checkpoint_for(signer), signer)
    document, _, _ = parse_signed_checkpoint(signed.to_json())

    assert not verify_signed(document, "not base64!", signer.verifier())


def test_signing_rejects_foreign_key_id(signer):
    other = CheckpointSigner(Ed25519PrivateKey.generate())

    with pytest.raises(CheckpointFormatError, match="build the checkpoint"):
        sign_checkpoint(checkpoint_for(other), signer)


def test_checkpoint_id_is_content_digest(signer):
    first = sign_checkpoint(checkpoint_for(signer), signer)
    again = sign_checkpoint(checkpoint_for(signer), signer)

    assert first.checkpoint_id == again.checkpoint_id
    assert len(first.checkpoint_id) == 64


def test_digest_depends_on_order():
    one, two = "1" * 64, "2" * 64

    forward = extend_digest(extend_digest(GENESIS_DIGEST, one), two)
    backward = extend_digest(extend_digest(GENESIS_DIGEST, two), one)

    assert forward != backward


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "has no value"),
        (b"\xff", "not UTF-8 JSON"),
        (b"[1]", "expected an object"),
        (b'{"checkpoint": {}}', "missing the 'checkpoint' object or the 'signature'"),
        (b'{"checkpoint": {"topic": "x"}, "signature": "AA=="}', "is invalid"),
    ],
)
def test_malformed_checkpoint_records(raw, message):
    with pytest.raises(CheckpointFormatError, match=message):
        parse_signed_checkpoint(raw)


def test_key_pair_round_trip(tmp_path):
    private_path, public_path = generate_key_pair(tmp_path / "keys")

    signer = load_signer(key_file=private_path, key_variable=None)
    verifier = load_public_key(public_path)

    assert signer is not None
    assert signer.key_id == verifier.key_id
    assert verifier.verify(b"message", signer.sign(b"message"))


def test_private_key_file_is_owner_only(tmp_path):
    private_path, _ = generate_key_pair(tmp_path)

    mode = stat.S_IMODE(private_path.stat().st_mode)

    assert mode == 0o600


def test_key_pair_never_overwritten(tmp_path):
    generate_key_pair(tmp_path)
    before = (tmp_path / PRIVATE_KEY_FILE).read_bytes()

    with pytest.raises(SigningKeyError, match="exists already"):
        generate_key_pair(tmp_path)
    assert (tmp_path / PRIVATE_KEY_FILE).read_bytes() == before


def test_signer_from_environment_pem(tmp_path):
    private_path, public_path = generate_key_pair(tmp_path)
    environ = {"AUDIT_KEY": private_path.read_text()}

    signer = load_signer(key_file=None, key_variable="AUDIT_KEY", environ=environ)

    assert signer is not None
    assert signer.key_id == load_public_key(public_path).key_id


def test_signer_from_environment_raw_base64():
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    environ = {"AUDIT_KEY": base64.b64encode(raw).decode()}

    signer = load_signer(key_file=None, key_variable="AUDIT_KEY", environ=environ)

    assert signer is not None
    assert signer.key_id == CheckpointSigner(key).key_id


def test_no_key_configured_gives_no_signer():
    assert load_signer(key_file=None, key_variable=None, environ={}) is None


def test_missing_environment_variable_is_reported():
    with pytest.raises(SigningKeyError, match="AUDIT_KEY is not set"):
        load_signer(key_file=None, key_variable="AUDIT_KEY", environ={})


def test_invalid_private_key_message_hides_content():
    environ = {"AUDIT_KEY": "c2VjcmV0LXRoYXQtaXMtbm90LWEta2V5"}

    with pytest.raises(SigningKeyError) as caught:
        load_signer(key_file=None, key_variable="AUDIT_KEY", environ=environ)

    assert "c2VjcmV0" not in str(caught.value)
    assert "environment variable AUDIT_KEY" in str(caught.value)


def test_public_key_as_raw_base64(tmp_path, signer):
    raw = signer.public_key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    path = tmp_path / PUBLIC_KEY_FILE
    path.write_text(base64.b64encode(raw).decode())

    assert load_public_key(path).key_id == signer.key_id


def test_unreadable_public_key_file(tmp_path):
    with pytest.raises(SigningKeyError, match="cannot read the public key"):
        load_public_key(tmp_path / "absent.pub")


def test_public_key_of_wrong_shape(tmp_path):
    path = tmp_path / "short.pub"
    path.write_text(base64.b64encode(b"short").decode())

    with pytest.raises(SigningKeyError, match="not an Ed25519 public key"):
        load_public_key(path)


def test_signature_covers_canonical_form(signer):
    checkpoint = checkpoint_for(signer)
    signed = sign_checkpoint(checkpoint, signer)

    canonical = canonical_json(checkpoint.model_dump(mode="json"))

    assert signer.verifier().verify(canonical, signed.signature)


def test_configured_projection_loads_key(tmp_path, monkeypatch):
    private_path, public_path = generate_key_pair(tmp_path)
    monkeypatch.setenv("LAPOR_AUDIT_SIGNING_KEY_FILE", str(private_path))
    monkeypatch.setenv("LAPOR_AUDIT_CHECKPOINT_INTERVAL", "250")

    projection = configured_projection()

    assert projection.signer is not None
    assert projection.signer.key_id == load_public_key(public_path).key_id
    assert projection.checkpoint_interval == 250


def test_configured_projection_rejects_missing_key(tmp_path, monkeypatch):
    monkeypatch.setenv("LAPOR_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "absent.key"))

    with pytest.raises(SigningKeyError, match="cannot read the signing key file"):
        configured_projection()

"""Ed25519 keys that sign and verify audit checkpoints.

The gateway keeps the private key, and auditors receive only the public key. The
private key is read from a PEM file or from an environment variable named in
the configuration, never from the repository. ``generate_key_pair`` writes a
new pair into a folder: ``checkpoint-signing.key`` (PKCS #8 PEM, mode 0600)
and ``checkpoint-signing.pub`` (SubjectPublicKeyInfo PEM).

A key is identified by its ``key_id``: the SHA-256 hex digest of the 32 raw
public key bytes. Every checkpoint names the key that signed it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import stat
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from projections.audit.errors import SigningKeyError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

logger = logging.getLogger(__name__)

PRIVATE_KEY_FILE = "checkpoint-signing.key"
PUBLIC_KEY_FILE = "checkpoint-signing.pub"
_RAW_KEY_BYTES = 32
_PEM_MARKER = "-----BEGIN"


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """Return the SHA-256 hex digest of the raw public key bytes."""
    raw = public_key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()


class CheckpointSigner:
    """Signs checkpoint documents with the gateway's private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id_of(self.public_key)

    def sign(self, message: bytes) -> str:
        """Return the base64 Ed25519 signature of ``message``."""
        return base64.b64encode(self._private_key.sign(message)).decode("ascii")

    def verifier(self) -> CheckpointVerifier:
        """Return the verifier of this signer's public key."""
        return CheckpointVerifier(self.public_key)


class CheckpointVerifier:
    """Checks checkpoint signatures against one public key."""

    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self.public_key = public_key
        self.key_id = key_id_of(public_key)

    def verify(self, message: bytes, signature: str) -> bool:
        """Return whether ``signature`` (base64) signs ``message`` with this key."""
        try:
            raw = base64.b64decode(signature, validate=True)
            self.public_key.verify(raw, message)
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True


def generate_key_pair(folder: Path) -> tuple[Path, Path]:
    """Write a new key pair into ``folder``; return the private and public paths.

    Raises ``SigningKeyError`` if either file exists already, so a key in use
    is never overwritten.
    """
    private_path = folder / PRIVATE_KEY_FILE
    public_path = folder / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise SigningKeyError(
                f"{path} exists already: move it away or choose another folder; "
                "a key pair is never overwritten"
            )
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as private_file:
        private_file.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path


def load_signer(
    *,
    key_file: Path | None,
    key_variable: str | None,
    environ: Mapping[str, str] | None = None,
) -> CheckpointSigner | None:
    """Load the private key from a PEM file or from a named environment variable.

    The variable contains a PEM private key or the base64 of the 32-byte raw key.
    Returns ``None`` when neither source is configured; raises
    ``SigningKeyError`` when a configured source is missing or invalid.
    """
    if key_file is not None:
        return CheckpointSigner(_private_key_from_file(key_file))
    if key_variable is None:
        return None
    environ = os.environ if environ is None else environ
    text = environ.get(key_variable)
    if not text:
        raise SigningKeyError(
            f"environment variable {key_variable} is not set or empty: set it to "
            "the PEM private key or the base64 of the 32-byte raw key"
        )
    return CheckpointSigner(
        _private_key_from_text(text, f"environment variable {key_variable}")
    )


def load_public_key(path: Path) -> CheckpointVerifier:
    """Read a public key file: SubjectPublicKeyInfo PEM or base64 of 32 raw bytes."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningKeyError(
            f"cannot read the public key file {path}: {exc}; pass the "
            f"{PUBLIC_KEY_FILE} file that the keygen command wrote"
        ) from exc
    try:
        if text.startswith(_PEM_MARKER):
            key = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            key = Ed25519PublicKey.from_public_bytes(_raw_key(text))
    except (ValueError, binascii.Error) as exc:
        raise SigningKeyError(
            f"{path} is not an Ed25519 public key ({exc}): expected a PEM public "
            "key or the base64 of 32 raw bytes"
        ) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(
            f"{path} contains a {type(key).__name__}, not an Ed25519 public key"
        )
    return CheckpointVerifier(key)


def _private_key_from_file(path: Path) -> Ed25519PrivateKey:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningKeyError(
            f"cannot read the signing key file {path}: {exc}; generate one with "
            "'python -m projections.audit keygen --out-dir DIR'"
        ) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning(
            "Signing key file %s is readable by other users; restrict it with "
            "chmod 600",
            path,
        )
    return _private_key_from_text(text, f"file {path}")


def _private_key_from_text(text: str, origin: str) -> Ed25519PrivateKey:
    stripped = text.strip()
    try:
        if stripped.startswith(_PEM_MARKER):
            key = serialization.load_pem_private_key(
                stripped.encode("ascii"), password=None
            )
        else:
            key = Ed25519PrivateKey.from_private_bytes(_raw_key(stripped))
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        # The exception text never contains key material, only its shape.
        raise SigningKeyError(
            f"{origin} does not contain an unencrypted Ed25519 private key "
            f"({type(exc).__name__}): expected PKCS #8 PEM or the base64 of 32 "
            "raw bytes"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"{origin} contains a {type(key).__name__}, not an Ed25519 private key"
        )
    return key


def _raw_key(text: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if len(raw) != _RAW_KEY_BYTES:
        msg = f"decoded {len(raw)} bytes, expected {_RAW_KEY_BYTES}"
        raise ValueError(msg)
    return raw

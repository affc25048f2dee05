"""Signed checkpoints over the whole complaint events log.

For each partition of the events topic, a checkpoint states how far the
audit projection had read (``offset``, the next offset to read). It also
states how many events it had digested there, from how many complaints, and
a running digest over those events in offset order. Finally it lists the
chain head (sequence and hash) of every complaint whose head moved since the
previous checkpoint. The gateway signs the RFC 8785 canonical JSON of the checkpoint
with Ed25519.

The running digest of a partition starts at :data:`GENESIS_DIGEST` and each
digested event extends it: ``digest = SHA-256(digest || event hash)`` over
the raw 32-byte values, where the event hash is computed over the stored
document (see ``events.chain``). An event is digested when it decodes and its
sequence is greater than every earlier sequence of its complaint in the
partition; exact duplicates and replays of earlier events are not digested,
so a relay that published a batch twice does not change the digest.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError

from events.canonical import canonical_json
from events.envelope import ComplaintIdText, Sha256Hex
from events.timestamps import Timestamp
from events.values import FrozenModel
from projections.audit.errors import CheckpointFormatError

if TYPE_CHECKING:
    from projections.audit.signing import CheckpointSigner, CheckpointVerifier

CHECKPOINT_FORMAT = "lapor.audit-checkpoint.v1"
GENESIS_DIGEST = "0" * 64
"""The digest of a partition before its first event."""

Offset = Annotated[int, Field(ge=0, le=2**53 - 1)]
Base64Text = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]+={0,2}$")]


def extend_digest(digest: str, event_hash: str) -> str:
    """Return the partition digest after one more event with ``event_hash``."""
    return hashlib.sha256(bytes.fromhex(digest) + bytes.fromhex(event_hash)).hexdigest()


class PartitionMark(FrozenModel):
    """How far one partition of the events topic was digested."""

    partition: Offset
    offset: Offset
    """The next offset to read: every record below it is covered."""
    events: Offset
    """Events digested from the partition's records below ``offset``."""
    complaints: Offset
    """Distinct complaints among the digested events."""
    digest: Sha256Hex


class HeadMark(FrozenModel):
    """The last event of one complaint when the checkpoint was taken."""

    complaint_id: ComplaintIdText
    sequence: Annotated[int, Field(ge=1, le=2**53 - 1)]
    hash: Sha256Hex


class Checkpoint(FrozenModel):
    """The signed statement about the events log; see the module docstring."""

    format: Literal["lapor.audit-checkpoint.v1"] = "lapor.audit-checkpoint.v1"
    topic: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,249}$")]
    """The events topic the checkpoint was taken over."""
    taken_at: Timestamp
    key_id: Sha256Hex
    """SHA-256 of the raw public key that verifies the signature."""
    partitions: tuple[PartitionMark, ...]
    complaints: Offset
    """Complaints with a chain head, over every partition."""
    heads: tuple[HeadMark, ...]
    """Heads that moved since the previous checkpoint, by complaint id."""

    def canonical(self) -> bytes:
        """Return the RFC 8785 canonical JSON bytes that the signature covers."""
        return canonical_json(self.model_dump(mode="json"))


class SignedCheckpoint(FrozenModel):
    """A checkpoint with its Ed25519 signature, as stored and published."""

    checkpoint: Checkpoint
    signature: Base64Text

    @property
    def checkpoint_id(self) -> str:
        return checkpoint_id_of(self.checkpoint)

    def to_json(self) -> bytes:
        """Return the canonical JSON record value."""
        return canonical_json(self.model_dump(mode="json"))


def checkpoint_id_of(checkpoint: Checkpoint) -> str:
    """Return the SHA-256 hex digest of the canonical checkpoint document."""
    return hashlib.sha256(checkpoint.canonical()).hexdigest()


def sign_checkpoint(
    checkpoint: Checkpoint, signer: CheckpointSigner
) -> SignedCheckpoint:
    """Sign ``checkpoint``; its ``key_id`` must name the signer's key."""
    if checkpoint.key_id != signer.key_id:
        raise CheckpointFormatError(
            f"checkpoint names key {checkpoint.key_id} but the signer has key "
            f"{signer.key_id}: build the checkpoint with the signer's key_id"
        )
    return SignedCheckpoint(
        checkpoint=checkpoint, signature=signer.sign(checkpoint.canonical())
    )


def parse_signed_checkpoint(
    raw: bytes | None,
) -> tuple[dict[str, Any], str, Checkpoint]:
    """Parse a record value into the raw document, the signature and the model.

    The raw document is returned so that the signature is checked over the
    bytes as published, not over a re-serialised model.
    """
    if raw is None:
        raise CheckpointFormatError("checkpoint record has no value")
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CheckpointFormatError(
            f"checkpoint record is not UTF-8 JSON ({exc}): {raw[:80]!r}"
        ) from exc
    if not isinstance(parsed, dict):
        raise CheckpointFormatError(
            f"checkpoint record is a JSON {type(parsed).__name__}, expected an "
            "object with 'checkpoint' and 'signature'"
        )
    document = parsed.get("checkpoint")
    signature = parsed.get("signature")
    if not isinstance(document, dict) or not isinstance(signature, str):
        raise CheckpointFormatError(
            "checkpoint record is missing the 'checkpoint' object or the "
            "'signature' string"
        )
    try:
        checkpoint = Checkpoint.model_validate(document)
    except ValidationError as exc:
        raise CheckpointFormatError(
            f"checkpoint document is invalid: {exc.errors()[0]['msg']} at "
            f"{'.'.join(map(str, exc.errors()[0]['loc']))}"
        ) from exc
    return document, signature, checkpoint


def verify_signed(
    document: dict[str, Any], signature: str, verifier: CheckpointVerifier
) -> bool:
    """Return whether ``signature`` signs the canonical form of ``document``."""
    return verifier.verify(canonical_json(document), signature)

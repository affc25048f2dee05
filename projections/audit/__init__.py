"""The audit trail: complaint histories, signed checkpoints and the auditor command.

``AuditProjection`` stores every complaint's history with its Kafka position
and keeps a running digest of the events topic, from which it signs
checkpoints (``checkpoint``). ``audit_log`` verifies a whole topic read with
``read_topic``, with nothing but Kafka and the gateway's public key. See
``docs/audit.md`` for what auditors run and what a report means.
"""

from projections.audit.auditor import AuditReport, audit_log
from projections.audit.checkpoint import Checkpoint, SignedCheckpoint
from projections.audit.findings import Finding, FindingKind
from projections.audit.projection import AuditProjection
from projections.audit.publisher import CheckpointPublisher
from projections.audit.reader import TopicSnapshot, read_topic
from projections.audit.signing import (
    CheckpointSigner,
    CheckpointVerifier,
    generate_key_pair,
    load_public_key,
    load_signer,
)

__all__ = [
    "AuditProjection",
    "AuditReport",
    "Checkpoint",
    "CheckpointPublisher",
    "CheckpointSigner",
    "CheckpointVerifier",
    "Finding",
    "FindingKind",
    "SignedCheckpoint",
    "TopicSnapshot",
    "audit_log",
    "generate_key_pair",
    "load_public_key",
    "load_signer",
    "read_topic",
]

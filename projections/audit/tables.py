"""The audit projection's tables (SQLAlchemy Core), every name prefixed ``audit_``.

Times are stored as text in the contract's timestamp form
(``YYYY-MM-DDTHH:MM:SS.ffffffZ``, UTC), which sorts in time order on SQLite
and PostgreSQL alike. Stored documents are kept as their RFC 8785 canonical
JSON text, byte for byte as they were hashed, so they can be verified again.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

METADATA = MetaData()

TIMESTAMP_LENGTH = 27
HASH_LENGTH = 64
TOPIC_LENGTH = 249
TYPE_LENGTH = 128
COMPLAINT_ID_LENGTH = 36
ID_LENGTH = 64

events = Table(
    "audit_events",
    METADATA,
    Column("complaint_id", String(COMPLAINT_ID_LENGTH), primary_key=True),
    Column("sequence", BigInteger, primary_key=True),
    Column("event_id", String(ID_LENGTH), nullable=False),
    Column("stored_type", String(TYPE_LENGTH), nullable=False),
    Column("current_type", String(TYPE_LENGTH), nullable=False),
    Column("actor_agency", String(ID_LENGTH), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("actor_unit", String(ID_LENGTH)),
    Column("occurred_at", String(TIMESTAMP_LENGTH), nullable=False),
    Column("recorded_at", String(TIMESTAMP_LENGTH), nullable=False),
    Column("topic", String(TOPIC_LENGTH), nullable=False),
    Column("kafka_partition", Integer, nullable=False),
    Column("kafka_offset", BigInteger, nullable=False),
    Column("previous_hash", String(HASH_LENGTH)),
    Column("hash", String(HASH_LENGTH), nullable=False),
    Column("document", Text, nullable=False),
)
"""Every event of every complaint, once, as it was first read."""

complaints = Table(
    "audit_complaints",
    METADATA,
    Column("complaint_id", String(COMPLAINT_ID_LENGTH), primary_key=True),
    Column("topic", String(TOPIC_LENGTH), nullable=False),
    Column("kafka_partition", Integer, nullable=False),
    Column("event_count", BigInteger, nullable=False),
    Column("head_sequence", BigInteger, nullable=False),
    Column("head_hash", String(HASH_LENGTH), nullable=False),
    Column("head_pending", Boolean, nullable=False),
    Column("chain_intact", Boolean, nullable=False),
    Column("chain_fault", Text),
    Column("verified_at", String(TIMESTAMP_LENGTH)),
    Column("verified_valid", Boolean),
    Column("verified_faults", Integer),
    Index("audit_complaints_head_pending", "topic", "head_pending"),
)
"""One row per complaint: its chain head and its verification status.

``head_pending`` is true while the head has moved since the last checkpoint.
``chain_intact`` and ``chain_fault`` are the running check made as each event
arrives; ``verified_*`` record the last full verification on request.
"""

partitions = Table(
    "audit_partitions",
    METADATA,
    Column("topic", String(TOPIC_LENGTH), primary_key=True),
    Column("kafka_partition", Integer, primary_key=True),
    Column("next_offset", BigInteger, nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("complaints", BigInteger, nullable=False),
    Column("digest", String(HASH_LENGTH), nullable=False),
)
"""The running digest of each partition, as a checkpoint states it."""

checkpoints = Table(
    "audit_checkpoints",
    METADATA,
    Column("number", Integer, primary_key=True, autoincrement=True),
    Column("checkpoint_id", String(HASH_LENGTH), nullable=False, unique=True),
    Column("topic", String(TOPIC_LENGTH), nullable=False),
    Column("taken_at", String(TIMESTAMP_LENGTH), nullable=False),
    Column("key_id", String(HASH_LENGTH), nullable=False),
    Column("record", Text, nullable=False),
    Column("published", Boolean, nullable=False),
    Index("audit_checkpoints_published", "published"),
)
"""Signed checkpoints; ``record`` is the canonical JSON that is published."""

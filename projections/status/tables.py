"""The status view's tables: one row per complaint, and its histories.

``status_complaints`` contains each complaint's current status, holder, due
dates and query columns. It also stores the folded aggregate state
(``state``, ``tracker``) from which the next event continues. ``status_history`` keeps a
row whenever the status, holder, unit or next due moment changed, so "as of
T" is a query. ``status_dispositions`` is the disposition chain and
``status_holders`` every agency that held the complaint, which decides who
may read it.
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

from projections.runner.sqltypes import UtcDateTime

NAME = "status"

METADATA = MetaData()

AGENCY_LENGTH = 63
TEXT_LENGTH = 500

complaints = Table(
    f"{NAME}_complaints",
    METADATA,
    Column("complaint_id", String(36), primary_key=True),
    Column("tracking_id", String(12), nullable=False),
    Column("title", String(TEXT_LENGTH), nullable=False),
    Column("category", String(TEXT_LENGTH)),
    Column("classification", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("confidential", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("agency", String(AGENCY_LENGTH)),
    Column("unit", String(AGENCY_LENGTH)),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("status_since", UtcDateTime, nullable=False),
    Column("last_activity_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("closing_mode", String(16)),
    Column("rule_set_id", String(100)),
    Column("verification_due", UtcDateTime),
    Column("first_follow_up_due", UtcDateTime),
    Column("auto_close_due", UtcDateTime),
    Column("pending_archive_due", UtcDateTime),
    Column("resolution_due", UtcDateTime),
    Column("sop_due", UtcDateTime),
    Column("next_due_at", UtcDateTime),
    Column("dispositions", Integer, nullable=False),
    Column("declines", Integer, nullable=False),
    Column("reopens", Integer, nullable=False),
    Column("escalations", Integer, nullable=False),
    Column("last_sequence", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("state", Text, nullable=False),
    Column("tracker", Text),
    Column("held_by", Text, nullable=False),
    Index(f"{NAME}_complaints_submitted", "submitted_at", "complaint_id"),
    Index(f"{NAME}_complaints_agency_status", "agency", "status"),
    Index(f"{NAME}_complaints_status", "status"),
    Index(f"{NAME}_complaints_category", "category"),
    Index(f"{NAME}_complaints_next_due", "next_due_at"),
    Index(f"{NAME}_complaints_tracking", "tracking_id"),
)

history = Table(
    f"{NAME}_history",
    METADATA,
    Column("complaint_id", String(36), primary_key=True),
    Column("sequence", BigInteger, primary_key=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("agency", String(AGENCY_LENGTH)),
    Column("unit", String(AGENCY_LENGTH)),
    Column("next_due_at", UtcDateTime),
    Index(f"{NAME}_history_occurred", "complaint_id", "occurred_at"),
)

dispositions = Table(
    f"{NAME}_dispositions",
    METADATA,
    Column("complaint_id", String(36), primary_key=True),
    Column("sequence", BigInteger, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("from_agency", String(AGENCY_LENGTH)),
    Column("to_agency", String(AGENCY_LENGTH)),
    Column("unit", String(AGENCY_LENGTH)),
    Column("reason", String(TEXT_LENGTH)),
    Column("suggested_agency", String(AGENCY_LENGTH)),
    Column("note", String(TEXT_LENGTH)),
)

holders = Table(
    f"{NAME}_holders",
    METADATA,
    Column("agency", String(AGENCY_LENGTH), primary_key=True),
    Column("complaint_id", String(36), primary_key=True),
    Column("since", UtcDateTime, nullable=False),
)

"""Filters, pages and complaint views of the status queries."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AwareDatetime, Field

from events.values import AgencyId, FrozenModel, ShortText, UnitId
from gateway.complaint.state import Status
from projections.status.fold import DispositionKind

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


class ComplaintFilter(FrozenModel):
    """Conditions on the complaints a query returns; every one set must hold.

    With ``as_of``, ``status``, ``agency``, ``unit`` and ``overdue`` apply to
    each complaint as it was at that moment, and complaints submitted later
    are left out.
    """

    agency: AgencyId | None = None
    unit: UnitId | None = None
    status: Status | None = None
    category: ShortText | None = None
    overdue: bool | None = None
    """True: some running clock is past due; False: none is."""
    submitted_from: AwareDatetime | None = None
    """Inclusive start of the submission period."""
    submitted_to: AwareDatetime | None = None
    """Exclusive end of the submission period."""
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """Case-insensitive substring of the title."""
    as_of: AwareDatetime | None = None


class DueDates(FrozenModel):
    """When each running deadline clock falls due; ``None`` when not running."""

    verification: dt.datetime | None
    first_follow_up: dt.datetime | None
    auto_close: dt.datetime | None
    pending_archive: dt.datetime | None
    resolution: dt.datetime | None
    sop: dt.datetime | None


class ComplaintSummary(FrozenModel):
    """One complaint in a list: current, or as of the query's ``as_of``."""

    complaint_id: str
    tracking_id: str
    title: str | None
    """``None`` when the complaint is confidential and the caller may not read it."""
    content_redacted: bool
    category: str | None
    classification: str
    channel: str
    anonymous: bool
    confidential: bool
    status: Status
    agency: str | None
    """The agency holding the complaint; ``None`` while with the national admin."""
    unit: str | None
    submitted_at: dt.datetime
    status_since: dt.datetime
    """When the complaint reached the shown status, holder, unit and due moment."""
    last_activity_at: dt.datetime
    closed_at: dt.datetime | None
    closing_mode: str | None
    next_due_at: dt.datetime | None
    overdue: bool
    as_of: dt.datetime | None = None


class DispositionStepView(FrozenModel):
    """One step of the disposition chain."""

    sequence: int
    kind: DispositionKind
    occurred_at: dt.datetime
    from_agency: str | None
    to_agency: str | None
    unit: str | None
    reason: str | None
    """A decline's reason; ``None`` when redacted."""
    suggested_agency: str | None
    note: str | None


class StatusChangeView(FrozenModel):
    """The status, holder, unit and next due moment from one event onwards."""

    sequence: int
    occurred_at: dt.datetime
    status: Status
    agency: str | None
    unit: str | None
    next_due_at: dt.datetime | None


class ComplaintDetail(FrozenModel):
    """Everything the status view stores about one complaint."""

    summary: ComplaintSummary
    rule_set_id: str | None
    due_dates: DueDates
    overdue_clocks: tuple[str, ...]
    """The running clocks whose due moment has passed, in clock order."""
    dispositions_count: int
    declines: int
    reopens: int
    escalations: int
    disposition_chain: tuple[DispositionStepView, ...]
    status_history: tuple[StatusChangeView, ...]


class ComplaintPage(FrozenModel):
    """One page of complaints and the cursor of the next page, if any."""

    items: tuple[ComplaintSummary, ...]
    next_cursor: str | None

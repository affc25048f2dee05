"""Queries over the status view: filtered pages, "as of" pages, one complaint.

Pages are ordered by submission time and complaint id and continue from an
opaque cursor (keyset pagination), so a page costs the same however deep it
is. "As of T" takes, for each complaint, its last status row at or before T;
the rows are written as events are applied, so the query replays nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, false, func, or_, select

from gateway.complaint.state import Status
from gateway.deadlines import ClockName
from projections.status.models import (
    ComplaintDetail,
    ComplaintPage,
    ComplaintSummary,
    DispositionStepView,
    DueDates,
    StatusChangeView,
)
from projections.status.tables import complaints, dispositions, history, holders

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement, Engine, Row, Select

    from projections.status.access import Viewer
    from projections.status.models import ComplaintFilter

    AnyRow = Row[*tuple[Any, ...]]

c = complaints.c
AS_OF = history.alias("as_of")


class CursorError(ValueError):
    """A page cursor is not one this view issued."""


def encode_cursor(submitted_at: dt.datetime, complaint_id: str) -> str:
    """Return the cursor that continues after the given complaint."""
    text = json.dumps([submitted_at.isoformat(), complaint_id])
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """Return the (submission time, complaint id) a cursor continues after."""
    try:
        submitted, complaint_id = json.loads(base64.urlsafe_b64decode(cursor))
        moment = dt.datetime.fromisoformat(submitted)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise CursorError(
            f"cursor {cursor[:40]!r} is invalid: pass the next_cursor of the "
            "previous page unchanged"
        ) from exc
    if moment.tzinfo is None or not isinstance(complaint_id, str):
        raise CursorError(f"cursor {cursor[:40]!r} is invalid: request the first page")
    return moment, complaint_id


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class StatusQueries:
    """Reads the status view for one caller at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def page(
        self,
        filters: ComplaintFilter,
        viewer: Viewer,
        *,
        now: dt.datetime,
        limit: int,
        cursor: str | None = None,
    ) -> ComplaintPage:
        """Return up to ``limit`` complaints that match, after ``cursor``."""
        moment = filters.as_of or now
        query = _page_query(filters, viewer, cursor, moment).limit(limit + 1)
        with self.engine.connect() as connection:
            rows = list(connection.execute(query))
        items = [_summary(row, viewer, moment, filters.as_of) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = encode_cursor(last.submitted_at, last.complaint_id)
        return ComplaintPage(items=tuple(items), next_cursor=next_cursor)

    def detail(
        self, complaint_id: str, viewer: Viewer, *, now: dt.datetime
    ) -> ComplaintDetail | None:
        """Return one complaint, or ``None`` if it is unknown or not visible."""
        query = select(complaints).where(
            c.complaint_id == complaint_id, *_visible(viewer)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).one_or_none()
            if row is None:
                return None
            steps = connection.execute(
                select(dispositions)
                .where(dispositions.c.complaint_id == complaint_id)
                .order_by(dispositions.c.sequence)
            ).all()
            changes = connection.execute(
                select(history)
                .where(history.c.complaint_id == complaint_id)
                .order_by(history.c.sequence)
            ).all()
        return _detail(row, steps, changes, viewer, now)


def _visible(viewer: Viewer) -> list[ColumnElement[bool]]:
    if viewer.sees_all:
        return []
    held = exists().where(
        holders.c.agency == viewer.agency,
        holders.c.complaint_id == c.complaint_id,
    )
    return [held]


def _page_query(
    filters: ComplaintFilter, viewer: Viewer, cursor: str | None, moment: dt.datetime
) -> Select[Any]:
    conditions = _visible(viewer)
    if filters.as_of is not None:
        query, shown = _as_of_query(filters.as_of)
    else:
        query, shown = select(complaints), complaints.c
    conditions += _shown_conditions(filters, shown, moment)
    conditions += _content_conditions(filters, viewer)
    if cursor is not None:
        after, complaint_id = decode_cursor(cursor)
        conditions.append(
            or_(
                c.submitted_at > after,
                and_(c.submitted_at == after, c.complaint_id > complaint_id),
            )
        )
    return query.where(*conditions).order_by(c.submitted_at, c.complaint_id)


def _as_of_query(moment: dt.datetime) -> tuple[Select[Any], Any]:
    earlier = history.alias("earlier")
    latest = (
        select(func.max(earlier.c.sequence))
        .where(
            earlier.c.complaint_id == c.complaint_id,
            earlier.c.occurred_at <= moment,
        )
        .correlate(complaints)
        .scalar_subquery()
    )
    query = (
        select(
            complaints,
            AS_OF.c.status.label("as_of_status"),
            AS_OF.c.agency.label("as_of_agency"),
            AS_OF.c.unit.label("as_of_unit"),
            AS_OF.c.next_due_at.label("as_of_next_due_at"),
            AS_OF.c.occurred_at.label("as_of_since"),
        )
        .select_from(complaints)
        .join(
            AS_OF,
            and_(AS_OF.c.complaint_id == c.complaint_id, AS_OF.c.sequence == latest),
        )
    )
    return query, AS_OF.c


def _shown_conditions(
    filters: ComplaintFilter,
    shown: Any,  # noqa: ANN401 (the columns of a table or alias)
    moment: dt.datetime,
) -> list[ColumnElement[bool]]:
    """Return the conditions on what a complaint shows at ``moment``."""
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(shown.status == filters.status.value)
    if filters.agency is not None:
        conditions.append(shown.agency == filters.agency)
    if filters.unit is not None:
        conditions.append(shown.unit == filters.unit)
    if filters.overdue is not None:
        conditions.append(_overdue(shown.next_due_at, moment, overdue=filters.overdue))
    if filters.category is not None:
        conditions.append(c.category == filters.category)
    if filters.submitted_from is not None:
        conditions.append(c.submitted_at >= filters.submitted_from)
    if filters.submitted_to is not None:
        conditions.append(c.submitted_at < filters.submitted_to)
    return conditions


def _overdue(
    next_due: ColumnElement[dt.datetime], moment: dt.datetime, *, overdue: bool
) -> ColumnElement[bool]:
    if overdue:
        return and_(next_due.is_not(None), next_due < moment)
    return or_(next_due.is_(None), next_due >= moment)


def _content_conditions(
    filters: ComplaintFilter, viewer: Viewer
) -> list[ColumnElement[bool]]:
    if filters.title is None:
        return []
    pattern = f"%{_escape_like(filters.title)}%"
    conditions: list[ColumnElement[bool]] = [c.title.ilike(pattern, escape="\\")]
    if not viewer.sees_all:
        # A caller who may not read a confidential title must not search it.
        conditions.append(or_(c.confidential == false(), c.agency == viewer.agency))
    return conditions


def _summary(
    row: AnyRow, viewer: Viewer, moment: dt.datetime, as_of: dt.datetime | None
) -> ComplaintSummary:
    mapping = row._mapping  # noqa: SLF001 (SQLAlchemy's documented row mapping)
    if as_of is not None:
        status, agency, unit = (
            mapping["as_of_status"],
            mapping["as_of_agency"],
            mapping["as_of_unit"],
        )
        next_due, since = mapping["as_of_next_due_at"], mapping["as_of_since"]
    else:
        status, agency, unit = row.status, row.agency, row.unit
        next_due, since = row.next_due_at, row.status_since
    readable = viewer.reads_content(confidential=row.confidential, holder=row.agency)
    return ComplaintSummary(
        complaint_id=row.complaint_id,
        tracking_id=row.tracking_id,
        title=row.title if readable else None,
        content_redacted=not readable,
        category=row.category,
        classification=row.classification,
        channel=row.channel,
        anonymous=row.anonymous,
        confidential=row.confidential,
        status=Status(status),
        agency=agency,
        unit=unit,
        submitted_at=row.submitted_at,
        status_since=since,
        last_activity_at=row.last_activity_at,
        closed_at=row.closed_at,
        closing_mode=row.closing_mode,
        next_due_at=next_due,
        overdue=next_due is not None and next_due < moment,
        as_of=as_of,
    )


def _detail(
    row: AnyRow,
    steps: Sequence[AnyRow],
    changes: Sequence[AnyRow],
    viewer: Viewer,
    now: dt.datetime,
) -> ComplaintDetail:
    readable = viewer.reads_content(confidential=row.confidential, holder=row.agency)
    due = {name: getattr(row, f"{name.value}_due") for name in ClockName}
    return ComplaintDetail(
        summary=_summary(row, viewer, now, None),
        rule_set_id=row.rule_set_id,
        due_dates=DueDates(**{name.value: moment for name, moment in due.items()}),
        overdue_clocks=tuple(
            name.value for name, moment in due.items() if moment and moment < now
        ),
        dispositions_count=row.dispositions,
        declines=row.declines,
        reopens=row.reopens,
        escalations=row.escalations,
        disposition_chain=tuple(
            DispositionStepView(
                sequence=step.sequence,
                kind=step.kind,
                occurred_at=step.occurred_at,
                from_agency=step.from_agency,
                to_agency=step.to_agency,
                unit=step.unit,
                reason=step.reason if readable else None,
                suggested_agency=step.suggested_agency,
                note=step.note if readable else None,
            )
            for step in steps
        ),
        status_history=tuple(
            StatusChangeView(
                sequence=change.sequence,
                occurred_at=change.occurred_at,
                status=Status(change.status),
                agency=change.agency,
                unit=change.unit,
                next_due_at=change.next_due_at,
            )
            for change in changes
        ),
    )

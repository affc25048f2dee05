"""The status view and its queries, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from events.values import PrivacyFlags
from gateway.complaint import Status
from projections.runner import StoreLocation, create_store_engine, sqlite_location
from projections.status.models import ComplaintFilter
from projections.status.queries import CursorError, StatusQueries
from tests.complaint.builders import (
    AGENCY,
    FOREIGN_AGENCY,
    HOLDER,
    LIAISON,
    NATIONAL,
    OTHER_AGENCY,
    REPORTER_REF,
    UNIT,
    Clock,
    can_build,
    complaint_in,
    envelopes_of,
)
from tests.projections.runner.support import open_view, records_of
from tests.projections.status.support import (
    FAR_FUTURE,
    HOLDER_VIEWER,
    NATIONAL_VIEWER,
    OTHER_VIEWER,
    held_by,
    submitted,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def location(request, tmp_path):
    if request.param == "sqlite":
        return sqlite_location(tmp_path / "status.sqlite")
    url = request.getfixturevalue("postgres_database")
    return StoreLocation.parse(url, "projection_status")


@pytest.fixture
def view(location):
    opened = open_view(location)
    yield opened
    opened.dispose()


@pytest.fixture
def queries(location, view):
    del view  # the tables exist once the view is open
    engine = create_store_engine(location, writer=False)
    yield StatusQueries(engine)
    engine.dispose()


class Feed:
    """Applies complaints' new events to the view at increasing offsets."""

    def __init__(self, view):
        self.view = view
        self.offsets = itertools.count()
        self.sent = {}

    async def send(self, *complaints):
        envelopes = []
        for complaint in complaints:
            events = envelopes_of(complaint)
            done = self.sent.get(complaint.id, 0)
            envelopes.extend(events[done:])
            self.sent[complaint.id] = len(events)
        first = next(self.offsets)
        records = records_of(envelopes, first_offset=first)
        for _ in range(len(records) - 1):
            next(self.offsets)
        result = await self.view.applier.apply(records)
        assert result.halt is None
        return result


@pytest.fixture
def feed(view):
    return Feed(view)


def page(queries, viewer=NATIONAL_VIEWER, now=FAR_FUTURE, limit=100, **filters):
    return queries.page(ComplaintFilter(**filters), viewer, now=now, limit=limit)


def ids(result):
    return {item.complaint_id for item in result.items}


BUILDABLE = [
    (status, held)
    for status in Status
    for held in (True, False)
    if can_build(status, held=held)
]


@pytest.mark.parametrize(("status", "held"), BUILDABLE)
async def test_view_matches_aggregate(status, held, feed, queries):
    complaint = complaint_in(status, Clock(), held=held)
    await feed.send(complaint)
    detail = queries.detail(str(complaint.id), NATIONAL_VIEWER, now=FAR_FUTURE)
    assert detail is not None
    state = complaint.state
    assert detail.summary.status is state.status
    assert detail.summary.agency == state.holder
    assert detail.summary.unit == state.unit
    due = complaint.due_dates
    assert due is not None
    assert detail.due_dates.model_dump() == {
        "verification": due.verification_due,
        "first_follow_up": due.first_follow_up_due,
        "auto_close": due.auto_close_due,
        "pending_archive": due.pending_archive_due,
        "resolution": due.resolution_due,
        "sop": due.sop_due,
    }
    assert detail.summary.closing_mode == (
        None if state.closing_mode is None else state.closing_mode.value
    )
    assert detail.status_history[-1].status is state.status


async def test_disposition_chain_in_order(feed, queries):
    clock = Clock()
    complaint = held_by(clock, AGENCY)
    complaint.decline(
        clock.context(AGENCY), reason="Jalan provinsi.", suggested_agency=OTHER_AGENCY
    )
    complaint.redisposition(clock.context(NATIONAL), to_agency=OTHER_AGENCY)
    complaint.forward_to_unit(clock.context(FOREIGN_AGENCY), unit=UNIT)
    await feed.send(complaint)
    detail = queries.detail(str(complaint.id), NATIONAL_VIEWER, now=FAR_FUTURE)
    chain = detail.disposition_chain
    assert [step.kind.value for step in chain] == [
        "dispositioned",
        "declined",
        "redispositioned",
        "forwarded_to_unit",
    ]
    assert [step.sequence for step in chain] == sorted(step.sequence for step in chain)
    assert chain[1].reason == "Jalan provinsi."
    assert chain[1].suggested_agency == OTHER_AGENCY
    assert (chain[2].from_agency, chain[2].to_agency) == (HOLDER, OTHER_AGENCY)
    assert chain[3].unit == UNIT
    assert detail.declines == 1
    assert detail.dispositions_count == 2


async def test_agencies_see_what_they_hold_or_held(feed, queries):
    clock = Clock()
    ours = held_by(clock, AGENCY)
    theirs = held_by(clock, FOREIGN_AGENCY)
    bounced = held_by(clock, AGENCY)
    bounced.decline(clock.context(AGENCY), reason="Bukan wewenang.")
    bounced.redisposition(clock.context(NATIONAL), to_agency=OTHER_AGENCY)
    unheld = submitted(clock)
    await feed.send(ours, theirs, bounced, unheld)
    assert ids(page(queries, HOLDER_VIEWER)) == {str(ours.id), str(bounced.id)}
    assert ids(page(queries, OTHER_VIEWER)) == {str(theirs.id), str(bounced.id)}
    assert len(page(queries, NATIONAL_VIEWER).items) == 4
    assert queries.detail(str(theirs.id), HOLDER_VIEWER, now=FAR_FUTURE) is None
    assert queries.detail(str(unheld.id), HOLDER_VIEWER, now=FAR_FUTURE) is None


async def test_confidential_content_for_holder_only(feed, queries):
    clock = Clock()
    secret = held_by(clock, AGENCY, privacy=PrivacyFlags(confidential=True))
    secret.decline(clock.context(AGENCY), reason="Wewenang provinsi.")
    secret.redisposition(clock.context(NATIONAL), to_agency=OTHER_AGENCY)
    await feed.send(secret)
    former = queries.detail(str(secret.id), HOLDER_VIEWER, now=FAR_FUTURE)
    current = queries.detail(str(secret.id), OTHER_VIEWER, now=FAR_FUTURE)
    national = queries.detail(str(secret.id), NATIONAL_VIEWER, now=FAR_FUTURE)
    assert former.summary.title is None
    assert former.summary.content_redacted
    assert former.disposition_chain[1].reason is None
    assert former.summary.status is Status.DISPOSITIONED
    assert current.summary.title == "Jalan berlubang"
    assert current.disposition_chain[1].reason == "Wewenang provinsi."
    assert national.summary.title == "Jalan berlubang"


async def test_no_reporter_data_in_results(feed, queries):
    clock = Clock()
    anonymous = held_by(clock, AGENCY, privacy=PrivacyFlags(anonymous=True))
    await feed.send(anonymous)
    detail = queries.detail(str(anonymous.id), NATIONAL_VIEWER, now=FAR_FUTURE)
    text = detail.model_dump_json()
    assert detail.summary.anonymous
    assert REPORTER_REF not in text
    assert "reporter" not in text
    assert "identity" not in text


async def test_title_search_ignores_case(feed, queries):
    clock = Clock()
    road = held_by(clock, AGENCY, title="Jalan BERLUBANG di Dago")
    lamp = held_by(clock, AGENCY, title="Lampu jalan mati")
    odd = held_by(clock, AGENCY, title="Diskon 100% untuk_warga")
    await feed.send(road, lamp, odd)
    assert ids(page(queries, title="berlubang")) == {str(road.id)}
    assert ids(page(queries, title="JALAN")) == {str(road.id), str(lamp.id)}
    assert ids(page(queries, title="100%")) == {str(odd.id)}
    assert ids(page(queries, title="k_w")) == {str(odd.id)}
    assert ids(page(queries, title="0%u")) == set()


async def test_title_search_hides_unreadable(feed, queries):
    clock = Clock()
    secret = held_by(
        clock, AGENCY, title="Pungli di kantor", privacy=PrivacyFlags(confidential=True)
    )
    secret.decline(clock.context(AGENCY), reason="Bukan wewenang.")
    secret.redisposition(clock.context(NATIONAL), to_agency=OTHER_AGENCY)
    await feed.send(secret)
    assert ids(page(queries, HOLDER_VIEWER, title="pungli")) == set()
    assert ids(page(queries, HOLDER_VIEWER)) == {str(secret.id)}
    assert ids(page(queries, OTHER_VIEWER, title="pungli")) == {str(secret.id)}


async def test_filters_narrow_results(feed, queries):
    clock = Clock()
    first = held_by(clock, AGENCY, category="Kesehatan")
    first.forward_to_unit(clock.context(AGENCY), unit=UNIT)
    second = held_by(clock, FOREIGN_AGENCY, category="Perhubungan")
    clock.now += dt.timedelta(days=40)
    third = submitted(clock, category="Kesehatan")
    await feed.send(first, second, third)
    assert ids(page(queries, agency=HOLDER)) == {str(first.id)}
    assert ids(page(queries, unit=UNIT)) == {str(first.id)}
    assert ids(page(queries, status=Status.SUBMITTED)) == {str(third.id)}
    assert ids(page(queries, category="Kesehatan")) == {str(first.id), str(third.id)}
    cutoff = third.state.last_occurred_at - dt.timedelta(days=1)
    assert ids(page(queries, submitted_from=cutoff)) == {str(third.id)}
    assert ids(page(queries, submitted_to=cutoff)) == {str(first.id), str(second.id)}


async def test_overdue_judged_at_given_moment(feed, queries):
    clock = Clock()
    complaint = held_by(clock, AGENCY)
    await feed.send(complaint)
    due = complaint.due_dates.first_follow_up_due
    before = due - dt.timedelta(minutes=1)
    after = due + dt.timedelta(minutes=1)
    assert ids(page(queries, now=before, overdue=True)) == set()
    assert ids(page(queries, now=before, overdue=False)) == {str(complaint.id)}
    assert ids(page(queries, now=after, overdue=True)) == {str(complaint.id)}
    detail = queries.detail(str(complaint.id), NATIONAL_VIEWER, now=after)
    assert detail.overdue_clocks == ("first_follow_up",)
    assert detail.summary.overdue


async def test_pages_follow_cursor(feed, queries):
    clock = Clock()
    complaints = [submitted(clock) for _ in range(7)]
    await feed.send(*complaints)
    seen = []
    cursor = None
    sizes = []
    for _ in range(5):
        result = queries.page(
            ComplaintFilter(), NATIONAL_VIEWER, now=FAR_FUTURE, limit=3, cursor=cursor
        )
        sizes.append(len(result.items))
        seen.extend(item.complaint_id for item in result.items)
        cursor = result.next_cursor
        if cursor is None:
            break
    assert sizes == [3, 3, 1]
    assert seen == [str(complaint.id) for complaint in complaints]


def test_invalid_cursor_rejected(queries):
    with pytest.raises(CursorError):
        queries.page(
            ComplaintFilter(),
            NATIONAL_VIEWER,
            now=FAR_FUTURE,
            limit=3,
            cursor="bm90IGpzb24",
        )


async def test_as_of_shows_past_status(feed, queries):
    clock = Clock()
    complaint = complaint_in(Status.CLOSED, clock, held=True)
    await feed.send(complaint)
    envelopes = envelopes_of(complaint)
    dispositioned_at = envelopes[2].time
    result = page(queries, as_of=dispositioned_at + dt.timedelta(minutes=30))
    [item] = result.items
    assert item.status is Status.DISPOSITIONED
    assert item.agency == HOLDER
    assert item.unit is None
    assert item.status_since == dispositioned_at
    assert item.as_of == dispositioned_at + dt.timedelta(minutes=30)
    assert page(queries, as_of=envelopes[0].time - dt.timedelta(seconds=1)).items == ()


async def test_as_of_filters_on_past_values(feed, queries):
    clock = Clock()
    complaint = complaint_in(Status.CLOSED, clock, held=True)
    other = complaint_in(Status.IN_UNIT, clock, held=True)
    await feed.send(complaint, other)
    moment = envelopes_of(complaint)[3].time
    assert ids(page(queries, as_of=moment, status=Status.IN_UNIT)) == {
        str(complaint.id)
    }
    assert ids(page(queries, as_of=moment, status=Status.CLOSED)) == set()
    assert ids(page(queries, as_of=moment, unit=UNIT)) == {str(complaint.id)}
    assert ids(page(queries, status=Status.IN_UNIT)) == {str(other.id)}


async def test_liaison_follow_up_updates_due_dates(feed, queries):
    clock = Clock()
    complaint = held_by(clock, AGENCY)
    complaint.forward_to_unit(clock.context(AGENCY), unit=UNIT)
    await feed.send(complaint)
    before = queries.detail(str(complaint.id), NATIONAL_VIEWER, now=FAR_FUTURE)
    complaint.record_follow_up(clock.context(LIAISON), summary="Survei.")
    await feed.send(complaint)
    after = queries.detail(str(complaint.id), NATIONAL_VIEWER, now=FAR_FUTURE)
    assert before.due_dates.first_follow_up is not None
    assert after.due_dates.first_follow_up is None
    assert after.summary.status is Status.IN_FOLLOW_UP
    assert len(after.status_history) == len(before.status_history) + 1

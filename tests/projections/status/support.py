"""Complaints and callers shared by the status view tests."""

from __future__ import annotations

import datetime as dt
import uuid

from events.values import Channel, Classification
from gateway.complaint import Complaint
from projections.status.access import Viewer
from tests.complaint.builders import (
    HOLDER,
    NATIONAL,
    OTHER_AGENCY,
    REPORTER,
    REPORTER_REF,
)

NATIONAL_VIEWER = Viewer(system="lapor-admin", agency="kemenpanrb", sees_all=True)
HOLDER_VIEWER = Viewer(system="bandung-app", agency=HOLDER, sees_all=False)
OTHER_VIEWER = Viewer(system="jabar-app", agency=OTHER_AGENCY, sees_all=False)
FAR_FUTURE = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def submitted(
    clock, *, title="Jalan berlubang", target=None, privacy=None, category=None
):
    return Complaint.submit(
        clock.context(REPORTER),
        complaint_id=uuid.uuid4(),
        tracking_id=str(1_900_000 + int(clock.now.timestamp()) % 100_000),
        channel=Channel.WEBSITE,
        classification=Classification.COMPLAINT,
        title=title,
        description="Lubang besar di Jalan Dago.",
        reporter_ref=REPORTER_REF,
        category=category,
        privacy=privacy,
        target_agency=target,
    )


def held_by(clock, agency_actor, **fields):
    complaint = submitted(clock, **fields)
    complaint.verify(clock.context(NATIONAL), classification=Classification.COMPLAINT)
    complaint.disposition(clock.context(NATIONAL), agency=agency_actor.agency)
    return complaint

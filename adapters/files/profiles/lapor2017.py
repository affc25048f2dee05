"""SP4N-LAPOR! report texts crawled in December 2017 (JSON Lines, no dates).

Each line (``tracking_id``, ``title``, ``text``) is a report submitted on the
LAPOR! website. The national admin verifies it and dispositions it to the
agency the platform's ``Yth. <agency>,`` opening names; the agency records a
first follow-up and posts its response. A report without that opening is
verified and stays with the national admin, and its row lists the skipped
disposition.

The data has no timestamps, so this profile makes them up and marks them:
every import result states it, and every command's ``source`` ends in
``:synthesised-timestamps``. See :class:`TimelineSynthesiser` for the rule.
The auto-close 10 working days after the response is left to the gateway's
deadline scheduler, because only the gateway may act as ``system``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from adapters.files.commands import ComplaintScript, ImportActors, agency_admin
from adapters.files.outcomes import ConvertedRow, RowRejectedError, SkippedStep
from adapters.files.profiles.base import RowProfile
from adapters.files.profiles.lapor_agencies import (
    addressed_agency,
    agency_id,
    agency_kind,
)
from adapters.files.reading import SourceFormat
from adapters.files.registry import RegistryBuilder, RegistryEntries
from events.values import Channel, Classification, Role
from gateway.agencies import AgencyKind
from gateway.calendar.registry import calendar_for
from gateway.complaint.commands import (
    DispositionComplaint,
    PostResponse,
    RecordFollowUp,
    VerifyComplaint,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from adapters.files.profiles.base import ProfileContext
    from adapters.files.reading import SourceRow
    from gateway.calendar.working_calendar import WorkingCalendar
    from gateway.complaint import ComplaintCommand

WIB = ZoneInfo("Asia/Jakarta")
ACTORS = ImportActors(channel="lapor-web", national="kemenpanrb")
MAX_TRACKING_DIGITS = 12
FOLLOW_UP_TEXT = "[synthesised: the source has no follow-up record]"
RESPONSE_TEXT = "[synthesised: the source has no response text]"


@dataclass(frozen=True, slots=True)
class Timeline:
    """The made-up moments of one report."""

    submitted: dt.datetime
    verified: dt.datetime
    """Verification and disposition."""
    followed_up: dt.datetime
    """First follow-up and response."""


class TimelineSynthesiser:
    """Makes up a report's timeline from its tracking id and a seed.

    Submission: ``ANCHOR_TIME`` minus ``SECONDS_PER_ID`` seconds per id below
    ``ANCHOR_ID`` (ids rise with time; 100 s per id is an estimate that puts
    the oldest report of the 2017 crawl in 2015). Verification and
    disposition fall on a random working day 1 to 3 after submission. First
    follow-up and response fall on a random working day 1 to 5 after that.
    Both take a random time between 08:00 and 16:00 WIB, and days are
    counted on the national calendar. The
    generator is seeded with the seed and the tracking id, so each report
    gets the same timeline in every import, whatever else the file holds.
    """

    ANCHOR_ID = 1_907_840
    ANCHOR_TIME = dt.datetime(2017, 12, 1, 9, 0, tzinfo=WIB)
    SECONDS_PER_ID = 100
    VERIFICATION_DAYS = 3
    FOLLOW_UP_DAYS = 5

    def __init__(self, seed: int, calendar: WorkingCalendar | None = None) -> None:
        self.seed = seed
        self.calendar = calendar or calendar_for()

    def timeline(self, tracking_id: int) -> Timeline:
        rng = random.Random(f"{self.seed}:{tracking_id}")  # noqa: S311 (not for security)
        offset = (tracking_id - self.ANCHOR_ID) * self.SECONDS_PER_ID
        submitted = self.ANCHOR_TIME + dt.timedelta(seconds=offset)
        verified = self._working_moment(rng, submitted, self.VERIFICATION_DAYS)
        followed_up = self._working_moment(rng, verified, self.FOLLOW_UP_DAYS)
        return Timeline(submitted, verified, followed_up)

    def _working_moment(
        self, rng: random.Random, start: dt.datetime, days: int
    ) -> dt.datetime:
        due = self.calendar.add_working_days(start, rng.randint(1, days))
        opening = dt.datetime.combine(due.astimezone(WIB).date(), dt.time(8), WIB)
        return opening + dt.timedelta(seconds=rng.randrange(8 * 3600))


class Lapor2017Profile(RowProfile):
    name = "lapor2017"
    source_format = SourceFormat.JSONL
    required = ("tracking_id", "title", "text")
    timestamps_synthesised = True
    synthesis_note = (
        "timestamps synthesised: the LAPOR! 2017 texts carry no dates. Submission "
        "times follow the tracking id (2017-12-01 09:00 WIB at id 1907840, 100 s "
        "per id before it); verification and disposition fall on a random working "
        "day 1-3 later, first follow-up and response 1-5 working days after that, "
        "drawn from a generator seeded with the seed and the tracking id. Closing "
        "is left to the gateway's auto-close, 10 working days after the response."
    )

    def __init__(self, context: ProfileContext) -> None:
        super().__init__(context)
        self.synthesiser = TimelineSynthesiser(context.seed)

    def convert(self, row: SourceRow) -> ConvertedRow:
        tracking = row.text("tracking_id")
        if not tracking.isdigit() or len(tracking) > MAX_TRACKING_DIGITS:
            raise RowRejectedError(
                "invalid key", f"tracking_id {tracking[:20]!r} is not 1 to 12 digits"
            )
        title, text = row.text("title"), row.text("text")
        if not title or not text:
            raise RowRejectedError("empty report", "title or text is empty")

        times = self.synthesiser.timeline(int(tracking))
        script = ComplaintScript(self.name, tracking, self.source_uri)
        national = ACTORS.national_admin()
        commands: list[ComplaintCommand] = [
            script.submit(
                times.submitted,
                ACTORS.reporter(),
                tracking_id=tracking,
                channel=Channel.WEBSITE,
                classification=Classification.COMPLAINT,
                title=title[:500],
                description=text[:20_000],
                source_reference=f"LAPOR! {tracking}",
            ),
            script.act(
                VerifyComplaint,
                "verify",
                times.verified,
                national,
                classification=Classification.COMPLAINT,
            ),
        ]

        name = addressed_agency(row.fields.get("text", ""))
        agency = None if name is None else agency_id(name)
        if agency is None:
            skipped = SkippedStep(
                "no agency named",
                "the text does not open with 'Yth. <agency>,': no disposition",
            )
            return ConvertedRow(row.line, tuple(commands), (skipped,))
        admin = agency_admin(agency)
        commands += [
            script.act(
                DispositionComplaint,
                "disposition",
                times.verified,
                national,
                agency=agency,
            ),
            script.act(
                RecordFollowUp,
                "follow-up",
                times.followed_up,
                admin,
                summary=FOLLOW_UP_TEXT,
            ),
            script.act(
                PostResponse,
                "response",
                times.followed_up,
                admin,
                response=RESPONSE_TEXT,
            ),
        ]
        return ConvertedRow(row.line, tuple(commands))

    def registry_entries(self, rows: Iterable[SourceRow]) -> RegistryEntries:
        builder = RegistryBuilder()
        builder.add_agency(
            ACTORS.channel, "LAPOR! website", AgencyKind.NATIONAL, {Role.REPORTER}
        )
        builder.add_agency(
            ACTORS.national,
            "KemenPANRB (Admin Nasional)",
            AgencyKind.NATIONAL,
            {Role.NATIONAL_ADMIN},
        )
        for row in rows:
            name = addressed_agency(row.fields.get("text", ""))
            agency = None if name is None else agency_id(name)
            if name is not None and agency is not None:
                builder.add_agency(
                    agency, name[:500], agency_kind(name), {Role.AGENCY_ADMIN}
                )
        return builder.build()

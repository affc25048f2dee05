"""NYC 311 service requests (NYC Open Data export), one request per row.

Each row becomes a complaint submitted at ``Created Date`` through NYC 311,
verified and dispositioned by 311 to the row's ``Agency`` at the same moment.
The ``Status`` (mapped by ``config/mappings/nyc311.yaml``) decides the rest:

- in follow-up: the agency records ``Resolution Description`` as a follow-up
  at ``Resolution Action Updated Date``;
- closed: the agency posts ``Resolution Description`` as its response and
  closes at ``Closed Date``. Without a resolution text 311 closes it, because
  an agency admin may close only a responded complaint.

A row that closes before it was created is rejected, never corrected. A
``Closed Date`` on a row whose status is not closed is not sent, because the
status states that the request is open. The result lists the row under the
skipped close. Times without an offset are New York local time.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from adapters.files.commands import ComplaintScript, ImportActors, agency_admin
from adapters.files.outcomes import ConvertedRow, RowRejectedError, SkippedStep
from adapters.files.profiles.base import RowProfile
from adapters.files.reading import SourceFormat
from adapters.files.registry import RegistryBuilder, RegistryEntries, slug
from adapters.files.timestamps import ISO_FORMAT, parse_timestamp, require_timestamp
from adapters.mapping import MoveKind
from events.values import Channel, Classification, Location, Role
from gateway.agencies import AgencyKind
from gateway.complaint import Status
from gateway.complaint.commands import (
    CloseComplaint,
    DispositionComplaint,
    PostResponse,
    RecordFollowUp,
    VerifyComplaint,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from adapters.files.reading import SourceRow
    from gateway.complaint import ComplaintCommand

ZONE = ZoneInfo("America/New_York")
FORMATS = ("%m/%d/%Y %I:%M:%S %p", ISO_FORMAT)
ACTORS = ImportActors(channel="nyc-311", national="nyc-311")
CHANNELS = {
    "PHONE": Channel.PHONE,
    "ONLINE": Channel.WEBSITE,
    "MOBILE": Channel.OTHER,
    "UNKNOWN": Channel.OTHER,
    "OTHER": Channel.OTHER,
}
"""``Open Data Channel Type`` to channel; the app is not split by platform."""
MAX_TRACKING_DIGITS = 12


def agency_id(code: str) -> str | None:
    """Return the gateway id of an NYC agency code (``NYPD`` is ``nyc-nypd``)."""
    code_slug = slug(code, max_length=40)
    return None if code_slug is None else f"nyc-{code_slug}"


class Nyc311Profile(RowProfile):
    name = "nyc311"
    source_format = SourceFormat.CSV
    required = (
        "Unique Key",
        "Created Date",
        "Closed Date",
        "Agency",
        "Agency Name",
        "Complaint Type",
        "Descriptor",
        "Status",
        "Due Date",
        "Resolution Description",
        "Resolution Action Updated Date",
        "Borough",
        "Incident Zip",
        "Open Data Channel Type",
        "Latitude",
        "Longitude",
    )

    def convert(self, row: SourceRow) -> ConvertedRow:
        key = _tracking_key(row)
        created = require_timestamp(
            row.text("Created Date"), FORMATS, ZONE, "Created Date"
        )
        closed = _time(row, "Closed Date")
        if closed is not None and closed < created:
            raise RowRejectedError(
                "closed before created",
                f"Closed Date {row.text('Closed Date')} is before Created Date "
                f"{row.text('Created Date')}",
            )
        agency = agency_id(row.text("Agency"))
        if agency is None:
            raise RowRejectedError("missing agency", "Agency is empty")

        script = ComplaintScript(self.name, key, self.source_uri)
        commands = self._intake(script, row, key, created, agency)
        status = row.text("Status")
        move = self.context.mapper.move(self.name, agency, status, Status.DISPOSITIONED)
        target = move.target if move.kind is MoveKind.ADVANCE else None
        skipped: list[SkippedStep] = []

        if target in {Status.IN_FOLLOW_UP, Status.RESPONDED}:
            commands += self._follow_up(script, row, agency, created, skipped)
        elif target is Status.CLOSED:
            commands += self._closing(script, row, agency, closed, skipped)
        if closed is not None and target is not Status.CLOSED:
            skipped.append(
                SkippedStep(
                    "closed date with open status",
                    f"Closed Date is set but Status is {status[:30]!r}: the close "
                    "is not sent",
                )
            )
        return ConvertedRow(row.line, tuple(commands), tuple(skipped))

    def registry_entries(self, rows: Iterable[SourceRow]) -> RegistryEntries:
        names: Counter[tuple[str, str]] = Counter()
        for row in rows:
            agency = agency_id(row.text("Agency"))
            if agency is not None:
                names[agency, row.text("Agency Name") or row.text("Agency")] += 1
        builder = RegistryBuilder()
        builder.add_agency(
            ACTORS.national,
            "NYC 311",
            AgencyKind.NATIONAL,
            {Role.REPORTER, Role.NATIONAL_ADMIN},
        )
        for (agency, name), _ in sorted(names.items(), key=lambda item: -item[1]):
            builder.add_agency(agency, name, AgencyKind.REGIONAL, {Role.AGENCY_ADMIN})
        return builder.build()

    def _intake(
        self,
        script: ComplaintScript,
        row: SourceRow,
        key: str,
        created: datetime,
        agency: str,
    ) -> list[ComplaintCommand]:
        complaint_type = row.text("Complaint Type") or "311 service request"
        due = _time(row, "Due Date")
        tags = (f"source-due:{due.isoformat()}",) if due is not None else ()
        national = ACTORS.national_admin()
        return [
            script.submit(
                created,
                ACTORS.reporter(),
                tracking_id=key,
                channel=CHANNELS.get(row.text("Open Data Channel Type"), Channel.OTHER),
                classification=Classification.COMPLAINT,
                title=complaint_type[:500],
                description=(row.text("Descriptor") or complaint_type)[:20_000],
                category=complaint_type[:500],
                source_reference=f"NYC 311 {key}",
                location=_location(row),
            ),
            script.act(
                VerifyComplaint,
                "verify",
                created,
                national,
                classification=Classification.COMPLAINT,
                tags=tags,
            ),
            script.act(
                DispositionComplaint, "disposition", created, national, agency=agency
            ),
        ]

    def _follow_up(
        self,
        script: ComplaintScript,
        row: SourceRow,
        agency: str,
        created: datetime,
        skipped: list[SkippedStep],
    ) -> list[ComplaintCommand]:
        text = row.text("Resolution Description")
        updated = _time(row, "Resolution Action Updated Date")
        if not text or updated is None or updated < created:
            skipped.append(
                SkippedStep(
                    "follow-up without text or date",
                    "the follow-up needs Resolution Description and a Resolution "
                    "Action Updated Date not before Created Date",
                )
            )
            return []
        return [
            script.act(
                RecordFollowUp,
                "follow-up",
                updated,
                agency_admin(agency),
                summary=text[:20_000],
            )
        ]

    def _closing(
        self,
        script: ComplaintScript,
        row: SourceRow,
        agency: str,
        closed: datetime | None,
        skipped: list[SkippedStep],
    ) -> list[ComplaintCommand]:
        if closed is None:
            skipped.append(
                SkippedStep(
                    "close without date", "Status is closed but Closed Date is empty"
                )
            )
            return []
        text = row.text("Resolution Description")
        if not text:
            skipped.append(
                SkippedStep(
                    "response without text",
                    "Resolution Description is empty: no response is posted and "
                    "311 closes the request",
                )
            )
            return [
                script.act(CloseComplaint, "close", closed, ACTORS.national_admin())
            ]
        admin = agency_admin(agency)
        return [
            script.act(PostResponse, "response", closed, admin, response=text[:20_000]),
            script.act(CloseComplaint, "close", closed, admin),
        ]


def _tracking_key(row: SourceRow) -> str:
    key = row.text("Unique Key")
    if not key:
        raise RowRejectedError("missing key", "Unique Key is empty")
    if not key.isdigit() or len(key) > MAX_TRACKING_DIGITS:
        raise RowRejectedError(
            "invalid key", f"Unique Key {key[:20]!r} is not a number of 1 to 12 digits"
        )
    return key


def _time(row: SourceRow, column: str) -> datetime | None:
    return parse_timestamp(row.text(column), FORMATS, ZONE, column)


def _location(row: SourceRow) -> Location | None:
    area = ", ".join(
        part for part in (row.text("Borough"), row.text("Incident Zip")) if part
    )
    try:
        latitude = float(row.text("Latitude")) if row.text("Latitude") else None
        longitude = float(row.text("Longitude")) if row.text("Longitude") else None
    except ValueError:
        latitude = longitude = None
    if not area and latitude is None:
        return None
    return Location(
        area=(area or "New York City")[:500], latitude=latitude, longitude=longitude
    )

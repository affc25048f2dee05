"""SP4N-LAPOR! open-data export: one report per row with four dates and a status.

Columns: ``TrackingID``, ``TanggalLaporanMasuk`` (received),
``TanggalDisposisi``, ``TanggalLaporanAktivitasTerakhir`` (last activity),
``TanggalLaporanDitutup`` (closed), ``Status`` (``Belum`` / ``Proses`` /
``Selesai``, mapped by ``config/mappings/sp4n-opendata.yaml``), ``instansi``
and ``category``. Each row is submitted on LAPOR! when received; the status
decides how far it goes, and each step takes its date from the export:

- dispositioned: the national admin verifies it and dispositions it to the
  ``instansi`` at ``TanggalDisposisi``;
- in follow-up: the agency records a follow-up at the last activity;
- closed: the agency posts its response at the last activity and closes it at
  ``TanggalLaporanDitutup``.

A step whose date is empty is not sent, nor are the steps after it, and the
row lists why. Dates out of order reject the row. A closing date on a row
whose status is not closed is not sent.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from adapters.files.commands import ComplaintScript, ImportActors, agency_admin
from adapters.files.outcomes import ConvertedRow, RowRejectedError, SkippedStep
from adapters.files.profiles.base import RowProfile
from adapters.files.profiles.lapor_agencies import agency_id, agency_kind
from adapters.files.reading import SourceFormat
from adapters.files.registry import RegistryBuilder, RegistryEntries
from adapters.files.timestamps import ISO_FORMAT, parse_timestamp, require_timestamp
from adapters.mapping import MoveKind, rank_of
from events.values import Channel, Classification, Role
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

ZONE = ZoneInfo("Asia/Jakarta")
"""NOTE: assumed; the export's dates carry no zone and no sample was available."""
FORMATS = (ISO_FORMAT, "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")
"""NOTE: assumed formats; a date without a time is rejected, not set to midnight."""
ACTORS = ImportActors(channel="lapor-web", national="kemenpanrb")
MAX_TRACKING_DIGITS = 12
RECEIVED = "TanggalLaporanMasuk"
DISPOSITIONED = "TanggalDisposisi"
LAST_ACTIVITY = "TanggalLaporanAktivitasTerakhir"
CLOSED = "TanggalLaporanDitutup"
FOLLOW_UP_TEXT = "Status Proses in the SP4N-LAPOR! open-data export"
RESPONSE_TEXT = "Status Selesai in the SP4N-LAPOR! open-data export"


class Sp4nOpenDataProfile(RowProfile):
    name = "sp4n-opendata"
    source_format = SourceFormat.CSV
    required = (
        "TrackingID",
        RECEIVED,
        DISPOSITIONED,
        LAST_ACTIVITY,
        CLOSED,
        "Status",
        "instansi",
        "category",
    )

    def convert(self, row: SourceRow) -> ConvertedRow:
        tracking = row.text("TrackingID")
        if not tracking.isdigit() or len(tracking) > MAX_TRACKING_DIGITS:
            raise RowRejectedError(
                "invalid key", f"TrackingID {tracking[:20]!r} is not 1 to 12 digits"
            )
        received = require_timestamp(row.text(RECEIVED), FORMATS, ZONE, RECEIVED)
        dates = _dates(row, received)
        script = ComplaintScript(self.name, tracking, self.source_uri)
        commands = [self._submission(script, row, tracking, received)]
        agency = agency_id(row.text("instansi"))
        status = row.text("Status")
        move = self.context.mapper.move(self.name, agency, status, Status.SUBMITTED)
        target = move.target if move.kind is MoveKind.ADVANCE else None
        skipped: list[SkippedStep] = []
        if target is not None:
            commands += _steps(script, agency, target, dates, skipped)
        if dates[CLOSED] is not None and target is not Status.CLOSED:
            skipped.append(
                SkippedStep(
                    "closed date with open status",
                    f"{CLOSED} is set but Status is {status[:30]!r}: the close is "
                    "not sent",
                )
            )
        return ConvertedRow(row.line, tuple(commands), tuple(skipped))

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
            name = " ".join(row.text("instansi").split())
            agency = agency_id(name)
            if agency is not None:
                builder.add_agency(
                    agency, name[:500], agency_kind(name), {Role.AGENCY_ADMIN}
                )
        return builder.build()

    def _submission(
        self, script: ComplaintScript, row: SourceRow, tracking: str, at: datetime
    ) -> ComplaintCommand:
        category = row.text("category")
        description = f"SP4N-LAPOR! report {tracking}"
        if category:
            description += f", category {category}"
        return script.submit(
            at,
            ACTORS.reporter(),
            tracking_id=tracking,
            channel=Channel.OTHER,
            classification=Classification.COMPLAINT,
            title=f"SP4N-LAPOR! report {tracking}",
            description=description[:20_000],
            category=category[:500] or None,
            source_reference=f"LAPOR! {tracking}",
        )


def _dates(row: SourceRow, received: datetime) -> dict[str, datetime | None]:
    """Read the four dates; dates out of order reject the row."""
    dates: dict[str, datetime | None] = {RECEIVED: received}
    for column in (DISPOSITIONED, LAST_ACTIVITY, CLOSED):
        dates[column] = parse_timestamp(row.text(column), FORMATS, ZONE, column)
    known = [(column, at) for column, at in dates.items() if at is not None]
    for (earlier, first), (later, second) in itertools.pairwise(known):
        if second < first:
            raise RowRejectedError(
                "dates out of order",
                f"{later} {row.text(later)} is before {earlier} {row.text(earlier)}",
            )
    return dates


def _steps(
    script: ComplaintScript,
    agency: str | None,
    target: Status,
    dates: dict[str, datetime | None],
    skipped: list[SkippedStep],
) -> list[ComplaintCommand]:
    """Return the steps from submission to ``target`` up to the first missing date."""
    disposed_at = dates[DISPOSITIONED]
    if agency is None:
        skipped.append(
            SkippedStep("missing agency", "instansi is empty: no disposition is sent")
        )
        return []
    if disposed_at is None:
        skipped.append(
            _missing(DISPOSITIONED, "the disposition and later steps are not sent")
        )
        return []
    national = ACTORS.national_admin()
    commands: list[ComplaintCommand] = [
        script.act(
            VerifyComplaint,
            "verify",
            disposed_at,
            national,
            classification=Classification.COMPLAINT,
        ),
        script.act(
            DispositionComplaint, "disposition", disposed_at, national, agency=agency
        ),
    ]
    if rank_of(target) < rank_of(Status.IN_FOLLOW_UP):
        return commands
    active_at = dates[LAST_ACTIVITY]
    if active_at is None:
        skipped.append(
            _missing(LAST_ACTIVITY, "the follow-up and later steps are not sent")
        )
        return commands
    admin = agency_admin(agency)
    if target is Status.IN_FOLLOW_UP:
        commands.append(
            script.act(
                RecordFollowUp, "follow-up", active_at, admin, summary=FOLLOW_UP_TEXT
            )
        )
        return commands
    commands.append(
        script.act(PostResponse, "response", active_at, admin, response=RESPONSE_TEXT)
    )
    closed_at = dates[CLOSED]
    if target is Status.CLOSED and closed_at is None:
        skipped.append(_missing(CLOSED, "the close is not sent"))
    elif target is Status.CLOSED and closed_at is not None:
        commands.append(script.act(CloseComplaint, "close", closed_at, admin))
    return commands


def _missing(column: str, consequence: str) -> SkippedStep:
    return SkippedStep("missing date", f"{column} is empty: {consequence}")

"""The SP4N-LAPOR! open-data profile on a small synthetic file.

No open-data export is in the data folder, so these rows are written here.
The header is the export's exactly; every value is invented.
"""

from __future__ import annotations

import csv

import pytest

from adapters.files.commands import ComplaintScript
from gateway.complaint import Status

HEADER = (
    "TrackingID,TanggalLaporanMasuk,TanggalDisposisi,"
    "TanggalLaporanAktivitasTerakhir,TanggalLaporanDitutup,Status,instansi,category"
)
AGENCY = "Dinas Kesehatan Kota Semarang"
BANDUNG = "Dinas Perhubungan Kota Bandung"
RECEIVED, DISPOSED = "2018-01-02 09:00:00", "2018-01-03 10:00:00"
ACTIVE, CLOSED = "2018-01-05 11:00:00", "2018-01-20 08:00:00"
ROWS = {
    "belum": ["5000001", RECEIVED, DISPOSED, "", "", "Belum", BANDUNG],
    "proses": ["5000002", RECEIVED, DISPOSED, ACTIVE, "", "Proses", BANDUNG],
    "selesai": [
        "5000003",
        RECEIVED,
        DISPOSED,
        ACTIVE,
        CLOSED,
        "Selesai",
        "Kementerian Desa, PDT, dan Transmigrasi",
    ],
    "selesai_no_close": ["5000004", RECEIVED, DISPOSED, ACTIVE, "", "Selesai", AGENCY],
    "no_disposition": ["5000005", RECEIVED, "", "", "", "Proses", AGENCY],
    "out_of_order": [
        "5000006",
        "2018-01-05 09:00:00",
        DISPOSED,
        "",
        "",
        "Belum",
        AGENCY,
    ],
    "no_received": ["5000007", "", DISPOSED, "", "", "Belum", AGENCY],
    "unmapped": ["5000008", RECEIVED, DISPOSED, "", "", "Ditolak", AGENCY],
    "closed_but_open": [
        "5000009",
        RECEIVED,
        DISPOSED,
        "2018-01-04 10:00:00",
        "2018-01-06 10:00:00",
        "Proses",
        AGENCY,
    ],
    "bad_date": ["5000010", "02-01-2018", DISPOSED, "", "", "Belum", AGENCY],
}
"""Each row's fields up to ``instansi``; every row's category is ``Umum``."""
LINE = {name: index + 2 for index, name in enumerate(ROWS)}


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "sp4n.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\n")
        csv.writer(handle, lineterminator="\n").writerows(
            [*fields, "Umum"] for fields in ROWS.values()
        )
    return path


@pytest.fixture
def result(importer, export):
    return importer.run("sp4n-opendata", export)


def status_of(importer, tracking_id: str) -> Status | None:
    complaint = importer.service.find(
        ComplaintScript("sp4n-opendata", tracking_id, "").complaint_id
    )
    return None if complaint is None else complaint.status


@pytest.mark.parametrize(
    ("row", "status"),
    [
        ("belum", Status.DISPOSITIONED),
        ("proses", Status.IN_FOLLOW_UP),
        ("selesai", Status.CLOSED),
        ("selesai_no_close", Status.RESPONDED),
        ("no_disposition", Status.SUBMITTED),
        ("unmapped", Status.SUBMITTED),
        ("closed_but_open", Status.IN_FOLLOW_UP),
    ],
)
def test_status_reached(importer, result, row, status):
    tracking_id = ROWS[row][0]
    assert result.commands_rejected == 0
    assert status_of(importer, tracking_id) is status


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("out_of_order", "dates out of order"),
        ("no_received", "missing date"),
        ("bad_date", "invalid date"),
    ],
)
def test_row_rejected(result, row, reason):
    rejected = {p.line: p.reason for p in result.rejected_rows}
    assert rejected[LINE[row]] == reason


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("selesai_no_close", "missing date"),
        ("no_disposition", "missing date"),
        ("closed_but_open", "closed date with open status"),
    ],
)
def test_step_skipped(result, row, reason):
    skipped = {p.line: p.reason for p in result.skipped_steps}
    assert skipped[LINE[row]] == reason


def test_counts(result):
    assert result.rows_read == len(ROWS)
    assert result.rows_rejected == 3
    assert result.statuses_unmapped == 1


@pytest.mark.usefixtures("result")
def test_quoted_agency_name_dispositions(importer):
    complaint = importer.service.find(
        ComplaintScript("sp4n-opendata", "5000003", "").complaint_id
    )
    assert complaint.state.holder == "kementerian-desa-pdt-dan-transmigrasi"

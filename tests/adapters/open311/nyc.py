"""NYC 311 service requests (an Open311 city) as Open311 request documents."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
SAMPLE = DATA / "nyc311_requests_sample.csv.gz"
NEW_YORK = ZoneInfo("America/New_York")


def nyc_rows(limit: int | None = None) -> list[dict[str, str]]:
    """Return rows of the NYC 311 sample; skip the test when the data is missing."""
    if not SAMPLE.exists():
        pytest.skip(f"the NYC 311 sample is not at {SAMPLE}")
    with gzip.open(SAMPLE, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows[:limit] if limit is not None else rows


def _moment(text: str) -> dt.datetime | None:
    if not text:
        return None
    naive = dt.datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p")  # noqa: DTZ007 (zone added below)
    return naive.replace(tzinfo=NEW_YORK)


def as_open311(row: dict[str, str]) -> dict[str, Any]:
    """Return the Open311 document of one NYC row, as NYC's server would list it."""
    created = _moment(row["Created Date"])
    closed = _moment(row["Closed Date"])
    resolution = _moment(row["Resolution Action Updated Date"])
    updated = resolution or closed or created
    document: dict[str, Any] = {
        "service_request_id": row["Unique Key"],
        "status": "closed" if row["Status"] == "Closed" else "open",
        "status_notes": row["Resolution Description"] or None,
        "service_name": row["Complaint Type"],
        "service_code": row["Complaint Type"].lower().replace(" ", "-"),
        "description": row["Descriptor"] or row["Complaint Type"],
        "agency_responsible": row["Agency"],
        "requested_datetime": created.isoformat() if created else None,
        "updated_datetime": updated.isoformat() if updated else None,
        "address": row["Incident Address"] or None,
        "lat": float(row["Latitude"]) if row["Latitude"] else None,
        "long": float(row["Longitude"]) if row["Longitude"] else None,
    }
    return document


def is_consistent(document: dict[str, Any]) -> bool:
    """Whether a document passes the client's checks (dates present and ordered)."""
    requested, updated = document["requested_datetime"], document["updated_datetime"]
    if requested is None or updated is None:
        return False
    return dt.datetime.fromisoformat(updated) >= dt.datetime.fromisoformat(requested)

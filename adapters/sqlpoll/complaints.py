"""Reading a complaint's current state, and finding it by its tracking number.

A poller decides its commands from the complaint's status now, so it reads
it before every change: from a ``ComplaintService`` in the same process, or
from the gateway's ``GET /v1/complaints/{id}`` with the agency's token.
Legacy tables usually keep the national tracking number rather than the
complaint id; a :class:`ComplaintDirectory` resolves it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import httpx
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.exc import SQLAlchemyError

from adapters.sqlpoll.changes import Snapshot
from adapters.sqlpoll.errors import ComplaintLookupError
from events.values import Classification
from gateway.complaint import Status

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Engine

    from gateway.application import ComplaintService

logger = logging.getLogger(__name__)

MAX_TRACKING_DIGITS = 12


class ComplaintReader(Protocol):
    """Returns a complaint's current state, or ``None`` if it does not exist."""

    def snapshot(self, complaint_id: UUID) -> Snapshot | None: ...


class ComplaintDirectory(Protocol):
    """Returns the complaint id of a tracking number, or ``None`` if unknown."""

    def lookup(self, tracking_id: str, agency: str) -> UUID | None: ...


class InProcessComplaints:
    """Reads complaints from a ``ComplaintService`` of this process."""

    def __init__(self, service: ComplaintService) -> None:
        self.service = service

    def snapshot(self, complaint_id: UUID) -> Snapshot | None:
        complaint = self.service.find(complaint_id)
        if complaint is None:
            return None
        state = complaint.state
        return Snapshot(
            status=state.status,
            holder=state.holder,
            classification=state.classification,
            last_occurred_at=state.last_occurred_at,
        )


class HttpComplaints:
    """Reads complaints from a gateway's HTTP API with one agency's token."""

    def __init__(
        self, base_url: str, token: str, *, client: httpx.Client | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self.client = client or httpx.Client(timeout=10.0)

    def snapshot(self, complaint_id: UUID) -> Snapshot | None:
        url = f"{self.base_url}/v1/complaints/{complaint_id}"
        try:
            response = self.client.get(url, headers=self._headers)
        except httpx.HTTPError as exc:
            msg = f"reading complaint {complaint_id} from {url} failed: {exc}"
            raise ComplaintLookupError(msg) from exc
        if response.status_code == 404:  # noqa: PLR2004
            return None
        if response.status_code != 200:  # noqa: PLR2004
            msg = (
                f"reading complaint {complaint_id} from {url} returned HTTP "
                f"{response.status_code}: check the gateway and the agency token"
            )
            raise ComplaintLookupError(msg)
        return _snapshot_of(response.json()["state"])

    def close(self) -> None:
        self.client.close()


def _snapshot_of(state: Mapping[str, Any]) -> Snapshot:
    return Snapshot(
        status=Status(state["status"]),
        holder=state.get("holder"),
        classification=Classification(state["classification"]),
        last_occurred_at=dt.datetime.fromisoformat(state["last_occurred_at"]),
    )


class FixedDirectory:
    """A directory from a mapping of tracking number to complaint id."""

    def __init__(self, entries: Mapping[str, UUID]) -> None:
        self.entries = dict(entries)

    def lookup(self, tracking_id: str, agency: str) -> UUID | None:
        del agency
        return self.entries.get(tracking_id)


_status_view = Table(
    "status_complaints",
    MetaData(),
    Column("complaint_id", String(36), primary_key=True),
    Column("tracking_id", String(12)),
    Column("agency", String(63)),
)
"""The columns of the status projection's table that a lookup reads."""


class StatusViewDirectory:
    """Looks tracking numbers up in the status projection's ``status_complaints``.

    Only complaints the agency holds now are found, so a tracking number that
    two complaints share resolves to the one of this agency.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def lookup(self, tracking_id: str, agency: str) -> UUID | None:
        query = (
            select(_status_view.c.complaint_id)
            .where(
                _status_view.c.tracking_id == tracking_id,
                _status_view.c.agency == agency,
            )
            .limit(2)
        )
        try:
            with self.engine.connect() as connection:
                found = list(connection.execute(query).scalars())
        except SQLAlchemyError as exc:
            msg = f"looking up tracking number {tracking_id} in the status view failed"
            raise ComplaintLookupError(msg) from exc
        if len(found) != 1:
            return None
        return UUID(found[0])


def is_reference(text: str) -> bool:
    """Whether ``text`` can name a complaint: a UUID or a tracking number."""
    if text.isdigit() and len(text) <= MAX_TRACKING_DIGITS:
        return True
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def resolve(reference: str, agency: str, directory: ComplaintDirectory) -> UUID | None:
    """Return the complaint a valid reference names; ``None`` if it is unknown."""
    try:
        return UUID(reference)
    except ValueError:
        return directory.lookup(reference, agency)

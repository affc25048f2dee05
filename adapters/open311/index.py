"""The Open311 server's index of the requests it accepted.

``service_request_id`` is a number this index allocates; the row links it to
the complaint, the agency whose system sent it, and the client's
``Idempotency-Key`` when one was sent. The complaint's content and state stay
in the event store: a read loads the complaint, and listing filters the rows
here by agency, service and submission time first. A row is ``pending`` from
the allocation until the submission is recorded; a rejected submission
deletes its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateSchema

from adapters.sqlpoll.checkpoints import UtcTimestamp, state_engine

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

metadata = MetaData()
requests = Table(
    "open311_requests",
    metadata,
    Column(
        "service_request_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("agency", String(63), nullable=False),
    Column("system_id", String(63), nullable=False),
    Column("client_key", String(200)),
    Column("complaint_id", String(36)),
    Column("service_code", String(63), nullable=False),
    Column("requested_at", UtcTimestamp, nullable=False),
    UniqueConstraint("agency", "client_key", name="open311_requests_client_key"),
)
Index("open311_requests_listing", requests.c.agency, requests.c.requested_at)


@dataclass(frozen=True, slots=True)
class IndexedRequest:
    service_request_id: int
    agency: str
    system_id: str
    client_key: str | None
    complaint_id: UUID | None
    service_code: str
    requested_at: dt.datetime


class RequestIndex:
    """Allocates request ids and lists the requests of one agency."""

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.engine = state_engine(url, schema)
        with self.engine.begin() as connection:
            if schema is not None:
                connection.execute(CreateSchema(schema, if_not_exists=True))
            metadata.create_all(connection)

    def close(self) -> None:
        self.engine.dispose()

    def reserve(
        self,
        *,
        agency: str,
        system_id: str,
        client_key: str | None,
        service_code: str,
        requested_at: dt.datetime,
    ) -> tuple[IndexedRequest, bool]:
        """Allocate a request id; return ``(row, False)`` for a repeated client key."""
        if client_key is not None:
            existing = self._by_client_key(agency, client_key)
            if existing is not None:
                return existing, False
        values = {
            "agency": agency,
            "system_id": system_id,
            "client_key": client_key,
            "service_code": service_code,
            "requested_at": requested_at,
        }
        try:
            with self.engine.begin() as connection:
                result = connection.execute(insert(requests).values(**values))
                key = result.inserted_primary_key
                number = int(key[0]) if key is not None else 0
        except IntegrityError:
            # Another request with the same key was allocated in between.
            existing = self._by_client_key(agency, str(client_key))
            if existing is None:
                raise
            return existing, False
        row = IndexedRequest(
            service_request_id=number,
            agency=agency,
            system_id=system_id,
            client_key=client_key,
            complaint_id=None,
            service_code=service_code,
            requested_at=requested_at,
        )
        return row, True

    def attach(self, service_request_id: int, complaint_id: UUID) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(requests)
                .where(requests.c.service_request_id == service_request_id)
                .values(complaint_id=str(complaint_id))
            )

    def discard(self, service_request_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(requests).where(
                    requests.c.service_request_id == service_request_id
                )
            )

    def get(self, service_request_id: int) -> IndexedRequest | None:
        query = select(requests).where(
            requests.c.service_request_id == service_request_id
        )
        return self._one(query)

    def page(  # noqa: PLR0913 (the Open311 filters)
        self,
        agency: str,
        *,
        start: dt.datetime | None,
        end: dt.datetime | None,
        service_codes: Sequence[str] = (),
        ids: Sequence[int] = (),
        limit: int,
    ) -> list[IndexedRequest]:
        """Return recorded requests of ``agency``, oldest first, at most ``limit``."""
        query = select(requests).where(
            requests.c.agency == agency, requests.c.complaint_id.is_not(None)
        )
        if start is not None:
            query = query.where(requests.c.requested_at >= start)
        if end is not None:
            query = query.where(requests.c.requested_at <= end)
        if service_codes:
            query = query.where(requests.c.service_code.in_(list(service_codes)))
        if ids:
            query = query.where(requests.c.service_request_id.in_(list(ids)))
        query = query.order_by(
            requests.c.requested_at, requests.c.service_request_id
        ).limit(limit)
        with self.engine.connect() as connection:
            return [_row(row._mapping) for row in connection.execute(query)]  # noqa: SLF001 (SQLAlchemy's public row mapping)

    def _by_client_key(self, agency: str, client_key: str) -> IndexedRequest | None:
        query = select(requests).where(
            requests.c.agency == agency, requests.c.client_key == client_key
        )
        return self._one(query)

    def _one(self, query: Any) -> IndexedRequest | None:  # noqa: ANN401 (a Select)
        with self.engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        return None if row is None else _row(row._mapping)  # noqa: SLF001


def _row(mapping: Any) -> IndexedRequest:  # noqa: ANN401 (SQLAlchemy's RowMapping)
    complaint = mapping["complaint_id"]
    return IndexedRequest(
        service_request_id=int(mapping["service_request_id"]),
        agency=mapping["agency"],
        system_id=mapping["system_id"],
        client_key=mapping["client_key"],
        complaint_id=None if complaint is None else UUID(complaint),
        service_code=mapping["service_code"],
        requested_at=mapping["requested_at"],
    )

"""A legacy helpdesk in the real PostgreSQL, and a poller over it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, insert, update
from sqlalchemy.engine import make_url

from adapters.sqlpoll.applier import ChangeApplier, PollerIdentity
from adapters.sqlpoll.checkpoints import CheckpointStore
from adapters.sqlpoll.complaints import FixedDirectory
from adapters.sqlpoll.config import TablePollConfig
from adapters.sqlpoll.legacy import create_example_schema
from adapters.sqlpoll.poller import TablePoller
from tests.adapters.sqlpoll.local_gateway import CITY, WIB, Gateway

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from uuid import UUID

    from sqlalchemy import Engine, Table

OVERLAP = dt.timedelta(minutes=5)
T0 = dt.datetime(2025, 6, 3, 8, 0, tzinfo=WIB)


def psycopg_url(url: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql+psycopg")
        .render_as_string(hide_password=False)
    )


@dataclass
class Helpdesk:
    """The legacy table, the gateway and a way to build pollers over them."""

    engine: Engine
    tickets: Table
    gateway: Gateway
    store: CheckpointStore
    directory: FixedDirectory
    versions: dict[str, int] = field(default_factory=dict)

    def write(  # noqa: PLR0913 (one argument per column)
        self,
        ticket: str,
        status: str | None,
        updated_at: dt.datetime,
        *,
        tracking: str | None = None,
        notes: str | None = None,
        connection: Any = None,
    ) -> None:
        """Insert the ticket or update it, raising its row version like the helpdesk."""
        version = self.versions.get(ticket, 0) + 1
        self.versions[ticket] = version
        values = {
            "status": status,
            "notes": notes,
            "updated_at": updated_at,
            "row_version": version,
        }
        if version == 1:
            statement: Any = insert(self.tickets).values(
                ticket_id=ticket, lapor_tracking_id=tracking, **values
            )
        else:
            statement = (
                update(self.tickets)
                .where(self.tickets.c.ticket_id == ticket)
                .values(**values)
            )
        if connection is not None:
            connection.execute(statement)
            return
        with self.engine.begin() as own:
            own.execute(statement)

    def complaint(self, tracking: str) -> UUID:
        complaint_id = self.gateway.held_complaint(tracking)
        self.directory.entries[tracking] = complaint_id
        return complaint_id

    def poller(self, **overrides: Any) -> TablePoller:
        config = TablePollConfig.model_validate(
            {
                "name": "helpdesk-test",
                "source": "pemkot-helpdesk",
                "agency": CITY,
                "legacy": {"url_env": "UNUSED", "table": "helpdesk.tickets"},
                "overlap_seconds": OVERLAP.total_seconds(),
                "start_at": T0 - dt.timedelta(days=1),
                **overrides,
            }
        )
        gateway = self.gateway
        applier = ChangeApplier(
            PollerIdentity(
                name=config.name,
                adapter="sqlpoll",
                agency=CITY,
                label_agencies=frozenset({CITY}),
            ),
            sink=gateway.sink,
            complaints=gateway.complaints,
            mapper=gateway.mapper,
            store=self.store,
            metrics=gateway.poll_metrics,
        )
        return TablePoller(
            config,
            self.engine,
            applier,
            self.directory,
            metrics=gateway.poll_metrics,
        )

    def changes(self, outcome: str) -> float:
        return self.gateway.sample(
            "lapor_adapter_changes_total",
            adapter="sqlpoll",
            agency=CITY,
            outcome=outcome,
        )


@pytest.fixture
def helpdesk(postgres_database: str, tmp_path: Path) -> Iterator[Helpdesk]:
    url = psycopg_url(postgres_database)
    engine = create_engine(url)
    tickets = create_example_schema(engine)
    gateway = Gateway.build(tmp_path / "gateway")
    store = CheckpointStore(url, schema="lapor_adapter")
    yield Helpdesk(engine, tickets, gateway, store, FixedDirectory({}))
    store.close()
    gateway.close()
    engine.dispose()

"""The example legacy helpdesk table that the SQL poller reads.

Many agencies run a helpdesk application of their own on PostgreSQL. This is
the shape the poller expects, with the column names configurable per agency
(:class:`adapters.sqlpoll.config.LegacyColumns`)::

    CREATE TABLE helpdesk.tickets (
        ticket_id          text PRIMARY KEY,   -- the helpdesk's own id
        lapor_tracking_id  text,               -- national tracking number
        status             text,               -- the helpdesk's own vocabulary
        notes              text,               -- last note of the officer
        updated_at         timestamptz NOT NULL,
        row_version        bigint NOT NULL     -- raised by every update
    );
    CREATE INDEX ON helpdesk.tickets (updated_at, ticket_id);

The helpdesk, not the poller, sets ``updated_at`` and ``row_version`` on every
update. ``lapor_tracking_id`` may also hold the LAPOR complaint id (a UUID).
The poller only reads this table; its own state lives elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Column, DateTime, Index, MetaData, Table, Text
from sqlalchemy.schema import CreateSchema

if TYPE_CHECKING:
    from sqlalchemy import Engine


def example_tickets(schema: str = "helpdesk") -> Table:
    """Return the example table definition in ``schema``."""
    table = Table(
        "tickets",
        MetaData(schema=schema),
        Column("ticket_id", Text, primary_key=True),
        Column("lapor_tracking_id", Text),
        Column("status", Text),
        Column("notes", Text),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("row_version", BigInteger, nullable=False),
    )
    Index(f"{schema}_tickets_updated", table.c.updated_at, table.c.ticket_id)
    return table


def create_example_schema(engine: Engine, schema: str = "helpdesk") -> Table:
    """Create the example schema and table if missing; return the table."""
    table = example_tickets(schema)
    with engine.begin() as connection:
        connection.execute(CreateSchema(schema, if_not_exists=True))
        table.metadata.create_all(connection)
    return table

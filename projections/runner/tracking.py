"""The runner's own tables in a projection's database: positions and chains.

``<name>_runner_positions`` stores, per topic partition, the offset of the last
record the projection processed. ``<name>_runner_chains`` stores each
complaint's last applied sequence and hash, and ``<name>_runner_events`` the
hash of every applied event, so that a re-delivered copy of any older event is
recognised. The runner writes all three in the transaction that updates the
view, so they always describe exactly what the view contains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from projections.runner.sqltypes import UtcDateTime

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Collection, Iterable, Mapping

    from sqlalchemy import Connection

PartitionKey = tuple[str, int]
"""A topic partition: (topic, partition)."""

SELECT_CHUNK = 500
"""Keys per ``IN`` list, below every backend's bound-parameter limit."""


@dataclass(frozen=True, slots=True)
class ChainHead:
    """A complaint's last applied event: its sequence and hash."""

    sequence: int
    hash: str


class TrackingTables:
    """The runner's tables of one projection."""

    def __init__(self, projection_name: str) -> None:
        self.metadata = MetaData()
        self.positions = Table(
            f"{projection_name}_runner_positions",
            self.metadata,
            Column("topic", String(249), primary_key=True),
            Column("partition", Integer, primary_key=True),
            Column("offset", BigInteger, nullable=False),
            Column("updated_at", UtcDateTime, nullable=False),
        )
        self.chains = Table(
            f"{projection_name}_runner_chains",
            self.metadata,
            Column("complaint_id", String(36), primary_key=True),
            Column("last_sequence", BigInteger, nullable=False),
            Column("last_hash", String(64), nullable=False),
        )
        self.events = Table(
            f"{projection_name}_runner_events",
            self.metadata,
            Column("complaint_id", String(36), primary_key=True),
            Column("sequence", BigInteger, primary_key=True),
            Column("hash", String(64), nullable=False),
        )

    def lock_positions(
        self,
        connection: Connection,
        partitions: Collection[PartitionKey],
        *,
        at: dt.datetime,
    ) -> dict[PartitionKey, int]:
        """Return the stored offsets of ``partitions``, locking their rows.

        On PostgreSQL the rows are created when missing and selected ``FOR
        UPDATE``, so two instances never process one partition's records in
        overlapping transactions. SQLite's writer lock already serialises them.
        A partition never processed is absent from the result.
        """
        if not partitions:
            return {}
        positions = self.positions
        if connection.dialect.name == "postgresql":
            rows = [
                {"topic": topic, "partition": partition, "offset": -1, "updated_at": at}
                for topic, partition in sorted(partitions)
            ]
            statement = pg_insert(positions).values(rows)
            connection.execute(statement.on_conflict_do_nothing())
        query = select(positions.c.topic, positions.c.partition, positions.c.offset)
        query = query.where(
            tuple_(positions.c.topic, positions.c.partition).in_(sorted(partitions))
        )
        if connection.dialect.name == "postgresql":
            # Locking in one order keeps two instances from deadlocking.
            query = query.order_by(positions.c.topic, positions.c.partition)
            query = query.with_for_update()
        return {
            (row.topic, row.partition): row.offset
            for row in connection.execute(query)
            if row.offset >= 0
        }

    def read_positions(self, connection: Connection) -> dict[PartitionKey, int]:
        """Return every stored offset, without locking."""
        query = select(
            self.positions.c.topic, self.positions.c.partition, self.positions.c.offset
        ).where(self.positions.c.offset >= 0)
        return {
            (row.topic, row.partition): row.offset for row in connection.execute(query)
        }

    def load_heads(
        self, connection: Connection, complaint_ids: Iterable[str]
    ) -> dict[str, ChainHead]:
        """Return the chain head of each complaint that has one."""
        ids = sorted(set(complaint_ids))
        chains = self.chains
        heads: dict[str, ChainHead] = {}
        for start in range(0, len(ids), SELECT_CHUNK):
            chunk = ids[start : start + SELECT_CHUNK]
            query = select(
                chains.c.complaint_id, chains.c.last_sequence, chains.c.last_hash
            ).where(chains.c.complaint_id.in_(chunk))
            for row in connection.execute(query):
                heads[row.complaint_id] = ChainHead(row.last_sequence, row.last_hash)
        return heads

    def load_hashes(
        self, connection: Connection, keys: Collection[tuple[str, int]]
    ) -> dict[tuple[str, int], str]:
        """Return the stored hash of each applied (complaint id, sequence)."""
        events = self.events
        found: dict[tuple[str, int], str] = {}
        ordered = sorted(keys)
        for start in range(0, len(ordered), SELECT_CHUNK):
            chunk = ordered[start : start + SELECT_CHUNK]
            query = select(
                events.c.complaint_id, events.c.sequence, events.c.hash
            ).where(tuple_(events.c.complaint_id, events.c.sequence).in_(chunk))
            for row in connection.execute(query):
                found[row.complaint_id, row.sequence] = row.hash
        return found

    def record(  # noqa: PLR0913 (the four parts of one batch's bookkeeping)
        self,
        connection: Connection,
        *,
        heads: Mapping[str, tuple[ChainHead | None, ChainHead]],
        hashes: Mapping[tuple[str, int], str],
        positions: Mapping[PartitionKey, int],
        stored_positions: Mapping[PartitionKey, int],
        at: dt.datetime,
    ) -> None:
        """Store the batch's new chain heads, event hashes and positions.

        ``heads`` maps a complaint to its head before the batch (``None`` if it
        had none) and after it.
        """
        self._record_heads(connection, heads)
        if hashes:
            rows = [
                {"complaint_id": complaint, "sequence": sequence, "hash": value}
                for (complaint, sequence), value in hashes.items()
            ]
            connection.execute(insert(self.events), rows)
        self._record_positions(connection, positions, stored_positions, at)

    def _record_heads(
        self,
        connection: Connection,
        heads: Mapping[str, tuple[ChainHead | None, ChainHead]],
    ) -> None:
        chains = self.chains
        new_rows = [
            {
                "complaint_id": complaint,
                "last_sequence": new.sequence,
                "last_hash": new.hash,
            }
            for complaint, (old, new) in heads.items()
            if old is None
        ]
        if new_rows:
            connection.execute(insert(chains), new_rows)
        changed = [
            {"key": complaint, "sequence": new.sequence, "hash": new.hash}
            for complaint, (old, new) in heads.items()
            if old is not None
        ]
        if changed:
            statement = (
                update(chains)
                .where(chains.c.complaint_id == bindparam("key"))
                .values(
                    last_sequence=bindparam("sequence"), last_hash=bindparam("hash")
                )
            )
            connection.execute(statement, changed)

    def _record_positions(
        self,
        connection: Connection,
        positions: Mapping[PartitionKey, int],
        stored_positions: Mapping[PartitionKey, int],
        at: dt.datetime,
    ) -> None:
        table = self.positions
        postgres = connection.dialect.name == "postgresql"
        # PostgreSQL rows exist since lock_positions; SQLite rows may not.
        existing = [key for key in positions if postgres or key in stored_positions]
        missing = [key for key in positions if key not in existing]
        if missing:
            connection.execute(
                insert(table),
                [
                    {
                        "topic": t,
                        "partition": p,
                        "offset": positions[t, p],
                        "updated_at": at,
                    }
                    for t, p in missing
                ],
            )
        if existing:
            statement = (
                update(table)
                .where(
                    table.c.topic == bindparam("key_topic"),
                    table.c.partition == bindparam("key_partition"),
                )
                .values(offset=bindparam("new_offset"), updated_at=at)
            )
            connection.execute(
                statement,
                [
                    {"key_topic": t, "key_partition": p, "new_offset": positions[t, p]}
                    for t, p in existing
                ],
            )

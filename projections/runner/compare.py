"""Comparing two copies of a projection's view, table by table.

A rebuilt view must equal the live one once both have applied the same
records; these functions read every row of the projection's own tables in
primary-key order so that two databases can be compared exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

if TYPE_CHECKING:
    from sqlalchemy import Engine, MetaData


def view_contents(
    engine: Engine, metadata: MetaData
) -> dict[str, list[tuple[Any, ...]]]:
    """Return every row of every table in ``metadata``, sorted by primary key."""
    contents: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(select(table).order_by(*order))
            contents[table.name] = [tuple(row) for row in rows]
    return contents


def differing_tables(
    first: dict[str, list[tuple[Any, ...]]], second: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """Return the names of the tables whose rows differ between two contents."""
    names = sorted(set(first) | set(second))
    return [name for name in names if first.get(name) != second.get(name)]

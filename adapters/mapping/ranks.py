"""Lifecycle ranks: how far along its life a complaint in each status is.

A status mapping compares ranks to keep a source system from moving a
complaint backwards. Statuses of equal rank are alternatives at one stage:
``submitted`` and ``pending``, or ``verified`` and ``declined`` (both with the
national admin). The three terminal statuses share the highest rank.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from gateway.complaint import Status

if TYPE_CHECKING:
    from collections.abc import Mapping

RANKS: Mapping[Status, int] = MappingProxyType(
    {
        Status.SUBMITTED: 0,
        Status.PENDING: 0,
        Status.VERIFIED: 1,
        Status.DECLINED: 1,
        Status.DISPOSITIONED: 2,
        Status.IN_UNIT: 3,
        Status.IN_FOLLOW_UP: 4,
        Status.RESPONDED: 5,
        Status.CLOSED: 6,
        Status.DELETED: 6,
        Status.ARCHIVED: 6,
    }
)
"""The rank of every lifecycle status; a higher rank is further along."""

COMPLETED = frozenset({Status.RESPONDED, Status.CLOSED})
"""Statuses after which later activity in a source may mean a reopen."""


def rank_of(status: Status) -> int:
    """Return the lifecycle rank of ``status``."""
    return RANKS[status]

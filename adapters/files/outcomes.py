"""Outcomes of converting one source row: commands, or a rejection.

Reasons are short categories that the import result counts (``closed before
created``, ``invalid date``); details name the columns and values at fault.
Neither ever contains free text or personal data from the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.complaint import ComplaintCommand


class RowRejectedError(Exception):
    """Raised while converting a row that must be rejected; never escapes a profile."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SkippedStep:
    """A lifecycle step the row implies but that was not sent, and why."""

    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class ConvertedRow:
    """A row turned into commands, in the order they must be executed.

    A row may yield no command (a status that changes nothing) and may skip
    steps, which the import result lists.
    """

    line: int
    commands: tuple[ComplaintCommand, ...]
    skipped: tuple[SkippedStep, ...] = ()


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that produced no command, and why."""

    line: int
    reason: str
    detail: str


RowOutcome = ConvertedRow | RejectedRow

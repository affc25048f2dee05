"""The result of one import: what was read, sent, recorded, rejected and skipped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.files.outcomes import ConvertedRow, RejectedRow
from adapters.sink import SinkStatus
from events.values import FrozenModel

if TYPE_CHECKING:
    from adapters.files.outcomes import RowOutcome
    from adapters.sink import SinkResult
    from gateway.complaint import ComplaintCommand

MAX_LISTED = 200
"""Rejected rows and commands the text summary lists; the JSON report has all."""


class RowProblem(FrozenModel):
    """A rejected row, or a step a row implied but that was not sent."""

    line: int
    reason: str
    detail: str


class CommandProblem(FrozenModel):
    """A command the gateway rejected, with the line of the row it came from."""

    line: int
    command_id: str
    reason: str
    """``<problem code> <command type>``, for example
    ``transition-rejected ReopenComplaint``."""
    detail: str


class ImportResult(FrozenModel):
    """Counts and problems of one import; ``rows_read`` = accepted + rejected."""

    profile: str
    source: str
    timestamps_synthesised: bool
    synthesis_note: str | None = None
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejected_rows_by_reason: dict[str, int]
    rejected_rows: tuple[RowProblem, ...]
    skipped_steps_by_reason: dict[str, int]
    skipped_steps: tuple[RowProblem, ...]
    commands_sent: int
    commands_accepted: int
    """Recorded by this import."""
    commands_duplicate: int
    """Recorded before under the same command id: nothing new was stored."""
    commands_rejected: int
    rejected_commands_by_reason: dict[str, int]
    rejected_commands: tuple[CommandProblem, ...]
    commands_skipped: int
    """Not sent, because an earlier command of the same complaint was rejected."""
    statuses_unmapped: int = 0
    statuses_backward: int = 0
    elapsed_seconds: float

    def summary(self) -> str:
        """Return the result as text for a terminal, without free text from rows."""
        lines = [f"Import of {self.source} with profile {self.profile}"]
        if self.timestamps_synthesised:
            lines.append(f"WARNING: {self.synthesis_note or 'timestamps synthesised'}")
        lines += [
            (
                f"rows read {self.rows_read}: accepted {self.rows_accepted}, "
                f"rejected {self.rows_rejected}"
            ),
            (
                f"commands sent {self.commands_sent}: accepted "
                f"{self.commands_accepted}, duplicate {self.commands_duplicate}, "
                f"rejected {self.commands_rejected}; not sent after a rejection "
                f"{self.commands_skipped}"
            ),
            (
                f"statuses without mapping {self.statuses_unmapped}, ignored as "
                f"backward {self.statuses_backward}"
            ),
            f"elapsed {self.elapsed_seconds:.1f} s",
        ]
        lines += _counts("rejected rows", self.rejected_rows_by_reason)
        lines += _counts("skipped steps", self.skipped_steps_by_reason)
        lines += _counts("rejected commands", self.rejected_commands_by_reason)
        lines += _listed(
            "rejected row",
            [f"line {p.line}: {p.reason}: {p.detail}" for p in self.rejected_rows],
        )
        lines += _listed(
            "rejected command",
            [
                f"line {p.line}: {p.command_id}: {p.reason}: {p.detail}"
                for p in self.rejected_commands
            ],
        )
        return "\n".join(lines)


@dataclass(slots=True)
class ImportTally:
    """Counts one import as it runs; :meth:`result` freezes them."""

    profile: str
    source: str
    rows_read: int = 0
    rows_rejected: list[RowProblem] = field(default_factory=list)
    skipped_steps: list[RowProblem] = field(default_factory=list)
    commands_sent: int = 0
    outcomes: Counter[SinkStatus] = field(default_factory=Counter)
    command_problems: list[CommandProblem] = field(default_factory=list)
    commands_skipped: int = 0

    def count_row(self, outcome: RowOutcome) -> None:
        self.rows_read += 1
        if isinstance(outcome, RejectedRow):
            self.rows_rejected.append(
                RowProblem(
                    line=outcome.line, reason=outcome.reason, detail=outcome.detail
                )
            )
            return
        if isinstance(outcome, ConvertedRow):
            self.skipped_steps += [
                RowProblem(line=outcome.line, reason=step.reason, detail=step.detail)
                for step in outcome.skipped
            ]

    def count_command(
        self, line: int, command: ComplaintCommand, result: SinkResult
    ) -> None:
        self.commands_sent += 1
        self.outcomes[result.status] += 1
        if result.status is SinkStatus.REJECTED:
            self.command_problems.append(
                CommandProblem(
                    line=line,
                    command_id=command.command_id,
                    reason=f"{result.code} {type(command).__name__}",
                    detail=result.detail or "",
                )
            )

    def result(
        self,
        *,
        elapsed: float,
        synthesis_note: str | None,
        statuses: tuple[int, int] = (0, 0),
    ) -> ImportResult:
        """Return the frozen result; ``statuses`` are (unmapped, backward) counts."""
        return ImportResult(
            profile=self.profile,
            source=self.source,
            timestamps_synthesised=synthesis_note is not None,
            synthesis_note=synthesis_note,
            rows_read=self.rows_read,
            rows_accepted=self.rows_read - len(self.rows_rejected),
            rows_rejected=len(self.rows_rejected),
            rejected_rows_by_reason=_by_reason(self.rows_rejected),
            rejected_rows=tuple(self.rows_rejected),
            skipped_steps_by_reason=_by_reason(self.skipped_steps),
            skipped_steps=tuple(self.skipped_steps),
            commands_sent=self.commands_sent,
            commands_accepted=self.outcomes[SinkStatus.ACCEPTED],
            commands_duplicate=self.outcomes[SinkStatus.DUPLICATE],
            commands_rejected=self.outcomes[SinkStatus.REJECTED],
            rejected_commands_by_reason=_by_reason(self.command_problems),
            rejected_commands=tuple(self.command_problems),
            commands_skipped=self.commands_skipped,
            statuses_unmapped=statuses[0],
            statuses_backward=statuses[1],
            elapsed_seconds=round(elapsed, 3),
        )


def _by_reason(problems: list[RowProblem] | list[CommandProblem]) -> dict[str, int]:
    return dict(Counter(problem.reason for problem in problems).most_common())


def _counts(title: str, by_reason: dict[str, int]) -> list[str]:
    if not by_reason:
        return []
    return [f"{title} by reason:"] + [
        f"  {count:>7}  {reason}" for reason, count in by_reason.items()
    ]


def _listed(title: str, entries: list[str]) -> list[str]:
    shown = [f"{title}: {entry}" for entry in entries[:MAX_LISTED]]
    if len(entries) > MAX_LISTED:
        shown.append(
            f"... and {len(entries) - MAX_LISTED} more of {title}s: write them all "
            "with --report FILE"
        )
    return shown

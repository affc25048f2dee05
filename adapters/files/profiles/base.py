"""The shape every mapping profile has: row profiles and case profiles.

A profile is data (columns, timestamp formats and zone, status mapping
source, actors) plus the code that turns source rows into commands. A
:class:`RowProfile` converts each row on its own (one row, one complaint).
A :class:`CaseProfile` converts the rows of one case together, because a row
of a process log means something only after the rows before it. The rows of
a case must be contiguous in the file.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pydantic import ValidationError

from adapters.files.outcomes import RejectedRow, RowRejectedError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from adapters.files.outcomes import ConvertedRow, RowOutcome
    from adapters.files.reading import SourceFormat, SourceRow
    from adapters.files.registry import RegistryEntries
    from adapters.mapping import StatusMapper

DEFAULT_SEED = 2017
"""Seed of the generator that synthesises timestamps, where a profile must."""


@dataclass(frozen=True, slots=True)
class ProfileContext:
    """The status mapper and the synthesis seed a profile works with."""

    mapper: StatusMapper
    seed: int = DEFAULT_SEED


class Profile(ABC):
    """The mapping of one export format to gateway commands."""

    name: ClassVar[str]
    """The profile's name on the command line, in command ids and metrics."""
    source_format: ClassVar[SourceFormat]
    required: ClassVar[tuple[str, ...]]
    """Columns or fields every row must have."""
    timestamps_synthesised: ClassVar[bool] = False
    synthesis_note: ClassVar[str | None] = None
    """The rule by which the profile makes up timestamps, if it must."""

    def __init__(self, context: ProfileContext) -> None:
        self.context = context

    @property
    def source_uri(self) -> str:
        """The CloudEvents ``source`` of every command this profile sends."""
        suffix = ":synthesised-timestamps" if self.timestamps_synthesised else ""
        return f"urn:lapor:files:{self.name}{suffix}"

    @abstractmethod
    def outcomes(self, rows: Iterable[SourceRow]) -> Iterator[RowOutcome]:
        """Yield one outcome per row, in file order."""

    @abstractmethod
    def registry_entries(self, rows: Iterable[SourceRow]) -> RegistryEntries:
        """Return the agencies, units and import systems the rows need."""

    def limited(self, rows: Iterable[SourceRow], limit: int) -> Iterator[SourceRow]:
        """Yield the first ``limit`` rows."""
        return itertools.islice(rows, limit)


class RowProfile(Profile):
    """A profile where every row is one complaint."""

    @abstractmethod
    def convert(self, row: SourceRow) -> ConvertedRow:
        """Return the row's commands; raise ``RowRejectedError`` to reject it."""

    def outcomes(self, rows: Iterable[SourceRow]) -> Iterator[RowOutcome]:
        for row in rows:
            yield guarded(row, self.convert)


class CaseProfile(Profile):
    """A profile where consecutive rows with one key form one complaint."""

    @abstractmethod
    def case_key(self, row: SourceRow) -> str:
        """Return the key of the case the row belongs to."""

    @abstractmethod
    def convert_case(self, key: str, rows: list[SourceRow]) -> list[RowOutcome]:
        """Return one outcome per row of the case, in order."""

    def outcomes(self, rows: Iterable[SourceRow]) -> Iterator[RowOutcome]:
        finished: set[str] = set()
        for key, group in itertools.groupby(rows, key=self.case_key):
            case_rows = list(group)
            if key in finished:
                yield from _scattered(key, case_rows)
                continue
            finished.add(key)
            yield from self.convert_case(key, case_rows)

    def limited(self, rows: Iterable[SourceRow], limit: int) -> Iterator[SourceRow]:
        """Yield the first ``limit`` rows and the rest of the case the last is in."""
        last_key = None
        for count, row in enumerate(rows):
            key = self.case_key(row)
            if count >= limit and key != last_key:
                return
            last_key = key
            yield row


def guarded(row: SourceRow, convert: Callable[[SourceRow], RowOutcome]) -> RowOutcome:
    """Return ``convert(row)``, or the rejection of a row it cannot convert.

    A value that a command model rejects (a text too long, a coordinate out
    of range) rejects the row. The detail names the fields, not their values.
    """
    try:
        return convert(row)
    except RowRejectedError as exc:
        return RejectedRow(row.line, exc.reason, exc.detail)
    except ValidationError as exc:
        fields = sorted(
            {".".join(str(part) for part in error["loc"]) for error in exc.errors()}
        )
        return RejectedRow(
            row.line,
            "invalid value",
            f"{exc.title} rejects the fields {', '.join(fields)}",
        )


def _scattered(key: str, rows: list[SourceRow]) -> Iterator[RejectedRow]:
    for row in rows:
        yield RejectedRow(
            row.line,
            "case rows not contiguous",
            f"case {key[:40]!r} appeared earlier in the file: sort the file by case",
        )

"""Reading CSV and JSON Lines exports row by row, with their line numbers.

A file may be gzip-compressed (recognised by its first bytes). Each physical
line is decoded as UTF-8 on its own, so one line with invalid bytes rejects
only its own row. A row comes out as a :class:`SourceRow`, or as a
:class:`RowError` that names its line and why it cannot be read; reading
goes on after a bad row. A CSV header without a column the profile needs
stops the import before the first row.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Self, cast

from adapters.files.errors import SourceError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from pathlib import Path
    from types import TracebackType

GZIP_MAGIC = b"\x1f\x8b"


class SourceFormat(StrEnum):
    CSV = "csv"
    """Comma-separated values with a header line (RFC 4180 quoting)."""
    JSONL = "jsonl"
    """One JSON object per line."""


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One record of the file: ``line`` is the line it starts on (the header is 1)."""

    line: int
    fields: Mapping[str, str]

    def text(self, name: str) -> str:
        """Return the field ``name`` without surrounding spaces; empty if absent."""
        return self.fields.get(name, "").strip()


@dataclass(frozen=True, slots=True)
class RowError:
    """A record that cannot be read; ``reason`` is a short, countable category."""

    line: int
    reason: str
    detail: str


class SourceFile:
    """An open export file; iterate :meth:`rows` once.

    ``required`` are the columns (CSV) or fields (JSON Lines) the profile
    reads. ``size`` and :meth:`position` give the progress in bytes of the
    file on disk, compressed or not.
    """

    def __init__(
        self, path: Path, source_format: SourceFormat, required: Iterable[str]
    ) -> None:
        self.path = path
        self.format = source_format
        self.required = tuple(required)
        try:
            self._raw: IO[bytes] = path.open("rb")
            self.size = path.stat().st_size
            compressed = self._raw.read(2) == GZIP_MAGIC
            self._raw.seek(0)
        except OSError as exc:
            raise SourceError(f"cannot open {path}: {exc}") from exc
        self._binary: IO[bytes] = self._raw
        if compressed:
            self._binary = cast("IO[bytes]", gzip.GzipFile(fileobj=self._raw))
        self._bad_lines: dict[int, int] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._binary.close()
        self._raw.close()

    def position(self) -> int:
        """Return how many bytes of the file on disk have been read."""
        return self._raw.tell()

    def rows(self) -> Iterator[SourceRow | RowError]:
        """Yield every record in file order."""
        try:
            if self.format is SourceFormat.CSV:
                yield from self._csv_rows()
            else:
                yield from self._jsonl_rows()
        except (OSError, EOFError) as exc:
            raise SourceError(f"cannot read {self.path}: {exc}") from exc

    def _lines(self) -> Iterator[str]:
        """Yield decoded lines; invalid UTF-8 is replaced and remembered by line."""
        for number, raw in enumerate(self._binary, start=1):
            chunk = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
            try:
                yield chunk.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._bad_lines[number] = exc.start
                yield chunk.decode("utf-8", errors="replace")

    def _csv_rows(self) -> Iterator[SourceRow | RowError]:
        reader = csv.reader(self._lines(), strict=True)
        header = self._csv_header(reader)
        end = reader.line_num
        while True:
            start = end + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                end = reader.line_num
                yield RowError(start, "malformed CSV", f"{exc}")
                continue
            end = reader.line_num
            if not values:
                continue
            yield self._csv_row(start, end, header, values)

    def _csv_header(self, reader: Iterator[list[str]]) -> list[str]:
        try:
            header = [name.strip() for name in next(reader)]
        except (StopIteration, csv.Error) as exc:
            raise SourceError(
                f"{self.path} has no readable CSV header on line 1: export the "
                "file with a header line"
            ) from exc
        if self._bad_lines.get(1) is not None:
            raise SourceError(f"the header of {self.path} is not valid UTF-8")
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates:
            raise SourceError(
                f"the header of {self.path} names columns {duplicates} more than "
                "once: rename them"
            )
        missing = [name for name in self.required if name not in header]
        if missing:
            raise SourceError(
                f"the header of {self.path} lacks the columns {missing} that this "
                f"profile reads; its columns are: {', '.join(header)}"
            )
        return header

    def _csv_row(
        self, start: int, end: int, header: list[str], values: list[str]
    ) -> SourceRow | RowError:
        invalid = self._invalid_utf8(start, end)
        if invalid is not None:
            return invalid
        if len(values) != len(header):
            return RowError(
                start,
                "wrong number of fields",
                f"{len(values)} fields where the header has {len(header)}",
            )
        return SourceRow(start, dict(zip(header, values, strict=True)))

    def _jsonl_rows(self) -> Iterator[SourceRow | RowError]:
        for number, text in enumerate(self._lines(), start=1):
            if not text.strip():
                continue
            invalid = self._invalid_utf8(number, number)
            yield invalid or self._jsonl_row(number, text)

    def _jsonl_row(self, number: int, text: str) -> SourceRow | RowError:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            return RowError(number, "invalid JSON", f"{exc.msg} at column {exc.colno}")
        if not isinstance(document, dict):
            return RowError(number, "invalid JSON", "the line is not a JSON object")
        fields: dict[str, str] = {}
        for name, value in document.items():
            if isinstance(value, dict | list):
                return RowError(
                    number, "invalid JSON", f"field {name!r} is not a string or number"
                )
            fields[name] = "" if value is None else str(value)
        missing = [name for name in self.required if name not in fields]
        if missing:
            return RowError(number, "missing field", f"no field {', '.join(missing)}")
        return SourceRow(number, fields)

    def _invalid_utf8(self, start: int, end: int) -> RowError | None:
        found = [
            (number, self._bad_lines.pop(number))
            for number in range(start, end + 1)
            if number in self._bad_lines
        ]
        if not found:
            return None
        number, position = found[0]
        return RowError(
            start,
            "invalid UTF-8",
            f"line {number} has a byte that is not UTF-8 at offset {position}",
        )

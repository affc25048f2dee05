"""Running an import: read the file, convert its rows, send the commands, count.

:func:`run_import` streams the file: rows are converted as they are read and
sent in chunks, so memory does not grow with the file (a case profile keeps
one case at a time). Every rejected row is counted with its line and reason
and the import goes on. :func:`scan_registry` reads the file once to list the
agencies, units and import systems it needs.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from adapters.files.dispatch import Dispatcher
from adapters.files.outcomes import ConvertedRow, RejectedRow
from adapters.files.progress import FileProgress
from adapters.files.reading import RowError, SourceFile, SourceRow
from adapters.files.result import ImportTally

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    from prometheus_client import Counter

    from adapters.files.profiles import Profile
    from adapters.files.registry import RegistryEntries
    from adapters.files.result import ImportResult
    from adapters.sink import CommandSink

logger = logging.getLogger(__name__)

CHUNK_ROWS = 1000
"""Converted rows sent together; each chunk is sent in rounds (see dispatch)."""


def run_import(  # noqa: PLR0913 (the options are keywords with defaults)
    profile: Profile,
    path: Path,
    sink: CommandSink,
    *,
    limit: int | None = None,
    progress: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportResult:
    """Import ``path`` with ``profile`` into ``sink`` and return the result.

    ``limit`` stops after that many readable rows (a case profile reads on
    to the end of the case it is in). ``progress`` shows a bar on standard
    error. Raises ``SourceError`` when the file cannot be read at all and
    ``SinkError`` when the sink fails. Rows sent before a failure stay
    recorded, and a new import of the same file sends them again as
    duplicates.
    """
    started = time.perf_counter()
    tally = ImportTally(profile.name, path.name)
    dispatcher = Dispatcher(sink, tally)
    before = _status_counts(profile)
    logger.info("Import of %s with profile %s started", path.name, profile.name)
    with (
        SourceFile(path, profile.source_format, profile.required) as source,
        FileProgress(
            f"{profile.name} {path.name}", source.size, enabled=progress
        ) as bar,
    ):
        rows = _readable(source.rows(), tally)
        if limit is not None:
            rows = profile.limited(rows, limit)
        chunk: list[ConvertedRow] = []
        for outcome in profile.outcomes(rows):
            tally.count_row(outcome)
            if isinstance(outcome, ConvertedRow) and outcome.commands:
                chunk.append(outcome)
            if len(chunk) >= chunk_rows:
                dispatcher.send(chunk)
                chunk = []
                bar.update(source.position())
        dispatcher.send(chunk)
        bar.update(source.position())
    after = _status_counts(profile)
    result = tally.result(
        elapsed=time.perf_counter() - started,
        synthesis_note=profile.synthesis_note
        if profile.timestamps_synthesised
        else None,
        statuses=(after[0] - before[0], after[1] - before[1]),
    )
    logger.info(
        "Import of %s finished: %d rows read, %d rejected; %d commands sent, "
        "%d accepted, %d duplicate, %d rejected",
        path.name,
        result.rows_read,
        result.rows_rejected,
        result.commands_sent,
        result.commands_accepted,
        result.commands_duplicate,
        result.commands_rejected,
    )
    return result


def scan_registry(profile: Profile, path: Path) -> RegistryEntries:
    """Return the agencies, units and import systems the file's rows need."""
    with SourceFile(path, profile.source_format, profile.required) as source:
        rows = (row for row in source.rows() if isinstance(row, SourceRow))
        return profile.registry_entries(rows)


def _readable(
    records: Iterable[SourceRow | RowError], tally: ImportTally
) -> Iterator[SourceRow]:
    """Yield the readable rows; count the others as rejected rows."""
    for record in records:
        if isinstance(record, RowError):
            tally.count_row(RejectedRow(record.line, record.reason, record.detail))
        else:
            yield record


def _status_counts(profile: Profile) -> tuple[int, int]:
    """Return the mapper's (unmapped, backward) totals so far, over all labels."""
    metrics = profile.context.mapper.metrics
    if metrics is None:
        return (0, 0)
    return (_total(metrics.unmapped), _total(metrics.backward))


def _total(counter: Counter) -> int:
    return int(
        sum(
            sample.value
            for metric in counter.collect()
            for sample in metric.samples
            if sample.name.endswith("_total")
        )
    )

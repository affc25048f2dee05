"""The audit of a whole events topic: chains, duplicates and signed checkpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from events import verify_stream
from events.values import FrozenModel
from projections.audit.checkpoint_audit import (
    PartitionCoverage,
    checkpoint_heads,
    compare_with_log,
    read_checkpoints,
)
from projections.audit.decoding import LogDecoder
from projections.audit.findings import (
    CHECKPOINT_KINDS,
    Duplicate,
    Finding,
    FindingKind,
    RecordLocation,
    StreamIndex,
    duplicates_of,
    findings_of,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from projections.audit.decoding import ReadEvent
    from projections.audit.reader import LogRecord, TopicSnapshot
    from projections.audit.signing import CheckpointVerifier

EXIT_CLEAN = 0
EXIT_EVENTS_TAMPERED = 1
"""Some event was altered, removed, inserted, reordered or cannot be decoded."""
EXIT_CHECKPOINTS_FAILED = 3
"""The events' chains are intact, but a checkpoint is forged or contradicted."""
EXIT_READ_FAILED = 4
EXIT_CONFIGURATION = 5
EXIT_NOT_FOUND = 6
"""The complaint has no event (as of the moment), or the reader may not see it."""
# Exit code 2 is argparse's usage error.


class CheckpointSummary(FrozenModel):
    """The checkpoints topic's part of an audit: records, checkpoints, coverage."""

    topic: str
    records: int
    accepted: int
    copies: int
    heads: int
    """Complaints whose last event a signed checkpoint vouches for."""
    coverage: tuple[PartitionCoverage, ...]


class AuditReport(FrozenModel):
    """The outcome of auditing one events topic."""

    topic: str
    records: int
    partitions: int
    complaints: int
    findings: tuple[Finding, ...]
    duplicates: tuple[Duplicate, ...]
    checkpoints: CheckpointSummary | None

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def exit_code(self) -> int:
        """``EXIT_EVENTS_TAMPERED`` outranks ``EXIT_CHECKPOINTS_FAILED``."""
        if any(finding.kind not in CHECKPOINT_KINDS for finding in self.findings):
            return EXIT_EVENTS_TAMPERED
        if self.findings:
            return EXIT_CHECKPOINTS_FAILED
        return EXIT_CLEAN


def audit_log(
    snapshot: TopicSnapshot,
    *,
    verifiers: Sequence[CheckpointVerifier] = (),
    checkpoints_topic: str | None = None,
    checkpoint_records: Sequence[LogRecord] = (),
) -> AuditReport:
    """Verify every complaint's chain in ``snapshot`` and the signed checkpoints.

    Without ``checkpoints_topic`` only the chains are checked, which cannot
    notice that a complaint's last events were removed or replaced.
    """
    reading = read_checkpoints(checkpoint_records, verifiers)
    heads = checkpoint_heads(reading.accepted)
    log = LogDecoder()
    reports = verify_stream(log.decode(snapshot.records), heads=heads)
    index = _index(log.events)
    findings: list[Finding] = [*log.undecodable, *_misplaced(log.events, index)]
    duplicates: list[Duplicate] = []
    for report in reports.values():
        findings.extend(findings_of(report, index))
        duplicates.extend(duplicates_of(report, index))
    summary = None
    if checkpoints_topic is not None:
        mismatches, coverage = compare_with_log(reading.accepted, snapshot, log)
        findings.extend([*reading.findings, *mismatches])
        summary = CheckpointSummary(
            topic=checkpoints_topic,
            records=len(checkpoint_records),
            accepted=len(reading.accepted),
            copies=reading.copies,
            heads=len(heads),
            coverage=tuple(coverage),
        )
    return AuditReport(
        topic=snapshot.topic,
        records=len(snapshot.records),
        partitions=len(snapshot.end_offsets),
        complaints=len(reports),
        findings=tuple(sorted(findings, key=_finding_order)),
        duplicates=tuple(duplicates),
        checkpoints=summary,
    )


def _index(events: Sequence[ReadEvent]) -> StreamIndex:
    by_sequence: dict[tuple[str, int], RecordLocation] = {}
    home: dict[str, int] = {}
    for read in events:
        by_sequence.setdefault((read.subject, read.sequence), read.location)
        home.setdefault(read.subject, read.location.partition)
    return StreamIndex(
        locations=[read.location for read in events], by_sequence=by_sequence, home=home
    )


def _misplaced(events: Sequence[ReadEvent], index: StreamIndex) -> list[Finding]:
    return [
        Finding(
            kind=FindingKind.MISPLACED,
            message=(
                f"the event sits in partition {read.location.partition} but its "
                f"complaint's first event is in partition {index.home[read.subject]}"
                ": a complaint's events are keyed to one partition"
            ),
            complaint_id=read.subject,
            sequence=read.sequence,
            event_id=read.event_id,
            partition=read.location.partition,
            offset=read.location.offset,
        )
        for read in events
        if read.location.partition != index.home[read.subject]
    ]


def _finding_order(finding: Finding) -> tuple[bool, int, int]:
    return (
        finding.kind in CHECKPOINT_KINDS,
        -1 if finding.partition is None else finding.partition,
        -1 if finding.offset is None else finding.offset,
    )

"""Checking signed checkpoints against a topic read from its beginning.

A checkpoint is accepted when its signature verifies with one of the
auditor's public keys. Each accepted checkpoint is then compared with the
topic: for every partition it lists, the auditor recomputes the running
digest over the records below the checkpoint's offset (with the rule in
``projections.audit.checkpoint``) and compares digest, event count and
complaint count. The heads it lists are handed to the chain check, which
then notices removed or replaced last events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from events import ChainHead
from events.values import FrozenModel
from projections.audit.checkpoint import (
    GENESIS_DIGEST,
    Checkpoint,
    checkpoint_id_of,
    extend_digest,
    parse_signed_checkpoint,
    verify_signed,
)
from projections.audit.errors import CheckpointFormatError
from projections.audit.findings import Finding, FindingKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from projections.audit.decoding import LogDecoder, ReadEvent
    from projections.audit.reader import LogRecord, TopicSnapshot
    from projections.audit.signing import CheckpointVerifier


@dataclass(frozen=True, slots=True)
class AcceptedCheckpoint:
    """A checkpoint whose signature verified."""

    checkpoint_id: str
    checkpoint: Checkpoint


@dataclass(slots=True)
class CheckpointReading:
    """The checkpoints topic sorted into accepted checkpoints and findings."""

    accepted: list[AcceptedCheckpoint] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    copies: int = 0
    """Records that repeat an accepted checkpoint (published twice)."""


class PartitionCoverage(FrozenModel):
    """How much of a partition the matching signed checkpoints vouch for."""

    partition: int
    covered_offset: int
    """Records below this offset match a signed checkpoint."""
    uncovered_records: int
    """Records at or above ``covered_offset``: no checkpoint vouches for them."""


def read_checkpoints(
    records: Sequence[LogRecord], verifiers: Sequence[CheckpointVerifier]
) -> CheckpointReading:
    """Parse and verify every record of the checkpoints topic."""
    by_key = {verifier.key_id: verifier for verifier in verifiers}
    reading = CheckpointReading()
    seen: set[str] = set()
    for record in records:
        try:
            document, signature, checkpoint = parse_signed_checkpoint(record.value)
        except CheckpointFormatError as exc:
            reading.findings.append(_invalid(record, str(exc)))
            continue
        accepted = AcceptedCheckpoint(checkpoint_id_of(checkpoint), checkpoint)
        verifier = by_key.get(checkpoint.key_id)
        if verifier is None or not verify_signed(document, signature, verifier):
            reading.findings.append(
                _forged(record, accepted, known=verifier is not None)
            )
        elif accepted.checkpoint_id in seen:
            reading.copies += 1
        else:
            seen.add(accepted.checkpoint_id)
            reading.accepted.append(accepted)
    return reading


def checkpoint_heads(accepted: Sequence[AcceptedCheckpoint]) -> dict[str, ChainHead]:
    """Return the highest head each complaint has in any accepted checkpoint."""
    heads: dict[str, ChainHead] = {}
    for item in accepted:
        for mark in item.checkpoint.heads:
            known = heads.get(mark.complaint_id)
            if known is None or mark.sequence >= known.sequence:
                heads[mark.complaint_id] = ChainHead(mark.sequence, mark.hash)
    return heads


def compare_with_log(
    accepted: Sequence[AcceptedCheckpoint], snapshot: TopicSnapshot, log: LogDecoder
) -> tuple[list[Finding], list[PartitionCoverage]]:
    """Compare each accepted checkpoint with the topic, partition by partition."""
    marks: dict[int, list[tuple[int, AcceptedCheckpoint]]] = {}
    for item in accepted:
        for mark in item.checkpoint.partitions:
            marks.setdefault(mark.partition, []).append((mark.offset, item))
    items: dict[int, list[tuple[int, ReadEvent | None]]] = {}
    for record, event in zip(snapshot.records, log.by_record, strict=True):
        items.setdefault(record.partition, []).append((record.offset, event))
    findings: list[Finding] = []
    coverage: list[PartitionCoverage] = []
    for partition in sorted(set(marks) | set(snapshot.end_offsets)):
        listed = sorted(marks.get(partition, []), key=lambda pair: pair[0])
        walk = _PartitionWalk(
            partition, snapshot.end_offsets.get(partition), items.get(partition, [])
        )
        found, covered = walk.compare(listed)
        findings.extend(found)
        if partition in snapshot.end_offsets:
            coverage.append(walk.coverage(covered))
    return findings, coverage


class _PartitionWalk:
    """Recomputes one partition's running digest and compares it at each mark."""

    def __init__(
        self,
        partition: int,
        end_offset: int | None,
        items: list[tuple[int, ReadEvent | None]],
    ) -> None:
        self.partition = partition
        self.end_offset = end_offset
        # Offset and decoded facts (None if undecodable) of each record.
        self.items = items

    def compare(
        self, listed: list[tuple[int, AcceptedCheckpoint]]
    ) -> tuple[list[Finding], int]:
        """Return the findings and the highest offset a matching checkpoint covers."""
        digest, events = GENESIS_DIGEST, 0
        heads: dict[str, int] = {}
        index = 0
        covered = 0
        failures: list[tuple[int, int, AcceptedCheckpoint, str]] = []
        for offset, item in listed:
            while index < len(self.items) and self.items[index][0] < offset:
                event = self.items[index][1]
                index += 1
                if event is None or event.sequence <= heads.get(event.subject, 0):
                    continue
                heads[event.subject] = event.sequence
                digest, events = extend_digest(digest, event.computed_hash), events + 1
            problem = self._problem(offset, item, digest, events, len(heads))
            if problem is None:
                covered = max(covered, offset)
            else:
                failures.append((covered, offset, item, problem))
        return self._findings(failures), covered

    def _problem(
        self,
        offset: int,
        item: AcceptedCheckpoint,
        digest: str,
        events: int,
        complaints: int,
    ) -> str | None:
        mark = next(
            m for m in item.checkpoint.partitions if m.partition == self.partition
        )
        if self.end_offset is None:
            return "the topic has no such partition"
        if offset > self.end_offset:
            return (
                f"the partition ends at offset {self.end_offset}, before the "
                f"checkpoint's offset {offset}: records were removed"
            )
        if (digest, events, complaints) == (mark.digest, mark.events, mark.complaints):
            return None
        return (
            f"the records below offset {offset} give {events} events of "
            f"{complaints} complaints with digest {digest}, but the checkpoint "
            f"signed {mark.events} events of {mark.complaints} complaints with "
            f"digest {mark.digest}"
        )

    def _findings(
        self, failures: list[tuple[int, int, AcceptedCheckpoint, str]]
    ) -> list[Finding]:
        """Report the earliest failing checkpoint; later ones only as a count."""
        if not failures:
            return []
        covered, offset, item, problem = failures[0]
        later = len(failures) - 1
        suffix = ""
        if later == 1:
            suffix = "; 1 later checkpoint fails too"
        elif later > 1:
            suffix = f"; {later} later checkpoints fail too"
        return [
            Finding(
                kind=FindingKind.CHECKPOINT_MISMATCH,
                message=(
                    f"checkpoint taken at {item.checkpoint.taken_at.isoformat()} "
                    f"does not match partition {self.partition}: {problem}; the "
                    f"difference lies between offsets {covered} and {offset}{suffix}"
                ),
                partition=self.partition,
                offset=offset,
                checkpoint_id=item.checkpoint_id,
            )
        ]

    def coverage(self, covered: int) -> PartitionCoverage:
        uncovered = sum(1 for offset, _ in self.items if offset >= covered)
        return PartitionCoverage(
            partition=self.partition,
            covered_offset=covered,
            uncovered_records=uncovered,
        )


def _invalid(record: LogRecord, problem: str) -> Finding:
    return Finding(
        kind=FindingKind.INVALID_CHECKPOINT,
        message=f"checkpoints topic record is not a signed checkpoint: {problem}",
        partition=record.partition,
        offset=record.offset,
    )


def _forged(record: LogRecord, accepted: AcceptedCheckpoint, *, known: bool) -> Finding:
    reason = (
        "its signature does not verify"
        if known
        else f"it names key {accepted.checkpoint.key_id}, which is not among the "
        "auditor's public keys"
    )
    return Finding(
        kind=FindingKind.FORGED_CHECKPOINT,
        message=f"checkpoint taken at {accepted.checkpoint.taken_at.isoformat()} is "
        f"rejected: {reason}",
        partition=record.partition,
        offset=record.offset,
        checkpoint_id=accepted.checkpoint_id,
    )

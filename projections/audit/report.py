"""Rendering an audit report for people (one line per finding) and machines (JSON)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from projections.audit.findings import CHECKPOINT_KINDS

if TYPE_CHECKING:
    from projections.audit.auditor import AuditReport, CheckpointSummary
    from projections.audit.findings import Duplicate, Finding


def render_json(report: AuditReport) -> str:
    """Return the report as JSON, with ``clean`` and ``exit_code`` added."""
    payload = report.model_dump(mode="json")
    payload["clean"] = report.clean
    payload["exit_code"] = report.exit_code
    return json.dumps(payload, indent=2, sort_keys=True)


def render_text(report: AuditReport) -> str:
    """Return the report as lines an auditor reads; findings first, by location."""
    heading = (
        f"Audit of topic {report.topic}: {report.records} records in "
        f"{report.partitions} partitions, {report.complaints} complaints."
    )
    lines = [heading]
    if report.checkpoints is not None:
        lines.extend(_checkpoint_lines(report.checkpoints))
    else:
        lines.append(
            "No checkpoints topic given: removal of a complaint's last events "
            "cannot be detected."
        )
    lines.extend(finding_line(finding) for finding in report.findings)
    lines.extend(duplicate_line(duplicate) for duplicate in report.duplicates)
    lines.append(_result_line(report))
    return "\n".join(lines)


def finding_line(finding: Finding) -> str:
    """Return ``KIND complaint … sequence … event … at partition … offset …: why``."""
    parts = [finding.kind.value.upper()]
    if finding.complaint_id is not None:
        parts.append(f"complaint {finding.complaint_id}")
    if finding.sequence is not None:
        sequences = str(finding.sequence)
        if finding.last_sequence not in {None, finding.sequence}:
            sequences += f"-{finding.last_sequence}"
        parts.append(f"sequence {sequences}")
    if finding.event_id is not None:
        parts.append(f"event {finding.event_id}")
    if finding.checkpoint_id is not None:
        parts.append(f"checkpoint {finding.checkpoint_id[:16]}")
    if finding.partition is not None:
        where = f"at partition {finding.partition}"
        if len(finding.offsets) > 1:
            where += f" offsets {', '.join(map(str, finding.offsets))}"
        elif finding.offset is not None:
            where += f" offset {finding.offset}"
        parts.append(where)
    return f"{' '.join(parts)}: {finding.message}"


def duplicate_line(duplicate: Duplicate) -> str:
    offsets = ", ".join(map(str, duplicate.offsets))
    return (
        f"DUPLICATE complaint {duplicate.complaint_id} sequence {duplicate.sequence} "
        f"event {duplicate.event_id} at partition {duplicate.partition} offsets "
        f"{offsets}: the same event was read more than once (harmless)"
    )


def _checkpoint_lines(summary: CheckpointSummary) -> list[str]:
    heading = (
        f"Checkpoints topic {summary.topic}: {summary.records} records, "
        f"{summary.accepted} signed checkpoints accepted ({summary.copies} "
        f"repeated copies), {summary.heads} complaint heads vouched for."
    )
    lines = [heading]
    lines.extend(
        f"  partition {coverage.partition}: records below offset "
        f"{coverage.covered_offset} match a signed checkpoint; "
        f"{coverage.uncovered_records} later records are not covered yet."
        for coverage in summary.coverage
    )
    return lines


def _result_line(report: AuditReport) -> str:
    duplicates = len(report.duplicates)
    harmless = f"{duplicates} harmless duplicate{'s' if duplicates != 1 else ''}"
    if report.clean:
        return (
            f"Result: clean; every chain verifies and every accepted checkpoint "
            f"matches. {harmless}. Exit code {report.exit_code}."
        )
    count = len(report.findings)
    about_checkpoints = sum(
        1 for finding in report.findings if finding.kind in CHECKPOINT_KINDS
    )
    findings = f"{count} finding{'s' if count != 1 else ''}"
    about_events = count - about_checkpoints
    split = f"{about_events} about events, {about_checkpoints} about checkpoints"
    return f"Result: {findings} ({split}); {harmless}. Exit code {report.exit_code}."

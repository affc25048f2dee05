"""Export of one complaint's history: JSON for machines, an HTML page for people.

The export contains each stored document (redacted for the reader, see
``projections.audit.access``), the verification result, the disposition path
and the current status. A redacted document keeps its original ``hash``,
which then no longer verifies against it: the verification result was
computed over the stored documents before redaction.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader

from events.envelope import Sha256Hex
from events.payloads import (
    ComplaintDeclined,
    ComplaintDispositioned,
    ComplaintForwardedToUnit,
    ComplaintRedispositioned,
    ComplaintSubmitted,
)
from events.structured import to_document
from events.timestamps import Timestamp
from events.values import FrozenModel, PrivacyFlags
from gateway.complaint import Complaint, ComplaintError
from gateway.feeds import FeedState, advance, redact
from projections.audit.access import IDENTITY_REDACTION, may_read, without_identity
from projections.audit.errors import ComplaintNotFoundError
from projections.audit.findings import Finding, duplicates_of, findings_of
from projections.audit.history import decode_entries, verify_entries

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from events import DecodedEvent, Envelope
    from projections.audit.access import Viewer
    from projections.audit.history import HistoryEntry

_TEMPLATES = Environment(
    loader=PackageLoader("projections.audit", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


class ExportedEvent(FrozenModel):
    """One event of an export: its position, both times, its actor and document."""

    sequence: int
    event_id: str
    stored_type: str
    current_type: str
    actor_agency: str
    actor_role: str
    actor_unit: str | None
    time: Timestamp
    recordedtime: Timestamp
    partition: int
    offset: int
    previous_hash: Sha256Hex | None
    hash: Sha256Hex
    document: dict[str, Any]
    redactions: tuple[str, ...]
    """Parts removed for this reader: ``identity``, ``content``, ``unreadable``."""


class Verification(FrozenModel):
    """The hash-chain check over the stored documents, before any redaction."""

    valid: bool
    checked_at: Timestamp
    events: int
    findings: tuple[Finding, ...]
    duplicates: int


class PathStep(FrozenModel):
    """One change of the agency or unit that handles the complaint."""

    sequence: int
    time: Timestamp
    action: str
    agency: str | None
    """``None`` while the complaint is with the national admin."""
    unit: str | None


class ComplaintExport(FrozenModel):
    """Everything one reader may see of one complaint's history."""

    complaint_id: str
    title: str | None
    status: str | None
    """The status the events give; ``None`` when the history cannot be replayed."""
    privacy: PrivacyFlags
    exported_at: Timestamp
    exported_for: str
    full_access: bool
    verification: Verification
    disposition_path: tuple[PathStep, ...]
    events: tuple[ExportedEvent, ...]


def build_export(
    complaint_id: str,
    entries: Sequence[HistoryEntry],
    viewer: Viewer,
    *,
    now: datetime,
) -> ComplaintExport:
    """Build the export of ``entries`` for ``viewer``; see :func:`readable_history`."""
    decoded, state = readable_history(complaint_id, entries, viewer)
    envelopes = [event.envelope for event in decoded if event is not None]
    report, index = verify_entries(complaint_id, entries)
    events = tuple(
        _exported(entry, event, state, viewer)
        for entry, event in zip(entries, decoded, strict=True)
    )
    return ComplaintExport(
        complaint_id=complaint_id,
        title=_title(events),
        status=_status(envelopes),
        privacy=state.privacy,
        exported_at=now,
        exported_for=viewer.agency,
        full_access=viewer.full_access,
        verification=Verification(
            valid=report.valid,
            checked_at=now,
            events=len(entries),
            findings=tuple(findings_of(report, index)),
            duplicates=len(duplicates_of(report, index)),
        ),
        disposition_path=disposition_path(envelopes),
        events=events,
    )


def readable_history(
    complaint_id: str, entries: Sequence[HistoryEntry], viewer: Viewer
) -> tuple[list[DecodedEvent | None], FeedState]:
    """Decode ``entries`` and fold their routing state, if ``viewer`` may read them.

    Raises ``ComplaintNotFoundError`` when there are no entries or the viewer
    may not read the complaint, so that a caller cannot tell the two apart.
    """
    decoded, _ = decode_entries(entries)
    state = FeedState()
    for event in decoded:
        if event is not None:
            state = advance(state, event.envelope)
    if not entries or not may_read(viewer, state):
        raise ComplaintNotFoundError(
            f"complaint {complaint_id} was not found, or agency {viewer.agency} "
            "has never held it"
        )
    return decoded, state


def render_json(export: ComplaintExport) -> str:
    return json.dumps(export.model_dump(mode="json"), indent=2, sort_keys=True)


def render_html(export: ComplaintExport) -> str:
    """Render the export as a self-contained HTML page; every value is escaped."""
    template = _TEMPLATES.get_template("history.html.j2")
    return template.render(
        export=export,
        rows=[(event, _data_fields(event.document)) for event in export.events],
    )


def disposition_path(envelopes: Sequence[Envelope]) -> tuple[PathStep, ...]:
    """Return the steps that moved the complaint between agencies and units."""
    steps: list[PathStep] = []
    for envelope in envelopes:
        target = _routing_target(envelope)
        if target is None:
            continue
        agency, unit = target
        action = type(envelope.data).event_name.removeprefix("complaint.")
        steps.append(
            PathStep(
                sequence=envelope.sequence,
                time=envelope.time,
                action=action,
                agency=agency,
                unit=unit,
            )
        )
    return tuple(steps)


def _routing_target(envelope: Envelope) -> tuple[str | None, str | None] | None:
    """Return (agency, unit) that handles the complaint after a routing event."""
    data = envelope.data
    if isinstance(data, ComplaintSubmitted):
        return data.target_agency, None
    if isinstance(data, ComplaintDispositioned):
        return data.agency, None
    if isinstance(data, ComplaintDeclined):
        return None, None
    if isinstance(data, ComplaintRedispositioned):
        return data.to_agency, None
    if isinstance(data, ComplaintForwardedToUnit):
        return data.agency, data.unit
    return None


def _exported(
    entry: HistoryEntry,
    event: DecodedEvent | None,
    state: FeedState,
    viewer: Viewer,
) -> ExportedEvent:
    document, redactions = _visible_document(entry, event, state, viewer)
    document, had_identity = without_identity(document)
    if had_identity and IDENTITY_REDACTION not in redactions:
        redactions = (*redactions, IDENTITY_REDACTION)
    return ExportedEvent(
        sequence=entry.sequence,
        event_id=entry.event_id,
        stored_type=entry.stored_type,
        current_type=entry.current_type,
        actor_agency=entry.actor_agency,
        actor_role=entry.actor_role,
        actor_unit=entry.actor_unit,
        time=entry.time,
        recordedtime=entry.recordedtime,
        partition=entry.partition,
        offset=entry.offset,
        previous_hash=entry.previous_hash,
        hash=entry.hash,
        document=document,
        redactions=redactions,
    )


def _visible_document(
    entry: HistoryEntry,
    event: DecodedEvent | None,
    state: FeedState,
    viewer: Viewer,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    if viewer.full_access:
        return entry.document, ()
    if event is None:
        # Without a decoded event the content cannot be redacted safely.
        return {"id": entry.event_id, "type": entry.stored_type}, ("unreadable",)
    delivery = redact(state, event.envelope, viewer.agency)
    if not delivery.redactions:
        return entry.document, ()
    return to_document(delivery.envelope), delivery.redactions


def _title(events: Sequence[ExportedEvent]) -> str | None:
    for event in events:
        title = event.document.get("data", {}).get("title")
        if isinstance(title, str):
            return title
    return None


def _status(envelopes: Sequence[Envelope]) -> str | None:
    unique = {envelope.id: envelope for envelope in envelopes}
    try:
        complaint = Complaint.replay(
            sorted(unique.values(), key=lambda envelope: envelope.sequence)
        )
    except ComplaintError:
        return None
    return complaint.status.value


def _data_fields(document: dict[str, Any]) -> list[tuple[str, str]]:
    data = document.get("data")
    if not isinstance(data, dict):
        return []
    return [(name, _shown(value)) for name, value in data.items()]


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

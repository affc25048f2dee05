"""Exports of one complaint's history: redaction, escaping and verification."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gateway.feeds import ANONYMOUS_REPORTER, WITHHELD
from projections.audit.access import Viewer
from projections.audit.errors import ComplaintNotFoundError
from projections.audit.export import build_export, render_html, render_json
from projections.audit.findings import FindingKind, RecordLocation
from projections.audit.history import entry_of
from tests.complaint.builders import HOLDER, OTHER_AGENCY
from tests.projections.audit.histories import SCRIPT_TITLE

NOW = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)
AUDITOR = Viewer(agency="inspektorat-jabar", full_access=True)
CURRENT_HOLDER = Viewer(agency=OTHER_AGENCY, full_access=False)
PAST_HOLDER = Viewer(agency=HOLDER, full_access=False)
STRANGER = Viewer(agency="pemkab-garut", full_access=False)
SEALED_CIPHERTEXT = "c2VhbGVk"


def entries_of(events):
    return [
        entry_of(event, "events", RecordLocation(0, offset))
        for offset, event in enumerate(events)
    ]


def bounced_id(histories) -> str:
    return next(
        complaint_id
        for complaint_id, events in histories.by_complaint.items()
        if events[0].envelope.data.title == SCRIPT_TITLE
    )


def export_of(histories, complaint_id, viewer):
    entries = entries_of(histories.by_complaint[complaint_id])
    return build_export(complaint_id, entries, viewer, now=NOW)


def test_html_escapes_script_title(histories):
    export = export_of(histories, bounced_id(histories), AUDITOR)

    page = render_html(export)

    assert "<script>" not in page
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Jalan &amp; jembatan" in page
    )
    assert "Dicek &lt;b&gt;tim&lt;/b&gt;." in page
    assert "<b>tim</b>" not in page


@pytest.mark.parametrize("viewer", [AUDITOR, CURRENT_HOLDER, PAST_HOLDER])
def test_sealed_identity_never_exported(histories, viewer):
    export = export_of(histories, bounced_id(histories), viewer)

    text = render_json(export) + render_html(export)

    assert SEALED_CIPHERTEXT not in text
    assert "reporter_identity" not in text
    assert "identity" in export.events[0].redactions


def test_auditor_sees_confidential_content(histories):
    export = export_of(histories, bounced_id(histories), AUDITOR)

    submitted = export.events[0].document["data"]

    assert export.full_access
    assert submitted["title"] == SCRIPT_TITLE
    assert submitted["reporter_ref"] != ANONYMOUS_REPORTER
    assert export.events[0].redactions == ("identity",)


def test_current_holder_sees_content_not_reporter(histories):
    export = export_of(histories, bounced_id(histories), CURRENT_HOLDER)

    submitted = export.events[0].document["data"]

    assert submitted["title"] == SCRIPT_TITLE
    assert submitted["reporter_ref"] == ANONYMOUS_REPORTER


def test_past_holder_gets_content_withheld(histories):
    export = export_of(histories, bounced_id(histories), PAST_HOLDER)

    submitted = export.events[0].document["data"]
    follow_up = export.events[-1].document["data"]

    assert submitted["title"] == WITHHELD
    assert submitted["description"] == WITHHELD
    assert follow_up["summary"] == WITHHELD
    assert "content" in export.events[-1].redactions
    assert export.title == WITHHELD


def test_stranger_cannot_read(histories):
    with pytest.raises(ComplaintNotFoundError, match="has never held it"):
        export_of(histories, bounced_id(histories), STRANGER)


def test_unknown_complaint_is_not_found():
    with pytest.raises(ComplaintNotFoundError):
        build_export("00000000-0000-4000-8000-000000000000", [], AUDITOR, now=NOW)


def test_verification_and_status_in_export(histories):
    complaint_id = next(iter(histories.by_complaint))

    export = export_of(histories, complaint_id, AUDITOR)

    assert export.verification.valid
    assert export.verification.findings == ()
    assert export.verification.events == len(histories.by_complaint[complaint_id])
    assert export.status == "closed"


def test_tampered_entry_is_flagged(histories):
    complaint_id = next(iter(histories.by_complaint))
    entries = entries_of(histories.by_complaint[complaint_id])
    changed = {**entries[2].document, "actoragency": "pemprov-jabar"}
    entries[2] = entries[2].model_copy(update={"document": changed})

    export = build_export(complaint_id, entries, AUDITOR, now=NOW)
    page = render_html(export)

    assert not export.verification.valid
    assert [f.kind for f in export.verification.findings] == [FindingKind.ALTERED]
    assert export.verification.findings[0].sequence == 3
    assert "Hash chain broken" in page


def test_disposition_path_of_bounced_complaint(histories):
    export = export_of(histories, bounced_id(histories), AUDITOR)

    path = [(step.action, step.agency) for step in export.disposition_path]

    assert path == [
        ("submitted", None),
        ("dispositioned", HOLDER),
        ("declined", None),
        ("redispositioned", OTHER_AGENCY),
    ]


def test_both_times_and_actors_in_page(histories):
    complaint_id = next(iter(histories.by_complaint))
    export = export_of(histories, complaint_id, AUDITOR)

    page = render_html(export)

    for event in export.events:
        assert event.time.isoformat() in page
        assert event.recordedtime.isoformat() in page
        assert event.actor_agency in page
    assert "Hash chain verified" in page


def test_legacy_event_keeps_stored_document(histories):
    complaint_id = next(
        cid for cid, events in histories.by_complaint.items() if events[0].upcast
    )

    export = export_of(histories, complaint_id, AUDITOR)
    page = render_html(export)

    first = export.events[0]
    assert first.stored_type == "id.go.lapor.complaint.submitted.v1"
    assert first.current_type == "id.go.lapor.complaint.submitted.v2"
    assert first.document["type"] == first.stored_type
    assert "stored as id.go.lapor.complaint.submitted.v1" in page


def test_json_export_round_trips(histories):
    export = export_of(histories, bounced_id(histories), AUDITOR)

    payload = json.loads(render_json(export))

    assert payload["complaint_id"] == bounced_id(histories)
    assert payload["verification"]["valid"] is True
    assert [event["sequence"] for event in payload["events"]] == list(
        range(1, len(export.events) + 1)
    )

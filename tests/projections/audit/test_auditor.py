"""The auditor over topics laid out in memory: every kind of tampering is found."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.audit import AuditProjection, audit_log
from projections.audit.auditor import (
    EXIT_CHECKPOINTS_FAILED,
    EXIT_CLEAN,
    EXIT_EVENTS_TAMPERED,
)
from projections.audit.checkpointing import take_checkpoint
from projections.audit.database import open_engine
from projections.audit.findings import FindingKind
from projections.audit.report import render_json, render_text
from projections.audit.signing import CheckpointSigner
from tests.projections.audit import tampering
from tests.projections.audit.feeding import checkpoint_records, feed
from tests.projections.audit.histories import (
    build_histories,
    snapshot_from,
    snapshot_of,
)

NOW = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)


class Setting:
    """One honest topic with the checkpoints the projection signed over it."""

    def __init__(self, folder) -> None:
        self.signer = CheckpointSigner(Ed25519PrivateKey.generate())
        self.histories = build_histories()
        self.snapshot = snapshot_of(self.histories.published)
        self.layout = tampering.layout_of(self.snapshot)
        engine = open_engine(f"sqlite:///{folder / 'audit.sqlite'}")
        projection = AuditProjection(signer=self.signer, checkpoint_interval=3)
        feed(engine, projection, self.snapshot)
        with engine.begin() as connection:
            take_checkpoint(
                connection, topic="events", signer=self.signer, taken_at=NOW
            )
        self.checkpoints = checkpoint_records(engine)
        engine.dispose()
        self.closed = next(iter(self.histories.by_complaint))

    def audit(self, laid_out=None, checkpoints=None, *, with_checkpoints=True):
        snapshot = self.snapshot if laid_out is None else snapshot_from(laid_out)
        if not with_checkpoints:
            return audit_log(snapshot)
        return audit_log(
            snapshot,
            verifiers=[self.signer.verifier()],
            checkpoints_topic="checkpoints",
            checkpoint_records=self.checkpoints if checkpoints is None else checkpoints,
        )


@pytest.fixture(scope="module")
def setting(tmp_path_factory) -> Setting:
    return Setting(tmp_path_factory.mktemp("auditor"))


def kinds_at(report, complaint_id: str) -> dict[FindingKind, set[int | None]]:
    found: dict[FindingKind, set[int | None]] = {}
    for finding in report.findings:
        if finding.complaint_id == complaint_id:
            found.setdefault(finding.kind, set()).add(finding.sequence)
    return found


def test_honest_topic_is_clean(setting):
    report = setting.audit()

    assert report.findings == ()
    assert report.duplicates == ()
    assert report.exit_code == EXIT_CLEAN
    assert report.complaints == len(setting.histories.by_complaint)


@pytest.mark.parametrize(
    ("tamper", "sequence", "kind", "reported"),
    [
        (tampering.alter, 5, FindingKind.ALTERED, {5}),
        (tampering.remove, 4, FindingKind.REMOVED, {4}),
        (tampering.insert_forged, 5, FindingKind.INSERTED, {5}),
        (tampering.swap, 3, FindingKind.REORDERED, {3, 4}),
        (tampering.replay_changed, 5, FindingKind.INSERTED, {5}),
        (tampering.remove, 7, FindingKind.REMOVED, {7}),
    ],
    ids=["altered", "removed", "inserted", "swapped", "replayed", "removed-last"],
)
def test_tampering_is_reported(setting, tamper, sequence, kind, reported):
    laid_out = tamper(setting.layout, setting.closed, sequence)

    report = setting.audit(laid_out)

    found = kinds_at(report, setting.closed)
    assert kind in found, render_text(report)
    assert found[kind] <= reported
    assert report.exit_code == EXIT_EVENTS_TAMPERED


def test_tampered_finding_names_partition_and_offset(setting):
    laid_out = tampering.alter(setting.layout, setting.closed, 5)
    place = tampering.locate(laid_out, setting.closed, 5)

    report = setting.audit(laid_out)

    [altered] = [f for f in report.findings if f.kind is FindingKind.ALTERED]
    assert altered.partition == place.partition
    assert altered.offset == place.index
    assert altered.event_id == f"{setting.closed}/5"


def test_tampering_before_checkpoint_breaks_its_digest(setting):
    laid_out = tampering.alter(setting.layout, setting.closed, 1)
    place = tampering.locate(laid_out, setting.closed, 1)

    report = setting.audit(laid_out)

    mismatches = [
        f for f in report.findings if f.kind is FindingKind.CHECKPOINT_MISMATCH
    ]
    assert [f.partition for f in mismatches] == [place.partition]
    assert mismatches[0].offset is not None
    assert mismatches[0].offset > place.index


def test_removed_last_event_needs_checkpoint(setting):
    laid_out = tampering.remove(setting.layout, setting.closed, 7)

    report = setting.audit(laid_out, with_checkpoints=False)

    # NOTE: the chain alone cannot tell a shortened history from a short one.
    assert report.findings == ()


def test_exact_duplicate_is_harmless(setting):
    laid_out = tampering.duplicate(setting.layout, setting.closed, 2)

    report = setting.audit(laid_out)

    assert report.findings == ()
    assert [(d.complaint_id, d.sequence) for d in report.duplicates] == [
        (setting.closed, 2)
    ]
    assert len(report.duplicates[0].offsets) == 2
    assert report.exit_code == EXIT_CLEAN


def test_forged_checkpoint_signature(setting):
    forged = [tampering.forge_checkpoint(setting.checkpoints[0])]

    report = setting.audit(checkpoints=[*forged, *setting.checkpoints[1:]])

    assert [f.kind for f in report.findings] == [FindingKind.FORGED_CHECKPOINT]
    assert report.findings[0].offset == 0
    assert report.exit_code == EXIT_CHECKPOINTS_FAILED


def test_checkpoint_of_unknown_key(setting):
    other = CheckpointSigner(Ed25519PrivateKey.generate())

    report = audit_log(
        setting.snapshot,
        verifiers=[other.verifier()],
        checkpoints_topic="checkpoints",
        checkpoint_records=setting.checkpoints,
    )

    kinds = {finding.kind for finding in report.findings}
    assert kinds == {FindingKind.FORGED_CHECKPOINT}
    assert "not among the auditor's public keys" in report.findings[0].message


def test_invalid_checkpoint_record(setting):
    garbage = replace(setting.checkpoints[0], value=b"not json")

    report = setting.audit(checkpoints=[garbage, *setting.checkpoints[1:]])

    assert [f.kind for f in report.findings] == [FindingKind.INVALID_CHECKPOINT]
    assert report.exit_code == EXIT_CHECKPOINTS_FAILED


def test_repeated_checkpoint_is_a_copy(setting):
    report = setting.audit(checkpoints=[*setting.checkpoints, setting.checkpoints[0]])

    assert report.findings == ()
    assert report.checkpoints is not None
    assert report.checkpoints.copies == 1


def test_checkpoint_of_missing_partition(setting):
    laid_out = {0: setting.layout[0], 1: setting.layout[1]}

    report = setting.audit(laid_out)

    mismatches = [
        f for f in report.findings if f.kind is FindingKind.CHECKPOINT_MISMATCH
    ]
    assert [f.partition for f in mismatches] == [2]
    assert "no such partition" in mismatches[0].message


def test_undecodable_record(setting):
    laid_out = tampering.layout_of(setting.snapshot)
    place = tampering.locate(laid_out, setting.closed, 3)
    record = laid_out[place.partition][place.index]
    laid_out[place.partition][place.index] = replace(record, value=b"{not json")

    report = setting.audit(laid_out)

    [undecodable] = [f for f in report.findings if f.kind is FindingKind.UNDECODABLE]
    assert undecodable.complaint_id == setting.closed
    assert undecodable.sequence == 3
    assert (undecodable.partition, undecodable.offset) == (place.partition, place.index)


def test_event_in_wrong_partition(setting):
    laid_out = tampering.layout_of(setting.snapshot)
    place = tampering.locate(laid_out, setting.closed, 7)
    record = laid_out[place.partition].pop(place.index)
    other = (place.partition + 1) % len(laid_out)
    laid_out[other].append(record)

    report = setting.audit(laid_out)

    assert FindingKind.MISPLACED in kinds_at(report, setting.closed)


def test_text_report_lines(setting):
    laid_out = tampering.duplicate(
        tampering.alter(setting.layout, setting.closed, 5), setting.closed, 1
    )

    text = render_text(setting.audit(laid_out))

    assert f"ALTERED complaint {setting.closed} sequence 5" in text
    assert f"DUPLICATE complaint {setting.closed} sequence 1" in text
    assert text.splitlines()[-1].endswith("Exit code 1.")


def test_json_report(setting):
    laid_out = tampering.remove(setting.layout, setting.closed, 4)

    payload = json.loads(render_json(setting.audit(laid_out)))

    assert payload["clean"] is False
    assert payload["exit_code"] == EXIT_EVENTS_TAMPERED
    removed = [f for f in payload["findings"] if f["kind"] == "removed"]
    assert removed[0]["complaint_id"] == setting.closed
    assert removed[0]["sequence"] == 4


TAMPERINGS = {
    "alter": (tampering.alter, FindingKind.ALTERED),
    "remove": (tampering.remove, FindingKind.REMOVED),
    "insert": (tampering.insert_forged, FindingKind.INSERTED),
    "replay": (tampering.replay_changed, FindingKind.INSERTED),
    "swap": (tampering.swap, FindingKind.REORDERED),
}


def _candidates(setting, name: str) -> list:
    """Events the tampering can apply to: one with text, or with a successor."""
    events = setting.histories.published
    if name == "remove":
        return events
    if name == "swap":
        return [
            event
            for event in events
            if event.envelope.sequence
            < len(setting.histories.by_complaint[event.envelope.subject])
        ]
    return [
        event
        for event in events
        if any(
            isinstance(event.document["data"].get(field), str)
            for field in tampering.TEXT_FIELDS
        )
    ]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_single_tampering_is_found_among_duplicates(setting, data):
    name = data.draw(st.sampled_from(sorted(TAMPERINGS)), label="tampering")
    tamper, kind = TAMPERINGS[name]
    target = data.draw(st.sampled_from(_candidates(setting, name)), label="event")
    subject, sequence = target.envelope.subject, target.envelope.sequence
    others = [
        event
        for event in setting.histories.published
        if event.envelope.subject != subject
    ]
    copies = data.draw(
        st.lists(st.sampled_from(others), max_size=4), label="exact copies"
    )
    laid_out = setting.layout
    for copy in copies:
        laid_out = tampering.duplicate(
            laid_out, copy.envelope.subject, copy.envelope.sequence
        )

    report = setting.audit(tamper(laid_out, subject, sequence))

    found = kinds_at(report, subject)
    expected = {sequence, sequence + 1} if kind is FindingKind.REORDERED else {sequence}
    assert kind in found, render_text(report)
    assert found[kind] & expected, render_text(report)
    assert report.exit_code == EXIT_EVENTS_TAMPERED
    assert len(report.duplicates) == len({(c.envelope.id) for c in copies})

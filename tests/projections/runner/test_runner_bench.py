"""The rebuild benchmark still runs end to end (on a tiny topic)."""

from __future__ import annotations

import json

import pytest

from bench.event_mix import EventMix
from bench.projections_rebuild import main
from events.chain import verify_stream
from events.codec import decode_kafka


@pytest.mark.kafka
def test_benchmark_runs_on_small_topic(kafka_bootstrap, tmp_path):
    code = main(
        [
            "--events",
            "2000",
            "--bootstrap",
            kafka_bootstrap,
            "--templates",
            "40",
            "--window",
            "100",
            "--results-dir",
            str(tmp_path),
        ]
    )
    report = json.loads((tmp_path / "projections_rebuild.json").read_text())
    results = {entry["name"]: entry for entry in report["results"]}
    assert code == 0
    assert results["raw aiokafka"]["events"] == 2000
    assert results["status rebuild"]["events"] == 2000
    assert results["status rebuild"]["error"] is None
    assert results["status rebuild"]["memory"]
    assert (
        "| status rebuild | 2,000 |"
        in (tmp_path / "projections_rebuild.md").read_text()
    )


def test_event_mix_copies_are_valid_chains():
    mix = EventMix.build(40, seed=2)
    messages = list(mix.messages(3000, window=100))
    events = [decode_kafka(m.key, m.value, m.headers) for m in messages]
    reports = verify_stream(events)
    assert len(reports) > 300
    assert [r.complaint_id for r in reports.values() if r.faults] == []
    assert len(
        {
            event.envelope.data.tracking_id
            for event in events
            if event.envelope.sequence == 1
        }
    ) == len(reports)

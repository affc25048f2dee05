"""Whole-file imports of every real data file (slow): counts and figures.

Each test prints a JSON line with its figures (rows read, accepted, rejected
by reason, commands, time, stored events by type) and records them as test
properties, so a run with ``-s`` or a JUnit report keeps them.
"""

from __future__ import annotations

import json

import pytest

from tests.adapters.files.conftest import data_file

FILES = [
    ("nyc311", "nyc311_requests_sample.csv.gz", 1000),
    ("bpi2013", "bpi2013_incidents.csv.gz", 65_533),
    ("wabo", "wabo_permit_receipt_log.csv.gz", 8577),
    ("lapor2017", "lapor_2017_reports.jsonl.gz", 917),
]


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize(("profile", "name", "rows"), FILES, ids=[f[0] for f in FILES])
def test_whole_file(importer, record_property, profile, name, rows):
    result = importer.run(profile, data_file(name))
    figures = {
        "profile": profile,
        "rows_read": result.rows_read,
        "rows_accepted": result.rows_accepted,
        "rows_rejected_by_reason": result.rejected_rows_by_reason,
        "skipped_steps_by_reason": result.skipped_steps_by_reason,
        "commands_sent": result.commands_sent,
        "commands_accepted": result.commands_accepted,
        "commands_rejected_by_reason": result.rejected_commands_by_reason,
        "commands_skipped": result.commands_skipped,
        "statuses_unmapped": result.statuses_unmapped,
        "statuses_backward": result.statuses_backward,
        "elapsed_seconds": result.elapsed_seconds,
        "events_by_type": dict(importer.event_types().most_common()),
    }
    for key, value in figures.items():
        record_property(key, value)
    print(json.dumps(figures))  # noqa: T201 (the figures are the test's output)
    assert result.rows_read == rows
    assert result.rows_accepted + result.rows_rejected == rows
    assert result.commands_accepted + result.commands_rejected == result.commands_sent

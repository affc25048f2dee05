"""The shipped samples: verbatim extracts that import like the full files."""

from __future__ import annotations

import gzip

import pytest

from tests.adapters.files.conftest import REPO_ROOT, data_file

SAMPLES = REPO_ROOT / "samples"
PAIRS = [
    ("nyc311_requests_sample.csv.gz", "nyc311_requests_sample.csv.gz"),
    ("bpi2013_incidents_sample.csv.gz", "bpi2013_incidents.csv.gz"),
]


def lines_of(path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).splitlines()


@pytest.mark.parametrize(("sample", "original"), PAIRS, ids=["nyc311", "bpi2013"])
def test_sample_is_verbatim_extract(sample, original):
    copied = lines_of(SAMPLES / sample)
    source = lines_of(data_file(original))
    position = {}
    for index, line in enumerate(source):
        position.setdefault(line, index)
    assert copied[0] == source[0]
    assert all(line in position for line in copied)
    assert [position[line] for line in copied] == sorted(
        position[line] for line in copied
    )


def test_nyc_sample_keeps_every_fault(importer):
    result = importer.run("nyc311", SAMPLES / "nyc311_requests_sample.csv.gz")
    assert result.rows_read == 215
    assert result.rejected_rows_by_reason == {"closed before created": 10}
    assert result.skipped_steps_by_reason["closed date with open status"] == 7


def test_bpi_sample_has_hand_offs_and_reopen(importer):
    result = importer.run("bpi2013", SAMPLES / "bpi2013_incidents_sample.csv.gz")
    events = importer.event_types()
    assert result.rows_read == 1868
    assert events["complaint.submitted"] == 100
    assert events["complaint.redispositioned"] > 0
    assert events["complaint.reopened"] >= 1

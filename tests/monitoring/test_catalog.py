"""The metric catalogue: completeness, naming, label sets and the reference page."""

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from gateway.complaint import (
    ActionRejectedError,
    ComplaintError,
    NotAuthorisedError,
    VersionConflictError,
)
from gateway.outcomes import (
    CommandConflictError,
    CommandOutcome,
    CommandReuseError,
    outcome_label,
)
from monitoring import catalog
from monitoring.catalog import (
    METRIC_CLASSES,
    REFERENCE,
    CatalogueError,
    build_catalogue,
    check_every_class_catalogued,
    class_summaries,
    discover_metric_code,
    dotted_name,
)
from monitoring.labels import ANY_FAMILY, COMMAND_OUTCOMES, label_domains
from monitoring.reference import PROCESS_SERIES, render_markdown

FORBIDDEN_LABELS = {
    "complaint_id",
    "command_id",
    "event_id",
    "tracking_id",
    "correlation_id",
    "causation_id",
    "id",
    "title",
    "description",
    "reporter",
    "name",
    "nik",
    "email",
    "phone",
    "path",
    "url",
    "message",
    "error",
    "offset",
    "sequence",
}
"""Label names that would carry per-complaint or free-text values."""

TIME_WORDS = re.compile(r"\b(duration|time|age|seconds)\b", re.IGNORECASE)
MAX_LABELS = 3


@pytest.fixture(scope="module")
def catalogue():
    return build_catalogue()


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: .ci/run installs Debian's prometheus")
        pytest.skip("promtool is missing: apt-get install prometheus")
    return path


# Completeness


def test_catalogue_builds_every_class(catalogue):
    sources = {family.source for family in catalogue.families}
    for cls in METRIC_CLASSES:
        assert dotted_name(cls) in sources, dotted_name(cls)


def test_discovery_finds_every_catalogued_class():
    found = discover_metric_code()
    for cls in METRIC_CLASSES:
        assert dotted_name(cls) in found, dotted_name(cls)


def test_every_metric_class_is_catalogued():
    check_every_class_catalogued()


def write_module(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)


CLASS_SOURCE = """
from prometheus_client import Counter

class ExtraMetrics:
    def __init__(self, registry):
        self.c = Counter("lapor_x", "x", registry=registry)
"""

FUNCTION_SOURCE = """
import prometheus_client as pc

def make(registry):
    return pc.Gauge("lapor_x", "x", registry=registry)
"""

MODULE_SOURCE = """
from prometheus_client.metrics import Histogram as H

LATENCY = H("lapor_x_seconds", "x")
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (CLASS_SOURCE, "monitoring.extra.ExtraMetrics"),
        (FUNCTION_SOURCE, "monitoring.extra.make"),
        (MODULE_SOURCE, "monitoring.extra"),
    ],
    ids=["class", "module-alias", "module-level"],
)
def test_uncatalogued_metric_code_raises(tmp_path, source, expected):
    write_module(tmp_path, "monitoring/extra.py", source)
    with pytest.raises(CatalogueError, match=re.escape(expected)):
        check_every_class_catalogued(tmp_path)


TALLY_SOURCE = """
from collections import Counter

class Tally:
    def __init__(self):
        self.counts = Counter()
"""


def test_collections_counter_is_not_a_metric(tmp_path):
    write_module(tmp_path, "gateway/tally.py", TALLY_SOURCE)
    assert discover_metric_code(tmp_path) == frozenset()


def test_label_without_description_raises(monkeypatch):
    domains = label_domains()
    del domains[ANY_FAMILY, "dependency"]
    monkeypatch.setattr(catalog, "label_domains", lambda: domains)
    with pytest.raises(
        CatalogueError, match="label 'dependency' of lapor_dependency_up"
    ):
        build_catalogue()


def test_exposition_has_a_sample_of_every_family(catalogue):
    exposed = {
        family.name: len(family.samples)
        for family in text_string_to_metric_families(catalogue.exposition)
    }
    for family in catalogue.families:
        assert exposed.get(family.name, 0) > 0, family.name


# Naming


def test_names_have_the_lapor_prefix(catalogue):
    for family in catalogue.families:
        assert family.name.startswith("lapor_"), family.name


def test_counters_expose_total(catalogue):
    for family in catalogue.families:
        if family.type == "counter":
            assert f"{family.name}_total" in family.samples, family.name
        else:
            assert not family.name.endswith("_total"), family.name


def test_histograms_expose_buckets_sum_and_count(catalogue):
    for family in catalogue.families:
        if family.type == "histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                assert f"{family.name}{suffix}" in family.samples, family.name


def test_durations_and_times_end_in_seconds(catalogue):
    for family in catalogue.families:
        timed = family.type == "histogram" or TIME_WORDS.search(family.help)
        if timed:
            assert family.name.endswith("_seconds"), family.name


def test_timestamps_end_in_timestamp_seconds(catalogue):
    for family in catalogue.families:
        if "timestamp" in family.name:
            assert family.name.endswith("_timestamp_seconds"), family.name


def test_ratios_are_gauges(catalogue):
    for family in catalogue.families:
        if family.name.endswith("_ratio"):
            assert family.type == "gauge", family.name


def test_every_family_has_help(catalogue):
    for family in catalogue.families:
        assert family.help.endswith("."), family.name


# Labels


def test_no_id_or_text_labels(catalogue):
    for family in catalogue.families:
        for name in family.label_names:
            assert name not in FORBIDDEN_LABELS, f"{family.name}: {name}"
            assert not name.endswith("_id"), f"{family.name}: {name}"


def test_label_sets_are_small(catalogue):
    for family in catalogue.families:
        assert len(family.labels) <= MAX_LABELS, family.name


def test_closed_label_values_are_distinct(catalogue):
    for family in catalogue.families:
        for label in family.labels:
            values = label.domain.values
            assert len(set(values)) == len(values), f"{family.name}: {label.name}"


def test_every_label_description_is_used(catalogue):
    used = {
        (family.name, name)
        for family in catalogue.families
        for name in family.label_names
    }
    used_names = {name for _, name in used}
    for family_name, label_name in label_domains():
        if family_name == ANY_FAMILY:
            assert label_name in used_names, label_name
        else:
            assert (family_name, label_name) in used, f"{family_name}: {label_name}"


def test_command_outcomes_cover_outcome_label():
    results = [
        CommandOutcome(
            command_id="c-1", complaint_id=uuid.uuid4(), version=1, event_ids=()
        ),
        CommandOutcome(
            command_id="c-1",
            complaint_id=uuid.uuid4(),
            version=1,
            event_ids=(),
            duplicate=True,
        ),
        *(
            error.__new__(error)
            for error in (
                VersionConflictError,
                CommandConflictError,
                NotAuthorisedError,
                ActionRejectedError,
                ComplaintError,
                CommandReuseError,
                RuntimeError,
            )
        ),
    ]
    for result in results:
        assert outcome_label(result) in COMMAND_OUTCOMES, type(result).__name__


def test_process_series_match_the_collector():
    if not sys.platform.startswith("linux"):
        pytest.skip("prometheus-client reads process metrics from /proc (Linux only)")
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    exposed = {
        sample.name for family in registry.collect() for sample in family.samples
    }
    assert exposed == set(PROCESS_SERIES)


# Reference page and tools


def test_reference_page_is_current(catalogue):
    expected = render_markdown(catalogue, class_summaries())
    assert REFERENCE.read_text() == expected, (
        "docs/metrics-reference.md is stale: "
        "run python -m monitoring.catalog --markdown"
    )


def test_reference_page_lists_every_series(catalogue):
    page = REFERENCE.read_text()
    for family in catalogue.families:
        assert f"`{family.series}" in page, family.series


def test_cli_writes_markdown(tmp_path, catalogue, capsys):
    output = tmp_path / "reference.md"
    assert catalog.main(["--markdown", "--output", str(output)]) == 0
    assert output.read_text() == render_markdown(catalogue, class_summaries())
    assert str(output) in capsys.readouterr().out


def test_exposition_passes_promtool(catalogue):
    result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [promtool(), "check", "metrics"],
        input=catalogue.exposition.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()

"""Render the metrics catalogue as the Markdown page ``docs/metrics-reference.md``."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitoring.catalog import Catalogue, MetricFamily
    from monitoring.labels import LabelDomain

PROCESS_SERIES = {
    "process_cpu_seconds_total": "CPU time, user and system, in seconds.",
    "process_resident_memory_bytes": "Resident memory, in bytes.",
    "process_virtual_memory_bytes": "Virtual memory, in bytes.",
    "process_open_fds": "Open file descriptors.",
    "process_max_fds": "Maximum number of open file descriptors.",
    "process_start_time_seconds": "Start time of the process, as a Unix time.",
}
"""Series of prometheus-client's ``ProcessCollector`` on Linux."""

_HEADER = """\
# Metrics reference

Every Prometheus metric family that the gateway's processes expose, generated
from the metric classes by `python -m monitoring.catalog --markdown`. Change the
classes, then regenerate this page; a test fails while the two differ.

Names follow `lapor_<noun>_<unit>`: counters end in `_total`, durations and
Unix times in `_seconds`. Label values come from the closed sets listed under
[Label values](#label-values); no label carries a complaint, command, event or
tracking id, or free text. Every counter and histogram also exposes
`<name>_created`, the Unix time at which prometheus-client created the series.
"""

_STANDARD = """\
## Standard series

Processes that call `gateway.ops.register_process_metrics` also expose the
process series of prometheus-client below. Prometheus adds `up` to every
scrape target, and the gateway's scrape jobs are named `lapor-<part>`.

| Series | Meaning |
|---|---|
"""


def render_markdown(catalogue: Catalogue, summaries: dict[str, str]) -> str:
    """Return the reference page for ``catalogue``.

    ``summaries`` maps a metric class's dotted name to one line about it.
    """
    by_source: defaultdict[str, list[MetricFamily]] = defaultdict(list)
    for family in catalogue.families:
        by_source[family.source].append(family)
    parts = [_HEADER]
    for source, families in by_source.items():
        parts.append(_class_section(source, summaries.get(source, ""), families))
    parts.append(_label_section(catalogue.families))
    parts.append(_standard_section())
    return "\n".join(parts)


def _class_section(source: str, summary: str, families: list[MetricFamily]) -> str:
    module, _, name = source.rpartition(".")
    lines = [f"## {name}", "", f"`{module}.{name}`: {summary}", ""]
    lines += ["| Series | Type | Labels | Meaning |", "|---|---|---|---|"]
    for family in families:
        samples = "<br>".join(
            f"`{sample}`"
            for sample in family.samples
            if not sample.endswith("_created")
        )
        labels = ", ".join(f"`{name}`" for name in family.label_names) or "none"
        lines.append(f"| {samples} | {family.type} | {labels} | {family.help} |")
    return "\n".join(lines) + "\n"


def _label_section(families: tuple[MetricFamily, ...]) -> str:
    users: dict[tuple[str, LabelDomain], list[str]] = {}
    for family in families:
        for label in family.labels:
            users.setdefault((label.name, label.domain), []).append(family.series)
    lines = ["## Label values", "", "| Label | Series | Values |", "|---|---|---|"]
    for (name, domain), names in sorted(users.items(), key=lambda item: item[0][0]):
        used_by = "<br>".join(f"`{series}`" for series in names)
        lines.append(f"| `{name}` | {used_by} | {_values(domain)} |")
    return "\n".join(lines) + "\n"


def _values(domain: LabelDomain) -> str:
    if not domain.values:
        return f"{domain.meaning} Example: `{domain.example}`."
    listed = ", ".join(f"`{value}`" for value in domain.values)
    return f"{domain.meaning} One of {listed}."


def _standard_section() -> str:
    rows = [f"| `{name}` | {meaning} |" for name, meaning in PROCESS_SERIES.items()]
    rows.append("| `up` | 1 when Prometheus scraped the target, else 0. |")
    return _STANDARD + "\n".join(rows) + "\n"

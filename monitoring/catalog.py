"""The catalogue of every Prometheus metric family the gateway exposes.

:func:`build_catalogue` builds each metric class of the project on one fresh
registry with representative constructor arguments. It records one sample per
family and returns each family's exposed sample names, type, help and label
names. It raises :class:`CatalogueError` when code that creates metrics is
missing from :data:`METRIC_CLASSES` (found by parsing the source of the
project's packages), or when a label has no entry in :mod:`monitoring.labels`.

``python -m monitoring.catalog --markdown`` writes ``docs/metrics-reference.md``.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics import MetricWrapperBase

from adapters.mapping.metrics import MappingMetrics
from events.values import FrozenModel
from gateway.api.access import HttpMetrics
from gateway.intake.metrics import IntakeMetrics
from monitoring.adapters import PollMetrics, WebhookMetrics
from monitoring.audit import AuditMetrics
from monitoring.labels import ANY_FAMILY, LabelDomain, label_domains
from monitoring.metrics import (
    CommandMetrics,
    DependencyMetrics,
    RelayMetrics,
    SchedulerMetrics,
)
from monitoring.performance import PerformanceMetrics
from monitoring.projections import ProjectionMetrics
from monitoring.reference import render_markdown

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from prometheus_client.registry import Collector

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "metrics-reference.md"
PROJECT_PACKAGES = (
    "adapters",
    "events",
    "gateway",
    "infra",
    "monitoring",
    "projections",
)
"""Packages searched for code that creates Prometheus metrics."""

METRIC_TYPES = frozenset({"Counter", "Enum", "Gauge", "Histogram", "Info", "Summary"})
PROMETHEUS_MODULES = frozenset({"prometheus_client", "prometheus_client.metrics"})

EXAMPLE_AGENCIES = ("pemkot-bandung", "kementerian-kesehatan")
"""Configured agency ids passed to classes that take the agency set."""

METRIC_CLASSES: dict[type, Callable[[CollectorRegistry], object]] = {
    CommandMetrics: CommandMetrics,
    RelayMetrics: lambda registry: RelayMetrics(registry, relay="events"),
    SchedulerMetrics: SchedulerMetrics,
    DependencyMetrics: DependencyMetrics,
    HttpMetrics: HttpMetrics,
    IntakeMetrics: IntakeMetrics,
    ProjectionMetrics: lambda registry: ProjectionMetrics(registry, "status"),
    AuditMetrics: AuditMetrics,
    PerformanceMetrics: lambda registry: PerformanceMetrics(registry, EXAMPLE_AGENCIES),
    WebhookMetrics: WebhookMetrics,
    PollMetrics: PollMetrics,
    MappingMetrics: MappingMetrics,
}
"""Every metric class, in reference order, with a function that builds it."""


class CatalogueError(Exception):
    """The metric classes and the catalogue disagree."""


class Label(FrozenModel):
    """One label of a metric family and the values it takes."""

    name: str
    domain: LabelDomain


class MetricFamily(FrozenModel):
    """One metric family as a scrape exposes it."""

    name: str
    """Family name as prometheus-client reports it (counters without ``_total``)."""
    type: str
    help: str
    labels: tuple[Label, ...]
    samples: tuple[str, ...]
    """Every sample name the family exposes, ``_created`` ones included."""
    source: str
    """Dotted path of the class that creates the family."""

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    @property
    def series(self) -> str:
        """The name queries use: ``_total`` for a counter, else the family name."""
        return f"{self.name}_total" if self.type == "counter" else self.name


class Catalogue(FrozenModel):
    """Every metric family, and an exposition with one sample of each."""

    families: tuple[MetricFamily, ...]
    exposition: str

    def sample_names(self) -> frozenset[str]:
        return frozenset(name for family in self.families for name in family.samples)

    def family(self, name: str) -> MetricFamily:
        for family in self.families:
            if name in {family.name, *family.samples}:
                return family
        raise KeyError(name)


class _RecordingRegistry(CollectorRegistry):
    """A registry that keeps the collectors registered on it, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.collectors: list[Collector] = []

    def register(self, collector: Collector) -> None:
        super().register(collector)
        self.collectors.append(collector)


def dotted_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def build_catalogue() -> Catalogue:
    """Build every metric class on one fresh registry and describe its families.

    Raises :class:`CatalogueError` when code that creates metrics is not in
    :data:`METRIC_CLASSES`, or when a label has no described values.
    """
    check_every_class_catalogued()
    registry = _RecordingRegistry()
    domains = label_domains()
    sources: dict[str, str] = {}
    labels: dict[str, tuple[Label, ...]] = {}
    for cls, build in METRIC_CLASSES.items():
        start = len(registry.collectors)
        build(registry)
        for collector in registry.collectors[start:]:
            metric = _metric(collector, cls)
            name = _family_name(metric)
            sources[name] = dotted_name(cls)
            labels[name] = _labels(name, _label_names(metric), domains)
            _record_sample(metric, name, labels[name])
    families = tuple(
        MetricFamily(
            name=family.name,
            type=family.type,
            help=family.documentation,
            labels=labels[family.name],
            samples=tuple(dict.fromkeys(sample.name for sample in family.samples)),
            source=sources[family.name],
        )
        for family in registry.collect()
    )
    return Catalogue(families=families, exposition=generate_latest(registry).decode())


def _metric(collector: Collector, cls: type) -> MetricWrapperBase:
    if not isinstance(collector, MetricWrapperBase):
        raise CatalogueError(
            f"{dotted_name(cls)} registered {type(collector).__name__}, which is not "
            "a prometheus-client metric: describe it in monitoring/catalog.py"
        )
    return collector


def _family_name(metric: MetricWrapperBase) -> str:
    (family,) = metric.describe()
    return family.name


def _label_names(metric: MetricWrapperBase) -> tuple[str, ...]:
    # prometheus-client 0.26 offers no public accessor for a metric's label names.
    names: tuple[str, ...] = metric._labelnames  # noqa: SLF001
    return names


def _labels(
    family: str, names: Sequence[str], domains: dict[tuple[str, str], LabelDomain]
) -> tuple[Label, ...]:
    labels = []
    for name in names:
        domain = domains.get((family, name))
        if domain is None:
            domain = domains.get((ANY_FAMILY, name))
        if domain is None:
            raise CatalogueError(
                f"label {name!r} of {family} has no described values: add it to "
                "label_domains() in monitoring/labels.py"
            )
        labels.append(Label(name=name, domain=domain))
    return tuple(labels)


def _record_sample(
    metric: MetricWrapperBase, family: str, labels: Sequence[Label]
) -> None:
    target = (
        metric.labels(*(label.domain.sample for label in labels)) if labels else metric
    )
    if isinstance(target, Counter):
        target.inc()
    elif isinstance(target, Gauge):
        target.set(1)
    elif isinstance(target, Histogram):
        target.observe(0.25)
    else:
        raise CatalogueError(
            f"{family} is a {type(target).__name__}, but the catalogue records samples "
            "of counters, gauges and histograms only: add the type to _record_sample"
        )


def check_every_class_catalogued(root: Path = ROOT) -> None:
    """Raise :class:`CatalogueError` if code that creates metrics is not catalogued."""
    catalogued = {dotted_name(cls) for cls in METRIC_CLASSES}
    missing = sorted(discover_metric_code(root) - catalogued)
    if missing:
        raise CatalogueError(
            f"metrics are created by {', '.join(missing)}, which the catalogue does "
            "not build: add each class to METRIC_CLASSES in monitoring/catalog.py"
        )


def discover_metric_code(root: Path = ROOT) -> frozenset[str]:
    """Return the dotted names of classes and functions that construct metrics.

    Module-level code that constructs a metric is returned as the module name.
    The search parses the source files and imports nothing.
    """
    found: set[str] = set()
    for package in PROJECT_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            found.update(_constructing_scopes(tree, module))
    return frozenset(found)


def _constructing_scopes(tree: ast.Module, module: str) -> Iterator[str]:
    names, modules = _prometheus_imports(tree)
    for statement in tree.body:
        calls = [node for node in ast.walk(statement) if isinstance(node, ast.Call)]
        if any(_constructs_metric(call, names, modules) for call in calls):
            scope = getattr(statement, "name", None)
            yield module if scope is None else f"{module}.{scope}"


def _prometheus_imports(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Return the local names of metric types and of prometheus-client modules."""
    names: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in PROMETHEUS_MODULES:
            names.update(
                alias.asname or alias.name
                for alias in node.names
                if alias.name in METRIC_TYPES
            )
        elif isinstance(node, ast.Import):
            modules.update(
                alias.asname or alias.name
                for alias in node.names
                if alias.name in PROMETHEUS_MODULES
            )
    return names, modules


def _constructs_metric(call: ast.Call, names: set[str], modules: set[str]) -> bool:
    function = call.func
    if isinstance(function, ast.Name):
        return function.id in names
    return (
        isinstance(function, ast.Attribute)
        and function.attr in METRIC_TYPES
        and ast.unparse(function.value) in modules
    )


def class_summaries() -> dict[str, str]:
    """Return each catalogued class's dotted name and its docstring's first line."""
    return {
        dotted_name(cls): (inspect.getdoc(cls) or "").splitlines()[0]
        for cls in METRIC_CLASSES
        if inspect.getdoc(cls)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m monitoring.catalog",
        description="Print or document every Prometheus metric of the gateway.",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--markdown",
        action="store_true",
        help=f"write the metrics reference to --output (default: {REFERENCE})",
    )
    output.add_argument(
        "--exposition",
        action="store_true",
        help="print a text exposition with one sample of every family",
    )
    parser.add_argument("--output", type=Path, default=REFERENCE, help="file to write")
    args = parser.parse_args(argv)
    catalogue = build_catalogue()
    if args.markdown:
        args.output.write_text(render_markdown(catalogue, class_summaries()))
        print(f"wrote {len(catalogue.families)} metric families to {args.output}")  # noqa: T201
    elif args.exposition:
        sys.stdout.write(catalogue.exposition)
    else:
        print(json.dumps(catalogue.model_dump()["families"], indent=2))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())

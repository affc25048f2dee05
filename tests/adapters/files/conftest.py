"""Real data files, a ComplaintService on SQLite, and import helpers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from adapters.files.importer import run_import, scan_registry
from adapters.files.profiles import ProfileContext, profile_named
from adapters.mapping import MappingCatalog, MappingMetrics, StatusMapper
from adapters.sink import InProcessSink
from events.codec import decode_json
from gateway.application import ComplaintService
from gateway.bootstrap import store_environment
from gateway.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
MAPPINGS_DIR = REPO_ROOT / "config" / "mappings"


def data_file(name: str) -> Path:
    """Return a real data file beside the checkout; skip the test if it is missing."""
    path = DATA_DIR / name
    if not path.is_file():
        pytest.skip(
            f"real data file {path} is missing: put the shared data folder "
            "beside the checkout"
        )
    return path


@dataclass
class Importer:
    """One store, one mapper and the sinks of one test."""

    service: ComplaintService
    metrics: CollectorRegistry
    mapper: StatusMapper

    def profile(self, name: str, seed: int = 2017):
        return profile_named(name, ProfileContext(self.mapper, seed=seed))

    def sink_for(self, profile, path: Path) -> InProcessSink:
        return InProcessSink(self.service, scan_registry(profile, path).to_registry())

    def run(self, name: str, path: Path, *, limit: int | None = None, **options):
        profile = self.profile(name)
        sink = self.sink_for(profile, path)
        return run_import(profile, path, sink, limit=limit, **options)

    def notification_count(self) -> int:
        return self.service.recorder.max_notification_id() or 0

    def event_types(self) -> Counter[str]:
        """Count the stored events by type name (``complaint.reopened``)."""
        counts: Counter[str] = Counter()
        start = 1
        while True:
            page = self.service.recorder.select_notifications(start, 1000)
            for notification in page:
                envelope = decode_json(notification.state).envelope
                counts[type(envelope.data).event_name] += 1
            if len(page) < 1000:
                return counts
            start = page[-1].id + 1


def new_importer(path: Path) -> Importer:
    settings = Settings(data_dir=path, sqlite_path=path / "gateway.sqlite")
    service = ComplaintService(store_environment(settings))
    metrics = CollectorRegistry()
    mapper = StatusMapper(
        MappingCatalog.load(MAPPINGS_DIR), metrics=MappingMetrics(metrics)
    )
    return Importer(service, metrics, mapper)


@pytest.fixture
def importer(tmp_path: Path):
    """A fresh SQLite store under ``tmp_path`` and a mapper with its own metrics."""
    importer = new_importer(tmp_path)
    yield importer
    importer.service.close()

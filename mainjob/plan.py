"""What one run of the main job reads and where it writes.

The shipped samples are always available. The LAPOR! 2017 texts carry no
licence for redistribution, so they are read from the shared data folder
beside the checkout (``../shared/data``) only when that folder holds them.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from gateway.settings import TopicNames
from mainjob.errors import MainJobError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = PROJECT_ROOT / "samples"
SHARED_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
DEFAULT_DATA_DIR = Path("var/run")
DEFAULT_HTTP_PORT = 8080
DEFAULT_BOOTSTRAP = "127.0.0.1:19092"


@dataclass(frozen=True, slots=True)
class Source:
    """One input file and the file adapter profile that reads it."""

    profile: str
    path: Path
    shipped: bool
    """Whether the file is one of the repository's redistributable samples."""


SOURCE_FILES: dict[str, Source] = {
    "nyc311": Source(
        "nyc311", SAMPLES_DIR / "nyc311_requests_sample.csv.gz", shipped=True
    ),
    "bpi2013": Source(
        "bpi2013", SAMPLES_DIR / "bpi2013_incidents_sample.csv.gz", shipped=True
    ),
    "lapor2017": Source(
        "lapor2017", SHARED_DATA_DIR / "lapor_2017_reports.jsonl.gz", shipped=False
    ),
}
DEFAULT_SOURCES = ("nyc311", "bpi2013", "lapor2017")


@dataclass(frozen=True, slots=True)
class RunPlan:
    """The inputs, folder, topics and ports of one run."""

    stamp: str
    run_dir: Path
    sources: tuple[Source, ...]
    missing: tuple[Source, ...]
    """Requested sources whose file is absent; the run goes on without them."""
    limit: int | None
    http_port: int
    bootstrap: str
    exit_when_done: bool

    @property
    def topic_prefix(self) -> str:
        return f"run-{self.stamp}."

    @property
    def topics(self) -> TopicNames:
        """This run's topic names: the defaults with the run's prefix.

        Every field is passed, so no ``LAPOR_TOPIC_*`` variable changes them.
        """
        defaults = TopicNames.model_fields

        def prefixed(name: str) -> str:
            return f"{self.topic_prefix}{defaults[name].default}"

        return TopicNames(
            events=prefixed("events"),
            commands=prefixed("commands"),
            commands_dead_letter=prefixed("commands_dead_letter"),
            command_results=prefixed("command_results"),
            agency_feed_prefix=prefixed("agency_feed_prefix"),
        )

    @property
    def checkpoints_topic(self) -> str:
        return f"{self.topic_prefix}lapor.audit-checkpoints.v1"

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.topic_prefix}lapor.projection-dlq.v1"


def make_plan(  # noqa: PLR0913 (one argument per command-line option)
    *,
    data_dir: Path,
    source_names: tuple[str, ...],
    limit: int | None,
    http_port: int,
    exit_when_done: bool,
    now: dt.datetime | None = None,
) -> RunPlan:
    """Return the plan of a run in a new folder ``<data_dir>/<timestamp>``."""
    unknown = [name for name in source_names if name not in SOURCE_FILES]
    if unknown:
        raise MainJobError(
            f"unknown sources {', '.join(unknown)}: choose from "
            f"{', '.join(SOURCE_FILES)}"
        )
    requested = [SOURCE_FILES[name] for name in dict.fromkeys(source_names)]
    present = tuple(source for source in requested if source.path.is_file())
    missing = tuple(source for source in requested if not source.path.is_file())
    absent_samples = [str(source.path) for source in missing if source.shipped]
    if absent_samples:
        raise MainJobError(
            f"shipped sample files are missing: {', '.join(absent_samples)}; "
            "restore them from the repository"
        )
    if not present:
        raise MainJobError("no input file is present: choose other --sources")
    moment = now or dt.datetime.now(dt.UTC)
    run_dir = _new_folder(data_dir, moment.strftime("%Y%m%d-%H%M%S"))
    return RunPlan(
        stamp=run_dir.name,
        run_dir=run_dir,
        sources=present,
        missing=missing,
        limit=limit,
        http_port=http_port,
        bootstrap=os.environ.get("LAPOR_KAFKA_BOOTSTRAP", DEFAULT_BOOTSTRAP),
        exit_when_done=exit_when_done,
    )


def _new_folder(data_dir: Path, stamp: str) -> Path:
    """Create and return a fresh run folder; a second run within a second gets -2."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 100):
        name = stamp if attempt == 1 else f"{stamp}-{attempt}"
        folder = data_dir / name
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return folder.resolve()
    raise MainJobError(f"cannot create a new run folder in {data_dir}: clean it up")

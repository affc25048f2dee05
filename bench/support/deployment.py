"""A relay deployment on a temporary store and topics, and its subprocess.

``RelaySetup`` names a store, a broker and unique topic names. It builds the
``LAPOR_*`` environment for ``python -m gateway.cli relay`` and the same
settings for a ``ComplaintService`` in the calling process, so both sides use
one store. ``RelayProcess`` starts, kills and stops that subprocess.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml
from prometheus_client import CollectorRegistry

from bench.support.workload import registry_document
from gateway.bootstrap import (
    build_service,
    create_topics,
    feed_topics,
    load_registry,
)
from gateway.settings import Settings, StoreKind, TopicNames
from infra.kafka.admin import delete_topics

if TYPE_CHECKING:
    from pathlib import Path

    from gateway.application import ComplaintService

STARTED_LINE = "Relay events started"
STOP_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class RelaySetup:
    """One relay deployment: the store, the broker, the topics and a log folder."""

    store: StoreKind
    bootstrap: str
    folder: Path
    topic_prefix: str
    postgres_url: str | None = None
    batch_size: int | None = None
    """The relay's batch size; ``None`` keeps the setting's default."""
    partitions: int | None = None
    """Partitions of each topic; ``None`` keeps the setting's default."""

    @property
    def settings(self) -> Settings:
        return Settings(**self._settings_fields())

    def environment(self) -> dict[str, str]:
        """Return the subprocess environment: this process's, minus ``LAPOR_*``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAPOR_")}
        fields = self._settings_fields()
        topics: TopicNames = fields.pop("topics")
        for name, value in fields.items():
            env[f"LAPOR_{name.upper()}"] = str(value)
        for name, value in topics.model_dump().items():
            env[f"LAPOR_TOPIC_{name.upper()}"] = value
        return env

    def write_registry(self) -> None:
        self.agencies_file.write_text(yaml.safe_dump(registry_document()), "utf-8")

    def open_service(self) -> ComplaintService:
        settings = self.settings
        return build_service(settings, load_registry(settings), CollectorRegistry())

    def all_topics(self) -> list[str]:
        """Return every topic name the settings give: each ``TopicNames`` field
        but the feed prefix, and one feed per agency."""
        settings = self.settings
        names = settings.topics.model_dump(exclude={"agency_feed_prefix"})
        return list(names.values()) + feed_topics(settings, load_registry(settings))

    async def create_topics(self) -> None:
        """Create the topics as the relay does, with the configured partitions."""
        settings = self.settings
        await create_topics(settings, load_registry(settings))

    async def delete_topics(self) -> None:
        await delete_topics(self.bootstrap, self.all_topics())

    @property
    def agencies_file(self) -> Path:
        return self.folder / "agencies.yaml"

    def _settings_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "store": self.store,
            "data_dir": self.folder,
            "kafka_bootstrap": self.bootstrap,
            "agencies_file": self.agencies_file,
            "ops_port": 0,
            "topics": TopicNames(
                events=f"{self.topic_prefix}.events",
                commands=f"{self.topic_prefix}.commands",
                commands_dead_letter=f"{self.topic_prefix}.commands-dlq",
                command_results=f"{self.topic_prefix}.results",
                agency_feed_prefix=f"{self.topic_prefix}.feed.",
            ),
        }
        if self.partitions is not None:
            fields["topic_partitions"] = self.partitions
        if self.batch_size is not None:
            fields["relay_batch_size"] = self.batch_size
        if self.store is StoreKind.SQLITE:
            fields["sqlite_path"] = self.folder / "gateway.sqlite"
        else:
            fields["postgres_url"] = self.postgres_url
        return fields


class RelayProcess:
    """``python -m gateway.cli relay`` with its output in a numbered log file.

    With ``profile_to`` the relay runs under pyinstrument, which writes a text
    profile to that file when the relay stops on SIGTERM.
    """

    def __init__(
        self,
        setup: RelaySetup,
        *,
        profile_to: Path | None = None,
        log_name: str = "relay",
    ) -> None:
        self._setup = setup
        self._profile_to = profile_to
        self._log_name = log_name
        self._env = setup.environment()
        self._process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    @property
    def log_path(self) -> Path:
        return self._setup.folder / f"{self._log_name}-{self.runs}.log"

    def start(self) -> None:
        self.runs += 1
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 (this interpreter)
                [*self._interpreter(), "-m", "gateway.cli", "relay"],
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _interpreter(self) -> list[str]:
        if self._profile_to is None:
            return [sys.executable]
        profiler = [sys.executable, "-m", "pyinstrument", "--renderer", "text"]
        return [*profiler, "--outfile", str(self._profile_to)]

    def has_started(self) -> bool:
        """Return whether this run has read its position and begun publishing."""
        return STARTED_LINE in self.log_path.read_text("utf-8", errors="replace")

    def peak_memory_kib(self) -> int:
        """Return the running relay's peak resident memory (``VmHWM``), in KiB."""
        status = f"/proc/{self._require().pid}/status"
        with open(status, encoding="ascii") as lines:  # noqa: PTH123 (a /proc file)
            for line in lines:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        msg = f"{status} has no VmHWM line: peak memory needs Linux's /proc"
        raise RuntimeError(msg)

    def exit_code(self) -> int | None:
        return None if self._process is None else self._process.poll()

    async def kill(self) -> None:
        """SIGKILL the relay and reap it."""
        process = self._require()
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait, STOP_TIMEOUT_SECONDS)
        self._process = None

    async def stop(self) -> int:
        """SIGTERM the relay and return its exit code; SIGKILL it if it hangs."""
        process = self._require()
        process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(process.wait, STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            code = await asyncio.to_thread(process.wait, STOP_TIMEOUT_SECONDS)
        self._process = None
        return code

    async def close(self) -> None:
        if self._process is not None:
            await self.kill()

    def _require(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            msg = "the relay is not running: call start() first"
            raise RuntimeError(msg)
        return self._process

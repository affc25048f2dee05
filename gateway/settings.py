"""Gateway configuration, read from ``LAPOR_*`` environment variables.

Every value has an embedded default for a single node on one machine: a
SQLite store under ``var/data`` and the local Kafka broker that
``lapor-infra kafka start`` runs. Secrets (the PostgreSQL password, signing
keys) come from the environment or files it names, never from defaults.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class StoreKind(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"


class TopicNames(BaseSettings):
    """Kafka topic names; versioned so that a new contract gets new topics."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_TOPIC_", frozen=True)

    events: str = "lapor.complaint-events.v1"
    commands: str = "lapor.complaint-commands.v1"
    commands_dead_letter: str = "lapor.complaint-commands.dlq.v1"
    command_results: str = "lapor.command-results.v1"
    """Every command's outcome from the Kafka intake, keyed by the sending agency."""
    agency_feed_prefix: str = "lapor.agency-feed."
    """An agency's feed topic is this prefix, the agency id and ``.v1``."""

    def agency_feed(self, agency: str) -> str:
        return f"{self.agency_feed_prefix}{agency}.v1"


class Settings(BaseSettings):
    """All settings of one gateway process."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_", frozen=True)

    data_dir: Path = Path("var/data")
    store: StoreKind = StoreKind.SQLITE
    sqlite_path: Path | None = None
    """SQLite database file; defaults to ``gateway.sqlite`` in ``data_dir``."""
    postgres_url: str | None = None
    """``postgresql://user:password@host:port/dbname`` for the PostgreSQL store."""
    kafka_bootstrap: str = "127.0.0.1:19092"
    agencies_file: Path = Path("config/agencies.yaml")
    http_host: str = "127.0.0.1"
    http_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    ops_host: str = "127.0.0.1"
    ops_port: Annotated[int, Field(ge=0, le=65535)] = 9464
    """Port of ``/metrics`` and the health endpoints of a process without the API."""
    max_body_bytes: Annotated[int, Field(ge=1024)] = 256 * 1024
    relay_batch_size: Annotated[int, Field(ge=1, le=10_000)] = 1000
    relay_poll_seconds: Annotated[float, Field(gt=0, le=60)] = 0.05
    scheduler_poll_seconds: Annotated[float, Field(gt=0, le=3600)] = 1.0
    topic_partitions: Annotated[int, Field(ge=1, le=1024)] = 6
    feed_partitions: Annotated[int, Field(ge=1, le=64)] = 1
    """Partitions of each agency feed topic: one agency's traffic is small."""
    topic_replication: Annotated[int, Field(ge=1, le=5)] = 1
    intake_group: str = "lapor.command-intake"
    """Kafka consumer group of the command intake processes."""
    intake_batch_size: Annotated[int, Field(ge=1, le=10_000)] = 500
    """Most records the intake reads, records and commits at once."""
    intake_instance: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")] = "1"
    """Names this command intake process: its static group member id and its
    transactional id. Give each intake process of one cluster its own."""
    intake_redrive_key: SecretStr | None = None
    """Key that signs re-drive grants on dead letters; without it a re-driven
    command must be sent again by its agency."""
    topics: TopicNames = Field(default_factory=TopicNames)

    @property
    def sqlite_file(self) -> Path:
        return self.sqlite_path or self.data_dir / "gateway.sqlite"

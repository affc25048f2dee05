"""Settings of the projection runner, read from ``LAPOR_PROJECTION_*`` variables.

The Kafka bootstrap servers, the events topic and the data folder come from
the gateway's own settings (``LAPOR_KAFKA_BOOTSTRAP``, ``LAPOR_TOPIC_EVENTS``,
``LAPOR_DATA_DIR``), so that one environment configures both.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.runner.dead_letters import DEAD_LETTER_TOPIC

if TYPE_CHECKING:
    from gateway.settings import Settings


class ProjectionSettings(BaseSettings):
    """Where projections keep their views and how the runner batches."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_PROJECTION_", frozen=True)

    database_url: str | None = None
    """SQLAlchemy URL of the views; ``None`` keeps one SQLite file per projection
    in ``<data dir>/projections``."""
    schema_prefix: str = "projection_"
    """On PostgreSQL each projection gets the schema ``<prefix><name>``."""
    dead_letter_topic: str = DEAD_LETTER_TOPIC
    max_records: Annotated[int, Field(ge=1, le=10_000)] = 500
    """Records applied per database transaction at most."""


def default_database_url(settings: Settings, projection_name: str) -> str:
    """Return the SQLite URL of a projection's own file under the data folder."""
    path = Path(settings.data_dir) / "projections" / f"{projection_name}.sqlite"
    return f"sqlite:///{path}"

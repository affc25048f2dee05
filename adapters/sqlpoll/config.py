"""Configuration of one SQL table poller, read from a YAML file.

The legacy database's URL is never in the file: ``legacy.url_env`` names the
environment variable that holds it, because it usually carries a password.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import TYPE_CHECKING, Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, StringConstraints, ValidationError, model_validator

from adapters.sqlpoll.errors import PollConfigError
from events.timestamps import Timestamp
from events.values import AgencyId, FrozenModel

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]{0,127}$")]
PollerName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]
_QUALIFIED = re.compile(
    r"^(?:[A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$"
)


class LegacyColumns(FrozenModel):
    """Column names of the legacy table, for each field the poller reads."""

    ticket_id: Identifier = "ticket_id"
    tracking_id: Identifier = "lapor_tracking_id"
    status: Identifier = "status"
    notes: Identifier = "notes"
    updated_at: Identifier = "updated_at"
    row_version: Identifier = "row_version"


class LegacySource(FrozenModel):
    """The legacy table's location and how to read its values."""

    url_env: EnvName
    """Environment variable holding the SQLAlchemy URL of the legacy database."""
    table: Annotated[str, StringConstraints(min_length=1, max_length=127)]
    """``schema.table`` or ``table``."""
    columns: LegacyColumns = LegacyColumns()
    timezone: str = "Asia/Jakarta"
    """Zone of ``updated_at`` values stored without an offset."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not _QUALIFIED.match(self.table):
            msg = f"table {self.table!r} is invalid: use 'schema.table' or 'table'"
            raise ValueError(msg)
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"timezone {self.timezone!r} is unknown: use an IANA name"
            raise ValueError(msg) from exc
        return self

    @property
    def schema_and_name(self) -> tuple[str | None, str]:
        schema, _, name = self.table.rpartition(".")
        return (schema or None, name)

    def read_url(self, environ: Mapping[str, str] | None = None) -> str:
        value = (os.environ if environ is None else environ).get(self.url_env)
        if not value:
            msg = (
                f"environment variable {self.url_env} is missing: set it to the "
                "legacy database URL (postgresql://user:password@host/db)"
            )
            raise PollConfigError(msg)
        return value


class StateLocation(FrozenModel):
    """The storage of the poller's watermark and seen changes."""

    url: str = "sqlite:///var/data/sqlpoll.sqlite"
    schema_name: Identifier | None = Field(default=None, alias="schema")
    """PostgreSQL schema of the poll state; required for PostgreSQL."""


class GatewayAccess(FrozenModel):
    """The gateway's HTTP API, and the variable holding the agency's token."""

    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$")]
    token_env: EnvName

    def read_token(self, environ: Mapping[str, str] | None = None) -> str:
        token = (os.environ if environ is None else environ).get(self.token_env)
        if not token:
            msg = (
                f"environment variable {self.token_env} is missing: set it to the "
                "token issued to the agency's system"
            )
            raise PollConfigError(msg)
        return token


class DirectoryLocation(FrozenModel):
    """The status projection's database, to find complaints by tracking number."""

    url_env: EnvName
    schema_name: Identifier | None = Field(default=None, alias="schema")


class TablePollConfig(FrozenModel):
    """One poller: one legacy table of one agency."""

    name: PollerName
    """Key of this poller's state; keep it when the table is renamed."""
    source: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
    """The status mapping file, ``config/mappings/<source>.yaml``."""
    agency: AgencyId
    legacy: LegacySource
    state: StateLocation = StateLocation()
    gateway: GatewayAccess | None = None
    """Where the ``run`` command sends commands; tests pass a sink instead."""
    directory: DirectoryLocation | None = None
    """Without it, only complaint ids (UUIDs) in the legacy table resolve."""
    overlap_seconds: Annotated[float, Field(ge=0, le=86_400)] = 300.0
    """Re-read window before the watermark; longer than the legacy system's
    longest write transaction, so rows that commit late are not missed."""
    poll_seconds: Annotated[float, Field(gt=0, le=86_400)] = 30.0
    batch_size: Annotated[int, Field(ge=1, le=100_000)] = 500
    start_at: Timestamp
    """Watermark of the first poll, before any is stored."""

    @property
    def overlap(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.overlap_seconds)

    @classmethod
    def load(cls, path: Path) -> TablePollConfig:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            msg = f"cannot read the poller configuration {path}: {exc}"
            raise PollConfigError(msg) from exc
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            msg = f"invalid poller configuration {path}: {exc}"
            raise PollConfigError(msg) from exc

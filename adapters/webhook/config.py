"""The webhook destinations file: where each agency's feed is pushed, and how.

The file is YAML, read at start-up and checked whole. Secrets never appear in
it: each destination names the environment variable (``secret_env``) or the
file (``secret_file``) that contains its signing key. Only HTTPS URLs are
accepted, except plain HTTP to a loopback address, which local tests use.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Self
from urllib.parse import urlsplit

import yaml
from pydantic import Field, StringConstraints, ValidationError, model_validator

from adapters.webhook.errors import WebhookConfigError
from events.values import AgencyId, FrozenModel

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_DEAD_LETTER_TOPIC = "lapor.webhook-dlq.v1"
DEFAULT_GROUP = "lapor.webhook"
MIN_SECRET_BYTES = 16
LOOPBACK_NAMES = frozenset({"localhost"})

EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]{0,127}$")]


class RetryPolicy(FrozenModel):
    """How often and how long a destination is retried before dead-lettering.

    The wait before retry ``n`` (from 1) is drawn uniformly from 0 to
    ``min(max_delay_seconds, base_delay_seconds * 2 ** (n - 1))`` (exponential
    back-off with full jitter).
    """

    max_attempts: Annotated[int, Field(ge=1, le=100)] = 8
    """Attempts in total, the first one included."""
    base_delay_seconds: Annotated[float, Field(gt=0, le=3600)] = 1.0
    max_delay_seconds: Annotated[float, Field(gt=0, le=86_400)] = 300.0


class Destination(FrozenModel):
    """One agency's webhook endpoint."""

    agency: AgencyId
    url: Annotated[str, StringConstraints(min_length=8, max_length=2048)]
    secret_env: EnvName | None = None
    """Environment variable that contains the signing secret."""
    secret_file: Path | None = None
    """File that contains the signing secret; a trailing newline is ignored."""
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10.0
    """Limit on each of connecting, sending and reading one response."""
    retry: RetryPolicy = RetryPolicy()
    queue_size: Annotated[int, Field(ge=1, le=100_000)] = 100
    """Events handed to the destination's worker and not yet settled, at most."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.secret_env is None) == (self.secret_file is None):
            msg = (
                f"destination {self.agency!r} must name exactly one of secret_env "
                "and secret_file"
            )
            raise ValueError(msg)
        _check_url(self.agency, self.url)
        return self

    def read_secret(self, environ: Mapping[str, str] | None = None) -> bytes:
        """Return the signing secret from the named variable or file."""
        if self.secret_env is not None:
            value = (os.environ if environ is None else environ).get(self.secret_env)
            where = f"environment variable {self.secret_env}"
            secret = value.encode("utf-8") if value else b""
        else:
            path = self.secret_file
            where = f"secret file {path}"
            try:
                secret = Path(str(path)).read_bytes().rstrip(b"\r\n")
            except OSError as exc:
                msg = f"cannot read the {where} of agency {self.agency!r}: {exc}"
                raise WebhookConfigError(msg) from exc
        if len(secret) < MIN_SECRET_BYTES:
            msg = (
                f"the {where} of agency {self.agency!r} is missing or shorter than "
                f"{MIN_SECRET_BYTES} bytes: set a random secret shared with the "
                "agency"
            )
            raise WebhookConfigError(msg)
        return secret


class WebhookConfig(FrozenModel):
    """Every destination, the dead-letter topic and the delivery record."""

    destinations: tuple[Destination, ...]
    dead_letter_topic: Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,249}$")
    ] = DEFAULT_DEAD_LETTER_TOPIC
    consumer_group: Annotated[str, StringConstraints(min_length=1)] = DEFAULT_GROUP
    delivery_db: Path = Path("var/data/webhook.sqlite")
    """SQLite file of the per-destination delivery record."""
    poll_timeout_ms: Annotated[int, Field(ge=10, le=10_000)] = 200
    max_poll_records: Annotated[int, Field(ge=1, le=10_000)] = 500

    @model_validator(mode="after")
    def _unique_agencies(self) -> Self:
        seen: set[str] = set()
        for destination in self.destinations:
            if destination.agency in seen:
                msg = f"agency {destination.agency!r} has more than one destination"
                raise ValueError(msg)
            seen.add(destination.agency)
        return self

    def destination(self, agency: str) -> Destination:
        """Return the agency's destination; raise if it has none."""
        for destination in self.destinations:
            if destination.agency == agency:
                return destination
        configured = ", ".join(d.agency for d in self.destinations) or "none"
        msg = (
            f"agency {agency!r} has no webhook destination; configured agencies: "
            f"{configured}"
        )
        raise WebhookConfigError(msg)

    @classmethod
    def load(cls, path: Path) -> WebhookConfig:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            msg = f"cannot read the webhook destinations file {path}: {exc}"
            raise WebhookConfigError(msg) from exc
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            msg = f"invalid webhook destinations file {path}: {exc}"
            raise WebhookConfigError(msg) from exc


def _check_url(agency: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    msg = (
        f"destination {agency!r} has URL {url!r}: use https:// (plain http is "
        "allowed only to a loopback address)"
    )
    raise ValueError(msg)


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

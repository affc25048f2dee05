"""Configuration of the audit trail, read from ``LAPOR_AUDIT_*`` environment variables.

The checkpoint signing key comes from the PEM file that ``signing_key_file``
names, or from the environment variable that ``signing_key_variable`` names.
No default supplies a key, so none can come from the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.audit.projection import AuditProjection
from projections.audit.signing import load_signer

if TYPE_CHECKING:
    from collections.abc import Mapping

    from monitoring.audit import AuditMetrics
    from projections.audit.signing import CheckpointSigner

DEFAULT_CHECKPOINTS_TOPIC = "lapor.audit-checkpoints.v1"


class AuditSettings(BaseSettings):
    """Settings of the audit projection and its checkpoint publisher."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_AUDIT_", frozen=True)

    database_url: str = "sqlite:///var/data/projections.sqlite"
    """SQLAlchemy URL of the projection database."""
    signing_key_file: Path | None = None
    """PEM file of the Ed25519 private key that signs checkpoints."""
    signing_key_variable: str | None = None
    """Name of an environment variable that contains the private key instead."""
    checkpoint_interval: Annotated[int, Field(ge=1, le=5000)] = 1000
    """Digested events per partition between two checkpoints."""
    checkpoints_topic: str = DEFAULT_CHECKPOINTS_TOPIC

    def signer(
        self, environ: Mapping[str, str] | None = None
    ) -> CheckpointSigner | None:
        """Load the configured signing key; ``None`` when none is configured."""
        return load_signer(
            key_file=self.signing_key_file,
            key_variable=self.signing_key_variable,
            environ=environ,
        )


def configured_projection(metrics: AuditMetrics | None = None) -> AuditProjection:
    """Build the audit projection from ``LAPOR_AUDIT_*`` settings.

    Raises ``SigningKeyError`` when a configured signing key cannot be loaded,
    so a misconfigured gateway stops instead of running without checkpoints.
    """
    settings = AuditSettings()
    return AuditProjection(
        signer=settings.signer(),
        checkpoint_interval=settings.checkpoint_interval,
        metrics=metrics,
    )

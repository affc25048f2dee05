"""Fixtures of the audit tests: a signing key, histories and a projection database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projections.audit.database import open_engine
from projections.audit.signing import CheckpointSigner
from tests.projections.audit.histories import Histories, build_histories

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine


@pytest.fixture
def signer() -> CheckpointSigner:
    return CheckpointSigner(Ed25519PrivateKey.generate())


@pytest.fixture(scope="module")
def histories() -> Histories:
    return build_histories()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A fresh projection database on SQLite, and on the real PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'projections.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_database")
    engine = open_engine(url)
    yield engine
    engine.dispose()

"""Agencies, systems with their tokens and signing key, and command documents.

Shared by the API and Kafka intake tests. Commands are plain JSON documents,
as an agency system would send them; each one happens a minute after the
previous one, so the lifecycle's time-order checks hold.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gateway.agencies import AgencyRegistry, hash_token

WIB = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2025, 6, 2, 9, 0, tzinfo=WIB)
"""A Monday under the 2025 rule set."""

HOLDER = "pemkot-bandung"
OTHER = "pemprov-jabar"
UNIT = "dinas-pupr"
REPORTER_REF = "reporter-7f3a"

TOKENS = {
    "national": "token-national-0001",
    "web": "token-web-0001",
    "bandung": "token-bandung-0001",
    "jabar": "token-jabar-0001",
    "signed": "token-bandung-signed-0001",
    "inspectorate": "token-inspectorate-0001",
}

SIGNING_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
"""The private key of the ``bandung-signed`` system (fixed, for tests only)."""


def _public_key() -> str:
    raw = SIGNING_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def registry() -> AgencyRegistry:
    """Return the registry every intake test uses."""
    return AgencyRegistry.model_validate(
        {
            "agencies": [
                {"id": "kemenpanrb", "name": "KemenPANRB", "kind": "national"},
                {"id": "lapor-web", "name": "LAPOR! web", "kind": "national"},
                {
                    "id": HOLDER,
                    "name": "Pemkot Bandung",
                    "kind": "regional",
                    "region": "ID-JB",
                    "units": [UNIT],
                },
                {"id": OTHER, "name": "Pemprov Jabar", "kind": "regional"},
                {"id": "itjen", "name": "Inspektorat", "kind": "inspectorate"},
            ],
            "systems": [
                _system("national-admin", "kemenpanrb", ["national_admin"], "national"),
                _system("lapor-web-app", "lapor-web", ["reporter"], "web"),
                {
                    **_system(
                        "bandung-crm",
                        HOLDER,
                        ["agency_admin", "unit_liaison"],
                        "bandung",
                    ),
                    "units": [UNIT],
                },
                _system("jabar-crm", OTHER, ["agency_admin"], "jabar"),
                {
                    **_system("bandung-signed", HOLDER, ["agency_admin"], "signed"),
                    "signing_key": _public_key(),
                },
                _system("itjen-audit", "itjen", ["agency_admin"], "inspectorate"),
            ],
        }
    )


def _system(
    system_id: str, agency: str, roles: list[str], token: str
) -> dict[str, Any]:
    return {
        "id": system_id,
        "agency": agency,
        "roles": roles,
        "token_sha256": hash_token(TOKENS[token]),
    }


def bearer(name: str) -> dict[str, str]:
    """Return the Authorization header of the system that owns token ``name``."""
    return {"Authorization": f"Bearer {TOKENS[name]}"}


def sign(body: bytes) -> str:
    """Return the base64 Ed25519 signature of ``body`` by ``bandung-signed``."""
    return base64.b64encode(SIGNING_KEY.sign(body)).decode()


def encode(command: dict[str, Any]) -> bytes:
    return json.dumps(command).encode()


REPORTER = {"agency": "lapor-web", "role": "reporter"}
NATIONAL = {"agency": "kemenpanrb", "role": "national_admin"}
AGENCY = {"agency": HOLDER, "role": "agency_admin"}
LIAISON = {"agency": HOLDER, "role": "unit_liaison", "unit": UNIT}
OTHER_AGENCY = {"agency": OTHER, "role": "agency_admin"}


class Commands:
    """Builds command documents with fresh ids and ascending action times."""

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = prefix or uuid.uuid4().hex[:8]
        self._numbers = itertools.count(1)
        self._minutes = itertools.count(1)

    def next_id(self) -> str:
        return f"{self.prefix}-{next(self._numbers)}"

    def _common(self, actor: dict[str, Any], command_type: str) -> dict[str, Any]:
        occurred = START + dt.timedelta(minutes=next(self._minutes))
        document: dict[str, Any] = {
            "type": command_type,
            "command_id": self.next_id(),
            "occurred_at": occurred.isoformat(),
            "actor": actor,
            "correlation_id": f"corr-{self.prefix}",
        }
        if actor["role"] == "reporter":
            document["reporter_ref"] = REPORTER_REF
        return document

    def submit(self, **fields: Any) -> dict[str, Any]:
        """A reporter's submission through the LAPOR! web channel."""
        return {
            **self._common(REPORTER, "submit_complaint"),
            "tracking_id": "1916449",
            "channel": "website",
            "classification": "pengaduan",
            "title": "Jalan berlubang",
            "description": "Lubang besar di Jalan Dago dekat halte.",
            **fields,
        }

    def act(
        self,
        command_type: str,
        complaint_id: str,
        actor: dict[str, Any],
        **fields: Any,
    ) -> dict[str, Any]:
        """An action on an existing complaint."""
        return {
            **self._common(actor, command_type),
            "complaint_id": complaint_id,
            **fields,
        }

"""Re-drive grants: how a dead letter keeps its sender without keeping its token.

A dead letter never carries the sender's bearer token. When the intake
dead-letters a command from an authenticated system, it adds a grant: an
HMAC-SHA256, under a key only the gateway holds, of the system id and the
SHA-256 of the exact command bytes. A re-driven command that carries a valid
grant is taken as sent by that system again; the grant cannot vouch for any
other bytes, and the system's Ed25519 signature, kept in the dead letter,
is still verified.
"""

from __future__ import annotations

import hashlib
import hmac


class RedriveGrants:
    """Issues and verifies grants under one secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:  # noqa: PLR2004
            raise ValueError(
                "the re-drive key is shorter than 16 bytes: set "
                "LAPOR_INTAKE_REDRIVE_KEY to a random value of 32 bytes or more"
            )
        self._key = key

    def grant(self, system_id: str, value: bytes) -> str:
        """Return the grant for ``system_id`` having sent ``value``, as hex."""
        message = system_id.encode() + b"\n" + hashlib.sha256(value).digest()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def verify(self, system_id: str, value: bytes, grant: str) -> bool:
        """Whether ``grant`` was issued for ``system_id`` and exactly ``value``."""
        return hmac.compare_digest(self.grant(system_id, value), grant)

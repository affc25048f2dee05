"""Checks that run before any command reaches a complaint, for every intake.

Authentication finds the agency system a credential belongs to; the claim
check then makes sure the command's actor is one that system may speak for:
its own agency, a role it was granted, and for a unit liaison one of its
units. Whether that actor may perform the action on the complaint (who holds
it, its state) is the Complaint aggregate's decision, made afterwards.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from events.values import Role

if TYPE_CHECKING:
    from events.envelope import Actor
    from gateway.agencies import AgencyRegistry, AgencySystem


class AccessError(Exception):
    """Root of authentication and claim errors; ``status`` is the HTTP status."""

    status = 403


class AuthenticationError(AccessError):
    """The credential is missing, unknown, or the signature does not verify."""

    status = 401


class ClaimError(AccessError):
    """The command's actor is not one the authenticated system may speak for."""


def authenticate(registry: AgencyRegistry, authorization: str | None) -> AgencySystem:
    """Return the system named by an ``Authorization: Bearer <token>`` value."""
    if not authorization:
        raise AuthenticationError(
            "missing credentials: send 'Authorization: Bearer <token>' with the "
            "token issued to your agency system"
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "invalid Authorization header: expected 'Bearer <token>'"
        )
    system = registry.authenticate(token.strip())
    if system is None:
        raise AuthenticationError(
            "unknown credentials: the token matches no registered agency system"
        )
    return system


def verify_signature(system: AgencySystem, body: bytes, signature: str | None) -> None:
    """Verify the Ed25519 signature over the raw body when the system must sign."""
    if system.signing_key is None:
        return
    if not signature:
        raise AuthenticationError(
            f"system {system.id!r} must sign its commands: send the base64 Ed25519 "
            "signature of the request body in 'X-Lapor-Signature'"
        )
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(system.signing_key))
        key.verify(base64.b64decode(signature, validate=True), body)
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise AuthenticationError(
            f"invalid signature for system {system.id!r}: the Ed25519 signature "
            "does not verify against the body with the registered public key"
        ) from exc


def check_claim(system: AgencySystem, actor: Actor) -> None:
    """Reject an actor that ``system`` may not speak for."""
    if actor.agency != system.agency:
        raise ClaimError(
            f"system {system.id!r} belongs to agency {system.agency!r} and cannot "
            f"act for agency {actor.agency!r}"
        )
    if actor.role not in system.roles:
        granted = ", ".join(sorted(role.value for role in system.roles))
        raise ClaimError(
            f"system {system.id!r} may not act as {actor.role.value!r}; "
            f"its roles are: {granted}"
        )
    if actor.role is Role.SYSTEM:
        raise ClaimError(
            "the 'system' role is reserved for the gateway's own scheduler"
        )
    if actor.role is Role.UNIT_LIAISON and actor.unit not in system.units:
        raise ClaimError(
            f"system {system.id!r} may not act for unit {actor.unit!r}; "
            f"its units are: {', '.join(sorted(system.units)) or 'none'}"
        )

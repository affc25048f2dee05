"""The lifecycle's configurable rules: questions the platform rules leave open.

The policy shapes decisions only. Events record what was decided, so
replaying a history gives the same complaint under any policy.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import model_validator

from events.values import FrozenModel, Role

REOPEN_CAPABLE_ROLES = frozenset(
    {Role.REPORTER, Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN}
)
"""Roles that have a reopen rule in the transition table."""


class LifecyclePolicy(FrozenModel):
    """Policy switches for the lifecycle's open questions, with their defaults.

    Reopening a closed complaint is allowed to the reporter and the national
    admin for 30 calendar days after the closing (measured on ``occurred_at``),
    the same span a reporter has to complete a pending complaint. The holding
    agency's admin may reopen only if ``reopen_roles`` includes it.

    The system (the deadline scheduler) archives a pending complaint that the
    reporter did not complete before its pending-archive clock ran out. The
    packaged rule sets give 30 calendar days, an agency practice rather than a
    platform rule.

    An agency may not pass a complaint sideways to another agency: it declines
    it (bukan wewenang) and the national admin re-dispositions, which keeps
    every move between agencies visible to the national admin.
    """

    reopen_roles: frozenset[Role] = frozenset({Role.REPORTER, Role.NATIONAL_ADMIN})
    """Roles that may reopen a closed complaint; empty disables reopening."""
    reopen_window: timedelta | None = timedelta(days=30)
    """Maximum time from the closing to a reopen; ``None`` sets no limit."""
    max_reopens: int | None = None
    """Most reopens a complaint may have; ``None`` sets no limit."""
    agency_may_redisposition_sideways: bool = False
    """Whether the holding agency's admin may hand the complaint to another agency."""
    system_archives_expired_pending: bool = True
    """Whether the system archives a pending complaint whose clock has run out."""
    admins_may_clear_privacy_flags: bool = False
    """Whether an admin may clear anonim or rahasia; admins may always set them."""
    clock_skew: timedelta = timedelta(minutes=5)
    """How far ``occurred_at`` may lie after ``recorded_at`` (source clocks drift)."""

    @model_validator(mode="after")
    def _check_values(self) -> Self:
        unknown = self.reopen_roles - REOPEN_CAPABLE_ROLES
        if unknown:
            names = ", ".join(sorted(unknown))
            msg = (
                f"reopen_roles contains {names}, which cannot reopen a complaint: "
                "use reporter, national_admin or agency_admin"
            )
            raise ValueError(msg)
        if self.reopen_window is not None and self.reopen_window <= timedelta(0):
            msg = (
                f"reopen_window {self.reopen_window} is not positive: "
                "use None for no limit"
            )
            raise ValueError(msg)
        if self.max_reopens is not None and self.max_reopens < 0:
            msg = f"max_reopens {self.max_reopens} is negative: use 0 or more, or None"
            raise ValueError(msg)
        if self.clock_skew < timedelta(0):
            msg = f"clock_skew {self.clock_skew} is negative: use zero or more"
            raise ValueError(msg)
        return self


DEFAULT_POLICY = LifecyclePolicy()

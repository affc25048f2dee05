"""Which attempt results are retried, and how long to wait before the next one."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.webhook.config import RetryPolicy

RETRIABLE_STATUSES = frozenset({408, 425, 429})
"""Client-error statuses that mean "later", not "never"; every 5xx is retried too."""


class AttemptVerdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    """A timeout, a refused connection, a 5xx or a status that asks for later."""
    REJECTED = "rejected"
    """Any other status: the same request will fail again, so it is dead-lettered."""


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """The result of one HTTP attempt: a status, or the transport error."""

    status: int | None
    error: str | None
    retry_after: float | None = None
    """Seconds from a ``Retry-After`` header, when the response had one."""

    @property
    def verdict(self) -> AttemptVerdict:
        if self.status is None:
            return AttemptVerdict.RETRY
        if 200 <= self.status < 300:  # noqa: PLR2004 (the 2xx class)
            return AttemptVerdict.DELIVERED
        if self.status >= 500 or self.status in RETRIABLE_STATUSES:  # noqa: PLR2004
            return AttemptVerdict.RETRY
        return AttemptVerdict.REJECTED

    def describe(self) -> str:
        """Return a short text for logs and the delivery record (no body content)."""
        if self.status is None:
            return self.error or "no response"
        return f"HTTP {self.status}"


def backoff_delay(
    policy: RetryPolicy,
    retry: int,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Return the seconds to wait before retry number ``retry`` (1 for the first).

    Full jitter: uniform between 0 and the capped exponential bound. A
    ``Retry-After`` from the endpoint raises the wait to at least that many
    seconds, still capped at ``max_delay_seconds``.
    """
    exponent = min(retry - 1, 62)
    bound = min(policy.max_delay_seconds, policy.base_delay_seconds * 2.0**exponent)
    delay = (rng or _RNG).uniform(0.0, bound)
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_delay_seconds))
    return delay


_RNG = random.Random()  # noqa: S311 (jitter needs no cryptographic randomness)


def parse_retry_after(value: str | None) -> float | None:
    """Return a ``Retry-After`` header's delay in seconds; dates are ignored."""
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())

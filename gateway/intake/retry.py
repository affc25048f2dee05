"""Bounded exponential back-off, and logging that reports a repeated error once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging


@dataclass(slots=True)
class Backoff:
    """Delays that double from ``first`` up to ``limit`` seconds; reset on success."""

    first: float = 0.1
    limit: float = 10.0
    _next: float = field(default=0.0, init=False)

    async def wait(self, stop: asyncio.Event) -> bool:
        """Sleep for the next delay; return ``False`` at once if ``stop`` is set."""
        self._next = min(self.limit, self._next * 2) if self._next else self.first
        try:
            await asyncio.wait_for(stop.wait(), timeout=self._next)
        except TimeoutError:
            return True
        return False

    def reset(self) -> None:
        self._next = 0.0


@dataclass(slots=True)
class FailureLog:
    """Logs the first failure of a kind with its traceback, then only counts.

    ``recovered`` logs once how many attempts failed before one succeeded.
    """

    logger: logging.Logger
    operation: str
    _failures: int = field(default=0, init=False)
    _last_kind: str | None = field(default=None, init=False)

    def failed(self, exc: BaseException) -> None:
        kind = type(exc).__name__
        self._failures += 1
        if kind != self._last_kind:
            self._last_kind = kind
            self.logger.error(
                "%s failed; retrying with back-off", self.operation, exc_info=exc
            )
        else:
            self.logger.debug("%s failed again: %r", self.operation, exc)

    def recovered(self) -> None:
        if self._failures:
            self.logger.info(
                "%s succeeded after %d failed attempts", self.operation, self._failures
            )
        self._failures = 0
        self._last_kind = None

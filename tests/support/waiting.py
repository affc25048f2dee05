"""Bounded waits for asynchronous test conditions."""

import asyncio
from collections.abc import Callable

POLL_INTERVAL_SECONDS = 0.05


async def wait_for(
    condition: Callable[[], bool], within: float, description: str
) -> None:
    """Return once ``condition`` is true; fail the test after ``within`` seconds."""
    try:
        async with asyncio.timeout(within):
            while not condition():  # noqa: ASYNC110 (a plain predicate, no event)
                await asyncio.sleep(POLL_INTERVAL_SECONDS)
    except TimeoutError:
        raise AssertionError(
            f"timed out after {within:.0f} s waiting until {description}"
        ) from None

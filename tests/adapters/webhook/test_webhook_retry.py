"""Back-off bounds and which attempt results are retried."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.webhook.config import RetryPolicy
from adapters.webhook.retry import (
    AttemptResult,
    AttemptVerdict,
    backoff_delay,
    parse_retry_after,
)


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 (jitter tests need a seeded generator)


policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 100),
    base_delay_seconds=st.floats(0.001, 60),
    max_delay_seconds=st.floats(0.001, 3600),
)


@given(policy=policies, retry=st.integers(1, 200), seed=st.integers(0, 2**32))
def test_delay_stays_within_full_jitter_bound(policy, retry, seed):
    delay = backoff_delay(policy, retry, rng=seeded(seed))
    bound = min(
        policy.max_delay_seconds, policy.base_delay_seconds * 2.0 ** min(retry - 1, 62)
    )
    assert 0.0 <= delay <= bound


@given(policy=policies, retry_after=st.floats(0, 10_000), seed=st.integers(0, 100))
def test_retry_after_raises_delay_but_keeps_cap(policy, retry_after, seed):
    delay = backoff_delay(policy, 1, retry_after=retry_after, rng=seeded(seed))
    assert delay >= min(retry_after, policy.max_delay_seconds)
    assert delay <= max(policy.max_delay_seconds, policy.base_delay_seconds)


def test_jitter_spreads_delays():
    policy = RetryPolicy(base_delay_seconds=1, max_delay_seconds=100)
    rng = seeded(7)
    delays = {round(backoff_delay(policy, 5, rng=rng), 3) for _ in range(50)}
    assert len(delays) > 40


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, AttemptVerdict.DELIVERED),
        (204, AttemptVerdict.DELIVERED),
        (301, AttemptVerdict.REJECTED),
        (400, AttemptVerdict.REJECTED),
        (401, AttemptVerdict.REJECTED),
        (404, AttemptVerdict.REJECTED),
        (408, AttemptVerdict.RETRY),
        (425, AttemptVerdict.RETRY),
        (429, AttemptVerdict.RETRY),
        (500, AttemptVerdict.RETRY),
        (503, AttemptVerdict.RETRY),
        (None, AttemptVerdict.RETRY),
    ],
)
def test_verdict_of_status(status, verdict):
    assert AttemptResult(status, None).verdict is verdict


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), (" 5 ", 5.0), (None, None), ("soon", None), ("-3", None)],
)
def test_retry_after_header(header, seconds):
    assert parse_retry_after(header) == seconds

"""The intake's pure parts: batching, run splitting, verdicts and field paths."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.application import command_key
from gateway.complaint import errors as complaint_errors
from gateway.intake.batcher import BatcherClosedError, MicroBatcher
from gateway.intake.errors import StoreUnavailableError
from gateway.intake.pipeline import runs_without_repeats
from gateway.intake.validation import COMMAND_ADAPTER, path_of
from gateway.intake.verdicts import INTERNAL, verdict_of
from gateway.outcomes import CommandConflictError, CommandReuseError
from tests.gateway.api.agencies import Commands


def submission(command_id: str):
    document = Commands().submit()
    return COMMAND_ADAPTER.validate_python({**document, "command_id": command_id})


COMMANDS = {name: submission(name) for name in "abcde"}


@given(st.lists(st.sampled_from(sorted(COMMANDS)), max_size=30))
def test_runs_keep_order_without_repeats(names):
    commands = [COMMANDS[name] for name in names]
    runs = runs_without_repeats(commands)
    assert [c for run in runs for c in run] == commands
    for run in runs:
        keys = [command_key(c) for c in run]
        assert len(set(keys)) == len(keys)
    for before, after in itertools.pairwise(runs):
        assert command_key(after[0]) in {command_key(c) for c in before}


class RecordingExecutor:
    """Returns each command's id as its result and records the batches."""

    def __init__(self, error: Exception | None = None) -> None:
        self.batches: list[list[str]] = []
        self.error = error

    async def __call__(self, commands):
        await asyncio.sleep(0.01)
        self.batches.append([c.command_id for c in commands])
        if self.error is not None:
            raise self.error
        return [c.command_id for c in commands]


async def test_batcher_returns_each_callers_result():
    executor = RecordingExecutor()
    batcher = MicroBatcher(executor, max_wait=0.005, max_size=7)
    commands = [submission(f"c{n}") for n in range(30)]
    results = await asyncio.gather(*(batcher.submit(c) for c in commands))
    await batcher.aclose()
    assert results == [c.command_id for c in commands]
    assert max(len(batch) for batch in executor.batches) == 7
    assert len(executor.batches) < 30


async def test_batcher_passes_batch_error_to_all():
    batcher = MicroBatcher(RecordingExecutor(StoreUnavailableError("down")))
    outcomes = await asyncio.gather(
        *(batcher.submit(submission(f"e{n}")) for n in range(3)),
        return_exceptions=True,
    )
    await batcher.aclose()
    assert [type(o) for o in outcomes] == [StoreUnavailableError] * 3


async def test_batcher_rejects_after_close():
    batcher = MicroBatcher(RecordingExecutor())
    await batcher.submit(submission("first"))
    await batcher.aclose()
    with pytest.raises(BatcherClosedError):
        await batcher.submit(submission("late"))


def test_every_complaint_error_has_a_verdict():
    classes = [
        value
        for value in vars(complaint_errors).values()
        if isinstance(value, type)
        and issubclass(value, complaint_errors.ComplaintError)
    ]
    classes += [CommandConflictError, CommandReuseError]
    unmapped = [
        cls.__name__
        for cls in classes
        if cls is not complaint_errors.ComplaintError
        and verdict_of(cls.__new__(cls)) is INTERNAL
    ]
    assert unmapped == []


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        ((), "$"),
        (("occurred_at",), "$.occurred_at"),
        (("tags", 2), "$.tags[2]"),
        (("location", "latitude"), "$.location.latitude"),
    ],
)
def test_field_paths(loc, path):
    assert path_of("$", loc) == path

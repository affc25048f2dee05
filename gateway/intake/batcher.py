"""Groups concurrent single commands into one store transaction.

A store transaction costs about the same for one command as for a few
hundred, so commands that arrive while a batch is being recorded are decided
and recorded together. While batches hold more than one command, the worker
also waits up to ``max_wait`` seconds for more before it starts the next one.
A lone caller that sends one command at a time is never kept waiting. Each
caller still gets its own command's result: ``execute_batch`` returns one
result per command, in order, and a command rejected by the rules does not
affect the others. Batches run one at a time, so the store sees a single
writer from this process.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from gateway.intake.errors import IntakeError

if TYPE_CHECKING:
    from gateway.application import Result
    from gateway.complaint import ComplaintCommand
    from gateway.intake.pipeline import BatchExecutor

logger = logging.getLogger(__name__)

_Waiter = tuple["ComplaintCommand", "asyncio.Future[Result]"]


class BatcherClosedError(IntakeError):
    """A command was submitted after the batcher was closed."""

    retriable = True


class MicroBatcher:
    """Collects commands for up to ``max_wait`` seconds or ``max_size`` commands.

    The worker task starts on the first :meth:`submit` in the running event
    loop; :meth:`aclose` finishes the queued commands and stops it.
    """

    def __init__(
        self, execute: BatchExecutor, *, max_wait: float = 0.002, max_size: int = 200
    ) -> None:
        self._execute = execute
        self.max_wait = max_wait
        self.max_size = max_size
        self._queue: list[_Waiter] = []
        self._wakeup: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._closing = False
        self._last_size = 0

    async def submit(self, command: ComplaintCommand) -> Result:
        """Return the command's result once its batch is recorded.

        Raises what the executor raised for the whole batch, such as
        ``StoreUnavailableError``.
        """
        if self._closing:
            raise BatcherClosedError(
                "the command batcher is closed because the server is stopping: "
                "send the command again"
            )
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((command, future))
        self._start_worker().set()
        return await future

    async def aclose(self) -> None:
        """Record the commands already queued, then stop the worker."""
        self._closing = True
        if self._worker is None:
            return
        if self._wakeup is not None:
            self._wakeup.set()
        await self._worker
        self._worker = None

    def _start_worker(self) -> asyncio.Event:
        if self._worker is None or self._worker.done():
            self._wakeup = asyncio.Event()
            self._worker = asyncio.create_task(self._run(self._wakeup))
        assert self._wakeup is not None  # noqa: S101 (set together with the worker)
        return self._wakeup

    async def _run(self, wakeup: asyncio.Event) -> None:
        while not (self._closing and not self._queue):
            await wakeup.wait()
            wakeup.clear()
            if self._should_wait():
                await asyncio.sleep(self.max_wait)
            while self._queue:
                batch = self._queue[: self.max_size]
                del self._queue[: self.max_size]
                await self._run_batch(batch)

    def _should_wait(self) -> bool:
        # A lone caller (the last batch had one command) is not kept waiting.
        queued = len(self._queue)
        return 0 < queued < self.max_size and self._last_size > 1 and not self._closing

    async def _run_batch(self, batch: list[_Waiter]) -> None:
        self._last_size = len(batch)
        commands = [command for command, _ in batch]
        try:
            results = await self._execute(commands)
        except Exception as exc:  # noqa: BLE001 (every caller must get the error)
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

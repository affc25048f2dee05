"""The two timed phases of the write-path benchmark, on one store.

The gateway phase runs the relay as a subprocess (``python -m gateway.cli
relay``) and executes every command batch through
``ComplaintService.execute_batch`` in this process. It stops the clock when
the relay has recorded the last notification as published, which the relay
does only after the broker acknowledged it. The raw phase publishes the same
records (events topic and agency feeds: the same keys, values and headers,
once each) with a bare aiokafka producer in a child process, to topics of
their own on the same broker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import pickle
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from pyinstrument import Profiler

from bench.support.deployment import RelayProcess
from events.codec import decode_json
from gateway.bootstrap import load_registry
from gateway.kafka.topics import ensure_topics
from gateway.outcomes import CommandOutcome
from gateway.publishing import EventRecordBuilder

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from uuid import UUID

    from bench.support.deployment import RelaySetup
    from events.envelope import Envelope
    from gateway.application import ComplaintService
    from gateway.complaint.commands import ComplaintCommand
    from gateway.kafka.producer import OutgoingRecord

RELAY_START_SECONDS = 60.0
CATCH_UP_SECONDS = 600.0
POLL_SECONDS = 0.005
RAW_PHASE_SECONDS = 600.0


class BenchmarkError(RuntimeError):
    """A phase of the benchmark failed; the message names the phase and the fix."""


@dataclass(frozen=True)
class GatewayFigures:
    """Figures of the gateway phase on one store."""

    commands: int
    events: int
    records: int
    seconds: float
    """From the first command to the relay's record of the last event."""
    writer_seconds: float
    """From the first command to the last batch's commit."""
    writer_cpu_seconds: float
    writer_peak_memory_kib: int
    relay_peak_memory_kib: int


@dataclass(frozen=True)
class DrainFigures:
    """The relay alone, publishing a backlog of stored events."""

    events: int
    seconds: float
    """From the relay's start line to its record of the last event."""
    peak_memory_kib: int


@dataclass(frozen=True)
class RawFigures:
    records: int
    seconds: float
    peak_memory_kib: int


async def measure_gateway(
    setup: RelaySetup,
    batches: Sequence[Sequence[ComplaintCommand]],
    *,
    relay_profile: Path | None = None,
    writer_profile: Path | None = None,
) -> tuple[GatewayFigures, list[OutgoingRecord]]:
    """Run the gateway phase; return its figures and the records it published.

    With ``relay_profile`` and ``writer_profile`` the relay and the writer
    run under pyinstrument, which slows them, and write text profiles there.
    """
    setup.write_registry()
    await setup.create_topics()
    service = setup.open_service()
    relay = RelayProcess(setup, profile_to=relay_profile)
    try:
        figures = await _timed_run(service, relay, batches, writer_profile)
        records = _published_records(setup, service)
    finally:
        await relay.close()
        service.close()
    return GatewayFigures(**{**asdict(figures), "records": len(records)}), records


async def _timed_run(
    service: ComplaintService,
    relay: RelayProcess,
    batches: Sequence[Sequence[ComplaintCommand]],
    writer_profile: Path | None,
) -> GatewayFigures:
    relay.start()
    await _until(relay.has_started, RELAY_START_SECONDS, f"see {relay.log_path}")

    profiler = Profiler() if writer_profile else None
    started = time.perf_counter()
    cpu_started = time.process_time()
    if profiler is not None:
        profiler.start()
    commands = sum(_execute(service, batch) for batch in batches)
    written = time.perf_counter()
    writer_cpu = time.process_time() - cpu_started
    if profiler is not None and writer_profile is not None:
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False)
        await asyncio.to_thread(writer_profile.write_text, text)

    last = service.recorder.max_notification_id() or 0
    await _until(
        lambda: service.store.select_position("events") >= last,
        CATCH_UP_SECONDS,
        f"the relay did not publish notification {last}; see {relay.log_path}",
    )
    finished = time.perf_counter()

    relay_peak = relay.peak_memory_kib()
    if await relay.stop() != 0:
        msg = f"the relay did not stop cleanly; see {relay.log_path}"
        raise BenchmarkError(msg)
    return GatewayFigures(
        commands=commands,
        events=len(service.recorder.select_notifications(1, 10_000_000)),
        records=0,  # counted by the caller, which rebuilds the records
        seconds=finished - started,
        writer_seconds=written - started,
        writer_cpu_seconds=writer_cpu,
        writer_peak_memory_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        relay_peak_memory_kib=relay_peak,
    )


def _execute(service: ComplaintService, batch: Sequence[ComplaintCommand]) -> int:
    results = service.execute_batch(batch)
    rejected = [r for r in results if not isinstance(r, CommandOutcome)]
    if rejected:
        msg = f"{len(rejected)} workload commands were rejected, first: {rejected[0]}"
        raise BenchmarkError(msg)
    return len(results)


def _published_records(
    setup: RelaySetup, service: ComplaintService
) -> list[OutgoingRecord]:
    """Rebuild every record the relay published, once each, as the relay does."""

    def history(complaint_id: UUID, up_to: int) -> list[Envelope]:
        stored = service.recorder.select_events(complaint_id, lte=up_to)
        return [decode_json(event.state).envelope for event in stored]

    settings = setup.settings
    agencies = frozenset(a.id for a in load_registry(settings).agencies)
    builder = EventRecordBuilder(
        settings.topics, history=history, feed_agencies=agencies
    )
    return builder.build(service.recorder.select_notifications(1, 10_000_000))


async def measure_drain(setup: RelaySetup) -> DrainFigures:
    """Publish the whole store again, to topics of ``drain_setup(setup)``.

    The relay's position is set back to 0, so it starts with every stored
    event as its backlog. This measures the relay's capacity on its own.
    """
    drain = drain_setup(setup)
    await drain.create_topics()
    service = drain.open_service()
    relay = RelayProcess(drain, log_name="drain")
    try:
        service.store.update_position("events", 0)
        last = service.recorder.max_notification_id() or 0
        relay.start()
        await _until(relay.has_started, RELAY_START_SECONDS, f"see {relay.log_path}")
        started = time.perf_counter()
        await _until(
            lambda: service.store.select_position("events") >= last,
            CATCH_UP_SECONDS,
            f"the relay did not publish notification {last}; see {relay.log_path}",
        )
        seconds = time.perf_counter() - started
        peak = relay.peak_memory_kib()
        await relay.stop()
        events = len(service.recorder.select_notifications(1, 10_000_000))
    finally:
        await relay.close()
        service.close()
    return DrainFigures(events=events, seconds=seconds, peak_memory_kib=peak)


def drain_setup(setup: RelaySetup) -> RelaySetup:
    """Return the setup of the drain phase: same store, topics of its own."""
    return dataclasses.replace(setup, topic_prefix=f"{setup.topic_prefix}.drain")


async def measure_raw(
    setup: RelaySetup, records: Sequence[OutgoingRecord], folder: Path
) -> RawFigures:
    """Publish ``records`` with bare aiokafka to copies of their topics."""
    raw = [(f"{r.topic}.raw", r.key, r.value, list(r.headers)) for r in records]
    await _create_raw_topics(setup, {r.topic for r in records})
    records_file = folder / "raw-records.pickle"
    records_file.write_bytes(pickle.dumps(raw))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.support.raw_producer",
        str(records_file),
        setup.bootstrap,
        stdout=subprocess.PIPE,
    )
    output, _ = await asyncio.wait_for(process.communicate(), RAW_PHASE_SECONDS)
    if process.returncode != 0:
        msg = f"the raw producer exited with {process.returncode}"
        raise BenchmarkError(msg)
    result = json.loads(output.decode().splitlines()[-1])
    return RawFigures(
        records=len(raw),
        seconds=float(result["seconds"]),
        peak_memory_kib=int(result["peak_memory_kib"]),
    )


async def _create_raw_topics(setup: RelaySetup, originals: set[str]) -> None:
    """Create a ``.raw`` copy of each topic with the original's partition count."""
    settings = setup.settings
    events = settings.topics.events
    for partitions, names in (
        (settings.topic_partitions, {events} & originals),
        (settings.feed_partitions, originals - {events}),
    ):
        await ensure_topics(
            setup.bootstrap,
            sorted(f"{name}.raw" for name in names),
            partitions=partitions,
            replication=settings.topic_replication,
        )


async def _until(condition: Callable[[], bool], within: float, failure: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            msg = f"timed out after {within:.0f} s: {failure}"
            raise BenchmarkError(msg)
        await asyncio.sleep(POLL_SECONDS)

"""``lapor-gateway run``: the whole gateway on real input, in one process.

The job provisions the run folder, creates the run's topics, and starts the
relay, the HTTP API and the three projections. It imports every source
through the file adapters and waits until Kafka and the projections contain
every event. Then it audits the events topic, writes the performance reports
and prints the summary. It serves until SIGINT or SIGTERM, or exits at once
with ``--exit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.processes import Runtime
from gateway.settings import Settings, StoreKind
from mainjob.errors import MainJobError
from mainjob.imports import Importer
from mainjob.plan import make_plan
from mainjob.provision import AUDITOR_AGENCY, provision
from mainjob.render import make_console, print_import, print_summary
from mainjob.reports import whole_history_figures, write_annual_reports
from mainjob.services import (
    HTTP_HOST,
    bind_http_socket,
    build_app,
    build_projections,
    build_relay,
    create_run_topics,
    run_api,
    run_projection,
    run_relay,
)
from mainjob.summary import RunFigures, agency_horizons, status_figures
from mainjob.verification import audit_run, checkpoint_and_publish
from mainjob.waiting import end_offsets, wait_for_projections, wait_for_relay

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from pathlib import Path
    from typing import Any

    from rich.console import Console

    from mainjob.imports import ImportOutcome
    from mainjob.plan import RunPlan
    from mainjob.provision import Provisioned
    from mainjob.services import ProjectionPart

logger = logging.getLogger(__name__)

WAIT_SECONDS = 300.0
"""Maximum wait for the relay, and then for each projection, to catch up."""
EXIT_INCONSISTENT = 1


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The command-line options of ``lapor-gateway run``."""

    data_dir: Path
    sources: tuple[str, ...]
    limit: int | None
    http_port: int
    exit_when_done: bool
    log_level: str = "INFO"


def run_main_job(options: RunOptions) -> int:
    """Run the main job; return the exit status."""
    console = make_console()
    plan = make_plan(
        data_dir=options.data_dir,
        source_names=options.sources,
        limit=options.limit,
        http_port=options.http_port,
        exit_when_done=options.exit_when_done,
    )
    log_file = _log_to_file(plan.run_dir, options.log_level)
    console.print(f"Run folder: {plan.run_dir} (log: {log_file.name})")
    for source in plan.missing:
        console.print(f"[yellow]Skipping {source.profile}: {source.path} is absent[/]")
    provisioned = provision(plan)
    _print_provisioned(console, plan, provisioned)
    settings = Settings(
        data_dir=plan.run_dir,
        store=StoreKind.SQLITE,
        sqlite_path=plan.run_dir / "gateway.sqlite",
        kafka_bootstrap=plan.bootstrap,
        agencies_file=provisioned.agencies_file,
        http_host=HTTP_HOST,
        http_port=plan.http_port,
        topics=plan.topics,
    )
    runtime = Runtime.build(settings)
    try:
        return asyncio.run(_run(plan, provisioned, runtime, console))
    finally:
        runtime.close()


async def _run(
    plan: RunPlan, provisioned: Provisioned, runtime: Runtime, console: Console
) -> int:
    stop = asyncio.Event()
    cancelled = threading.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, _stopper(stop, cancelled))
    await create_run_topics(runtime, plan, provisioned)
    relay, producer, _builder = build_relay(runtime, provisioned.feed_agencies)
    parts = build_projections(runtime, plan, provisioned)
    sock, moved = bind_http_socket(plan.http_port)
    port = sock.getsockname()[1]
    tasks = [
        _task(run_relay(relay, producer, stop), "relay"),
        _task(run_api(build_app(runtime, parts), sock, stop), "api"),
    ]
    for part in parts:
        part.task = _task(run_projection(part, stop), f"projection {part.name}")
        tasks.append(part.task)
    if moved:
        console.print(
            f"[yellow]Port {plan.http_port} is in use: the API listens on {port}[/]"
        )
    console.print(f"API on http://{HTTP_HOST}:{port}; importing {len(plan.sources)}")
    try:
        job = _Job(plan, provisioned, runtime, console)
        figures = await _replay_and_check(job, parts, cancelled)
        print_summary(console, figures)
        _print_locations(console, plan, port)
        consistent = figures.consistent()
        if plan.exit_when_done:
            return 0 if consistent else EXIT_INCONSISTENT
        console.print("Serving until Ctrl-C (SIGINT) or SIGTERM.")
        await _serve(stop, tasks)
        return 0
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class _Job:
    plan: RunPlan
    provisioned: Provisioned
    runtime: Runtime
    console: Console


async def _replay_and_check(
    job: _Job, parts: list[ProjectionPart], cancelled: threading.Event
) -> RunFigures:
    """Import every source, wait for Kafka and the projections, audit, report."""
    plan, provisioned, runtime, console = (
        job.plan,
        job.provisioned,
        job.runtime,
        job.console,
    )
    importer = Importer(runtime, cancelled)
    imports: list[ImportOutcome] = []
    for source in plan.sources:
        outcome = await asyncio.to_thread(importer.run, source, limit=plan.limit)
        print_import(console, outcome)
        imports.append(outcome)
    topic = runtime.settings.topics.events
    stored = await wait_for_relay(runtime.service, WAIT_SECONDS)
    ends = await end_offsets(plan.bootstrap, topic)
    await wait_for_projections(parts, topic, ends, WAIT_SECONDS)
    console.print(
        f"Kafka holds all {stored} stored events; status, audit and performance "
        "have applied them"
    )
    engines = {part.name: part.engine for part in parts}
    await checkpoint_and_publish(engines["audit"], plan, provisioned, topic)
    audit = await audit_run(plan, provisioned, topic)
    now = dt.datetime.now(dt.UTC)
    reports = await asyncio.to_thread(
        write_annual_reports, engines["performance"], plan.run_dir / "reports", now
    )
    console.print(
        f"Wrote {len(reports)} annual performance reports (HTML and CSV) to "
        f"{plan.run_dir / 'reports'}: {', '.join(str(r.year) for r in reports)}"
    )
    national, agencies = await asyncio.to_thread(
        whole_history_figures, engines["performance"], now
    )
    horizons = agency_horizons(imports, provisioned.agency_sources)
    status = await asyncio.to_thread(status_figures, engines["status"], horizons)
    return RunFigures(
        imports=imports,
        stored_events=stored,
        status=status,
        audit=audit,
        national=national,
        agencies=agencies,
    )


async def _serve(stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    """Wait for a stop signal, or for a part to end, which only an error does."""
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({stopped, *tasks}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    for task in done - {stopped}:
        if task.exception() is not None:
            raise MainJobError(
                f"{task.get_name()} failed: {task.exception()}; see the run's log"
            )


def _task(coroutine: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
    return asyncio.create_task(coroutine, name=name)


def _stopper(stop: asyncio.Event, cancelled: threading.Event) -> Any:  # noqa: ANN401
    def request_stop() -> None:
        logger.info("Stop requested")
        cancelled.set()
        stop.set()

    return request_stop


def _log_to_file(run_dir: Path, level: str) -> Path:
    """Send log records to ``gateway.log`` in the run folder; errors also to stderr."""
    path = run_dir / "gateway.log"
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        with contextlib.suppress(OSError):
            handler.close()
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    console_handler = logging.StreamHandler()
    console_handler.setLevel(logging.ERROR)
    console_handler.setFormatter(
        logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(file_handler)
    root.addHandler(console_handler)
    root.setLevel(level)
    return path


def _print_provisioned(
    console: Console, plan: RunPlan, provisioned: Provisioned
) -> None:
    registry = provisioned.registry
    console.print(
        f"Registry: {len(registry.agencies)} agencies and {len(registry.systems)} "
        f"systems from {', '.join(s.profile for s in plan.sources)} "
        f"({provisioned.agencies_file.name}; tokens in {provisioned.tokens_file.name}, "
        "mode 600)"
    )
    console.print(
        f"Topics: prefix {plan.topic_prefix}; feed topics for the national admins "
        f"and the busiest agencies: {', '.join(provisioned.feed_agencies)}"
    )
    console.print(
        f"Audit checkpoints signed with {provisioned.private_key.name}; auditors "
        f"get {provisioned.public_key}"
    )


def _print_locations(console: Console, plan: RunPlan, port: int) -> None:
    base = f"http://{HTTP_HOST}:{port}"
    console.rule("Where to look")
    console.print(f"Performance reports: {plan.run_dir / 'reports'}/performance-*.html")
    console.print(f"API: {base} (OpenAPI {base}/openapi.json, docs {base}/docs)")
    console.print(f"Metrics: {base}/metrics; health: {base}/health/ready")
    console.print(
        f"Queries: {base}/status/complaints, {base}/performance/figures?period="
        "YYYY&as_of=<now, ISO 8601> (replayed events became known during the run), "
        f"{base}/audit/complaints/<id>/history with the '{AUDITOR_AGENCY}' token "
        f"of {plan.run_dir / 'tokens.yaml'} as a Bearer token"
    )
    console.print(
        "Auditor's own check: .venv/bin/python -m projections.audit verify "
        f"--bootstrap {plan.bootstrap} --topic {plan.topics.events} "
        f"--checkpoints-topic {plan.checkpoints_topic} "
        f"--public-key {plan.run_dir / 'keys'}/checkpoint-signing.pub"
    )

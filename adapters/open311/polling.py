"""The Open311 client side: polling an agency's server into gateway commands.

Each poll reads ``requests.json`` from the stored watermark minus the overlap
up to now, in windows of at most ``window_seconds``. The server is expected
to filter ``start_date`` and ``end_date`` on ``updated_datetime``. For a
server that names that filter otherwise, set ``start_param`` and
``end_param``. A version of a request is its ``service_request_id``,
``updated_datetime`` and status; versions read again inside the overlap are
skipped. A request the gateway has not seen is submitted first, keyed in by
the agency (its complaint id follows from the request id), then its status is
mapped and applied like any change. Only after every window is read and
applied does the watermark move to the poll's end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints

from adapters.open311.requests import RemoteRequest, parse_request
from adapters.sqlpoll.applier import Outcome
from adapters.sqlpoll.checkpoints import PollProgress
from adapters.sqlpoll.config import EnvName, GatewayAccess, PollerName, StateLocation
from adapters.sqlpoll.poller import PollSummary
from events.timestamps import Timestamp
from events.values import AgencyId, FrozenModel

if TYPE_CHECKING:
    from collections.abc import Callable

    from adapters.open311.client import Open311Client
    from adapters.sqlpoll.applier import ChangeApplier
    from adapters.sqlpoll.changes import SourceChange
    from gateway.complaint.commands import SubmitComplaint
    from monitoring.adapters import PollMetrics

logger = logging.getLogger(__name__)


class Open311PollConfig(FrozenModel):
    """One Open311 server of one agency."""

    name: PollerName
    source: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")] = (
        "open311"
    )
    """The status mapping file, ``config/mappings/<source>.yaml``."""
    agency: AgencyId
    base_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$")]
    """The server's GeoReport v2 root, without ``/requests.json``."""
    api_key_env: EnvName | None = None
    start_at: Timestamp
    overlap_seconds: Annotated[float, Field(ge=0, le=86_400)] = 600.0
    window_seconds: Annotated[float, Field(gt=0, le=90 * 86_400)] = 86_400.0
    poll_seconds: Annotated[float, Field(gt=0, le=86_400)] = 60.0
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10.0
    page_size: Annotated[int, Field(ge=1, le=1000)] = 100
    start_param: str = "start_date"
    end_param: str = "end_date"
    state: StateLocation = StateLocation(url="sqlite:///var/data/open311-client.sqlite")
    gateway: GatewayAccess | None = None


class RequestSubmissions:
    """Builds the submission of each request the gateway has not seen yet."""

    def __init__(self, agency: str) -> None:
        self.agency = agency
        self.current: dict[str, RemoteRequest] = {}

    def submission(self, change: SourceChange) -> SubmitComplaint | None:
        request = self.current.get(change.reference)
        return None if request is None else request.submission(self.agency)


class Open311Poller:
    """Polls one Open311 server; see the module docstring."""

    def __init__(  # noqa: PLR0913 (every collaborator is injected)
        self,
        config: Open311PollConfig,
        client: Open311Client,
        applier: ChangeApplier,
        submissions: RequestSubmissions,
        *,
        clock: Callable[[], dt.datetime],
        metrics: PollMetrics | None = None,
    ) -> None:
        self.config = config
        self.client = client
        self.applier = applier
        self.submissions = submissions
        self.clock = clock
        self.metrics = metrics
        self.store = applier.store

    def poll_once(self) -> PollSummary:
        started = time.perf_counter()
        try:
            summary = self._poll()
        except Exception:
            self._count_poll("failed")
            raise
        self._count_poll("ok")
        if self.metrics is not None:
            self.metrics.poll_seconds.labels("open311").observe(
                time.perf_counter() - started
            )
            if summary.watermark is not None:
                self.metrics.watermark.labels(
                    "open311", self.applier.identity.agency_label
                ).set(summary.watermark.timestamp())
        return summary

    def _poll(self) -> PollSummary:
        overlap = dt.timedelta(seconds=self.config.overlap_seconds)
        watermark = self.store.watermark(self.config.name) or self.config.start_at
        end = self.clock()
        progress = PollProgress()
        summary = PollSummary()
        for start, stop in windows(
            watermark - overlap, end, self.config.window_seconds
        ):
            items = self.client.requests_between(start, stop)
            summary.rows += len(items)
            changes = self._changes(items, progress, summary)
            summary.add(self.applier.apply(changes, progress))
        progress.watermark = max(end, watermark)
        self.store.save(self.config.name, progress, prune_before=end - 2 * overlap)
        summary.watermark = progress.watermark
        logger.info(
            "Polled %s: %d requests, %s; watermark %s",
            self.config.name,
            summary.rows,
            ", ".join(f"{n} {o.value}" for o, n in summary.outcomes.items())
            or "no changes",
            summary.watermark.isoformat(),
        )
        return summary

    def _changes(
        self, items: list[Any], progress: PollProgress, summary: PollSummary
    ) -> list[SourceChange]:
        changes: list[SourceChange] = []
        self.submissions.current = {}
        for item in items:
            parsed = parse_request(item)
            if isinstance(parsed, str):
                self._malformed(item, parsed, progress, summary)
                continue
            self.submissions.current[parsed.service_request_id] = parsed
            changes.append(parsed.change(self.config.source, self.config.agency))
        return changes

    def _malformed(
        self,
        item: object,
        reason: str,
        progress: PollProgress,
        summary: PollSummary,
    ) -> None:
        text = repr(item.get("service_request_id") if isinstance(item, dict) else None)
        key = "malformed\x1f" + hashlib.sha256(repr(item).encode()).hexdigest()[:32]
        if key in progress.seen or self.store.seen(self.config.name, [key]):
            outcome = Outcome.DUPLICATE
        else:
            outcome = Outcome.MALFORMED
            progress.seen[key] = (self.clock(), outcome.value)
            logger.warning(
                "Skipped request %s from %s: %s", text[:60], self.config.name, reason
            )
        summary.add({outcome: 1})
        self.applier.count(outcome)

    def _count_poll(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.polls.labels(
                "open311", self.applier.identity.agency_label, outcome
            ).inc()


def windows(
    start: dt.datetime, end: dt.datetime, seconds: float
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Split ``[start, end]`` into consecutive windows of at most ``seconds``."""
    step = dt.timedelta(seconds=seconds)
    result = []
    cursor = start
    while cursor < end:
        result.append((cursor, min(cursor + step, end)))
        cursor += step
    return result or [(start, end)]

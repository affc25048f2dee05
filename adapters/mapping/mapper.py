"""Applying a status mapping to a complaint: what a source status means now.

:meth:`StatusMapper.move` compares the mapped lifecycle status with the
complaint's current one and returns a :class:`Move`. The caller turns an
``ADVANCE`` (or a ``REOPEN``) into commands; every other kind changes
nothing. An unmapped status is counted and logged once per source and
status; a backward one is counted.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from adapters.mapping.catalog import AfterCompletion, normalise_status
from adapters.mapping.metrics import OTHER_AGENCY
from adapters.mapping.ranks import COMPLETED, rank_of

if TYPE_CHECKING:
    from adapters.mapping.catalog import MappingCatalog
    from adapters.mapping.metrics import MappingMetrics
    from gateway.complaint import Status

logger = logging.getLogger(__name__)

MAX_LOGGED_STATUSES = 1000
"""Distinct unmapped statuses remembered for log-once; later ones are only counted."""
MAX_SHOWN_STATUS = 60
"""Characters of an unmapped source status shown in the log line."""


class MoveKind(StrEnum):
    ADVANCE = "advance"
    """The mapped status is further along than the current one, or the
    complaint is new."""
    SAME = "same"
    """The mapped status has the current status's rank: nothing to move."""
    BACKWARD = "backward"
    """The mapped status has a lower rank: ignored and counted."""
    REOPEN = "reopen"
    """A lower-ranked status after completion, from a source that reopens."""
    UNMAPPED = "unmapped"
    """The source status has no mapping: ignored, counted and logged once."""


@dataclass(frozen=True, slots=True)
class Move:
    """The meaning of a source status for a complaint in its current status."""

    kind: MoveKind
    target: Status | None
    """The mapped lifecycle status; ``None`` when unmapped."""


class StatusMapper:
    """Maps source statuses through a :class:`MappingCatalog`.

    ``agencies`` is the closed set of agency ids used as metric labels; any
    other agency is counted as ``other``. Safe to share between threads.
    """

    def __init__(
        self,
        catalog: MappingCatalog,
        *,
        metrics: MappingMetrics | None = None,
        agencies: frozenset[str] = frozenset(),
    ) -> None:
        self.catalog = catalog
        self.metrics = metrics
        self.agencies = agencies
        self._logged: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def target(self, source: str, agency: str | None, status: str) -> Status | None:
        """Return the lifecycle status ``status`` maps to; ``None`` if unmapped.

        Raises ``MappingError`` if ``source`` has no mapping file.
        """
        target = self.catalog.get(source).lookup(agency, status)
        if target is None:
            self._note_unmapped(source, agency, status)
        return target

    def move(
        self, source: str, agency: str | None, status: str, current: Status | None
    ) -> Move:
        """Return what ``status`` means for a complaint now in ``current``.

        ``current`` is ``None`` for a complaint the gateway does not have yet.
        """
        target = self.target(source, agency, status)
        if target is None:
            return Move(MoveKind.UNMAPPED, None)
        if current is None or rank_of(target) > rank_of(current):
            return Move(MoveKind.ADVANCE, target)
        if rank_of(target) == rank_of(current):
            return Move(MoveKind.SAME, target)
        reopens = self.catalog.get(source).after_completion is AfterCompletion.REOPEN
        if reopens and current in COMPLETED and target not in COMPLETED:
            return Move(MoveKind.REOPEN, target)
        if self.metrics is not None:
            self.metrics.backward.labels(source, self._label(agency)).inc()
        logger.debug(
            "Ignored status mapped to %s for a complaint in %s from source %s: "
            "a mapping never moves a complaint back",
            target.value,
            current.value,
            source,
        )
        return Move(MoveKind.BACKWARD, target)

    def _note_unmapped(self, source: str, agency: str | None, status: str) -> None:
        if self.metrics is not None:
            self.metrics.unmapped.labels(source, self._label(agency)).inc()
        key = (source, normalise_status(status))
        with self._lock:
            if key in self._logged or len(self._logged) >= MAX_LOGGED_STATUSES:
                return
            self._logged.add(key)
        logger.warning(
            "Source %s sent status %r, which has no mapping: it changes nothing "
            "and is counted in lapor_adapter_unmapped_status_total; add it to "
            "%s.yaml to apply it",
            source,
            status[:MAX_SHOWN_STATUS],
            source,
        )

    def _label(self, agency: str | None) -> str:
        return agency if agency in self.agencies else OTHER_AGENCY

"""The Complaint aggregate: the lifecycle rules over a chain of sealed envelopes.

Every event of a complaint is an eventsourcing aggregate event that carries one
``Envelope``. The envelope's ``sequence`` is the event's ``originator_version``
and its ``recorded_at`` is the event's ``timestamp``, so the store can map the
two forms both ways (:meth:`Complaint.event_from_envelope`). Command methods
check the rules first and record only when every check passes, so a rejected
action leaves the aggregate unchanged.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, cast
from uuid import UUID

from eventsourcing.domain import (
    Aggregate,
    OriginatorIDError,
    OriginatorVersionError,
)
from eventsourcing.utils import get_topic

from events.chain import seal
from events.payloads import ComplaintSubmitted
from events.values import PrivacyFlags
from gateway.complaint.actions import ComplaintActions
from gateway.complaint.decisions import check_action, check_submission, reject
from gateway.complaint.errors import InvalidHistoryError
from gateway.complaint.evolution import evolve, initial_state
from gateway.complaint.milestones import advance_tracker, start_tracker

if TYPE_CHECKING:
    from collections.abc import Iterable

    from events.envelope import Envelope
    from events.payloads import ComplaintEvent
    from events.values import (
        AgencyId,
        Channel,
        Classification,
        Location,
        SealedIdentity,
    )
    from gateway.complaint.context import ActionContext
    from gateway.complaint.errors import ActionRejectedError
    from gateway.complaint.state import ComplaintState, Status
    from gateway.complaint.transitions import Action
    from gateway.deadlines import DeadlineTracker, DueDates


class Complaint(ComplaintActions, Aggregate):
    """One complaint: its state, its deadline tracker and the rules that change them.

    Create one with :meth:`submit`, rebuild one with :meth:`replay`.
    """

    @dataclass(frozen=True)
    class Submitted(Aggregate.Created):
        """The complaint's first event: its envelope carries ``ComplaintSubmitted``."""

        envelope: Envelope

        def apply(self, aggregate: Any) -> None:  # noqa: ANN401 (library signature)
            complaint = cast("Complaint", aggregate)
            complaint._apply_submission(self.envelope)  # noqa: SLF001 (its own event)

    @dataclass(frozen=True)
    class ActionRecorded(Aggregate.Event):
        """Every later event: its envelope carries the action's event data."""

        envelope: Envelope

        def apply(self, aggregate: Any) -> None:  # noqa: ANN401 (library signature)
            complaint = cast("Complaint", aggregate)
            complaint._apply_action(self.envelope)  # noqa: SLF001 (its own event)

    @classmethod
    def submit(  # noqa: PLR0913 (one keyword per field of the submission)
        cls,
        context: ActionContext,
        *,
        complaint_id: UUID,
        tracking_id: str,
        channel: Channel,
        classification: Classification,
        title: str,
        description: str,
        reporter_ref: str,
        source_reference: str | None = None,
        category: str | None = None,
        location: Location | None = None,
        privacy: PrivacyFlags | None = None,
        reporter_identity: SealedIdentity | None = None,
        target_agency: AgencyId | None = None,
    ) -> Complaint:
        """Create a complaint from its submission.

        When ``target_agency`` is set the complaint skips the national admin:
        that agency holds it and its admin verifies it.
        """
        check_submission(complaint_id, context, reporter_ref, target_agency)
        data = ComplaintSubmitted(
            tracking_id=tracking_id,
            source_reference=source_reference,
            channel=channel,
            classification=classification,
            category=category,
            title=title,
            description=description,
            location=location,
            privacy=privacy if privacy is not None else PrivacyFlags(),
            reporter_ref=reporter_ref,
            reporter_identity=reporter_identity,
            target_agency=target_agency,
        )
        envelope = _seal(context, complaint_id, cls.INITIAL_VERSION, None, data)
        return cls._create(
            cls.Submitted,
            id=complaint_id,
            envelope=envelope,
            timestamp=envelope.recorded_at,
        )

    @classmethod
    def replay(cls, envelopes: Iterable[Envelope]) -> Complaint:
        """Rebuild a complaint from its envelopes, oldest first.

        Raises ``InvalidHistoryError`` unless the envelopes are one complaint's
        events from sequence 1 with no gap, each linked to its predecessor's
        hash. The hashes themselves are not recomputed here.
        """
        events = iter(envelopes)
        first = next(events, None)
        if first is None:
            raise InvalidHistoryError(
                "no envelopes were given: a complaint's history starts with its "
                "complaint.submitted event"
            )
        _require_submission(first)
        complaint = cast("Complaint", cls.event_from_envelope(first).mutate(None))
        for envelope in events:
            _replay_later(complaint, envelope)
        return complaint

    @classmethod
    def event_from_envelope(cls, envelope: Envelope) -> Complaint.Event:
        """Return the aggregate event that carries ``envelope``.

        A ``ComplaintSubmitted`` envelope gives a ``Submitted`` event and every
        other one an ``ActionRecorded`` event.
        """
        complaint_id = UUID(envelope.subject)
        if isinstance(envelope.data, ComplaintSubmitted):
            return cls.Submitted(
                originator_id=complaint_id,
                originator_version=envelope.sequence,
                timestamp=envelope.recorded_at,
                originator_topic=get_topic(cls),
                envelope=envelope,
            )
        return cls.ActionRecorded(
            originator_id=complaint_id,
            originator_version=envelope.sequence,
            timestamp=envelope.recorded_at,
            envelope=envelope,
        )

    def __deepcopy__(self, memo: dict[int, object]) -> Complaint:
        """Copy the aggregate cheaply for the repository's cache.

        Its state and deadline tracker are frozen models and safe to share;
        only the list of pending events must be the copy's own.
        """
        clone = copy.copy(self)
        clone._pending_events = list(self._pending_events)  # noqa: SLF001 (eventsourcing's list)
        memo[id(self)] = clone
        return clone

    @property
    def state(self) -> ComplaintState:
        """Everything the lifecycle rules know about the complaint."""
        return self._state

    @property
    def status(self) -> Status:
        return self._state.status

    @property
    def deadline_tracker(self) -> DeadlineTracker | None:
        """The deadline clocks; ``None`` when no rule set covers the submission."""
        return self._tracker

    @property
    def due_dates(self) -> DueDates | None:
        """When each running clock falls due, from the event times only."""
        return None if self._tracker is None else self._tracker.due_dates

    def _apply_submission(self, envelope: Envelope) -> None:
        _require_submission(envelope)
        self._state: ComplaintState = initial_state(envelope)
        self._tracker: DeadlineTracker | None = start_tracker(envelope)

    def _apply_action(self, envelope: Envelope) -> None:
        # The new state and tracker are assigned only once both are computed,
        # so an envelope that fails changes nothing.
        self._check_extends(envelope)
        before = self._state
        state = evolve(before, envelope)
        tracker = advance_tracker(self._tracker, before, envelope)
        self._state = state
        self._tracker = tracker

    def _check(self, action: Action, context: ActionContext) -> ComplaintState:
        check_action(self._state, action, context)
        return self._state

    def _reject(
        self,
        error: type[ActionRejectedError],
        action: Action,
        context: ActionContext,
        reason: str,
    ) -> NoReturn:
        reject(error, self._state, action, context, reason)

    def _record(self, context: ActionContext, data: ComplaintEvent) -> None:
        sequence = self.version + 1
        envelope = _seal(context, self.id, sequence, self._state.last_hash, data)
        self.trigger_event(
            self.ActionRecorded, envelope=envelope, timestamp=envelope.recorded_at
        )

    def _check_extends(self, envelope: Envelope) -> None:
        problem = None
        if isinstance(envelope.data, ComplaintSubmitted):
            problem = "is a second complaint.submitted event"
        elif envelope.subject != str(self.id):
            problem = f"belongs to complaint {envelope.subject}"
        elif envelope.sequence != self.version + 1:
            problem = f"has sequence {envelope.sequence}, not {self.version + 1}"
        elif envelope.previous_hash != self._state.last_hash:
            problem = (
                f"has previous_hash {envelope.previous_hash}, but the last event's "
                f"hash is {self._state.last_hash}"
            )
        if problem is not None:
            raise InvalidHistoryError(
                f"envelope {envelope.id} {problem}: complaint {self.id}'s chain is "
                f"broken at version {self.version}; restore its events from a "
                "verified copy",
                complaint_id=str(self.id),
            )


def _require_submission(envelope: Envelope) -> None:
    if not isinstance(envelope.data, ComplaintSubmitted):
        raise InvalidHistoryError(
            f"envelope {envelope.id} is {envelope.type}, but a complaint's first "
            "event must be complaint.submitted",
            complaint_id=envelope.subject,
        )


def _seal(
    context: ActionContext,
    complaint_id: UUID,
    sequence: int,
    previous_hash: str | None,
    data: ComplaintEvent,
) -> Envelope:
    return seal(
        complaint_id=complaint_id,
        sequence=sequence,
        data=data,
        actor=context.actor,
        occurred_at=context.occurred_at,
        recorded_at=context.recorded_at,
        correlation_id=context.correlation_id,
        causation_id=context.causation_id,
        previous_hash=previous_hash,
        source=context.source,
    )


def _replay_later(complaint: Complaint, envelope: Envelope) -> None:
    if isinstance(envelope.data, ComplaintSubmitted):
        raise InvalidHistoryError(
            f"envelope {envelope.id} is a second complaint.submitted event: pass "
            "one complaint's envelopes, starting with its submission",
            complaint_id=envelope.subject,
        )
    event = complaint.event_from_envelope(envelope)
    try:
        event.mutate(complaint)
    except (OriginatorIDError, OriginatorVersionError) as exc:
        raise InvalidHistoryError(
            f"envelope {envelope.id} does not follow complaint {complaint.id} at "
            f"version {complaint.version}: pass one complaint's envelopes in "
            "sequence order",
            complaint_id=envelope.subject,
        ) from exc

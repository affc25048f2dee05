"""Per-agency feeds: which agencies receive an event, and what they may see of it.

An agency's feed carries every event of the complaints it holds or has held,
including the events from before it first received the complaint, so that its
system can build the whole case. Each copy is redacted for its recipient:

- an anonymous complaint never carries the reporter's sealed identity, and its
  reporter reference is replaced, so agencies cannot link reports;
- a confidential complaint's content (texts, location, the source system's
  reference) goes only to the agency holding it now; an agency that held it
  before receives the events with that content withheld.

A redacted copy keeps the original's id, sequence and hash, so it can be
matched with the complaint events topic; its hash does not verify against
the redacted data, and the copy says so in ``redactions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from events.payloads import (
    ComplaintCompleted,
    ComplaintDispositioned,
    ComplaintRedispositioned,
    ComplaintSubmitted,
    FollowUpRecorded,
    PrivacyFlagsChanged,
    ReporterReplied,
    ResponsePosted,
    SatisfactionRecorded,
)
from events.values import PrivacyFlags

if TYPE_CHECKING:
    from collections.abc import Iterable

    from events.envelope import Envelope
    from events.payloads import ComplaintEvent

WITHHELD = "[withheld: confidential complaint]"
ANONYMOUS_REPORTER = "anonymous"

CONTENT_FIELDS: dict[type[ComplaintEvent], tuple[str, ...]] = {
    ComplaintSubmitted: ("title", "description", "source_reference"),
    ComplaintCompleted: ("addition",),
    FollowUpRecorded: ("summary",),
    ResponsePosted: ("response",),
    ReporterReplied: ("reply",),
    SatisfactionRecorded: ("comment",),
}
"""Free-text fields withheld from past holders of a confidential complaint."""


@dataclass(frozen=True, slots=True)
class FeedState:
    """What routing needs to know of one complaint, as of its latest event."""

    audience: frozenset[str] = frozenset()
    holder: str | None = None
    privacy: PrivacyFlags = field(default_factory=PrivacyFlags)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One copy of an event for one agency's feed."""

    agency: str
    envelope: Envelope
    redactions: tuple[str, ...]


def advance(state: FeedState, envelope: Envelope) -> FeedState:
    """Return the routing state after ``envelope``."""
    data = envelope.data
    if isinstance(data, ComplaintSubmitted):
        state = replace(state, privacy=data.privacy)
        if data.target_agency is not None:
            state = _hand_to(state, data.target_agency)
    elif isinstance(data, ComplaintDispositioned):
        state = _hand_to(state, data.agency)
    elif isinstance(data, ComplaintRedispositioned):
        state = _hand_to(state, data.to_agency)
    elif isinstance(data, PrivacyFlagsChanged):
        state = replace(state, privacy=data.current)
    return state


def _hand_to(state: FeedState, agency: str) -> FeedState:
    return replace(state, audience=state.audience | {agency}, holder=agency)


def route(
    before: FeedState, envelope: Envelope, history: Iterable[Envelope]
) -> tuple[FeedState, list[Delivery]]:
    """Route one event; ``history`` is every earlier event of its complaint.

    ``history`` is read only when the event brings a new agency into the
    audience, which then receives the earlier events first.
    """
    after = advance(before, envelope)
    deliveries: list[Delivery] = []
    newcomers = sorted(after.audience - before.audience)
    if newcomers:
        for past in history:
            deliveries += [redact(after, past, agency) for agency in newcomers]
    deliveries += [redact(after, envelope, agency) for agency in sorted(after.audience)]
    return after, deliveries


def redact(state: FeedState, envelope: Envelope, agency: str) -> Delivery:
    """Return the copy of ``envelope`` that ``agency`` may see, given ``state``."""
    updates: dict[str, Any] = {}
    redactions: list[str] = []
    data = envelope.data
    if state.privacy.anonymous and isinstance(data, ComplaintSubmitted):
        updates["reporter_identity"] = None
        updates["reporter_ref"] = ANONYMOUS_REPORTER
        redactions.append("identity")
    if state.privacy.confidential and agency != state.holder:
        fields = CONTENT_FIELDS.get(type(data), ())
        for name in fields:
            if getattr(data, name) is not None:
                updates[name] = WITHHELD
        if isinstance(data, ComplaintSubmitted) and data.location is not None:
            updates["location"] = None
        if fields:
            redactions.append("content")
    if not updates:
        return Delivery(agency, envelope, ())
    redacted = envelope.model_copy(update={"data": data.model_copy(update=updates)})
    return Delivery(agency, redacted, tuple(redactions))

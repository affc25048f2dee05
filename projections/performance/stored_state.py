"""The folded complaint state and deadline tracker, as the projection stores them.

The projection folds each complaint with the aggregate's own pure functions
(``evolve`` and the deadline milestones), so its status, holder and due
dates are the ones the write model computed. The stored state carries no
reporter reference or identity key id, and the stored tracker names its rule
set by id instead of embedding it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from gateway.complaint.milestones import packaged_rule_sets
from gateway.complaint.state import ComplaintState
from gateway.deadlines import DeadlineError, DeadlineTracker

logger = logging.getLogger(__name__)

REDACTED_REPORTER = "-"
"""Stands in for the reporter reference, which no metric uses."""


def dump_state(state: ComplaintState) -> str:
    """Return the state as JSON, without the reporter reference and key id."""
    redacted = state.model_copy(
        update={"reporter_ref": REDACTED_REPORTER, "identity_key_id": None}
    )
    return redacted.model_dump_json()


def load_state(text: str) -> ComplaintState:
    """Return the state stored by :func:`dump_state`."""
    return ComplaintState.model_validate_json(text)


def dump_tracker(tracker: DeadlineTracker | None) -> str | None:
    """Return the tracker as JSON with ``rule_set_id`` in place of its rule set."""
    if tracker is None:
        return None
    fields = tracker.model_dump(mode="json", exclude={"rule_set"})
    fields["rule_set_id"] = tracker.rule_set.id
    return json.dumps(fields, separators=(",", ":"))


def load_tracker(text: str | None, complaint_id: str) -> DeadlineTracker | None:
    """Return the tracker stored by :func:`dump_tracker`.

    Returns ``None``, with a warning, when its rule set is no longer packaged;
    the complaint then has no due dates, like one the write model could not
    track.
    """
    if text is None:
        return None
    fields: dict[str, Any] = json.loads(text)
    rule_set_id = str(fields.pop("rule_set_id"))
    try:
        rule_set = packaged_rule_sets().get(rule_set_id)
    except DeadlineError as exc:
        logger.warning("Complaint %s lost its deadline tracker: %s", complaint_id, exc)
        return None
    return DeadlineTracker.model_validate({**fields, "rule_set": rule_set})

"""The Complaint aggregate, its commands and its lifecycle rules, without I/O.

``Complaint`` holds the rules; ``handle`` applies any command to it;
``TRANSITIONS`` is the lifecycle table the aggregate enforces, and
``LifecyclePolicy`` switches the rules the platform leaves open.
"""

from gateway.complaint.aggregate import Complaint
from gateway.complaint.commands import AnyCommand, ComplaintCommand, SubmitComplaint
from gateway.complaint.context import ActionContext
from gateway.complaint.errors import (
    ActionRejectedError,
    CommandTargetError,
    ComplaintError,
    InvalidActionError,
    InvalidHistoryError,
    NotAuthorisedError,
    OutOfOrderActionError,
    TransitionRejectedError,
    VersionConflictError,
)
from gateway.complaint.handlers import handle, submission_complaint_id
from gateway.complaint.milestones import MILESTONES
from gateway.complaint.policy import DEFAULT_POLICY, LifecyclePolicy
from gateway.complaint.state import ComplaintState, Status
from gateway.complaint.transitions import (
    TRANSITIONS,
    Action,
    PolicySwitch,
    Scope,
    Transition,
)

__all__ = [
    "DEFAULT_POLICY",
    "MILESTONES",
    "TRANSITIONS",
    "Action",
    "ActionContext",
    "ActionRejectedError",
    "AnyCommand",
    "CommandTargetError",
    "Complaint",
    "ComplaintCommand",
    "ComplaintError",
    "ComplaintState",
    "InvalidActionError",
    "InvalidHistoryError",
    "LifecyclePolicy",
    "NotAuthorisedError",
    "OutOfOrderActionError",
    "PolicySwitch",
    "Scope",
    "Status",
    "SubmitComplaint",
    "Transition",
    "TransitionRejectedError",
    "VersionConflictError",
    "handle",
    "submission_complaint_id",
]

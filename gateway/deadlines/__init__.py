"""Versioned deadline rule sets and the due-date tracker of a complaint.

Typical use by the Complaint aggregate::

    catalog = RuleSetCatalog.load()
    tracker = DeadlineTracker.start(catalog.in_force_at(submitted_at), submitted_at)
    tracker = tracker.advance(Milestone.DISPOSITIONED, dispositioned_at)
    tracker.due_dates.first_follow_up_due
"""

from gateway.deadlines.catalog import RuleSetCatalog, parse_rule_set
from gateway.deadlines.clocks import Clock
from gateway.deadlines.errors import (
    DeadlineError,
    MilestoneError,
    NoRuleSetInForceError,
    RuleSetDataError,
    UnknownRuleSetError,
)
from gateway.deadlines.milestones import ClockName, Milestone, PauseReason
from gateway.deadlines.rules import ClockRule, ClockRules, RuleSet, SopTier
from gateway.deadlines.tracker import DeadlineTracker, DueDates

__all__ = [
    "Clock",
    "ClockName",
    "ClockRule",
    "ClockRules",
    "DeadlineError",
    "DeadlineTracker",
    "DueDates",
    "Milestone",
    "MilestoneError",
    "NoRuleSetInForceError",
    "PauseReason",
    "RuleSet",
    "RuleSetCatalog",
    "RuleSetDataError",
    "SopTier",
    "UnknownRuleSetError",
    "parse_rule_set",
]

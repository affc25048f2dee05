"""Exceptions of the deadline rules and the due-date tracker, under one root.

::

    DeadlineError                 root: anything the deadline rules cannot do
    ├── RuleSetDataError          a rule-set file that is unreadable or invalid
    ├── UnknownRuleSetError       no rule set has the requested id
    ├── NoRuleSetInForceError     no rule set had taken effect at that moment
    └── MilestoneError            a milestone the tracker cannot apply

Calendar failures (a naive datetime, an unknown region) raise the calendar's own
errors, which are rooted at ``gateway.calendar.CalendarError``.
"""

from __future__ import annotations


class DeadlineError(Exception):
    """Root of the deadline exceptions; ``value`` is the offending value."""

    def __init__(self, message: str, *, value: object = None) -> None:
        super().__init__(message)
        self.value = value


class RuleSetDataError(DeadlineError):
    """A rule-set file cannot be read, does not match the schema, or clashes."""


class UnknownRuleSetError(DeadlineError, LookupError):
    """No loaded rule set has the requested id."""


class NoRuleSetInForceError(DeadlineError, LookupError):
    """No rule set had taken effect at the given moment."""


class MilestoneError(DeadlineError, ValueError):
    """A milestone cannot be applied (SUBMITTED after the start, for example)."""

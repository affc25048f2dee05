"""Deadline rule sets: which clocks run, for how long, under which regulation.

A rule set is data (a YAML file in ``gateway/deadlines/rulesets``), never code, so
a new regulation is a new file. A published rule set is never edited: a
correction is a new file with a new id, because trackers embed the rule set they
started with and replays must reproduce the same due dates.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from gateway.calendar import DayUnit


class SopTier(StrEnum):
    """The agency SOP tier of a complaint; it sets the handling time."""

    LIGHT = "light"
    """Pengaduan ringan."""
    NORMATIVE = "normative"
    """Pengaduan bersifat normatif."""
    NO_MISCONDUCT = "no_misconduct"
    """Pengaduan tidak berkadar pengawasan (no misconduct element)."""
    MISCONDUCT = "misconduct"
    """Pengaduan berkadar pengawasan that needs an examination."""


class ClockRule(BaseModel):
    """The length of one clock: an amount of working or calendar days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: int = Field(ge=0, le=3660)
    unit: DayUnit


class ClockRules(BaseModel):
    """The length of every clock except the SOP tiers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verification: ClockRule
    """Verification and disposition, from submission (or from a decline)."""
    first_follow_up: ClockRule
    """The holder's first follow-up, from disposition, re-disposition or forward."""
    auto_close: ClockRule
    """Closing after a response that the reporter does not reply to."""
    pending_archive: ClockRule
    """Archiving a pending complaint that the reporter does not complete."""
    resolution: ClockRule
    """Final resolution, from submission, paused while the reporter has the turn."""


class RuleSet(BaseModel):
    """One versioned set of deadline rules and the regulation it implements."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    regulation: str = Field(min_length=1)
    """The regulation's number, for example ``Peraturan Menteri PANRB Nomor 5 ...``."""
    title: str = Field(min_length=1)
    effective_from: AwareDatetime
    """Complaints submitted at or after this moment use this rule set."""
    notes: tuple[str, ...] = ()
    """Unconfirmed points of this rule set and the sources of its numbers."""
    clocks: ClockRules
    sop_tiers: dict[SopTier, ClockRule]

    @model_validator(mode="after")
    def _check_tiers(self) -> Self:
        missing = sorted(set(SopTier) - set(self.sop_tiers))
        if missing:
            msg = f"rule set {self.id!r} has no SOP tier {', '.join(missing)}"
            raise ValueError(msg)
        return self

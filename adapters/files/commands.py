"""Building one source complaint's commands with ids that repeat on every import.

The complaint id, the command ids and the reporter's pseudonym all derive
from the profile name and the source's key for the complaint (its tracking
number, case id or request key). So importing the same file twice sends the
same commands, and the gateway records them once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID, uuid5

from events.envelope import Actor
from events.values import Role
from gateway.complaint.commands import ComplaintActionCommand, SubmitComplaint

if TYPE_CHECKING:
    from datetime import datetime

ActionT = TypeVar("ActionT", bound=ComplaintActionCommand)

FILES_NAMESPACE = UUID("3b8f7f0e-2a6d-5c1e-9f4b-7d0c5e1a9b24")
"""UUID namespace of the complaint ids of file imports."""

_SAFE_KEY = re.compile(r"^[A-Za-z0-9._:#-]{1,64}$")


@dataclass(frozen=True, slots=True)
class ImportActors:
    """The agencies an import acts for besides the handling agencies.

    ``channel`` is the agency of the system through which reporters submit;
    ``national`` the agency whose admin verifies and dispositions.
    """

    channel: str
    national: str

    def reporter(self) -> Actor:
        return Actor(agency=self.channel, role=Role.REPORTER)

    def national_admin(self) -> Actor:
        return Actor(agency=self.national, role=Role.NATIONAL_ADMIN)


def agency_admin(agency: str) -> Actor:
    return Actor(agency=agency, role=Role.AGENCY_ADMIN)


def liaison(agency: str, unit: str) -> Actor:
    return Actor(agency=agency, role=Role.UNIT_LIAISON, unit=unit)


def safe_key(key: str) -> str:
    """Return ``key`` if it can be part of a command id, else a digest of it."""
    if _SAFE_KEY.match(key):
        return key
    return "sha256-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def pseudonym(profile: str, key: str) -> str:
    """Return the reporter reference of a source complaint.

    NOTE: an unkeyed digest of profile and key, so anyone with the source
    file can link the two. The exports carry no reporter identity to link.
    """
    digest = hashlib.sha256(f"{profile}/{key}".encode()).hexdigest()
    return f"pseudonym-{digest[:24]}"


class ComplaintScript:
    """The commands of one source complaint; ``step`` names each one.

    Step names must be unique within the complaint: case profiles include
    the row's position in the case (``3/follow-up``).
    """

    def __init__(self, profile: str, key: str, source: str) -> None:
        self.profile = profile
        self.key = safe_key(key)
        self.source = source
        self.complaint_id = uuid5(FILES_NAMESPACE, f"{profile}/{self.key}")
        self.reporter_ref = pseudonym(profile, key)

    def command_id(self, step: str) -> str:
        return f"{self.profile}/{self.key}/{step}"

    def submit(self, at: datetime, actor: Actor, **fields: Any) -> SubmitComplaint:  # noqa: ANN401 (the submission's own fields)
        """Return the submission with the complaint's id and reporter."""
        return SubmitComplaint(
            complaint_id=self.complaint_id,
            reporter_ref=self.reporter_ref,
            **self._common("submit", at, actor),
            **fields,
        )

    def act(
        self,
        command_type: type[ActionT],
        step: str,
        at: datetime,
        actor: Actor,
        **fields: Any,  # noqa: ANN401 (the action's own fields)
    ) -> ActionT:
        """Return an action command on the complaint."""
        common = self._common(step, at, actor)
        if actor.role is Role.REPORTER:
            common["reporter_ref"] = self.reporter_ref
        return command_type(complaint_id=self.complaint_id, **common, **fields)

    def _common(self, step: str, at: datetime, actor: Actor) -> dict[str, Any]:
        return {
            "command_id": self.command_id(step),
            "occurred_at": at,
            "actor": actor,
            "correlation_id": f"{self.profile}/{self.key}",
            "source": self.source,
        }

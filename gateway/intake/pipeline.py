"""The one path every command takes, from either intake, before it reaches a complaint.

1. authenticate the agency system (a bearer token, or a verified re-drive grant);
2. verify its Ed25519 signature over the raw body when the system must sign;
3. parse the command (``gateway.intake.validation``);
4. check that the system may speak for the command's actor, and that every
   agency the command names is registered;
5. execute the admitted commands in the store, in a worker thread.

Steps 1 to 4 are pure and cheap; step 5 is the one blocking call. The HTTP
API runs them one request at a time (single commands meet in a
``MicroBatcher``); the Kafka intake runs a whole poll through :meth:`process`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio.to_thread
from eventsourcing.persistence import InterfaceError, OperationalError

from gateway.application import Result, command_key
from gateway.authorisation import (
    AccessError,
    AuthenticationError,
    authenticate,
    check_claim,
    verify_signature,
)
from gateway.intake.errors import IntakeError, StoreUnavailableError, UnknownAgencyError
from gateway.intake.validation import FieldProblem, parse_command

if TYPE_CHECKING:
    from gateway.agencies import AgencyRegistry, AgencySystem
    from gateway.application import ComplaintService
    from gateway.complaint import ComplaintCommand
    from monitoring.metrics import CommandMetrics

BatchExecutor = Callable[[Sequence["ComplaintCommand"]], Awaitable[list[Result]]]
"""Decides and records commands; returns one result per command, in order."""

AGENCY_FIELDS = ("agency", "to_agency", "suggested_agency", "target_agency")
"""Command fields that name an agency: disposition, re-disposition, decline
suggestion and the submission's chosen agency."""

Failure = AccessError | IntakeError
"""Why a command was not executed: authentication, claim or validation."""


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """A command as it arrives: raw body and credentials.

    ``granted_system`` is the id of a system vouched for by a re-drive grant
    that the Kafka intake has already verified; the HTTP API never sets it.
    """

    body: bytes
    authorization: str | None
    signature: str | None = None
    granted_system: str | None = None


@dataclass(frozen=True, slots=True)
class Processed:
    """The result of one request: its system and command when known, and the
    outcome, the rejection returned by the store, or the failure before it."""

    system: AgencySystem | None
    command: ComplaintCommand | None
    result: Result | Failure


class CommandPipeline:
    """Authenticates, checks and executes commands; see the module docstring."""

    def __init__(
        self,
        registry: AgencyRegistry,
        execute: BatchExecutor,
        metrics: CommandMetrics | None = None,
    ) -> None:
        self.registry = registry
        self.execute = execute
        self.metrics = metrics
        self._agencies = frozenset(agency.id for agency in registry.agencies)

    def authenticate(self, request: CommandRequest) -> AgencySystem:
        """Return the sending system; raise ``AuthenticationError`` otherwise."""
        system = self.identify(request)
        verify_signature(system, request.body, request.signature)
        return system

    def identify(self, request: CommandRequest) -> AgencySystem:
        """Return the system the credentials name, before checking the signature."""
        if request.granted_system is not None and not request.authorization:
            return self._system(request.granted_system)
        return authenticate(self.registry, request.authorization)

    def admit(
        self, system: AgencySystem, raw: bytes | object, *, root: str = "$"
    ) -> ComplaintCommand:
        """Return the command in ``raw`` if ``system`` may send it; raise otherwise."""
        command = parse_command(raw, root=root)
        check_claim(system, command.actor)
        self._check_agencies(command, root)
        return command

    async def process(self, requests: Sequence[CommandRequest]) -> list[Processed]:
        """Admit every request and execute the admitted commands in one batch.

        Raises ``StoreUnavailableError`` when the store did not respond; nothing
        of the batch was recorded then, and all of it may be sent again.
        """
        admissions = [self._admit_request(request) for request in requests]
        commands = [a.command for a in admissions if a.command is not None]
        results = iter(await self.execute(commands) if commands else [])
        processed = []
        for admission in admissions:
            result = next(results) if admission.failure is None else admission.failure
            processed.append(Processed(admission.system, admission.command, result))
        return processed

    def count_failure(
        self, failure: Failure, command: ComplaintCommand | None = None
    ) -> None:
        """Count a command that failed before the store, as the service counts."""
        if self.metrics is None:
            return
        command_type = "unknown" if command is None else type(command).__name__
        agency = "other"
        if command is not None and command.actor.agency in self._agencies:
            agency = command.actor.agency
        outcome = "unauthorised" if isinstance(failure, AccessError) else "invalid"
        self.metrics.received.labels(command_type, agency, outcome).inc()

    def _admit_request(self, request: CommandRequest) -> _Admission:
        system: AgencySystem | None = None
        try:
            system = self.identify(request)
            verify_signature(system, request.body, request.signature)
            command = self.admit(system, request.body)
        except (AccessError, IntakeError) as exc:
            self.count_failure(exc)
            return _Admission(system, None, exc)
        return _Admission(system, command, None)

    def _system(self, system_id: str) -> AgencySystem:
        for system in self.registry.systems:
            if system.id == system_id:
                return system
        raise AuthenticationError(
            f"re-drive grant names system {system_id!r}, which is no longer "
            "registered: ask the agency to send the command again"
        )

    def _check_agencies(self, command: ComplaintCommand, root: str) -> None:
        problems = tuple(
            FieldProblem(
                field=f"{root}.{name}",
                value=value,
                expected="the id of an agency in the gateway's agency registry",
            )
            for name in AGENCY_FIELDS
            if (value := getattr(command, name, None)) is not None
            and value not in self._agencies
        )
        if problems:
            names = ", ".join(f"{p.field}={p.value!r}" for p in problems)
            raise UnknownAgencyError(
                f"the command names an unknown agency ({names}): use the id of a "
                "registered agency",
                problems,
            )


@dataclass(frozen=True, slots=True)
class _Admission:
    """A request after admission: its command, or the failure that stopped it."""

    system: AgencySystem | None
    command: ComplaintCommand | None
    failure: Failure | None


def threaded_executor(service: ComplaintService) -> BatchExecutor:
    """Return an executor that runs ``service.execute_batch`` in a worker thread.

    A batch that repeats a command id is split before the repeat, so the
    repeat is compared with the stored first command, as if sent later: an
    identical repeat is a duplicate, a different command under the same id
    is a ``CommandReuseError``. The store's connection errors become
    ``StoreUnavailableError``.
    """

    def execute_runs(commands: Sequence[ComplaintCommand]) -> list[Result]:
        results: list[Result] = []
        for run in runs_without_repeats(commands):
            results += service.execute_batch(run)
        return results

    async def execute(commands: Sequence[ComplaintCommand]) -> list[Result]:
        try:
            return await anyio.to_thread.run_sync(execute_runs, commands)
        except (InterfaceError, OperationalError) as exc:
            raise StoreUnavailableError(
                "the event store did not respond and nothing was recorded: send "
                "the command again later"
            ) from exc

    return execute


def runs_without_repeats(
    commands: Sequence[ComplaintCommand],
) -> list[list[ComplaintCommand]]:
    """Split ``commands`` into consecutive runs in which no command id repeats."""
    runs: list[list[ComplaintCommand]] = [[]]
    keys: set[str] = set()
    for command in commands:
        key = command_key(command)
        if key in keys:
            runs.append([])
            keys.clear()
        runs[-1].append(command)
        keys.add(key)
    return [run for run in runs if run]

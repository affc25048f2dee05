"""Sinks: where adapters send the commands they build, in this process or over HTTP.

A :class:`CommandSink` takes a list of commands and returns one
:class:`SinkResult` per command, in order. Commands may come from several
agency systems in one call (a reporter's channel, the national admin, an
agency), but a call must not hold two commands of one complaint from
different agencies: the HTTP sink sends one request per agency. Command ids
make every sink idempotent, so sending a list again records nothing new.

- :class:`InProcessSink` runs the claim check of every command against the
  agency system that may send it, then ``ComplaintService.execute_batch``.
- :class:`HttpSink` posts ``{"commands": [...]}`` to ``/v1/commands/batch``
  with each agency's bearer token and reads ``{"results": [...]}``.

Both report a rejection with the problem code the HTTP API uses
(``transition-rejected``, ``claim-rejected``, …).
"""

from __future__ import annotations

import json
import logging
import time
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import yaml
from eventsourcing.persistence import InterfaceError, OperationalError

from events.values import FrozenModel, Role
from gateway.application import target_of
from gateway.authorisation import ClaimError, check_claim
from gateway.intake.pipeline import AGENCY_FIELDS
from gateway.intake.verdicts import verdict_of
from gateway.outcomes import CommandOutcome

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from events.envelope import Actor
    from gateway.agencies import AgencyRegistry, AgencySystem
    from gateway.application import ComplaintService, Result
    from gateway.complaint import ComplaintCommand

logger = logging.getLogger(__name__)

BATCH_PATH = "/v1/commands/batch"
UNKNOWN_AGENCY_CODE = "unknown-agency"
CLAIM_REJECTED_CODE = "claim-rejected"


class SinkError(Exception):
    """A whole call failed: nothing is known about its commands.

    ``retriable`` is true when sending the same commands later may succeed.
    Commands are idempotent, so resending is always safe.
    """

    def __init__(self, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


class SinkStatus(StrEnum):
    ACCEPTED = "accepted"
    """Decided and recorded now."""
    DUPLICATE = "duplicate"
    """Recorded before under the same command id; nothing new was recorded."""
    REJECTED = "rejected"
    """Not recorded: ``code`` and ``detail`` give the reason."""


class SinkResult(FrozenModel):
    """The outcome of one command."""

    command_id: str
    status: SinkStatus
    code: str | None = None
    """The problem code of a rejection, as the HTTP API names it."""
    detail: str | None = None


class CommandSink(Protocol):
    """Executes commands; see the module docstring for the contract."""

    def submit(self, commands: Sequence[ComplaintCommand]) -> list[SinkResult]:
        """Return one result per command, in order; raise ``SinkError`` on failure."""
        ...


class InProcessSink:
    """Executes commands in a ``ComplaintService`` of this process.

    Each command is checked against the systems of ``registry`` first: a
    system of the actor's agency that has the actor's role (and unit) must
    exist and pass ``check_claim``, and every agency the command names must
    be registered. Commands that fail are rejected without reaching the store.
    """

    def __init__(self, service: ComplaintService, registry: AgencyRegistry) -> None:
        self.service = service
        self.registry = registry
        self._agencies = frozenset(agency.id for agency in registry.agencies)

    def submit(self, commands: Sequence[ComplaintCommand]) -> list[SinkResult]:
        results: list[SinkResult | None] = []
        admitted: list[ComplaintCommand] = []
        for command in commands:
            refusal = self._refusal(command)
            results.append(refusal)
            if refusal is None:
                admitted.append(command)
        decided = iter(self._execute(admitted) if admitted else [])
        return [
            result or _result_of(command, next(decided))
            for command, result in zip(commands, results, strict=True)
        ]

    def _execute(self, commands: list[ComplaintCommand]) -> list[Result]:
        try:
            return self.service.execute_batch(commands)
        except (InterfaceError, OperationalError) as exc:
            raise SinkError(
                f"the event store did not respond and none of {len(commands)} "
                f"commands was recorded: {exc}; run the import again",
                retriable=True,
            ) from exc

    def _refusal(self, command: ComplaintCommand) -> SinkResult | None:
        try:
            check_claim(self._system_for(command.actor), command.actor)
        except ClaimError as exc:
            return _rejected(command, CLAIM_REJECTED_CODE, str(exc))
        unknown = [
            f"{name}={value!r}"
            for name in AGENCY_FIELDS
            if (value := getattr(command, name, None)) is not None
            and value not in self._agencies
        ]
        if unknown:
            detail = (
                f"the command names an unknown agency ({', '.join(unknown)}): "
                "register it before importing"
            )
            return _rejected(command, UNKNOWN_AGENCY_CODE, detail)
        return None

    def _system_for(self, actor: Actor) -> AgencySystem:
        for system in self.registry.systems:
            if system.agency != actor.agency or actor.role not in system.roles:
                continue
            if actor.role is not Role.UNIT_LIAISON or actor.unit in system.units:
                return system
        raise ClaimError(
            f"no system of agency {actor.agency!r} may act as "
            f"{actor.role.value!r}{_unit_text(actor)}: register one for the import"
        )


class HttpSink:
    """Posts commands to a gateway's ``/v1/commands/batch`` endpoint.

    ``tokens`` maps an agency id to the bearer token of that agency's system;
    a single string is used for every agency. Commands are grouped by the
    actor's agency and sent in requests of at most ``max_commands`` commands
    and about ``max_body_bytes`` bytes. A 5xx response or a transport error is
    retried ``retries`` times with doubling back-off from ``backoff`` seconds.
    """

    def __init__(  # noqa: PLR0913 (every limit has a default)
        self,
        base_url: str,
        tokens: Mapping[str, str] | str,
        *,
        client: httpx.Client | None = None,
        max_commands: int = 500,
        max_body_bytes: int = 200 * 1024,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.client = client or httpx.Client(timeout=timeout)
        self.max_commands = max_commands
        self.max_body_bytes = max_body_bytes
        self.retries = retries
        self.backoff = backoff

    @classmethod
    def from_token_file(cls, base_url: str, path: Path, **options: Any) -> HttpSink:  # noqa: ANN401 (passed on to __init__)
        """Build a sink whose tokens are read from ``path``.

        The file is either a YAML mapping of agency id to token, or a single
        token used for every agency.
        """
        return cls(base_url, read_tokens(path), **options)

    def close(self) -> None:
        self.client.close()

    def submit(self, commands: Sequence[ComplaintCommand]) -> list[SinkResult]:
        results: dict[int, SinkResult] = {}
        for agency, indexes in _requests_by_agency(commands):
            for chunk in self._chunks([commands[i] for i in indexes], indexes):
                documents, positions = chunk
                answers = self._post(agency, documents)
                for position, answer in zip(positions, answers, strict=True):
                    results[position] = _result_of_answer(commands[position], answer)
        return [results[index] for index in range(len(commands))]

    def _chunks(
        self, commands: list[ComplaintCommand], indexes: list[int]
    ) -> list[tuple[list[dict[str, Any]], list[int]]]:
        chunks: list[tuple[list[dict[str, Any]], list[int]]] = []
        documents: list[dict[str, Any]] = []
        positions: list[int] = []
        size = 0
        for command, index in zip(commands, indexes, strict=True):
            document = command.model_dump(mode="json", exclude_none=True)
            length = len(json.dumps(document, ensure_ascii=False).encode()) + 1
            full = len(documents) >= self.max_commands
            if documents and (full or size + length > self.max_body_bytes):
                chunks.append((documents, positions))
                documents, positions, size = [], [], 0
            documents.append(document)
            positions.append(index)
            size += length
        if documents:
            chunks.append((documents, positions))
        return chunks

    def _post(self, agency: str, documents: list[dict[str, Any]]) -> list[Any]:
        headers = {"Authorization": f"Bearer {self._token(agency)}"}
        url = self.base_url + BATCH_PATH
        for attempt in range(self.retries + 1):
            try:
                response = self.client.post(
                    url, json={"commands": documents}, headers=headers
                )
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 500:  # noqa: PLR2004
                    return _answers(response, agency, len(documents))
                failure = f"HTTP {response.status_code}"
            if attempt < self.retries:
                delay = self.backoff * 2**attempt
                logger.warning(
                    "Batch for agency %s failed (%s); retrying in %.1f s",
                    agency,
                    failure,
                    delay,
                )
                time.sleep(delay)
        raise SinkError(
            f"{url} did not take a batch of {len(documents)} commands for agency "
            f"{agency!r} after {self.retries + 1} attempts ({failure}): check that "
            "the gateway is up, then run the import again",
            retriable=True,
        )

    def _token(self, agency: str) -> str:
        if isinstance(self.tokens, str):
            return self.tokens
        try:
            return self.tokens[agency]
        except KeyError:
            raise SinkError(
                f"the token file has no token for agency {agency!r}: add "
                f"'{agency}: <token>' to it"
            ) from None


def read_tokens(path: Path) -> Mapping[str, str] | str:
    """Read a token file: a YAML mapping of agency id to token, or one token."""
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SinkError(f"cannot read the token file {path}: {exc}") from exc
    if isinstance(document, dict) and all(
        isinstance(key, str) and isinstance(value, str)
        for key, value in document.items()
    ):
        return dict(document)
    token = text.strip()
    if not token or any(character.isspace() for character in token):
        raise SinkError(
            f"the token file {path} contains neither one token nor a mapping of "
            "agency id to token"
        )
    return token


def _requests_by_agency(
    commands: Sequence[ComplaintCommand],
) -> list[tuple[str, list[int]]]:
    """Group command positions by agency; order is kept within each agency.

    Two commands of one complaint from different agencies would be reordered
    by grouping, so such a call is split into consecutive runs instead.
    """
    agency_of: dict[object, str] = {}
    mixed = False
    for command in commands:
        complaint = target_of(command)
        known = agency_of.setdefault(complaint, command.actor.agency)
        mixed = mixed or known != command.actor.agency
    groups: list[tuple[str, list[int]]] = []
    for index, command in enumerate(commands):
        agency = command.actor.agency
        if mixed:
            if groups and groups[-1][0] == agency:
                groups[-1][1].append(index)
            else:
                groups.append((agency, [index]))
            continue
        for name, members in groups:
            if name == agency:
                members.append(index)
                break
        else:
            groups.append((agency, [index]))
    return groups


def _answers(response: httpx.Response, agency: str, expected: int) -> list[Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):  # noqa: PLR2004
        detail = body.get("detail") if isinstance(body, dict) else response.text[:200]
        raise SinkError(
            f"the gateway rejected the batch for agency {agency!r} with HTTP "
            f"{response.status_code}: {detail}"
        )
    results = body.get("results")
    if not isinstance(results, list) or len(results) != expected:
        raise SinkError(
            f"the gateway returned no result per command for a batch of {expected} "
            "result per command: check that the URL names a LAPOR gateway"
        )
    return results


def _result_of_answer(command: ComplaintCommand, answer: Any) -> SinkResult:  # noqa: ANN401 (decoded JSON)
    status = answer.get("status") if isinstance(answer, dict) else None
    if status == 201:  # noqa: PLR2004
        return SinkResult(command_id=command.command_id, status=SinkStatus.ACCEPTED)
    if status == 200:  # noqa: PLR2004
        return SinkResult(command_id=command.command_id, status=SinkStatus.DUPLICATE)
    problem = answer.get("problem") if isinstance(answer, dict) else None
    problem = problem if isinstance(problem, dict) else {}
    return _rejected(
        command,
        str(problem.get("code", "unknown")),
        str(problem.get("detail", f"HTTP status {status}")),
    )


def _result_of(command: ComplaintCommand, result: Result) -> SinkResult:
    if isinstance(result, CommandOutcome):
        status = SinkStatus.DUPLICATE if result.duplicate else SinkStatus.ACCEPTED
        return SinkResult(command_id=command.command_id, status=status)
    return _rejected(command, verdict_of(result, command).code, str(result))


def _rejected(command: ComplaintCommand, code: str, detail: str) -> SinkResult:
    return SinkResult(
        command_id=command.command_id,
        status=SinkStatus.REJECTED,
        code=code,
        detail=detail,
    )


def _unit_text(actor: Actor) -> str:
    return f" for unit {actor.unit!r}" if actor.unit else ""

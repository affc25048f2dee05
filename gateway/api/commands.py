"""``POST /v1/commands`` and ``POST /v1/commands/batch``: the HTTP command intake.

Both read the raw body, authenticate the system (``Authorization: Bearer``),
verify ``X-Lapor-Signature`` over the exact bytes when the system must sign,
and only then parse and check the commands (``gateway.intake.pipeline``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer

from gateway.api.context import context_of, note_system
from gateway.api.openapi import batch_body, command_body
from gateway.api.problems import Problem, failure_extras, failure_response, problem_body
from gateway.authorisation import AccessError
from gateway.complaint import VersionConflictError
from gateway.intake.errors import IntakeError, InvalidCommandError
from gateway.intake.pipeline import CommandRequest
from gateway.intake.validation import FieldProblem
from gateway.intake.verdicts import verdict_of
from gateway.outcomes import CommandOutcome

if TYPE_CHECKING:
    from uuid import UUID

    from gateway.agencies import AgencySystem
    from gateway.api.context import ApiContext
    from gateway.application import ComplaintService, Result
    from gateway.complaint import ComplaintCommand

router = APIRouter(tags=["commands"])

SIGNATURE_HEADER = "X-Lapor-Signature"
bearer = HTTPBearer(
    auto_error=False,
    description="The token issued to your agency system.",
)
"""Declares the bearer scheme in the OpenAPI document; checks are done by hand."""

SignatureHeader = Annotated[
    str | None,
    Header(
        alias=SIGNATURE_HEADER,
        description="Base64 Ed25519 signature of the exact request body.",
    ),
]

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description}
    for status, description in {
        401: "Credentials or signature missing or invalid.",
        403: "The system may not act for this actor, or the actor may not act.",
        404: "The complaint does not exist.",
        409: "Rejected by the complaint's state; 'code' says why.",
        413: "The body is larger than the configured limit.",
        422: "Invalid command; 'errors' names each field.",
        503: "The store did not answer; send the command again later.",
    }.items()
}


@router.post(
    "/v1/commands",
    status_code=201,
    summary="Send one command",
    response_model=CommandOutcome,
    responses={
        200: {"model": CommandOutcome, "description": "A repeat: first outcome."},
        **PROBLEM_RESPONSES,
    },
    openapi_extra=command_body(),
    dependencies=[Depends(bearer)],
)
async def post_command(
    request: Request,
    signature: SignatureHeader = None,
) -> JSONResponse:
    """Decide one command; 201 with its outcome, 200 when it is a repeat."""
    context = context_of(request)
    body = await request.body()
    system = _authenticate(request, context, body, signature)
    try:
        command = context.pipeline.admit(system, body)
    except (AccessError, IntakeError) as exc:
        context.pipeline.count_failure(exc)
        raise
    result = await context.batcher.submit(command)
    if isinstance(result, CommandOutcome):
        status = 200 if result.duplicate else 201
        return JSONResponse(result.model_dump(mode="json"), status_code=status)
    extra = await _conflict_extras(context.service, result)
    return failure_response(request, result, command, **extra)


@router.post(
    "/v1/commands/batch",
    summary="Send up to the batch limit of commands in one transaction",
    responses=PROBLEM_RESPONSES,
    openapi_extra=batch_body(),
    dependencies=[Depends(bearer)],
)
async def post_batch(
    request: Request,
    signature: SignatureHeader = None,
) -> JSONResponse:
    """Decide each command; one result per command, in order.

    Each result has ``index``, ``status`` (the status a single request would
    get) and either ``outcome`` or ``problem``.
    """
    context = context_of(request)
    body = await request.body()
    system = _authenticate(request, context, body, signature)
    items = _batch_items(body, context.max_batch_commands)
    admitted: dict[int, ComplaintCommand] = {}
    results: dict[int, dict[str, Any]] = {}
    for index, item in enumerate(items):
        root = f"$.commands[{index}]"
        try:
            admitted[index] = context.pipeline.admit(system, item, root=root)
        except (AccessError, IntakeError) as exc:
            context.pipeline.count_failure(exc)
            results[index] = _problem_entry(index, exc, None, {})
    commands = list(admitted.values())
    outcomes = await context.execute_batch(commands) if commands else []
    for (index, command), result in zip(admitted.items(), outcomes, strict=True):
        extra = await _conflict_extras(context.service, result)
        results[index] = _result_entry(index, result, command, extra)
    ordered = [results[index] for index in range(len(items))]
    return JSONResponse({"results": ordered})


def _authenticate(
    request: Request, context: ApiContext, body: bytes, signature: str | None
) -> AgencySystem:
    authorization = request.headers.get("authorization")
    try:
        system = context.pipeline.authenticate(
            CommandRequest(body, authorization, signature)
        )
    except AccessError as exc:
        context.pipeline.count_failure(exc)
        raise
    note_system(request, system)
    return system


def _batch_items(body: bytes, limit: int) -> list[object]:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _invalid_batch("$", None, f"a JSON object: {exc}") from None
    if not isinstance(document, dict) or set(document) != {"commands"}:
        raise _invalid_batch("$", None, "an object with the single field 'commands'")
    items = document["commands"]
    if not isinstance(items, list) or not items:
        raise _invalid_batch("$.commands", None, "a non-empty array of commands")
    if len(items) > limit:
        raise _invalid_batch(
            "$.commands", len(items), f"at most {limit} commands: split the batch"
        )
    return items


def _invalid_batch(field: str, value: int | None, expected: str) -> InvalidCommandError:
    problem = FieldProblem(field=field, value=value, expected=expected)
    return InvalidCommandError(
        f"the batch body is invalid at {field}: send {{'commands': [...]}} with "
        "1 to the batch limit of commands",
        (problem,),
    )


def _result_entry(
    index: int, result: Result, command: ComplaintCommand, extra: dict[str, Any]
) -> dict[str, Any]:
    if isinstance(result, CommandOutcome):
        return {
            "index": index,
            "status": 200 if result.duplicate else 201,
            "outcome": result.model_dump(mode="json"),
        }
    return _problem_entry(index, result, command, extra)


def _problem_entry(
    index: int,
    error: Exception,
    command: ComplaintCommand | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    verdict = verdict_of(error, command)
    problem = problem_body(verdict, str(error), **failure_extras(error), **extra)
    return {"index": index, "status": verdict.status, "problem": problem}


async def _conflict_extras(service: ComplaintService, result: Result) -> dict[str, Any]:
    """Return ``current_version`` for a version conflict, read from the store."""
    if not isinstance(result, VersionConflictError):
        return {}
    version = await anyio.to_thread.run_sync(
        _current_version, service, result.complaint_id
    )
    return {"current_version": version}


def _current_version(service: ComplaintService, complaint_id: UUID) -> int:
    events = service.recorder.select_events(complaint_id, desc=True, limit=1)
    return events[0].originator_version if events else 0

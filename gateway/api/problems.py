"""Error responses as RFC 9457 problem details (``application/problem+json``).

Every error body has ``type``, ``title``, ``status``, ``detail`` (what failed
and what to do), ``instance`` (the request path) and ``code``, the stable
name of the problem shared with the Kafka intake's results. Validation
problems add ``errors``, one entry per invalid field with its JSON path, the
value received and what is expected.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from gateway.authorisation import AccessError
from gateway.intake.errors import IntakeError, InvalidCommandError
from gateway.intake.validation import FieldProblem
from gateway.intake.verdicts import INTERNAL, Verdict, verdict_of

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

    from gateway.complaint import ComplaintCommand

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:lapor:problem:"
RETRY_AFTER_SECONDS = "1"


class Problem(BaseModel):
    """An RFC 9457 problem details object with the gateway's extensions."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str
    errors: list[FieldProblem] | None = None
    """Each invalid field, for ``invalid-command`` and ``unknown-agency``."""
    current_version: int | None = None
    """The complaint's version now, for ``version-conflict``."""


def problem_body(
    verdict: Verdict, detail: str, *, instance: str | None = None, **extra: object
) -> dict[str, Any]:
    """Return the problem document for ``verdict``."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + verdict.code,
        "title": verdict.title,
        "status": verdict.status,
        "detail": detail,
        "code": verdict.code,
    }
    if instance is not None:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(
    verdict: Verdict, detail: str, *, instance: str, **extra: object
) -> JSONResponse:
    """Return the problem for ``verdict`` as a response with its status."""
    headers = {}
    if verdict.status == 401:  # noqa: PLR2004
        headers["WWW-Authenticate"] = "Bearer"
    if verdict.status == 503:  # noqa: PLR2004
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    return JSONResponse(
        problem_body(verdict, detail, instance=instance, **extra),
        status_code=verdict.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def failure_extras(error: Exception) -> dict[str, Any]:
    """Return the problem fields that a kind of failure adds, such as ``errors``."""
    if isinstance(error, InvalidCommandError):
        return {"errors": [p.model_dump(mode="json") for p in error.problems]}
    return {}


def failure_response(
    request: Request,
    error: Exception,
    command: ComplaintCommand | None = None,
    **extra: object,
) -> JSONResponse:
    """Return the problem response for a failure raised or returned for a command."""
    verdict = verdict_of(error, command)
    return problem_response(
        verdict,
        str(error),
        instance=request.url.path,
        **failure_extras(error),
        **extra,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error the app raises with a problem document."""
    app.add_exception_handler(AccessError, _on_failure)
    app.add_exception_handler(IntakeError, _on_failure)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(HTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)


async def _on_failure(request: Request, exc: Exception) -> JSONResponse:
    return failure_response(request, exc)


async def _on_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 (registered for it)
    problems = [
        FieldProblem(
            field=".".join(str(part) for part in error["loc"]),
            value=_json_safe(error.get("input")),
            expected=error["msg"],
        ).model_dump(mode="json")
        for error in exc.errors()
    ]
    verdict = Verdict(422, "invalid-request", "Invalid request")
    return problem_response(
        verdict,
        "the request's path or query is invalid: correct the parameters listed in "
        "'errors'",
        instance=request.url.path,
        errors=problems,
    )


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)  # noqa: S101 (registered for it)
    codes = {404: "not-found", 405: "method-not-allowed"}
    verdict = Verdict(
        exc.status_code, codes.get(exc.status_code, "http-error"), str(exc.detail)
    )
    detail = {
        404: f"no resource at {request.url.path}: see /docs for the endpoints",
        405: f"{request.method} is not allowed on {request.url.path}: see /docs",
    }.get(exc.status_code, str(exc.detail))
    return problem_response(verdict, detail, instance=request.url.path)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("Request %s %s failed", request.method, request.url.path, exc_info=exc)
    return problem_response(
        INTERNAL,
        "the gateway failed to handle the request; the error is logged: try again, "
        "and report it to the gateway operators if it persists",
        instance=request.url.path,
    )


def _json_safe(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)

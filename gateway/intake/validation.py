"""Parsing a command from JSON, and field problems that name path, value and rule.

Both intakes parse with :func:`parse_command`, so an invalid command gets the
same explanation over HTTP and from Kafka. A problem's ``field`` is a JSON
path from the document root (``$.location.latitude``, ``$.commands[3].type``).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, cast

from pydantic import JsonValue, TypeAdapter, ValidationError

from events.values import FrozenModel
from gateway.complaint import AnyCommand
from gateway.intake.errors import InvalidCommandError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from gateway.complaint import ComplaintCommand

COMMAND_ADAPTER: TypeAdapter[ComplaintCommand] = TypeAdapter(AnyCommand)
MAX_SHOWN_CHARACTERS = 200
"""Longer received values are cut to this many characters in a problem."""


class FieldProblem(FrozenModel):
    """One invalid field: where it is, what was received and what is expected."""

    field: str
    """JSON path of the field, from ``$``, the document root."""
    value: JsonValue = None
    """The value received, cut to 200 characters; ``null`` for a missing field."""
    expected: str


def parse_command(raw: bytes | object, *, root: str = "$") -> ComplaintCommand:
    """Return the command in ``raw``: JSON bytes, or an already decoded document.

    Raises ``InvalidCommandError`` naming every invalid field under ``root``.
    """
    try:
        if isinstance(raw, bytes):
            return COMMAND_ADAPTER.validate_json(raw)
        return COMMAND_ADAPTER.validate_python(raw)
    except ValidationError as exc:
        problems = problems_of(exc, root)
        raise InvalidCommandError(describe(problems), problems) from None


def problems_of(exc: ValidationError, root: str = "$") -> tuple[FieldProblem, ...]:
    """Return one problem per error of a command validation."""
    return tuple(_problem(error, root) for error in exc.errors(include_url=False))


def describe(problems: tuple[FieldProblem, ...]) -> str:
    """Return a one-line summary of the problems, naming fields but not values."""
    fields = ", ".join(problem.field for problem in problems[:5])
    more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""  # noqa: PLR2004
    return (
        f"the command is invalid in {fields}{more}: correct the fields listed in "
        "'errors' and send it again"
    )


def path_of(root: str, loc: tuple[int | str, ...]) -> str:
    """Return the JSON path of a validation location below ``root``."""
    steps = (f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    return root + "".join(steps)


def _problem(error: ErrorDetails, root: str) -> FieldProblem:
    kind = error["type"]
    if kind.startswith("union_tag"):
        tag = error.get("ctx", {}).get("tag")
        expected = error.get("ctx", {}).get("expected_tags", "one of the command types")
        return FieldProblem(
            field=f"{root}.type",
            value=tag,
            expected=f"a command type: {expected}",
        )
    # Errors inside a command start with its type, the union's tag: drop it.
    loc = tuple(error["loc"][1:])
    if kind == "missing":
        return FieldProblem(
            field=path_of(root, loc), expected="a value: the field is required"
        )
    if kind == "json_invalid":
        return FieldProblem(
            field=root,
            expected=f"a JSON object: {error['msg'].removeprefix('Invalid JSON: ')}",
        )
    return FieldProblem(
        field=path_of(root, loc),
        value=_shown(error.get("input")),
        expected=_expectation(error),
    )


def _expectation(error: ErrorDetails) -> str:
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        return "no such field: remove it, or check its spelling"
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _shown(value: object) -> JsonValue:
    if isinstance(value, str):
        return _cut(value)
    if isinstance(value, float) and not math.isfinite(value):
        # JSON has no NaN or infinity: show the received token as text.
        return str(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    text = json.dumps(value, default=str)
    if len(text) <= MAX_SHOWN_CHARACTERS:
        return cast("JsonValue", json.loads(text))
    return _cut(text)


def _cut(text: str) -> str:
    if len(text) <= MAX_SHOWN_CHARACTERS:
        return text
    return text[:MAX_SHOWN_CHARACTERS] + "…"

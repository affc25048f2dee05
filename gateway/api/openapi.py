"""The command schemas in the OpenAPI document.

The command endpoints read the raw body themselves (the signature covers the
exact bytes, and credentials are checked before the body is parsed), so
FastAPI cannot derive their request schemas. This module adds the command
union and the batch body to the document's components.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.openapi.utils import get_openapi

from gateway.intake.validation import COMMAND_ADAPTER

if TYPE_CHECKING:
    from fastapi import FastAPI

REF_TEMPLATE = "#/components/schemas/{model}"
COMMAND_REF = "#/components/schemas/Command"
BATCH_REF = "#/components/schemas/CommandBatch"


def command_body() -> dict[str, Any]:
    """Return the ``openapi_extra`` of an endpoint whose body is one command."""
    return _json_body(COMMAND_REF)


def batch_body() -> dict[str, Any]:
    """Return the ``openapi_extra`` of the batch endpoint."""
    return _json_body(BATCH_REF)


def install_command_schemas(app: FastAPI, max_batch_commands: int) -> None:
    """Make ``app.openapi()`` include the command and batch schemas."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in _command_schemas(max_batch_commands).items():
                schemas.setdefault(name, schema)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _command_schemas(max_batch_commands: int) -> dict[str, Any]:
    schema = COMMAND_ADAPTER.json_schema(ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = schema.pop("$defs")
    schemas["Command"] = {
        **schema,
        "description": "Any command; the field 'type' selects which one.",
    }
    schemas["CommandBatch"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["commands"],
        "properties": {
            "commands": {
                "type": "array",
                "minItems": 1,
                "maxItems": max_batch_commands,
                "items": {"$ref": COMMAND_REF},
            }
        },
    }
    return schemas


def _json_body(ref: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": ref}}},
        }
    }

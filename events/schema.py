"""JSON Schema export of the contract for agencies' developers.

``python -m events.schema OUTDIR`` writes ``envelope.schema.json`` (the
structured CloudEvents document) and one ``<event name>.v<version>.schema.json``
per event type and version, current and older, and deletes other
``*.schema.json`` files in OUTDIR so that removed versions do not linger.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from events.registry import REGISTRY
from events.structured import StructuredDocument

if TYPE_CHECKING:
    from collections.abc import Sequence

    from events.registry import EventVersion

logger = logging.getLogger(__name__)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_SUFFIX = ".schema.json"
ENVELOPE_FILE = "envelope" + SCHEMA_SUFFIX


def schema_file_name(version: EventVersion) -> str:
    """Return the file name of one event version's schema."""
    return f"{version.event_name}.v{version.version}{SCHEMA_SUFFIX}"


def envelope_schema() -> dict[str, Any]:
    """Return the JSON Schema of the structured CloudEvents document."""
    schema = TypeAdapter(StructuredDocument).json_schema()
    return {"$schema": SCHEMA_DIALECT, "$id": ENVELOPE_FILE, **schema}


def data_schema(version: EventVersion) -> dict[str, Any]:
    """Return the JSON Schema of one event version's data."""
    schema = version.model.model_json_schema()
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": schema_file_name(version),
        "x-cloudevents-type": version.event_type,
        "x-current-version": version.current,
        **schema,
    }


def export_schemas() -> dict[str, str]:
    """Return every schema file's name and text, the envelope's included."""
    schemas = {ENVELOPE_FILE: envelope_schema()}
    for version in REGISTRY.versions():
        schemas[schema_file_name(version)] = data_schema(version)
    return {name: _render(schema) for name, schema in sorted(schemas.items())}


def write_schemas(directory: Path) -> list[Path]:
    """Write the exported schemas into ``directory`` and delete stale ones."""
    directory.mkdir(parents=True, exist_ok=True)
    exported = export_schemas()
    for stale in directory.glob("*" + SCHEMA_SUFFIX):
        if stale.name not in exported:
            stale.unlink()
            logger.info("Deleted stale schema %s", stale)
    written = []
    for name, text in exported.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the export command; return the process exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m events.schema",
        description="Write the JSON Schemas of the complaint event contract.",
    )
    parser.add_argument("outdir", type=Path, help="directory to write the files to")
    arguments = parser.parse_args(argv)
    written = write_schemas(arguments.outdir)
    logger.info("Wrote %d schema files to %s", len(written), arguments.outdir)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    raise SystemExit(main())

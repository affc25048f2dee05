"""The committed JSON Schemas equal a fresh export, and the command writes them."""

from __future__ import annotations

import json
from pathlib import Path

from events.registry import REGISTRY
from events.schema import ENVELOPE_FILE, export_schemas, main, schema_file_name

COMMITTED = Path(__file__).parents[2] / "docs" / "schemas"


def test_committed_files_match_export():
    exported = export_schemas()
    committed = {path.name for path in COMMITTED.glob("*.schema.json")}
    assert committed == set(exported), "run: python -m events.schema docs/schemas"


def test_committed_contents_match_export():
    for name, text in export_schemas().items():
        committed = (COMMITTED / name).read_text(encoding="utf-8")
        assert committed == text, (
            f"{name} is stale: python -m events.schema docs/schemas"
        )


def test_every_version_exported():
    exported = export_schemas()
    for version in REGISTRY.versions():
        assert schema_file_name(version) in exported


def test_data_schema_names_its_type():
    schema = json.loads(export_schemas()["complaint.submitted.v2.schema.json"])
    assert schema["x-cloudevents-type"] == "id.go.lapor.complaint.submitted.v2"
    assert schema["x-current-version"] is True
    assert schema["additionalProperties"] is False


def test_legacy_schema_marked_not_current():
    schema = json.loads(export_schemas()["complaint.submitted.v1.schema.json"])
    assert schema["x-current-version"] is False
    assert "anonymous" in schema["properties"]


def test_envelope_schema_requires_chain_attributes():
    schema = json.loads(export_schemas()[ENVELOPE_FILE])
    assert {"hash", "sequence", "subject"} <= set(schema["required"])
    assert "prevhash" not in schema["required"]
    assert schema["additionalProperties"] is False


def test_command_writes_and_prunes(tmp_path):
    stale = tmp_path / "complaint.vanished.v1.schema.json"
    stale.write_text("{}", encoding="utf-8")
    unrelated = tmp_path / "README.md"
    unrelated.write_text("keep", encoding="utf-8")
    assert main([str(tmp_path)]) == 0
    assert not stale.exists()
    assert unrelated.exists()
    written = {path.name for path in tmp_path.glob("*.schema.json")}
    assert written == set(export_schemas())

"""Status mapping files: loading, checking and looking up."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.mapping import MappingCatalog, MappingError, load_mapping_file
from gateway.complaint import Status

MAPPINGS_DIR = Path(__file__).resolve().parents[3] / "config" / "mappings"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_mappings_load():
    catalog = MappingCatalog.load(MAPPINGS_DIR)
    assert {"nyc311", "bpi2013", "sp4n-opendata"} <= set(catalog.sources)


def test_lookup_ignores_case_and_spaces(tmp_path):
    path = write(
        tmp_path, "src.yaml", "source: src\nstatuses:\n  In Progress: in_follow_up\n"
    )
    mapping = load_mapping_file(path)
    assert mapping.lookup(None, "  in   PROGRESS ") is Status.IN_FOLLOW_UP


def test_agency_override_wins(tmp_path):
    path = write(
        tmp_path,
        "src.yaml",
        "source: src\nstatuses:\n  Pending: dispositioned\n"
        "agencies:\n  nyc-dsny:\n    pending: in_follow_up\n",
    )
    mapping = load_mapping_file(path)
    assert mapping.lookup("nyc-dsny", "Pending") is Status.IN_FOLLOW_UP
    assert mapping.lookup("nyc-nypd", "Pending") is Status.DISPOSITIONED


def test_unmapped_status_is_none(tmp_path):
    mapping = load_mapping_file(
        write(tmp_path, "src.yaml", "source: src\nstatuses: {}\n")
    )
    assert mapping.lookup(None, "Closed") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source: src\nstatuses:\n  Closed: shut\n", "statuses.Closed"),
        (
            "source: src\nstatuses:\n  Closed: closed\n  Closed: closed\n",
            "found the key",
        ),
        ("source: src\nstatuses:\n  Closed: closed\n  closed: closed\n", "same status"),
        ("source: src\nstatuses: [closed\n", "cannot read"),
        ("source: src\n", "statuses"),
        ("source: src\nstatuses: {}\nextra: 1\n", "extra"),
        ("source: src\nafter_completion: maybe\nstatuses: {}\n", "after_completion"),
    ],
    ids=[
        "unknown-target",
        "duplicate-key",
        "same-key-other-case",
        "malformed-yaml",
        "no-statuses",
        "unknown-field",
        "bad-after-completion",
    ],
)
def test_invalid_file_stops_loading(tmp_path, text, message):
    write(tmp_path, "src.yaml", text)
    with pytest.raises(MappingError, match=message) as raised:
        MappingCatalog.load(tmp_path)
    assert "src.yaml" in str(raised.value)


def test_unknown_target_lists_statuses(tmp_path):
    write(tmp_path, "src.yaml", "source: src\nstatuses:\n  Closed: shut\n")
    with pytest.raises(MappingError, match="in_follow_up"):
        MappingCatalog.load(tmp_path)


def test_file_name_must_match_source(tmp_path):
    write(tmp_path, "other.yaml", "source: src\nstatuses: {}\n")
    with pytest.raises(MappingError, match=r"rename the file to src\.yaml"):
        MappingCatalog.load(tmp_path)


def test_missing_folder_stops_loading(tmp_path):
    with pytest.raises(MappingError, match="does not exist"):
        MappingCatalog.load(tmp_path / "absent")


def test_unknown_source_names_loaded_ones():
    catalog = MappingCatalog.load(MAPPINGS_DIR)
    with pytest.raises(MappingError, match="nyc311"):
        catalog.get("open311-jakarta")

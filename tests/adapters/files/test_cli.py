"""The command line: import in process, registry with tokens, errors."""

from __future__ import annotations

import json
import stat

import pytest
import yaml

from adapters.files.cli import main
from gateway.agencies import AgencyRegistry
from tests.adapters.files.conftest import MAPPINGS_DIR, data_file

NYC_FILE = "nyc311_requests_sample.csv.gz"


@pytest.fixture(autouse=True)
def settings_env(tmp_path, monkeypatch):
    """A store under ``tmp_path`` and no agency registry file to add to."""
    monkeypatch.setenv("LAPOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LAPOR_AGENCIES_FILE", str(tmp_path / "absent.yaml"))


def test_import_prints_summary(tmp_path, capsys):
    report = tmp_path / "report.json"
    status = main(
        [
            "import",
            "--profile",
            "nyc311",
            str(data_file(NYC_FILE)),
            "--limit",
            "300",
            "--mappings",
            str(MAPPINGS_DIR),
            "--quiet",
            "--report",
            str(report),
        ]
    )
    out = capsys.readouterr()
    document = json.loads(report.read_text(encoding="utf-8"))
    assert status == 0
    assert "rows read 300: accepted 298, rejected 2" in out.out
    assert "line 238: closed before created" in out.out
    assert document["rows_rejected"] == 2
    assert "━" not in out.err


def test_registry_writes_tokens(tmp_path, capsys):
    out, tokens = tmp_path / "agencies.yaml", tmp_path / "tokens.yaml"
    status = main(
        [
            "registry",
            "--profile",
            "nyc311",
            str(data_file(NYC_FILE)),
            "--mappings",
            str(MAPPINGS_DIR),
            "--out",
            str(out),
            "--tokens-out",
            str(tokens),
        ]
    )
    registry = AgencyRegistry.load(out)
    issued = yaml.safe_load(tokens.read_text(encoding="utf-8"))
    assert status == 0
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    assert len(registry.agencies) == 17
    assert registry.authenticate(issued["nyc-nypd"]).agency == "nyc-nypd"
    assert "17 agencies" in capsys.readouterr().out


def test_missing_column_exits_with_error(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Unique Key,Created Date\n1,06/26/2018 10:58:54 AM\n", encoding="utf-8"
    )
    status = main(
        [
            "import",
            "--profile",
            "nyc311",
            str(path),
            "--mappings",
            str(MAPPINGS_DIR),
            "--quiet",
        ]
    )
    assert status == 1
    assert capsys.readouterr().err.startswith("error: the header of")


def test_http_sink_needs_url(capsys):
    status = main(
        [
            "import",
            "--profile",
            "nyc311",
            str(data_file(NYC_FILE)),
            "--sink",
            "http",
            "--quiet",
        ]
    )
    assert status == 1
    assert "--url and --token-file" in capsys.readouterr().err


def test_unknown_profile_is_a_usage_error():
    with pytest.raises(SystemExit) as raised:
        main(["import", "--profile", "nyc", "file.csv"])
    assert raised.value.code == 2

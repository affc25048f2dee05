"""The audit commands run in-process: key generation, checkpoints and exports."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from projections.audit import AuditProjection
from projections.audit.auditor import (
    EXIT_CLEAN,
    EXIT_CONFIGURATION,
    EXIT_NOT_FOUND,
    EXIT_READ_FAILED,
)
from projections.audit.cli import main
from projections.audit.database import open_engine
from projections.audit.signing import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE
from projections.audit.tables import checkpoints
from tests.projections.audit.feeding import feed
from tests.projections.audit.histories import snapshot_of


def fed_database(tmp_path, histories) -> str:
    url = f"sqlite:///{tmp_path / 'projections.sqlite'}"
    engine = open_engine(url)
    feed(engine, AuditProjection(), snapshot_of(histories.published))
    engine.dispose()
    return url


def test_keygen_writes_pair_once(tmp_path, capsys):
    first = main(["keygen", "--out-dir", str(tmp_path)])
    second = main(["keygen", "--out-dir", str(tmp_path)])

    assert first == EXIT_CLEAN
    assert (tmp_path / PRIVATE_KEY_FILE).exists()
    assert (tmp_path / PUBLIC_KEY_FILE).exists()
    assert second == EXIT_CONFIGURATION
    assert "exists already" in capsys.readouterr().err


def test_checkpoint_on_request(tmp_path, histories, capsys):
    url = fed_database(tmp_path, histories)
    main(["keygen", "--out-dir", str(tmp_path / "keys")])
    key_file = tmp_path / "keys" / PRIVATE_KEY_FILE

    code = main(
        [
            "checkpoint",
            "--database",
            url,
            "--topic",
            "events",
            "--key-file",
            str(key_file),
        ]
    )

    assert code == EXIT_CLEAN
    assert "Signed checkpoint" in capsys.readouterr().out
    engine = open_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(checkpoints)
        ).scalar_one()
    engine.dispose()
    assert count == 1


def test_checkpoint_without_key(tmp_path, histories, capsys, monkeypatch):
    monkeypatch.delenv("LAPOR_AUDIT_SIGNING_KEY_FILE", raising=False)
    monkeypatch.delenv("LAPOR_AUDIT_SIGNING_KEY_VARIABLE", raising=False)
    url = fed_database(tmp_path, histories)

    code = main(["checkpoint", "--database", url, "--topic", "events"])

    assert code == EXIT_CONFIGURATION
    assert "no signing key is configured" in capsys.readouterr().err


def test_checkpoint_key_from_named_variable(tmp_path, histories, monkeypatch):
    url = fed_database(tmp_path, histories)
    main(["keygen", "--out-dir", str(tmp_path / "keys")])
    pem = (tmp_path / "keys" / PRIVATE_KEY_FILE).read_text()
    monkeypatch.delenv("LAPOR_AUDIT_SIGNING_KEY_FILE", raising=False)
    monkeypatch.setenv("LAPOR_AUDIT_SIGNING_KEY_VARIABLE", "GATEWAY_AUDIT_KEY")
    monkeypatch.setenv("GATEWAY_AUDIT_KEY", pem)

    code = main(["checkpoint", "--database", url, "--topic", "events"])

    assert code == EXIT_CLEAN


def test_export_from_database(tmp_path, histories):
    url = fed_database(tmp_path, histories)
    complaint_id = next(iter(histories.by_complaint))
    out = tmp_path / "export.json"

    code = main(
        [
            "export",
            "--database",
            url,
            "--complaint",
            complaint_id,
            "--format",
            "json",
            "--out",
            str(out),
        ]
    )

    assert code == EXIT_CLEAN
    payload = json.loads(out.read_text())
    assert payload["verification"]["valid"] is True
    assert payload["full_access"] is True


def test_export_for_stranger_agency(tmp_path, histories, capsys):
    url = fed_database(tmp_path, histories)
    complaint_id = next(iter(histories.by_complaint))

    code = main(
        [
            "export",
            "--database",
            url,
            "--complaint",
            complaint_id,
            "--format",
            "html",
            "--out",
            str(tmp_path / "export.html"),
            "--for-agency",
            "pemkab-garut",
        ]
    )

    assert code == EXIT_NOT_FOUND
    assert "has never held it" in capsys.readouterr().err
    assert not (tmp_path / "export.html").exists()


def test_verify_without_broker(tmp_path, capsys):
    main(["keygen", "--out-dir", str(tmp_path)])

    code = main(
        [
            "verify",
            "--bootstrap",
            "127.0.0.1:9",
            "--public-key",
            str(tmp_path / PUBLIC_KEY_FILE),
            "--timeout",
            "10",
        ]
    )

    assert code == EXIT_READ_FAILED
    assert "error:" in capsys.readouterr().err


def test_verify_with_unreadable_key(tmp_path, capsys):
    code = main(
        [
            "verify",
            "--bootstrap",
            "127.0.0.1:9",
            "--public-key",
            str(tmp_path / "absent.pub"),
        ]
    )

    assert code == EXIT_CONFIGURATION
    assert "cannot read the public key" in capsys.readouterr().err

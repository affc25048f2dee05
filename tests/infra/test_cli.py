"""The lapor-infra command on inputs that start no server."""

import logging
import socket

import pytest

from infra.cli import main
from infra.process import LOOPBACK


@pytest.fixture(autouse=True)
def _restore_aiokafka_logging():
    """main() quiets aiokafka's logger; give other tests their level back."""
    aiokafka_logger = logging.getLogger("aiokafka")
    level = aiokafka_logger.level
    yield
    aiokafka_logger.setLevel(level)


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def test_kafka_status_when_stopped(tmp_path, capsys):
    exit_code = main(["kafka", "status", "--data-dir", str(tmp_path)])

    assert exit_code == 3
    assert "kafka node 1: not running" in capsys.readouterr().out


def test_cluster_status_lists_three_nodes(tmp_path, capsys):
    exit_code = main(["kafka", "status", "--cluster", "--data-dir", str(tmp_path)])

    output = capsys.readouterr().out
    assert exit_code == 3
    assert output.count("not running") == 3
    assert "127.0.0.1:19192,127.0.0.1:19292,127.0.0.1:19392" in output


def test_kafka_stop_when_stopped(tmp_path, capsys):
    exit_code = main(["kafka", "stop", "--data-dir", str(tmp_path)])

    assert exit_code == 0
    assert "stopped nodes none" in capsys.readouterr().out


def test_kafka_start_without_java(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    port = unused_port()

    exit_code = main(
        ["kafka", "start", "--data-dir", str(tmp_path), "--port", str(port)]
    )

    assert exit_code == 1
    assert "java not found" in capsys.readouterr().err


def test_kafka_provision_without_maven(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("LAPOR_CACHE_DIR", str(tmp_path / "cache"))

    exit_code = main(["kafka", "provision", "--version", "4.4.0"])

    assert exit_code == 1
    assert "mvn not found" in capsys.readouterr().err


def test_kafka_start_on_busy_port(tmp_path, capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((LOOPBACK, 0))
        listener.listen()
        port = listener.getsockname()[1]

        exit_code = main(
            ["kafka", "start", "--data-dir", str(tmp_path), "--port", str(port)]
        )

    assert exit_code == 1
    assert f"port 127.0.0.1:{port} is already in use" in capsys.readouterr().err


def test_postgres_status_when_stopped(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("LAPOR_POSTGRES_URL", raising=False)

    exit_code = main(["postgres", "status", "--data-dir", str(tmp_path)])

    assert exit_code == 3
    assert "postgres: not running" in capsys.readouterr().out


def test_external_postgres_is_never_stopped(monkeypatch, capsys):
    monkeypatch.setenv("LAPOR_POSTGRES_URL", "postgresql://app:secret@127.0.0.1:1/x")

    exit_code = main(["postgres", "stop"])

    assert exit_code == 0
    assert "not managed here" in capsys.readouterr().out


def test_unreachable_external_postgres_hides_password(monkeypatch, capsys):
    url = f"postgresql://app:s3cret-value@127.0.0.1:{unused_port()}/lapor"
    monkeypatch.setenv("LAPOR_POSTGRES_URL", url)

    exit_code = main(["postgres", "start", "--timeout", "1"])

    error = capsys.readouterr().err
    assert exit_code == 1
    assert "did not respond within 1 s" in error
    assert "s3cret-value" not in error


def test_unknown_command_is_usage_error():
    with pytest.raises(SystemExit) as raised:
        main(["kafka", "restart"])

    assert raised.value.code == 2

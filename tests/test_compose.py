"""Structure of docker-compose.yml and the files it uses.

Docker cannot pull images here, so these checks read the files instead of running
the stack: services, health checks, volumes, loopback-only ports, no secret in clear
and every mounted file present in the repository.
"""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
KAFKA_BROKERS = ("kafka-1", "kafka-2", "kafka-3")
EXPECTED_SERVICES = {*KAFKA_BROKERS, "postgres", "prometheus", "grafana", "gateway"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE_KEY|CREDENTIAL")
VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?P<rule>:?[-?][^}]*)?\}")


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = load_yaml(COMPOSE)
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    variables = service.get("environment", {})
    assert isinstance(variables, dict), "write environment as a mapping"
    return {key: str(value) for key, value in variables.items()}


def bind_mounts(service: dict[str, Any]) -> list[str]:
    sources = (str(volume).split(":", 1)[0] for volume in service.get("volumes", []))
    return [source for source in sources if source.startswith((".", "/"))]


def test_stack_has_every_service(services):
    assert set(services) >= EXPECTED_SERVICES


def test_every_service_has_healthcheck(services):
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), name


def test_ports_bind_loopback_only(services):
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared, (name, source)


def test_stateful_services_keep_data_in_volumes(services):
    for name in (*KAFKA_BROKERS, "postgres", "prometheus", "grafana"):
        named = [
            volume
            for volume in services[name].get("volumes", [])
            if not str(volume).startswith((".", "/"))
        ]
        assert named, name


def test_mounted_files_exist(services):
    for name, service in services.items():
        for source in bind_mounts(service):
            assert (ROOT / source).exists(), (name, source)


def test_secrets_come_from_variables(services):
    for name, service in services.items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                assert value.startswith("${"), (name, key)
            assert not re.search(r"://[^/\s:@]+:(?!\$\{)[^@\s]+@", value), (name, key)


def test_required_variables_are_documented():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if line and not line.startswith("#")
    }
    used = {match["name"] for match in VARIABLE.finditer(COMPOSE.read_text())}
    assert used <= documented


def test_env_file_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()

    assert ".env" in ignored


def test_images_are_pinned(services):
    for name, service in services.items():
        image = service.get("image", "")
        if "build" in service:
            continue
        assert ":" in image, name
        assert not image.endswith(":latest"), name


@pytest.mark.parametrize("broker", KAFKA_BROKERS)
def test_kafka_broker_settings(services, broker):
    settings = environment(services[broker])

    assert settings["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert settings["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert settings["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
    assert settings["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
    assert settings["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
    assert settings["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2"
    assert settings["CLUSTER_ID"].startswith("${")
    assert settings["KAFKA_NODE_ID"] == broker.rsplit("-", 1)[1]


def test_kafka_quorum_names_every_broker(services):
    voter_lists = {
        environment(services[broker])["KAFKA_CONTROLLER_QUORUM_VOTERS"]
        for broker in KAFKA_BROKERS
    }
    [voters] = voter_lists
    assert voters == "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"


def test_kafka_brokers_have_distinct_host_ports(services):
    ports = [port for broker in KAFKA_BROKERS for port in services[broker]["ports"]]

    assert len(set(ports)) == len(KAFKA_BROKERS)


def test_gateway_serves_every_part(services):
    gateway = services["gateway"]

    assert gateway["command"] == ["lapor-gateway", "serve"]
    assert gateway["environment"]["LAPOR_STORE"] == "postgres"
    assert "/health/ready" in " ".join(gateway["healthcheck"]["test"])
    assert (ROOT / gateway["build"]["dockerfile"]).is_file()
    assert set(gateway["depends_on"]) >= {*KAFKA_BROKERS, "postgres"}


def test_gateway_uses_all_brokers(services):
    bootstrap = environment(services["gateway"])["LAPOR_KAFKA_BOOTSTRAP"]

    assert bootstrap.split(",") == [f"{broker}:19092" for broker in KAFKA_BROKERS]


def test_prometheus_scrapes_gateway(services):
    config = load_yaml(ROOT / "monitoring" / "prometheus" / "prometheus.yml")
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    gateway_port = services["gateway"]["environment"]["LAPOR_HTTP_PORT"]

    assert f"gateway:{gateway_port}" in targets


def test_grafana_datasource_is_prometheus():
    provisioning = ROOT / "monitoring" / "grafana" / "provisioning"
    config = load_yaml(provisioning / "datasources" / "prometheus.yml")
    [source] = config["datasources"]

    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"

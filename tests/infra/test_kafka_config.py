"""Rendering of the local Kafka topology and its configuration files."""

import base64
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.kafka.config import (
    KafkaTopology,
    cluster,
    log4j_properties,
    server_properties,
    single_broker,
)
from infra.kafka.local import new_cluster_id


def parse_properties(text: str) -> dict[str, str]:
    parts = (line.partition("=") for line in text.splitlines() if line)
    return {key: value for key, _, value in parts}


def test_single_broker_defaults(tmp_path):
    topology = single_broker(tmp_path)
    [node] = topology.nodes

    assert topology.bootstrap == "127.0.0.1:19092"
    assert node.controller_port == 19093
    assert topology.replication_factor == 1
    assert topology.min_insync_replicas == 1


def test_single_broker_properties(tmp_path):
    topology = single_broker(tmp_path, port=41000, controller_port=41005)
    settings = parse_properties(server_properties(topology, topology.nodes[0]))

    assert settings["auto.create.topics.enable"] == "false"
    assert settings["controller.quorum.voters"] == "1@127.0.0.1:41005"
    assert settings["listeners"] == (
        "PLAINTEXT://127.0.0.1:41000,CONTROLLER://127.0.0.1:41005"
    )
    assert settings["advertised.listeners"] == "PLAINTEXT://127.0.0.1:41000"
    assert settings["offsets.topic.replication.factor"] == "1"
    assert settings["transaction.state.log.min.isr"] == "1"
    assert settings["log.dirs"] == str(tmp_path / "data")


def test_cluster_properties(tmp_path):
    topology = cluster(tmp_path)
    rendered = [
        parse_properties(server_properties(topology, node)) for node in topology.nodes
    ]

    assert topology.bootstrap == "127.0.0.1:19192,127.0.0.1:19292,127.0.0.1:19392"
    assert {settings["node.id"] for settings in rendered} == {"1", "2", "3"}
    for settings in rendered:
        assert settings["controller.quorum.voters"] == (
            "1@127.0.0.1:19193,2@127.0.0.1:19293,3@127.0.0.1:19393"
        )
        assert settings["default.replication.factor"] == "3"
        assert settings["min.insync.replicas"] == "2"
        assert settings["transaction.state.log.min.isr"] == "2"
    assert len({settings["log.dirs"] for settings in rendered}) == 3


@given(base_port=st.integers(min_value=1024, max_value=65000))
def test_cluster_ports_never_overlap(base_port):
    topology = cluster(Path("/nonexistent"), base_port=base_port)
    ports = [
        port
        for node in topology.nodes
        for port in (node.broker_port, node.controller_port)
    ]
    assert len(set(ports)) == len(ports)


def test_cluster_rejects_port_above_range(tmp_path):
    with pytest.raises(ValueError, match="65535"):
        cluster(tmp_path, base_port=65400)


def test_topology_round_trips_through_file(tmp_path):
    topology = cluster(tmp_path / "cluster", base_port=42000, heap="384m")
    topology.save()

    assert KafkaTopology.load(tmp_path / "cluster") == topology


def test_topology_load_without_file(tmp_path):
    assert KafkaTopology.load(tmp_path) is None


def test_unknown_node_id_names_known_ones(tmp_path):
    with pytest.raises(ValueError, match="nodes are 1, 2, 3"):
        cluster(tmp_path).node(4)


def test_log4j_writes_into_node_logs(tmp_path):
    node = single_broker(tmp_path).nodes[0]

    assert f"fileName = {tmp_path}/logs/server.log" in log4j_properties(node)


def test_cluster_id_is_kafka_uuid_text():
    for _ in range(200):
        cluster_id = new_cluster_id()
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id)
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16

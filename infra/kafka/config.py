"""Topology and configuration files of a local Kafka in KRaft mode.

Every node is a combined broker and controller listening on 127.0.0.1 only. One node
makes the development broker; three make the fault-test cluster, where the controller
quorum survives the loss of any one node and topics default to replication factor 3
with ``min.insync.replicas=2``.
"""

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from infra.process import LOOPBACK

SINGLE_BROKER_PORT = 19092
CLUSTER_BASE_PORT = 19192
CLUSTER_SIZE = 3
# Each cluster node takes the next block of 100 ports: 19192/19193, 19292/19293, ...
CLUSTER_PORT_STRIDE = 100
DEFAULT_HEAP = "512m"
TOPOLOGY_FILE = "topology.json"


class KafkaNodeSpec(BaseModel):
    """One broker+controller process: its id, ports and folder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    node_id: int = Field(ge=1)
    broker_port: int = Field(ge=1024, le=65535)
    controller_port: int = Field(ge=1024, le=65535)
    home: Path

    @property
    def bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.broker_port}"

    @property
    def log_dirs(self) -> Path:
        return self.home / "data"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def server_log(self) -> Path:
        return self.logs / "server.log"

    @property
    def properties_path(self) -> Path:
        return self.home / "server.properties"

    @property
    def log4j_path(self) -> Path:
        return self.home / "log4j2.properties"

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def is_formatted(self) -> bool:
        return (self.log_dirs / "meta.properties").is_file()


class KafkaTopology(BaseModel):
    """The nodes of one local Kafka and the folder that contains them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    root: Path
    nodes: tuple[KafkaNodeSpec, ...] = Field(min_length=1)
    heap: str = DEFAULT_HEAP

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    @property
    def replication_factor(self) -> int:
        return min(len(self.nodes), 3)

    @property
    def min_insync_replicas(self) -> int:
        return 2 if self.replication_factor >= 3 else 1  # noqa: PLR2004

    @property
    def quorum_voters(self) -> str:
        return ",".join(
            f"{node.node_id}@{LOOPBACK}:{node.controller_port}" for node in self.nodes
        )

    @property
    def cluster_id_file(self) -> Path:
        return self.root / "cluster.id"

    def node(self, node_id: int) -> KafkaNodeSpec:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        known = ", ".join(str(node.node_id) for node in self.nodes)
        raise ValueError(f"no Kafka node {node_id} in {self.root}; nodes are {known}")

    def save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / TOPOLOGY_FILE).write_text(self.model_dump_json(indent=2), "utf-8")

    @classmethod
    def load(cls, root: Path) -> "KafkaTopology | None":
        """Return the topology last started in ``root``, or None if none was."""
        path = root / TOPOLOGY_FILE
        if not path.is_file():
            return None
        return cls.model_validate(json.loads(path.read_text("utf-8")))


def single_broker(
    root: Path,
    port: int = SINGLE_BROKER_PORT,
    controller_port: int | None = None,
    heap: str = DEFAULT_HEAP,
) -> KafkaTopology:
    """Describe one combined broker+controller; the controller defaults to port+1."""
    node = KafkaNodeSpec(
        node_id=1,
        broker_port=port,
        controller_port=controller_port if controller_port is not None else port + 1,
        home=root,
    )
    return KafkaTopology(root=root, nodes=(node,), heap=heap)


def cluster(
    root: Path,
    base_port: int = CLUSTER_BASE_PORT,
    size: int = CLUSTER_SIZE,
    heap: str = DEFAULT_HEAP,
) -> KafkaTopology:
    """Describe ``size`` combined nodes in ``root/node-<id>``, 100 ports apart."""
    nodes = tuple(
        KafkaNodeSpec(
            node_id=node_id,
            broker_port=base_port + CLUSTER_PORT_STRIDE * (node_id - 1),
            controller_port=base_port + CLUSTER_PORT_STRIDE * (node_id - 1) + 1,
            home=root / f"node-{node_id}",
        )
        for node_id in range(1, size + 1)
    )
    return KafkaTopology(root=root, nodes=nodes, heap=heap)


def server_properties(topology: KafkaTopology, node: KafkaNodeSpec) -> str:
    """Render ``server.properties`` for ``node``."""
    replication = topology.replication_factor
    min_isr = topology.min_insync_replicas
    settings: dict[str, str | int] = {
        "process.roles": "broker,controller",
        "node.id": node.node_id,
        "controller.quorum.voters": topology.quorum_voters,
        "listeners": (
            f"PLAINTEXT://{LOOPBACK}:{node.broker_port},"
            f"CONTROLLER://{LOOPBACK}:{node.controller_port}"
        ),
        "advertised.listeners": f"PLAINTEXT://{node.bootstrap}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(node.log_dirs),
        # Topics are created explicitly by the gateway and by tests, never on use.
        "auto.create.topics.enable": "false",
        "num.partitions": 3,
        "default.replication.factor": replication,
        "min.insync.replicas": min_isr,
        "unclean.leader.election.enable": "false",
        "offsets.topic.replication.factor": replication,
        "transaction.state.log.replication.factor": replication,
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.replication.factor": replication,
        "share.coordinator.state.topic.min.isr": min_isr,
        # Fewer internal partitions than the default 50 make the first consumer group
        # and the first transaction on a fresh broker ready in about a second.
        "offsets.topic.num.partitions": 10,
        "transaction.state.log.num.partitions": 10,
        "group.initial.rebalance.delay.ms": 0,
        # A killed node is fenced after 6 s instead of the default 9 s.
        "broker.session.timeout.ms": 6000,
        "num.network.threads": 2,
        "num.io.threads": 4,
        "num.recovery.threads.per.data.dir": 1,
        "log.retention.hours": 168,
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def log4j_properties(node: KafkaNodeSpec) -> str:
    """Render a Log4j 2 configuration writing ``logs/server.log``, rolled at 20 MB."""
    return f"""\
status = warn
appender.server.type = RollingFile
appender.server.name = server
appender.server.fileName = {node.server_log}
appender.server.filePattern = {node.server_log}.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 20MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 3
logger.request.name = kafka.request.logger
logger.request.level = warn
rootLogger.level = info
rootLogger.appenderRef.server.ref = server
"""

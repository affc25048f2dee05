"""Start, stop and inspect the nodes of a local Kafka in KRaft mode."""

import base64
import logging
import subprocess
import time
import uuid
from pathlib import Path
from typing import NoReturn

from pydantic import BaseModel, ConfigDict

from infra import process
from infra.errors import ServiceStartError
from infra.kafka.config import (
    KafkaNodeSpec,
    KafkaTopology,
    log4j_properties,
    server_properties,
)
from infra.kafka.probe import brokers_registered
from infra.kafka.provision import DEFAULT_KAFKA_VERSION, KafkaDistribution, provision
from infra.tools import find_java

logger = logging.getLogger(__name__)

DEFAULT_START_TIMEOUT_SECONDS = 90.0
DEFAULT_STOP_GRACE_SECONDS = 30.0
FORMAT_TIMEOUT_SECONDS = 120
LOG_TAIL_LINES = 40


class NodeStatus(BaseModel):
    """State of one node, read from its pid file and a metadata request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    node_id: int
    pid: int | None
    broker_port: int
    controller_port: int
    home: Path
    ready: bool

    def describe(self) -> str:
        state = f"running as pid {self.pid}" if self.pid else "not running"
        readiness = ", responds to metadata requests" if self.ready else ""
        return (
            f"kafka node {self.node_id}: {state}{readiness}; broker "
            f"{process.LOOPBACK}:{self.broker_port}, controller "
            f"{process.LOOPBACK}:{self.controller_port}, folder {self.home}"
        )


class LocalKafka:
    """One local Kafka (a single broker or a cluster) described by a topology."""

    def __init__(
        self, topology: KafkaTopology, version: str = DEFAULT_KAFKA_VERSION
    ) -> None:
        self.topology = topology
        self.version = version

    @property
    def bootstrap(self) -> str:
        return self.topology.bootstrap

    def running_pid(self, node_id: int) -> int | None:
        node = self.topology.node(node_id)
        return process.running_pid(node.pid_file, str(node.properties_path))

    def is_running(self) -> bool:
        """Return whether every node has a live process."""
        return all(self.running_pid(node.node_id) for node in self.topology.nodes)

    def status(self) -> list[NodeStatus]:
        return [self._node_status(node) for node in self.topology.nodes]

    def start(self, timeout: float = DEFAULT_START_TIMEOUT_SECONDS) -> None:
        """Start every node that is not running and wait until all are registered.

        On a timeout or an early exit the nodes started here are stopped again and
        ServiceStartError carries the tail of their logs.
        """
        started = self._launch(self.topology.nodes)
        all_ids = frozenset(node.node_id for node in self.topology.nodes)
        self._await_ready(self.topology.nodes, all_ids, started, timeout)

    def start_node(
        self, node_id: int, timeout: float = DEFAULT_START_TIMEOUT_SECONDS
    ) -> None:
        """Start one node, for example after a fault test stopped it."""
        node = self.topology.node(node_id)
        started = self._launch((node,))
        self._await_ready((node,), frozenset({node_id}), started, timeout)

    def stop(self, grace_seconds: float = DEFAULT_STOP_GRACE_SECONDS) -> None:
        """Stop every node (SIGTERM, then SIGKILL after ``grace_seconds``).

        All nodes get SIGTERM together, because nodes stopped one by one would leave
        the last ones without a controller quorum, waiting for it until killed.
        """
        running = {
            node.node_id: pid
            for node in self.topology.nodes
            if (pid := self.running_pid(node.node_id)) is not None
        }
        markers = {
            pid: str(self.topology.node(node_id).properties_path)
            for node_id, pid in running.items()
        }
        began = time.monotonic()
        killed = process.terminate_all(markers, grace_seconds)
        for node_id, pid in running.items():
            self.topology.node(node_id).pid_file.unlink(missing_ok=True)
            outcome = "killed after the grace period" if pid in killed else "stopped"
            logger.info(
                "Kafka node %d (pid %d) %s in %.1f s",
                node_id,
                pid,
                outcome,
                time.monotonic() - began,
            )

    def stop_node(
        self, node_id: int, grace_seconds: float = DEFAULT_STOP_GRACE_SECONDS
    ) -> bool:
        """Stop one node cleanly; return False if it was not running."""
        node = self.topology.node(node_id)
        pid = self.running_pid(node_id)
        if pid is None:
            return False
        began = time.monotonic()
        clean = process.terminate(pid, str(node.properties_path), grace_seconds)
        node.pid_file.unlink(missing_ok=True)
        outcome = "stopped" if clean else "killed after the grace period"
        logger.info(
            "Kafka node %d (pid %d) %s in %.1f s",
            node_id,
            pid,
            outcome,
            time.monotonic() - began,
        )
        return True

    def kill_node(self, node_id: int) -> bool:
        """Kill one node with SIGKILL, as a crash would; return False if not running."""
        node = self.topology.node(node_id)
        pid = self.running_pid(node_id)
        if pid is None:
            return False
        process.kill(pid, str(node.properties_path))
        node.pid_file.unlink(missing_ok=True)
        logger.info("Kafka node %d (pid %d) killed with SIGKILL", node_id, pid)
        return True

    def _node_status(self, node: KafkaNodeSpec) -> NodeStatus:
        pid = self.running_pid(node.node_id)
        ready = pid is not None and node.node_id in brokers_registered(node.bootstrap)
        return NodeStatus(
            node_id=node.node_id,
            pid=pid,
            broker_port=node.broker_port,
            controller_port=node.controller_port,
            home=node.home,
            ready=ready,
        )

    def _launch(self, nodes: tuple[KafkaNodeSpec, ...]) -> list[KafkaNodeSpec]:
        waiting = [node for node in nodes if self.running_pid(node.node_id) is None]
        if not waiting:
            return []
        for node in waiting:
            process.ensure_ports_free(
                f"Kafka node {node.node_id}", (node.broker_port, node.controller_port)
            )
        java = find_java()
        distribution = provision(self.version)
        self.topology.save()
        cluster_id = self._cluster_id()
        for node in waiting:
            self._write_config(node)
            if not node.is_formatted:
                self._format(java, distribution, node, cluster_id)
        for node in waiting:
            process.spawn(
                self._java_command(java, distribution, node),
                log_path=node.logs / "stdout.log",
                pid_file=node.pid_file,
            )
        return waiting

    def _await_ready(
        self,
        nodes: tuple[KafkaNodeSpec, ...],
        expected_ids: frozenset[int],
        started: list[KafkaNodeSpec],
        timeout: float,
    ) -> None:
        began = time.monotonic()
        deadline = began + timeout
        pending = list(nodes)
        while pending:
            self._check_alive(started)
            pending = [
                node for node in pending if not self._responds(node, expected_ids)
            ]
            if not pending:
                break
            if time.monotonic() >= deadline:
                self._fail(started, f"did not respond within {timeout:g} s")
            time.sleep(process.POLL_INTERVAL_SECONDS)
        logger.info(
            "Kafka at %s ready in %.1f s",
            ",".join(node.bootstrap for node in nodes),
            time.monotonic() - began,
        )

    def _responds(self, node: KafkaNodeSpec, expected_ids: frozenset[int]) -> bool:
        if not process.port_accepts(node.broker_port):
            return False
        return expected_ids <= brokers_registered(node.bootstrap)

    def _check_alive(self, started: list[KafkaNodeSpec]) -> None:
        for node in started:
            if self.running_pid(node.node_id) is None:
                self._fail(started, f"node {node.node_id} exited during start-up")

    def _fail(self, started: list[KafkaNodeSpec], reason: str) -> NoReturn:
        logs = "\n".join(
            f"--- last lines of {node.server_log} ---\n"
            f"{process.tail(node.server_log, LOG_TAIL_LINES)}\n"
            f"--- last lines of {node.logs / 'stdout.log'} ---\n"
            f"{process.tail(node.logs / 'stdout.log', LOG_TAIL_LINES)}"
            for node in started
        )
        for node in started:
            self.stop_node(node.node_id, grace_seconds=10)
        raise ServiceStartError(
            f"Kafka at {self.bootstrap} {reason}; the nodes started by this call were "
            f"stopped again.\n{logs}"
        )

    def _cluster_id(self) -> str:
        """Return the cluster id that formatted nodes carry, or a new one.

        KRaft formats every node of a cluster with the same id. A node formatted
        with another id cannot join, so the id of the first formatted node wins.
        """
        for node in self.topology.nodes:
            meta = node.log_dirs / "meta.properties"
            if meta.is_file():
                for line in meta.read_text("utf-8").splitlines():
                    if line.startswith("cluster.id="):
                        return line.split("=", 1)[1].strip()
        id_file = self.topology.cluster_id_file
        if id_file.is_file():
            return id_file.read_text("ascii").strip()
        cluster_id = new_cluster_id()
        id_file.write_text(f"{cluster_id}\n", "ascii")
        return cluster_id

    def _write_config(self, node: KafkaNodeSpec) -> None:
        node.logs.mkdir(parents=True, exist_ok=True)
        node.properties_path.write_text(server_properties(self.topology, node), "utf-8")
        node.log4j_path.write_text(log4j_properties(node), "utf-8")

    def _format(
        self,
        java: Path,
        distribution: KafkaDistribution,
        node: KafkaNodeSpec,
        cluster_id: str,
    ) -> None:
        command = [
            str(java),
            f"-Dlog4j2.configurationFile={node.log4j_path}",
            "-cp",
            distribution.classpath,
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            cluster_id,
            "--config",
            str(node.properties_path),
            "--ignore-formatted",
        ]
        completed = subprocess.run(  # noqa: S603 (argv is built here)
            command,
            capture_output=True,
            text=True,
            check=False,
            timeout=FORMAT_TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )
        if completed.returncode != 0:
            raise ServiceStartError(
                f"formatting the storage of Kafka node {node.node_id} in "
                f"{node.log_dirs} failed with exit code {completed.returncode}:\n"
                f"{completed.stdout}{completed.stderr}"
            )
        logger.info(
            "Formatted Kafka node %d storage in %s", node.node_id, node.log_dirs
        )

    def _java_command(
        self, java: Path, distribution: KafkaDistribution, node: KafkaNodeSpec
    ) -> list[str]:
        heap = self.topology.heap
        return [
            str(java),
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={node.log4j_path}",
            f"-Dkafka.logs.dir={node.logs}",
            "-cp",
            distribution.classpath,
            "kafka.Kafka",
            str(node.properties_path),
        ]


def new_cluster_id() -> str:
    """Return a random KRaft cluster id: 16 bytes in URL-safe base64, no padding.

    Kafka's own generator skips ids that start with "-" so that they never look
    like a command-line option; this one does the same.
    """
    while True:
        encoded = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii")
        cluster_id = encoded.rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id

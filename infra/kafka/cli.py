"""``lapor-infra kafka provision|start|stop|status``."""

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from infra.console import write_line
from infra.kafka.config import (
    CLUSTER_BASE_PORT,
    DEFAULT_HEAP,
    SINGLE_BROKER_PORT,
    KafkaTopology,
    cluster,
    single_broker,
)
from infra.kafka.local import (
    DEFAULT_START_TIMEOUT_SECONDS,
    DEFAULT_STOP_GRACE_SECONDS,
    LocalKafka,
)
from infra.kafka.provision import DEFAULT_KAFKA_VERSION, provision
from infra.paths import var_root

if TYPE_CHECKING:
    # argparse exposes the type of add_subparsers() only under a private name.
    from argparse import _SubParsersAction

    SubParsers = _SubParsersAction[argparse.ArgumentParser]

EXIT_NOT_RUNNING = 3


def add_kafka_commands(services: "SubParsers") -> None:
    kafka = services.add_parser("kafka", help="the local Kafka broker or cluster")
    commands = kafka.add_subparsers(dest="command", required=True)

    provision_parser = commands.add_parser(
        "provision", help="download the Kafka jars into the cache (once per version)"
    )
    _add_version(provision_parser)
    provision_parser.set_defaults(handler=run_provision)

    start = commands.add_parser("start", help="start the broker(s) and wait for them")
    _add_target(start)
    _add_version(start)
    start.add_argument(
        "--port",
        type=int,
        help=(
            f"broker port (default {SINGLE_BROKER_PORT}; with --cluster the first "
            f"node's, default {CLUSTER_BASE_PORT}, each next node 100 higher); the "
            "controller listens on the port after it"
        ),
    )
    start.add_argument("--controller-port", type=int, help="single broker only")
    start.add_argument(
        "--heap", default=DEFAULT_HEAP, help="maximum JVM heap per node (-Xmx)"
    )
    start.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_START_TIMEOUT_SECONDS,
        help="seconds to wait for the brokers to respond to metadata requests",
    )
    start.set_defaults(handler=run_start)

    stop = commands.add_parser("stop", help="stop the broker(s): SIGTERM, then KILL")
    _add_target(stop)
    stop.add_argument(
        "--kill", action="store_true", help="send SIGKILL at once, as a crash would"
    )
    stop.add_argument(
        "--grace",
        type=float,
        default=DEFAULT_STOP_GRACE_SECONDS,
        help="seconds between SIGTERM and SIGKILL",
    )
    stop.set_defaults(handler=run_stop)

    status = commands.add_parser("status", help="show pids, ports and folders")
    _add_target(status)
    status.set_defaults(handler=run_status)


def _add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="the three-broker cluster (replication factor 3, min.insync.replicas 2)",
    )
    parser.add_argument(
        "--node", type=int, help="only this node id of the cluster (1, 2 or 3)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder for the nodes' data (default var/kafka or var/kafka-cluster)",
    )


def _add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--version",
        default=DEFAULT_KAFKA_VERSION,
        help="Apache Kafka version from Maven Central",
    )


def default_data_dir(*, is_cluster: bool) -> Path:
    return var_root() / ("kafka-cluster" if is_cluster else "kafka")


def resolve_topology(arguments: argparse.Namespace) -> KafkaTopology:
    """Return the topology last started in the data folder, else one from options."""
    root = (
        arguments.data_dir or default_data_dir(is_cluster=arguments.cluster)
    ).resolve()
    saved = KafkaTopology.load(root)
    port = getattr(arguments, "port", None)
    if saved is not None and port is None:
        return saved
    heap = getattr(arguments, "heap", DEFAULT_HEAP)
    if arguments.cluster:
        return cluster(root, base_port=port or CLUSTER_BASE_PORT, heap=heap)
    return single_broker(
        root,
        port=port or SINGLE_BROKER_PORT,
        controller_port=getattr(arguments, "controller_port", None),
        heap=heap,
    )


def run_provision(arguments: argparse.Namespace) -> int:
    began = time.monotonic()
    distribution = provision(arguments.version)
    write_line(
        f"kafka {distribution.version}: jars in {distribution.libs} "
        f"({time.monotonic() - began:.1f} s)"
    )
    return 0


def run_start(arguments: argparse.Namespace) -> int:
    kafka = LocalKafka(resolve_topology(arguments), version=arguments.version)
    began = time.monotonic()
    if arguments.node is not None:
        kafka.start_node(arguments.node, timeout=arguments.timeout)
    else:
        kafka.start(timeout=arguments.timeout)
    write_line(f"kafka ready in {time.monotonic() - began:.1f} s")
    return _print_status(kafka)


def run_stop(arguments: argparse.Namespace) -> int:
    kafka = LocalKafka(resolve_topology(arguments))
    if arguments.node is None and not arguments.kill:
        was_running = [
            node.node_id
            for node in kafka.topology.nodes
            if kafka.running_pid(node.node_id) is not None
        ]
        kafka.stop(grace_seconds=arguments.grace)
        write_line(f"kafka: stopped nodes {was_running or 'none'}")
        return 0
    node_ids = (
        [arguments.node]
        if arguments.node is not None
        else [node.node_id for node in kafka.topology.nodes]
    )
    for node_id in node_ids:
        if arguments.kill:
            stopped = kafka.kill_node(node_id)
        else:
            stopped = kafka.stop_node(node_id, grace_seconds=arguments.grace)
        verb = "killed" if arguments.kill else "stopped"
        write_line(f"kafka node {node_id}: {verb if stopped else 'was not running'}")
    return 0


def run_status(arguments: argparse.Namespace) -> int:
    return _print_status(LocalKafka(resolve_topology(arguments)))


def _print_status(kafka: LocalKafka) -> int:
    statuses = kafka.status()
    for status in statuses:
        write_line(status.describe())
    write_line(f"bootstrap servers: {kafka.bootstrap}")
    return 0 if all(status.pid for status in statuses) else EXIT_NOT_RUNNING

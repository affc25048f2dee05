"""Download the Apache Kafka broker jars from Maven Central into the cache.

Maven resolves ``org.apache.kafka:kafka_2.13`` with its run-time dependencies plus a
Log4j 2 binding for SLF4J (the published pom names none, so the broker would log
nothing) and copies the jars into ``<cache>/kafka/<version>/libs``. A marker file
written after a complete download makes later calls return at once.
"""

import fcntl
import json
import logging
import shutil
import subprocess
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra.errors import ProvisionError
from infra.paths import cache_root
from infra.tools import find_maven

logger = logging.getLogger(__name__)

DEFAULT_KAFKA_VERSION = "4.4.0"
LOG4J_VERSION = "2.25.3"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
MAVEN_TIMEOUT_SECONDS = 900
MARKER_NAME = "provisioned.json"

POM_TEMPLATE = """\
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.lapor-gateway</groupId>
  <artifactId>kafka-broker-runtime</artifactId>
  <version>{kafka_version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>{kafka_version}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>{log4j_version}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j_version}</version>
    </dependency>
  </dependencies>
</project>
"""


class KafkaDistribution(BaseModel):
    """A provisioned Kafka: its version and the folder of jars for the classpath."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    libs: Path

    @property
    def classpath(self) -> str:
        return str(self.libs / "*")


def distribution_home(version: str) -> Path:
    return cache_root() / "kafka" / version


def find_distribution(version: str = DEFAULT_KAFKA_VERSION) -> KafkaDistribution | None:
    """Return the cached distribution of ``version`` if its download completed."""
    home = distribution_home(version)
    if not (home / MARKER_NAME).is_file():
        return None
    return KafkaDistribution(version=version, libs=home / "libs")


def provision(version: str = DEFAULT_KAFKA_VERSION) -> KafkaDistribution:
    """Return the distribution of ``version``, downloading it on first use.

    A file lock serialises concurrent calls, so two processes never download into the
    same folder at once.
    """
    cached = find_distribution(version)
    if cached is not None:
        return cached
    home = distribution_home(version)
    home.mkdir(parents=True, exist_ok=True)
    with (home.parent / f"{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cached = find_distribution(version)
        if cached is not None:
            return cached
        return _download(version, home)


def _download(version: str, home: Path) -> KafkaDistribution:
    started = time.monotonic()
    logger.info("Downloading Kafka %s jars with Maven into %s", version, home)
    partial = home / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    pom = home / "pom.xml"
    pom.write_text(
        POM_TEMPLATE.format(kafka_version=version, log4j_version=LOG4J_VERSION),
        "utf-8",
    )
    _run_maven(pom, partial, home.parent / "maven-repository")
    jars = sorted(path.name for path in partial.glob("*.jar"))
    if f"kafka_2.13-{version}.jar" not in jars:
        raise ProvisionError(
            f"Maven finished but kafka_2.13-{version}.jar is missing from {partial}; "
            "check that the version exists on Maven Central"
        )
    libs = home / "libs"
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    marker = {"kafka_version": version, "log4j_version": LOG4J_VERSION, "jars": jars}
    (home / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")
    logger.info(
        "Downloaded %d jars for Kafka %s in %.1f s",
        len(jars),
        version,
        time.monotonic() - started,
    )
    return KafkaDistribution(version=version, libs=libs)


def _run_maven(pom: Path, output: Path, repository: Path) -> None:
    command = [
        str(find_maven()),
        "--batch-mode",
        "--quiet",
        "--file",
        str(pom),
        f"-Dmaven.repo.local={repository}",
        f"{DEPENDENCY_PLUGIN}:copy-dependencies",
        f"-DoutputDirectory={output}",
        "-DincludeScope=runtime",
    ]
    try:
        completed = subprocess.run(  # noqa: S603 (argv is built here)
            command,
            capture_output=True,
            text=True,
            check=False,
            timeout=MAVEN_TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProvisionError(
            f"Maven did not finish within {MAVEN_TIMEOUT_SECONDS} s while downloading "
            "Kafka; check the network access to Maven Central and retry"
        ) from exc
    if completed.returncode != 0:
        output_tail = "\n".join(
            (completed.stdout + completed.stderr).splitlines()[-30:]
        )
        raise ProvisionError(
            f"Maven failed with exit code {completed.returncode} while downloading "
            f"Kafka (pom {pom}):\n{output_tail}"
        )

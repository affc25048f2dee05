"""Locating the external programs the local Kafka needs: Java and Maven."""

import os
import re
import shutil
import subprocess
from pathlib import Path

from infra.errors import ToolNotFoundError

MIN_JAVA_MAJOR = 17
VERSION_PATTERN = re.compile(r'version "(?P<major>\d+)(?:\.(?P<minor>\d+))?')


def find_java() -> Path:
    """Return the java executable: ``$JAVA_HOME/bin/java``, else ``java`` on PATH.

    Kafka 4.x brokers need Java 17 or newer; an older one raises ToolNotFoundError.
    """
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    if candidate is None or not candidate.is_file():
        found = shutil.which("java")
        if found is None:
            raise ToolNotFoundError(
                "java not found on PATH and JAVA_HOME is unset; install Java 17 or "
                "newer (Debian: apt-get install -y openjdk-17-jre-headless)"
            )
        candidate = Path(found)
    major = java_major_version(candidate)
    if major < MIN_JAVA_MAJOR:
        raise ToolNotFoundError(
            f"{candidate} is Java {major}, but Kafka 4.x needs Java {MIN_JAVA_MAJOR} "
            "or newer; install it or point JAVA_HOME at one"
        )
    return candidate


def java_major_version(java: Path) -> int:
    """Return the major version that ``java -version`` reports (8 for 1.8)."""
    completed = subprocess.run(  # noqa: S603 (fixed arguments)
        [str(java), "-version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    match = VERSION_PATTERN.search(completed.stderr + completed.stdout)
    if match is None:
        raise ToolNotFoundError(
            f"could not read a version from `{java} -version`: {completed.stderr!r}"
        )
    major = int(match["major"])
    if major == 1 and match["minor"]:
        return int(match["minor"])
    return major


def find_maven() -> Path:
    """Return the mvn executable on PATH."""
    found = shutil.which("mvn")
    if found is None:
        raise ToolNotFoundError(
            "mvn not found on PATH; install Apache Maven 3.6 or newer "
            "(Debian: apt-get install -y maven)"
        )
    return Path(found)

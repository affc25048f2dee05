"""Errors raised while provisioning, starting or stopping local services.

InfraError
├── ToolNotFoundError      Java or Maven is missing or too old
├── ProvisionError         Maven could not download the Kafka jars
├── PortInUseError         another process listens on a port a service needs
├── ServiceStartError      a server exited or did not become ready in time
├── ServiceStopError       a server did not exit after SIGKILL
├── CommandFailedError     a helper program (initdb, pg_ctl) failed or timed out
└── ServiceNotReachableError  a server named by the environment does not respond
"""


class InfraError(Exception):
    """Root of every error raised by the ``infra`` package."""


class ToolNotFoundError(InfraError):
    """A program that a service needs (Java, Maven) is missing or too old."""


class ProvisionError(InfraError):
    """Downloading or unpacking a service's files failed."""


class PortInUseError(InfraError):
    """A TCP port that a service needs is already bound by another process."""


class ServiceStartError(InfraError):
    """A server exited during start-up or did not become ready before the timeout."""


class ServiceStopError(InfraError):
    """A server process was still alive after SIGTERM and SIGKILL."""


class ServiceNotReachableError(InfraError):
    """A server named by an environment variable does not respond."""


class CommandFailedError(InfraError):
    """A helper program such as initdb or pg_ctl failed or timed out."""

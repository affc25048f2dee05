"""Exceptions of the audit trail, all under one root.

::

    AuditError                      root: anything the audit trail cannot do
    ├── SigningKeyError             a signing or public key is missing or invalid
    ├── CheckpointFormatError       a checkpoint record is not a signed checkpoint
    ├── LogReadError                a topic could not be read completely
    │   ├── TopicNotFoundError      the topic does not exist on the cluster
    │   └── ReadTimeoutError        the read did not reach the end offsets in time
    ├── ComplaintNotFoundError      no event of the complaint is stored or visible
    └── ReplayError                 a history cannot be replayed as of a moment
"""

from __future__ import annotations


class AuditError(Exception):
    """Root of the audit trail's exceptions."""


class SigningKeyError(AuditError):
    """A checkpoint signing key or public key is missing, unreadable or invalid."""


class CheckpointFormatError(AuditError):
    """A record of the checkpoints topic is not a well-formed signed checkpoint."""


class LogReadError(AuditError):
    """A topic could not be read from its beginning to its end offsets."""


class TopicNotFoundError(LogReadError):
    """The topic to read does not exist on the cluster."""


class ReadTimeoutError(LogReadError):
    """Reading stopped at the time limit before every partition reached its end."""


class ComplaintNotFoundError(AuditError):
    """No event of the complaint is stored, or the caller may not see it."""


class ReplayError(AuditError):
    """A complaint's history is broken or empty at the requested moment."""

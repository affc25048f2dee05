"""Errors of the webhook adapter.

::

    WebhookError                 root
    ├── WebhookConfigError       the destinations file or a secret is unusable
    ├── SignatureError           a receiver rejects a request's signature
    │   └── SignatureExpiredError  the timestamp lies outside the replay window
    └── DeadLetterError          the dead-letter topic cannot be written or read
"""

from __future__ import annotations


class WebhookError(Exception):
    """Root of the webhook adapter's errors."""


class WebhookConfigError(WebhookError):
    """The destinations file, or a secret it names, is missing or invalid."""


class SignatureError(WebhookError):
    """A webhook request's signature headers are missing, malformed or wrong."""


class SignatureExpiredError(SignatureError):
    """The signed timestamp is further from now than the replay window allows."""


class DeadLetterError(WebhookError):
    """Publishing to or reading from the dead-letter topic failed.

    ``retriable`` is true when the broker may accept the same call later.
    """

    def __init__(self, message: str, *, retriable: bool) -> None:
        super().__init__(message)
        self.retriable = retriable

"""Errors of the polling adapters (SQL table polling and the Open311 client).

::

    PollError                    root
    ├── PollConfigError          the poller's configuration is unusable
    ├── SourceError              the agency's database or server did not answer
    └── ComplaintLookupError     the gateway did not answer a complaint read

``retriable`` is true when the same poll may succeed later unchanged. A
failed poll advances no watermark, so the next poll reads the same rows again.
"""

from __future__ import annotations


class PollError(Exception):
    """Root of the polling adapters' errors."""

    retriable = False


class PollConfigError(PollError):
    """A poller's configuration file, or a secret it names, is missing or invalid."""


class SourceError(PollError):
    """The agency's database or Open311 server failed or answered malformed data."""

    def __init__(self, message: str, *, retriable: bool = True) -> None:
        super().__init__(message)
        self.retriable = retriable


class ComplaintLookupError(PollError):
    """Reading a complaint's current state from the gateway failed."""

    retriable = True

"""Errors of the Open311 adapter.

::

    Open311AdapterError          root
    └── Open311RequestError      a request to the server is invalid or not allowed;
                                 ``status`` is the HTTP status of the response
"""

from __future__ import annotations


class Open311AdapterError(Exception):
    """Root of the Open311 adapter's errors."""


class Open311RequestError(Open311AdapterError):
    """A request to the Open311 server failed; answered in the spec's error form."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

"""The main job's exception root."""

from __future__ import annotations


class MainJobError(Exception):
    """The main job cannot go on; the message names the cause and the fix."""


class WaitTimeoutError(MainJobError):
    """A bounded wait for the relay or a projection ran out."""

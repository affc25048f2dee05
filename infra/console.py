"""Command output on stdout; diagnostics go through logging to stderr."""

import sys


def write_line(text: str) -> None:
    """Print one line of command output on stdout."""
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()

"""Exceptions of the file import and export, under one root.

::

    FileImportError     root: an import or export cannot start or go on
    ├── SourceError     the file cannot be opened, or lacks a column the profile needs
    ├── ProfileError    no such profile
    └── ExportError     an agency feed topic cannot be read

A single bad row is not an exception: the import rejects it with its line
number and a reason, and goes on. Mapping files raise
``adapters.mapping.MappingError`` and sinks ``adapters.sink.SinkError``.
"""

from __future__ import annotations


class FileImportError(Exception):
    """Root of the file adapter's errors."""


class SourceError(FileImportError):
    """The source file cannot be read as the profile's format."""


class ProfileError(FileImportError):
    """The named profile does not exist."""


class ExportError(FileImportError):
    """The agency feed topic cannot be read; ``retriable`` as Kafka reports."""

    def __init__(self, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable

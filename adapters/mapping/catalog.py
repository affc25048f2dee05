"""Status mapping files: one YAML file per source system, checked whole at start-up.

A file maps the statuses of one source system to the gateway's lifecycle
statuses, with optional overrides for single agencies::

    source: nyc311
    description: NYC 311 service request statuses
    after_completion: ignore
    statuses:
      Open: dispositioned
      Closed: closed
    agencies:
      nyc-dsny:
        Pending: in_follow_up

Source statuses match without regard to case or surrounding spaces. A target
that is not a lifecycle status, a key given twice, or a file whose name does
not match its ``source`` raises :class:`MappingError` naming the file.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Self

import yaml
from pydantic import (
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from events.values import AgencyId, FrozenModel
from gateway.complaint import Status

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

DEFAULT_MAPPINGS_DIR = Path("config/mappings")
"""Folder of the mapping files, relative to the working directory."""

SourceName = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", max_length=63)
]
"""Name of a source system; also the ``adapter`` label of the mapping metrics."""

SourceStatus = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


class MappingError(ValueError):
    """A status mapping file is missing, malformed or inconsistent."""


class AfterCompletion(StrEnum):
    """The meaning of a lower-ranked status once a complaint is responded or closed."""

    IGNORE = "ignore"
    """It would move the complaint backwards, so it is ignored and counted."""
    REOPEN = "reopen"
    """The source reopens completed cases: it returns the complaint to follow-up."""


class StatusMapping(FrozenModel):
    """The status mapping of one source system."""

    source: SourceName
    description: str | None = None
    after_completion: AfterCompletion = AfterCompletion.IGNORE
    statuses: dict[SourceStatus, Status]
    agencies: dict[AgencyId, dict[SourceStatus, Status]] = Field(default_factory=dict)
    """Per-agency overrides; a status missing here falls back to ``statuses``."""

    _index: dict[str | None, dict[str, Status]] = PrivateAttr(default_factory=dict)
    """Normalised statuses by agency; the key ``None`` is the source-wide table."""

    @model_validator(mode="after")
    def _index_statuses(self) -> Self:
        self._index[None] = _normalised("statuses", self.statuses)
        for agency, overrides in self.agencies.items():
            self._index[agency] = _normalised(f"agencies.{agency}", overrides)
        return self

    def lookup(self, agency: str | None, status: str) -> Status | None:
        """Return the lifecycle status of ``status`` at ``agency``, or None."""
        key = normalise_status(status)
        override = self._index.get(agency, {}).get(key) if agency else None
        return override or self._index[None].get(key)


class MappingCatalog:
    """The loaded mappings, by source name."""

    def __init__(self, mappings: Iterable[StatusMapping]) -> None:
        self._mappings: dict[str, StatusMapping] = {}
        for mapping in mappings:
            if mapping.source in self._mappings:
                raise MappingError(
                    f"two status mappings name source {mapping.source!r}: keep one"
                )
            self._mappings[mapping.source] = mapping

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted(self._mappings))

    def get(self, source: str) -> StatusMapping:
        """Return the mapping of ``source``; raise ``MappingError`` if there is none."""
        try:
            return self._mappings[source]
        except KeyError:
            known = ", ".join(self.sources) or "none"
            raise MappingError(
                f"no status mapping for source {source!r} (loaded: {known}): add "
                f"{source}.yaml to the mappings folder"
            ) from None

    @classmethod
    def load(cls, directory: Path = DEFAULT_MAPPINGS_DIR) -> MappingCatalog:
        """Load and check every ``*.yaml`` file of ``directory``."""
        if not directory.is_dir():
            raise MappingError(
                f"status mapping folder {directory} does not exist: pass the folder "
                "that holds the <source>.yaml mapping files"
            )
        return cls(load_mapping_file(path) for path in sorted(directory.glob("*.yaml")))


def load_mapping_file(path: Path) -> StatusMapping:
    """Read and check one mapping file; its name must be ``<source>.yaml``."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"cannot read status mapping {path}: {exc}") from exc
    try:
        mapping = StatusMapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(
            f"invalid status mapping {path}: {_describe(exc)}; targets must be one "
            f"of: {', '.join(status.value for status in Status)}"
        ) from exc
    if mapping.source != path.stem:
        raise MappingError(
            f"status mapping {path} names source {mapping.source!r}: rename the "
            f"file to {mapping.source}.yaml or correct the source"
        )
    return mapping


def normalise_status(status: str) -> str:
    """Return the form source statuses are compared in: trimmed and case-folded."""
    return " ".join(status.split()).casefold()


def _normalised(where: str, table: Mapping[str, Status]) -> dict[str, Status]:
    index: dict[str, Status] = {}
    originals: dict[str, str] = {}
    for status, target in table.items():
        key = normalise_status(status)
        if key in index:
            msg = (
                f"{where} maps {originals[key]!r} and {status!r}, which are the "
                "same status once case and spaces are ignored: keep one"
            )
            raise ValueError(msg)
        index[key] = target
        originals[key] = status
    return index


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "the file"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key given twice in one mapping."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:  # noqa: ANN401, FBT001, FBT002 (PyYAML's signature)
        keys: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            keys.add(key)
        return super().construct_mapping(node, deep=deep)

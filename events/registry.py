"""The registry of event types: wire ``type`` to model and version, and upcasting.

Every event type has a current version (its model in ``events.payloads``) and
may have older versions (models in ``events.legacy``). Reading a stored event
of version N validates its data against version N's model, applies the
upcasters N -> N + 1 -> ... -> current, and validates the result against the
current model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from events.envelope import event_type_of, split_event_type
from events.errors import InvalidEventError, UnknownEventTypeError, UpcastError
from events.legacy import LEGACY_TYPES, LegacyEvent
from events.payloads import EVENT_TYPES, ComplaintEvent
from events.upcasters import UPCASTERS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from events.upcasters import Upcaster


@dataclass(frozen=True, slots=True)
class EventVersion:
    """One version of one event type: its wire type, model and upcaster."""

    event_name: str
    version: int
    model: type[ComplaintEvent | LegacyEvent]
    upcaster: Upcaster | None
    """Function to the next version; ``None`` for the current version."""

    @property
    def event_type(self) -> str:
        """The wire ``type``, ``id.go.lapor.<event_name>.v<version>``."""
        return event_type_of(self.model)  # type: ignore[arg-type]

    @property
    def current(self) -> bool:
        """Whether this is the version new events are written in."""
        return self.upcaster is None


class EventRegistry:
    """Lookup from wire ``type`` to event version, and the upcasting chain."""

    def __init__(
        self,
        current: Iterable[type[ComplaintEvent]],
        legacy: Iterable[type[LegacyEvent]],
        upcasters: Mapping[tuple[str, int], Upcaster],
    ) -> None:
        self._current: dict[str, type[ComplaintEvent]] = {}
        self._versions: dict[str, EventVersion] = {}
        for model in current:
            self._current[model.event_name] = model
            self._add(EventVersion(model.event_name, model.schema_version, model, None))
        for old in legacy:
            upcaster = upcasters.get((old.event_name, old.schema_version))
            if upcaster is None or old.event_name not in self._current:
                msg = f"legacy event {old.__name__} has no upcaster or current model"
                raise ValueError(msg)
            self._add(EventVersion(old.event_name, old.schema_version, old, upcaster))
        self._check_chains()

    def _add(self, version: EventVersion) -> None:
        if version.event_type in self._versions:
            msg = f"event type {version.event_type!r} is registered twice"
            raise ValueError(msg)
        self._versions[version.event_type] = version

    def _check_chains(self) -> None:
        for version in self._versions.values():
            for older in range(1, version.version):
                if self._find(version.event_name, older) is None:
                    msg = f"{version.event_type!r} lacks version {older}"
                    raise ValueError(msg)

    def _find(self, event_name: str, version: int) -> EventVersion | None:
        for candidate in self._versions.values():
            if candidate.event_name == event_name and candidate.version == version:
                return candidate
        return None

    def versions(self) -> tuple[EventVersion, ...]:
        """Return every registered version, ordered by event name and version."""
        return tuple(
            sorted(self._versions.values(), key=lambda v: (v.event_name, v.version))
        )

    def lookup(self, event_type: str) -> EventVersion:
        """Return the version a wire ``type`` names; raise if none matches."""
        version = self._versions.get(event_type)
        if version is not None:
            return version
        parts = split_event_type(event_type)
        if parts is None:
            hint = "write it as id.go.lapor.<event name>.v<version>"
        elif parts[0] in self._current:
            current = self._current[parts[0]]
            hint = f"the current version is {event_type_of(current)!r}"
        else:
            hint = f"known event names are {', '.join(sorted(self._current))}"
        raise UnknownEventTypeError(
            f"event type {event_type!r} is not registered: {hint}", value=event_type
        )

    def current_model(self, event_type: str) -> type[ComplaintEvent]:
        """Return the model of a current-version wire ``type``; raise otherwise."""
        version = self.lookup(event_type)
        if not version.current:
            current = self._current[version.event_name]
            raise UnknownEventTypeError(
                f"event type {event_type!r} is an older version: decode stored "
                f"events with events.codec, which upcasts to "
                f"{event_type_of(current)!r}",
                value=event_type,
            )
        return self._current[version.event_name]

    def upcast(self, event_type: str, data: Mapping[str, Any]) -> ComplaintEvent:
        """Validate stored ``data`` of ``event_type`` and return the current model."""
        version = self.lookup(event_type)
        _validate(version.model, data, event_type)
        current = dict(data)
        while version.upcaster is not None:
            try:
                current = version.upcaster(current)
            except (KeyError, TypeError, ValueError) as exc:
                raise UpcastError(
                    f"upcasting {version.event_type!r} failed: {exc!r}",
                    value=data,
                ) from exc
            following = self._find(version.event_name, version.version + 1)
            if following is None:  # pragma: no cover - checked at construction
                msg = f"no version after {version.event_type!r}"
                raise UpcastError(msg, value=data)
            version = following
        model = self._current[version.event_name]
        return _validate(model, current, event_type)  # type: ignore[return-value]


def _validate(
    model: type[BaseModel], data: Mapping[str, Any], event_type: str
) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(part) for part in error["loc"]) or "data"
        raise InvalidEventError(
            f"data of {event_type!r} is invalid at {path!r}: {error['msg']} "
            f"({exc.error_count()} error(s) in total)",
            value=error.get("input"),
        ) from exc


REGISTRY = EventRegistry(EVENT_TYPES, LEGACY_TYPES, UPCASTERS)
"""The registry of every event type and version of this contract."""

"""The loaded rule sets and the choice of the one in force at a submission."""

from __future__ import annotations

import itertools
import logging
from bisect import bisect_right
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import ValidationError

from gateway.calendar import require_aware
from gateway.deadlines.errors import (
    NoRuleSetInForceError,
    RuleSetDataError,
    UnknownRuleSetError,
)
from gateway.deadlines.rules import RuleSet

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Sequence

logger = logging.getLogger(__name__)


class RuleSetCatalog:
    """Rule sets ordered by the moment they took effect.

    The rule set in force at a moment is the one with the latest
    ``effective_from`` at or before it, so the boundary belongs to the new one.
    """

    def __init__(self, rule_sets: Iterable[RuleSet]) -> None:
        ordered = sorted(rule_sets, key=lambda rule_set: rule_set.effective_from)
        if not ordered:
            raise RuleSetDataError("no rule sets were given: load at least one")
        _check_unique(ordered)
        self._ordered = tuple(ordered)
        self._starts = tuple(rule_set.effective_from for rule_set in ordered)
        self._by_id = {rule_set.id: rule_set for rule_set in ordered}

    @classmethod
    def load(cls, extra_dirs: Sequence[Path] = ()) -> RuleSetCatalog:
        """Load the packaged rule sets and the ``*.yaml`` files of extra folders."""
        rule_sets: list[RuleSet] = []
        packaged = resources.files("gateway.deadlines").joinpath("rulesets")
        for entry in sorted(packaged.iterdir(), key=lambda item: item.name):
            if entry.name.endswith((".yaml", ".yml")):
                source = f"gateway/deadlines/rulesets/{entry.name}"
                rule_sets.append(parse_rule_set(entry.read_text("utf-8"), source))
        for folder in extra_dirs:
            rule_sets.extend(_load_folder(Path(folder)))
        catalog = cls(rule_sets)
        logger.info("Loaded deadline rule sets %s", [r.id for r in catalog.all()])
        return catalog

    def all(self) -> tuple[RuleSet, ...]:
        """Return every rule set, oldest first."""
        return self._ordered

    def get(self, rule_set_id: str) -> RuleSet:
        """Return the rule set with this id."""
        try:
            return self._by_id[rule_set_id]
        except KeyError:
            known = ", ".join(self._by_id)
            raise UnknownRuleSetError(
                f"no deadline rule set has id {rule_set_id!r}; known ids: {known}",
                value=rule_set_id,
            ) from None

    def in_force_at(self, at: dt.datetime) -> RuleSet:
        """Return the rule set in force at ``at`` (a complaint's submission time)."""
        index = bisect_right(self._starts, require_aware(at, "submission time"))
        if index == 0:
            first = self._ordered[0]
            raise NoRuleSetInForceError(
                f"no deadline rule set was in force at {at.isoformat()}: the "
                f"earliest, {first.id!r}, took effect at "
                f"{first.effective_from.isoformat()}; add a rule set for older "
                "complaints",
                value=at,
            )
        return self._ordered[index - 1]


def parse_rule_set(text: str, source: str) -> RuleSet:
    """Parse and validate a rule-set YAML text; errors name the source."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSetDataError(
            f"rule-set file {source} is not valid YAML: {exc}", value=source
        ) from exc
    try:
        return RuleSet.model_validate(raw)
    except ValidationError as exc:
        raise RuleSetDataError(
            f"rule-set file {source} does not match the rule-set schema: {exc}",
            value=source,
        ) from exc


def _load_folder(folder: Path) -> list[RuleSet]:
    if not folder.is_dir():
        raise RuleSetDataError(
            f"rule-set folder {folder} does not exist or is not a folder",
            value=folder,
        )
    rule_sets = []
    for path in sorted(folder.iterdir()):
        if path.suffix in {".yaml", ".yml"}:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise RuleSetDataError(
                    f"rule-set file {path} cannot be read: {exc}", value=path
                ) from exc
            rule_sets.append(parse_rule_set(text, str(path)))
    return rule_sets


def _check_unique(ordered: Sequence[RuleSet]) -> None:
    seen: dict[str, RuleSet] = {}
    for previous, current in itertools.pairwise(ordered):
        if previous.effective_from == current.effective_from:
            raise RuleSetDataError(
                f"rule sets {previous.id!r} and {current.id!r} take effect at the "
                f"same moment {current.effective_from.isoformat()}: give one of "
                "them a later effective_from",
                value=current.id,
            )
    for rule_set in ordered:
        if rule_set.id in seen:
            raise RuleSetDataError(
                f"two rule sets have id {rule_set.id!r}: a correction needs a new id",
                value=rule_set.id,
            )
        seen[rule_set.id] = rule_set

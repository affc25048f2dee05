"""Per-year calendar files: cuti bersama and regional holidays with their decrees.

Each file is named ``<year>.yaml`` and contains one :class:`YearData`. The packaged
files live in ``gateway/calendar/data``; operators add or replace years by putting
files in extra folders, and a file there replaces the packaged file of the same
year as a whole (later folders win over earlier ones). A file looks like::

    year: 2027
    decrees:
      - {id: skb-2027, title: Keputusan Bersama ... Tahun 2027, signed_on: 2026-09-01}
    cuti_bersama:
      - {date: 2027-12-24, name: Cuti bersama Natal, decree: skb-2027}
    regional:            # optional, keyed by ISO 3166-2:ID province code
      BA:
        - {date: 2027-01-13, name: Hari Raya Galungan, decree: skb-2027}
    national_added: []   # optional corrections to the holidays library
    national_removed: []
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from importlib import resources
from typing import TYPE_CHECKING, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gateway.calendar.errors import CalendarDataError, UnknownRegionError
from gateway.calendar.regions import normalize_region

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

logger = logging.getLogger(__name__)

_YEAR_FILE = re.compile(r"^(?P<year>[0-9]{4})\.ya?ml$")


class Decree(BaseModel):
    """A decree that sets days off: a joint ministerial decree, a Keppres, a circular.

    ``signed_on`` is None where the signing date is unconfirmed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    signed_on: dt.date | None = None
    note: str | None = None


class DatedHoliday(BaseModel):
    """One day off with its name and the id of the decree that sets it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    name: str = Field(min_length=1)
    decree: str
    note: str | None = None


class YearData(BaseModel):
    """The content of one year file.

    ``national_added`` and ``national_removed`` correct the ``holidays`` library
    when a national holiday is added or moved after its release.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=1950, le=9999)
    decrees: tuple[Decree, ...]
    cuti_bersama: tuple[DatedHoliday, ...]
    national_added: tuple[DatedHoliday, ...] = ()
    national_removed: tuple[DatedHoliday, ...] = ()
    regional: dict[str, tuple[DatedHoliday, ...]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        decree_ids = {decree.id for decree in self.decrees}
        for holiday in self._all_holidays():
            if holiday.date.year != self.year:
                msg = f"{holiday.date} ({holiday.name}) is not in year {self.year}"
                raise ValueError(msg)
            if holiday.decree not in decree_ids:
                msg = (
                    f"{holiday.date} ({holiday.name}) cites decree "
                    f"{holiday.decree!r}, which is not listed under decrees"
                )
                raise ValueError(msg)
        for code in self.regional:
            try:
                normalize_region(code)
            except UnknownRegionError as exc:
                raise ValueError(str(exc)) from exc
        return self

    def _all_holidays(self) -> Iterable[DatedHoliday]:
        yield from self.cuti_bersama
        yield from self.national_added
        yield from self.national_removed
        for holidays in self.regional.values():
            yield from holidays

    def regional_for(self, region: str) -> tuple[DatedHoliday, ...]:
        """Return the regional days off of a normalised province code."""
        found: list[DatedHoliday] = []
        for code, holidays in self.regional.items():
            if normalize_region(code) == region:
                found.extend(holidays)
        return tuple(found)


class LoadedYear(BaseModel):
    """A parsed year file and where it came from (for logs and errors)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data: YearData
    source: str


def parse_year_file(text: str, source: str, expected_year: int) -> YearData:
    """Parse and validate the YAML text of a year file.

    Raises CalendarDataError naming the source when the YAML is invalid, does not
    match the schema, or declares a year other than the file name's.
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CalendarDataError(
            f"calendar file {source} is not valid YAML: {exc}", value=source
        ) from exc
    try:
        data = YearData.model_validate(raw)
    except ValidationError as exc:
        raise CalendarDataError(
            f"calendar file {source} does not match the year-file schema: {exc}",
            value=source,
        ) from exc
    if data.year != expected_year:
        raise CalendarDataError(
            f"calendar file {source} declares year {data.year} but is named for "
            f"{expected_year}: rename the file or fix its year",
            value=source,
        )
    return data


def load_years(extra_dirs: Sequence[Path] = ()) -> dict[int, LoadedYear]:
    """Load the packaged year files, then the files of each extra folder in order."""
    years: dict[int, LoadedYear] = {}
    packaged = resources.files("gateway.calendar").joinpath("data")
    for entry in sorted(packaged.iterdir(), key=lambda item: item.name):
        year = _year_of(entry.name, f"package data {entry.name}")
        if year is not None:
            source = f"gateway/calendar/data/{entry.name}"
            data = parse_year_file(entry.read_text(encoding="utf-8"), source, year)
            years[year] = LoadedYear(data=data, source=source)
    for folder in extra_dirs:
        for year, loaded in _load_folder(folder).items():
            if year in years:
                logger.info(
                    "Calendar year %d from %s replaces %s",
                    year,
                    loaded.source,
                    years[year].source,
                )
            years[year] = loaded
    return years


def _load_folder(folder: Path) -> dict[int, LoadedYear]:
    if not folder.is_dir():
        raise CalendarDataError(
            f"calendar data folder {folder} does not exist or is not a folder: "
            "create it or remove it from the configured folders",
            value=folder,
        )
    loaded: dict[int, LoadedYear] = {}
    for path in sorted(folder.iterdir()):
        year = _year_of(path.name, str(path))
        if year is None:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CalendarDataError(
                f"calendar file {path} cannot be read: {exc}", value=path
            ) from exc
        loaded[year] = LoadedYear(
            data=parse_year_file(text, str(path), year), source=str(path)
        )
    return loaded


def _year_of(name: str, source: str) -> int | None:
    """Return the year a file name declares, None for files that are not YAML."""
    if not name.endswith((".yaml", ".yml")):
        return None
    match = _YEAR_FILE.match(name)
    if match is None:
        raise CalendarDataError(
            f"calendar file {source} is not named <year>.yaml: rename it, for "
            "example to 2027.yaml",
            value=source,
        )
    return int(match["year"])

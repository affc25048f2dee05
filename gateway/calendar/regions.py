"""Indonesian provinces and the three time zones in which deadlines are counted.

Region codes are the province part of ISO 3166-2:ID (``BA`` for Bali, ``JK`` for
Jakarta); the ``ID-`` prefix is accepted and dropped. Each province carries the
zone of its capital, which is the default zone for agencies in it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from gateway.calendar.errors import UnknownRegionError


class LocalTimeZone(StrEnum):
    """An Indonesian time zone, named by its IANA key."""

    WIB = "Asia/Jakarta"
    """Waktu Indonesia Barat, UTC+07:00."""
    WITA = "Asia/Makassar"
    """Waktu Indonesia Tengah, UTC+08:00."""
    WIT = "Asia/Jayapura"
    """Waktu Indonesia Timur, UTC+09:00."""

    @property
    def zone(self) -> ZoneInfo:
        """The ``ZoneInfo`` for this zone (cached by the zoneinfo module)."""
        return ZoneInfo(self.value)


class Province(NamedTuple):
    """A province: its name and the time zone of its capital."""

    name: str
    time_zone: LocalTimeZone


_WIB, _WITA, _WIT = LocalTimeZone.WIB, LocalTimeZone.WITA, LocalTimeZone.WIT

PROVINCES: dict[str, Province] = {
    "AC": Province("Aceh", _WIB),
    "BA": Province("Bali", _WITA),
    "BB": Province("Kepulauan Bangka Belitung", _WIB),
    "BE": Province("Bengkulu", _WIB),
    "BT": Province("Banten", _WIB),
    "GO": Province("Gorontalo", _WITA),
    "JA": Province("Jambi", _WIB),
    "JB": Province("Jawa Barat", _WIB),
    "JI": Province("Jawa Timur", _WIB),
    "JK": Province("Daerah Khusus Jakarta", _WIB),
    "JT": Province("Jawa Tengah", _WIB),
    "KB": Province("Kalimantan Barat", _WIB),
    "KI": Province("Kalimantan Timur", _WITA),
    "KR": Province("Kepulauan Riau", _WIB),
    "KS": Province("Kalimantan Selatan", _WITA),
    "KT": Province("Kalimantan Tengah", _WIB),
    "KU": Province("Kalimantan Utara", _WITA),
    "LA": Province("Lampung", _WIB),
    "MA": Province("Maluku", _WIT),
    "MU": Province("Maluku Utara", _WIT),
    "NB": Province("Nusa Tenggara Barat", _WITA),
    "NT": Province("Nusa Tenggara Timur", _WITA),
    "PA": Province("Papua", _WIT),
    "PB": Province("Papua Barat", _WIT),
    "PD": Province("Papua Barat Daya", _WIT),
    "PE": Province("Papua Pegunungan", _WIT),
    "PS": Province("Papua Selatan", _WIT),
    "PT": Province("Papua Tengah", _WIT),
    "RI": Province("Riau", _WIB),
    "SA": Province("Sulawesi Utara", _WITA),
    "SB": Province("Sumatera Barat", _WIB),
    "SG": Province("Sulawesi Tenggara", _WITA),
    "SN": Province("Sulawesi Selatan", _WITA),
    "SR": Province("Sulawesi Barat", _WITA),
    "SS": Province("Sumatera Selatan", _WIB),
    "ST": Province("Sulawesi Tengah", _WITA),
    "SU": Province("Sumatera Utara", _WIB),
    "YO": Province("Daerah Istimewa Yogyakarta", _WIB),
}
"""The 38 provinces by ISO 3166-2:ID code."""


def normalize_region(code: str) -> str:
    """Return the province code for ``code`` (``"id-ba"`` gives ``"BA"``).

    Raises UnknownRegionError when the code names no province.
    """
    normalized = code.strip().upper().removeprefix("ID-")
    if normalized not in PROVINCES:
        raise UnknownRegionError(
            f"region {code!r} is not an Indonesian province code: use the "
            "ISO 3166-2:ID province code, for example 'BA' for Bali or 'JK' for "
            "Jakarta, or no region for the national calendar",
            value=code,
        )
    return normalized


def default_time_zone(region: str | None) -> LocalTimeZone:
    """Return the zone of the region's capital, or WIB for the national calendar."""
    if region is None:
        return LocalTimeZone.WIB
    return PROVINCES[normalize_region(region)].time_zone

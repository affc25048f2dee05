"""Agency names in SP4N-LAPOR! data, normalised to gateway agency ids.

The platform opens every report it forwards with ``Yth. <agency>,`` and a
line break; the open-data export names the agency in ``instansi``. A name
becomes an id by its slug (``Dinas Perhubungan Kota Bandung`` is
``dinas-perhubungan-kota-bandung``), so spellings that differ only in case,
spaces or punctuation share one agency. Different names for one agency
(``BPJS Kesehatan`` and ``Badan Penyelenggara Jaminan Sosial Kesehatan``)
stay apart: no alias table is applied.
"""

from __future__ import annotations

import re

from adapters.files.registry import slug
from gateway.agencies import AgencyKind

_SALUTATION = re.compile(r"^\s*Yth\.\s*(?P<name>[^<\n]{2,200}?)\s*,?\s*<br\s*/?>")
_REGIONAL_WORDS = (
    "kota",
    "kabupaten",
    "kab.",
    "provinsi",
    "pemerintah",
    "pemkot",
    "pemkab",
    "pemprov",
    "kelurahan",
    "kecamatan",
    "desa",
    "dinas",
    "bupati",
    "walikota",
    "gubernur",
)


def addressed_agency(text: str) -> str | None:
    """Return the agency name of the platform's ``Yth. <agency>,`` opening, if any.

    A salutation that names a pseudonymised person (``[nama]``) is no agency.
    """
    match = _SALUTATION.match(text)
    if match is None:
        return None
    name = " ".join(match["name"].split()).rstrip(" ,.")
    if "[" in name or slug(name) is None:
        return None
    return name


def agency_id(name: str) -> str | None:
    """Return the gateway id of an agency name; ``None`` if the name has no letters."""
    return slug(name)


def agency_kind(name: str) -> AgencyKind:
    """Guess the kind of agency from words in its name."""
    words = name.casefold()
    if "inspektorat" in words:
        return AgencyKind.INSPECTORATE
    if "kementerian" in words:
        return AgencyKind.MINISTRY
    if any(re.search(rf"\b{re.escape(word)}", words) for word in _REGIONAL_WORDS):
        return AgencyKind.REGIONAL
    return AgencyKind.INSTITUTION

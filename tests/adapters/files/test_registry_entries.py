"""Agency ids from names, import systems, and merging into a registry."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.files.importer import scan_registry
from adapters.files.profiles.lapor_agencies import addressed_agency, agency_kind
from adapters.files.registry import (
    RegistryEntries,
    SystemGrant,
    slug,
    system_id_of,
)
from events.values import Role
from gateway.agencies import (
    Agency,
    AgencyKind,
    AgencyRegistry,
    AgencySystem,
    hash_token,
)
from tests.adapters.files.conftest import data_file

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@given(st.text(max_size=300))
def test_slug_is_an_agency_id(name):
    value = slug(name)
    assert value is None or ID_PATTERN.match(value)
    assert value is None or len(value) <= 56


@given(st.from_regex(ID_PATTERN, fullmatch=True))
def test_system_id_is_an_id(agency):
    assert ID_PATTERN.match(system_id_of(agency))


def test_long_names_stay_apart():
    first = slug(
        "Dinas Pekerjaan Umum dan Penataan Ruang Daerah Kabupaten Tapanuli Selatan"
    )
    second = slug(
        "Dinas Pekerjaan Umum dan Penataan Ruang Daerah Kabupaten Tapanuli Utara"
    )
    assert first != second


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "Yth. Dinas Perhubungan Kota Bandung, <br><br>Isi",
            "Dinas Perhubungan Kota Bandung",
        ),
        (
            "Yth. Kementerian Desa, PDT, dan Transmigrasi, <br>Isi",
            "Kementerian Desa, PDT, dan Transmigrasi",
        ),
        ("Yth. SATPOL PP KOTA BANDUNG<br />\nIsi", "SATPOL PP KOTA BANDUNG"),
        ("yth. bpjs.. saya ingin menanyakan", None),
        ("Yth Bapak [nama]<br />\nsaya", None),
        ("Yth. Bapak [nama],<br>saya", None),
    ],
)
def test_addressed_agency(text, name):
    assert addressed_agency(text) == name


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Kementerian Sosial", AgencyKind.MINISTRY),
        ("Dinas Perhubungan Kota Semarang", AgencyKind.REGIONAL),
        ("BPJS Kesehatan KC Palangkaraya", AgencyKind.INSTITUTION),
        ("Inspektorat Kota Bandung", AgencyKind.INSPECTORATE),
    ],
)
def test_agency_kind(name, kind):
    assert agency_kind(name) is kind


def test_merge_keeps_known_token_and_adds_units():
    base = AgencyRegistry(
        agencies=(
            Agency(
                id="wabo-municipality",
                name="Gemeente",
                kind=AgencyKind.REGIONAL,
                units=("group-1",),
            ),
        ),
        systems=(
            AgencySystem(
                id="wabo-municipality-files",
                agency="wabo-municipality",
                roles=frozenset({Role.AGENCY_ADMIN}),
                units=frozenset({"group-1"}),
                token_sha256=hash_token("known"),
            ),
        ),
    )
    entries = RegistryEntries(
        agencies=(
            Agency(
                id="wabo-municipality",
                name="Other name",
                kind=AgencyKind.REGIONAL,
                units=("group-2",),
            ),
        ),
        grants=(
            SystemGrant(
                agency="wabo-municipality",
                roles=frozenset({Role.UNIT_LIAISON}),
                units=frozenset({"group-2"}),
            ),
        ),
    )
    merged = entries.to_registry(base)
    system = merged.systems[0]
    assert merged.agencies[0].units == ("group-1", "group-2")
    assert merged.agencies[0].name == "Gemeente"
    assert system.token_sha256 == hash_token("known")
    assert system.roles == {Role.AGENCY_ADMIN, Role.UNIT_LIAISON}


def test_bpi_registry_has_every_team(importer):
    entries = scan_registry(
        importer.profile("bpi2013"), data_file("bpi2013_incidents.csv.gz")
    )
    units = sum(len(agency.units) for agency in entries.agencies)
    assert len(entries.agencies) == 26
    assert units == 693

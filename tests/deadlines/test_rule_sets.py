"""Packaged rule sets and the choice of the rule set in force at a submission."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.calendar import DayUnit, LocalTimeZone
from gateway.deadlines import (
    DeadlineTracker,
    NoRuleSetInForceError,
    RuleSet,
    RuleSetCatalog,
    RuleSetDataError,
    SopTier,
    UnknownRuleSetError,
    parse_rule_set,
)

WIB = LocalTimeZone.WIB.zone
TICK = dt.timedelta(microseconds=1)


@pytest.fixture(scope="module")
def catalog() -> RuleSetCatalog:
    return RuleSetCatalog.load()


def test_packaged_rule_sets_in_order(catalog):
    assert [r.id for r in catalog.all()] == [
        "historical-stand-in",
        "permenpanrb-24-2014",
        "permenpanrb-62-2018",
        "permenpanrb-5-2025",
    ]


@pytest.mark.parametrize(
    ("rule_set_id", "number"),
    [
        ("permenpanrb-62-2018", "Nomor 62 Tahun 2018"),
        ("permenpanrb-5-2025", "Nomor 5 Tahun 2025"),
    ],
)
def test_rule_set_names_its_regulation(catalog, rule_set_id, number):
    assert number in catalog.get(rule_set_id).regulation


@pytest.mark.parametrize("rule_set", RuleSetCatalog.load().all(), ids=lambda r: r.id)
def test_packaged_clock_lengths(rule_set):
    clocks = rule_set.clocks
    assert (clocks.verification.amount, clocks.verification.unit) == (
        3,
        DayUnit.WORKING_DAYS,
    )
    assert clocks.first_follow_up.amount == 5
    assert clocks.auto_close.amount == 10
    assert (clocks.pending_archive.amount, clocks.pending_archive.unit) == (
        30,
        DayUnit.CALENDAR_DAYS,
    )
    assert clocks.resolution.amount == 60
    tiers = {tier: rule.amount for tier, rule in rule_set.sop_tiers.items()}
    assert tiers == {
        SopTier.LIGHT: 2,
        SopTier.NORMATIVE: 5,
        SopTier.NO_MISCONDUCT: 14,
        SopTier.MISCONDUCT: 60,
    }


@pytest.mark.parametrize("rule_set", RuleSetCatalog.load().all(), ids=lambda r: r.id)
def test_unconfirmed_rule_sets_say_so(rule_set):
    # Every packaged effective date is a placeholder until confirmed.
    assert any("placeholder" in note for note in rule_set.notes)


def test_boundary_belongs_to_new_rule_set(catalog):
    start = catalog.get("permenpanrb-5-2025").effective_from
    assert catalog.in_force_at(start - TICK).id == "permenpanrb-62-2018"
    assert catalog.in_force_at(start).id == "permenpanrb-5-2025"


def test_boundary_compares_instants_across_zones(catalog):
    start = catalog.get("permenpanrb-5-2025").effective_from
    # 00:00 WIB is 01:00 WITA: one microsecond earlier is still the old rule set.
    just_before = (start - TICK).astimezone(LocalTimeZone.WITA.zone)
    assert catalog.in_force_at(just_before).id == "permenpanrb-62-2018"


def test_before_earliest_raises(catalog):
    with pytest.raises(NoRuleSetInForceError, match="historical-stand-in"):
        catalog.in_force_at(dt.datetime(1999, 12, 31, tzinfo=WIB))


def test_histories_before_2014_get_the_stand_in(catalog):
    rule_set = catalog.in_force_at(dt.datetime(2010, 3, 31, 15, tzinfo=WIB))
    assert rule_set.id == "historical-stand-in"
    assert rule_set.regulation.startswith("none")


def test_unknown_id_raises(catalog):
    with pytest.raises(UnknownRuleSetError, match="'missing'"):
        catalog.get("missing")


def test_tracker_rejects_rule_set_not_yet_in_force(catalog):
    rule_set = catalog.get("permenpanrb-5-2025")
    with pytest.raises(NoRuleSetInForceError, match="in_force_at"):
        DeadlineTracker.start(rule_set, rule_set.effective_from - TICK)


def test_tracker_records_rule_set_in_force(catalog):
    submitted = dt.datetime(2025, 6, 2, 9, tzinfo=WIB)
    tracker = DeadlineTracker.start(catalog.in_force_at(submitted), submitted)
    assert tracker.rule_set_id == "permenpanrb-5-2025"


def variant(rule_set: RuleSet, **changes) -> RuleSet:
    return rule_set.model_copy(update=changes)


def test_same_effective_moment_rejected(catalog):
    base = catalog.get("permenpanrb-62-2018")
    with pytest.raises(RuleSetDataError, match="same moment"):
        RuleSetCatalog([base, variant(base, id="copy")])


def test_duplicate_id_rejected(catalog):
    base = catalog.get("permenpanrb-62-2018")
    later = variant(base, effective_from=base.effective_from + dt.timedelta(days=1))
    with pytest.raises(RuleSetDataError, match="two rule sets"):
        RuleSetCatalog([base, later])


def test_empty_catalog_rejected():
    with pytest.raises(RuleSetDataError):
        RuleSetCatalog([])


MINIMAL = """\
id: test-rules
regulation: Test regulation
title: Test
effective_from: 2030-01-01T00:00:00+07:00
clocks:
  verification: {amount: 1, unit: working_days}
  first_follow_up: {amount: 1, unit: working_days}
  auto_close: {amount: 1, unit: working_days}
  pending_archive: {amount: 1, unit: calendar_days}
  resolution: {amount: 1, unit: calendar_days}
sop_tiers:
  light: {amount: 1, unit: working_days}
  normative: {amount: 1, unit: working_days}
  no_misconduct: {amount: 1, unit: working_days}
  misconduct: {amount: 1, unit: working_days}
"""


def test_extra_folder_adds_rule_set(tmp_path):
    (tmp_path / "test-rules.yaml").write_text(MINIMAL, encoding="utf-8")
    catalog = RuleSetCatalog.load([tmp_path])
    assert catalog.in_force_at(dt.datetime(2030, 1, 1, tzinfo=WIB)).id == "test-rules"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MINIMAL.replace("  misconduct: {amount: 1, unit: working_days}\n", ""),
         "no SOP tier misconduct"),
        (MINIMAL.replace("+07:00", ""), "timezone"),
        (MINIMAL.replace("unit: calendar_days", "unit: hours"), "hours"),
        (MINIMAL.replace("{amount: 1, unit: w", "{amount: -1, unit: w"),
         "greater than or equal"),
        ("id: [unclosed", "not valid YAML"),
    ],
    ids=["missing-tier", "naive-effective-date", "bad-unit", "negative", "bad-yaml"],
)  # fmt: skip
def test_invalid_rule_set_rejected(text, message):
    with pytest.raises(RuleSetDataError, match=message) as caught:
        parse_rule_set(text, "test-rules.yaml")
    assert "test-rules.yaml" in str(caught.value)

"""The Timestamp type: aware input only, one UTC output format."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from hypothesis import given
from pydantic import TypeAdapter, ValidationError

from events.chain import seal
from events.envelope import Actor
from events.errors import NaiveTimestampError, TimestampError
from events.payloads import ComplaintEscalated, ComplaintSetPending
from events.timestamps import (
    TIMESTAMP_PATTERN,
    Timestamp,
    format_timestamp,
    parse_timestamp,
)
from events.values import DeadlineClock, Role
from tests.events.strategies import aware_datetimes

ADAPTER: TypeAdapter[dt.datetime] = TypeAdapter(Timestamp)
WIB = dt.timezone(dt.timedelta(hours=7))


def test_format_converts_to_utc_with_microseconds():
    moment = dt.datetime(2024, 3, 1, 9, 30, tzinfo=WIB)
    assert format_timestamp(moment) == "2024-03-01T02:30:00.000000Z"


def test_format_keeps_microseconds():
    moment = dt.datetime(2024, 3, 1, 9, 30, 5, 123, tzinfo=dt.UTC)
    assert format_timestamp(moment) == "2024-03-01T09:30:05.000123Z"


def test_format_pads_early_years():
    moment = dt.datetime(999, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert format_timestamp(moment) == "0999-01-02T03:04:05.000000Z"


@given(aware_datetimes)
def test_format_round_trips(moment):
    text = format_timestamp(moment)
    assert parse_timestamp(text) == moment
    assert format_timestamp(parse_timestamp(text)) == text


@given(aware_datetimes)
def test_format_matches_published_pattern(moment):
    assert re.fullmatch(TIMESTAMP_PATTERN, format_timestamp(moment))


@given(aware_datetimes)
def test_validation_normalises_to_utc(moment):
    validated = ADAPTER.validate_python(moment)
    assert validated.tzinfo is dt.UTC
    assert validated == moment


def test_json_dump_uses_fixed_format():
    moment = dt.datetime(2024, 3, 1, 9, 30, tzinfo=WIB)
    assert ADAPTER.dump_json(moment) == b'"2024-03-01T02:30:00.000000Z"'


def test_python_dump_keeps_datetime():
    moment = dt.datetime(2024, 3, 1, 9, 30, tzinfo=WIB)
    assert ADAPTER.dump_python(moment) == moment


def test_string_with_offset_accepted():
    validated = ADAPTER.validate_python("2024-03-01T09:30:00+07:00")
    assert validated == dt.datetime(2024, 3, 1, 2, 30, tzinfo=dt.UTC)


def test_string_with_z_accepted():
    validated = ADAPTER.validate_python("2024-03-01T02:30:00Z")
    assert validated == dt.datetime(2024, 3, 1, 2, 30, tzinfo=dt.UTC)


def test_naive_datetime_rejected_with_advice():
    naive = dt.datetime(2024, 3, 1, 9, 30)  # noqa: DTZ001 (the case under test)
    with pytest.raises(ValidationError) as caught:
        ADAPTER.validate_python(naive)
    message = str(caught.value)
    assert "2024-03-01T09:30:00" in message
    assert "no UTC offset" in message
    assert "+07:00" in message


def test_naive_string_rejected_with_advice():
    with pytest.raises(NaiveTimestampError) as caught:
        parse_timestamp("2024-03-01T09:30:00")
    assert "'2024-03-01T09:30:00' has no UTC offset" in str(caught.value)
    assert caught.value.value == dt.datetime(2024, 3, 1, 9, 30)  # noqa: DTZ001


def test_naive_payload_field_rejected():
    naive = dt.datetime(2024, 3, 1, 9, 30)  # noqa: DTZ001 (the case under test)
    with pytest.raises(ValidationError, match="no UTC offset"):
        ComplaintEscalated(clock=DeadlineClock.VERIFICATION, due_at=naive)


@pytest.mark.parametrize("field", ["occurred_at", "recorded_at"])
def test_seal_rejects_naive_datetime(field):
    aware = dt.datetime(2024, 3, 1, 9, 30, tzinfo=WIB)
    times = {"occurred_at": aware, "recorded_at": aware}
    times[field] = aware.replace(tzinfo=None)
    with pytest.raises(NaiveTimestampError, match="add one"):
        seal(
            complaint_id=uuid.uuid4(),
            sequence=1,
            data=ComplaintSetPending(reason="missing location"),
            actor=Actor(agency="lapor-nasional", role=Role.NATIONAL_ADMIN),
            correlation_id="request-1",
            causation_id="command-1",
            previous_hash=None,
            **times,
        )


@pytest.mark.parametrize(
    "text", ["yesterday", "2024-03-01", "", "2024-13-01T00:00:00Z", "20240301T0930Z"]
)
def test_invalid_strings_rejected(text):
    with pytest.raises(TimestampError) as caught:
        parse_timestamp(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("value", [1_709_256_600, 1_709_256_600.5, None, b"2024"])
def test_non_string_non_datetime_rejected(value):
    with pytest.raises(ValidationError, match="not a datetime"):
        ADAPTER.validate_python(value)


def test_out_of_range_after_conversion_rejected():
    earliest = dt.datetime.min.replace(tzinfo=WIB)
    with pytest.raises(TimestampError, match="outside the range"):
        format_timestamp(earliest)

"""Broken files: bad rows are rejected with their line numbers; the import goes on."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.files.errors import SourceError
from adapters.files.reading import RowError, SourceFile, SourceFormat, SourceRow

NYC_HEADER = (
    "Unique Key,Created Date,Closed Date,Agency,Agency Name,Complaint Type,"
    "Descriptor,Status,Due Date,Resolution Description,"
    "Resolution Action Updated Date,Borough,Incident Zip,Open Data Channel Type,"
    "Latitude,Longitude"
)


def nyc_row(key: str, created: str = "06/26/2018 10:58:54 AM", **fields: str) -> str:
    values = {
        "Closed Date": "06/26/2018 12:50:01 PM",
        "Agency": "NYPD",
        "Agency Name": "New York City Police Department",
        "Complaint Type": "Noise",
        "Descriptor": "Loud Music",
        "Status": "Closed",
        "Due Date": "",
        "Resolution Description": "Police responded.",
        "Resolution Action Updated Date": "06/26/2018 12:50:01 PM",
        "Borough": "QUEENS",
        "Incident Zip": "11421",
        "Open Data Channel Type": "PHONE",
        "Latitude": "40.69",
        "Longitude": "-73.84",
    } | fields
    return ",".join([key, created, *values.values()])


@pytest.fixture
def broken_csv(tmp_path):
    """Line 3 lacks a column, line 4 has a bad date, line 5 is not UTF-8."""
    lines = [
        NYC_HEADER.encode(),
        nyc_row("1001").encode(),
        nyc_row("1002").rsplit(",", 1)[0].encode(),
        nyc_row("1003", created="2018-13-45 25:00").encode(),
        nyc_row("1004", Descriptor="Caf\xe9").encode("latin-1"),
        nyc_row("1005").encode(),
    ]
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_broken_rows_rejected_with_lines(importer, broken_csv):
    result = importer.run("nyc311", broken_csv)
    rejected = {p.line: p.reason for p in result.rejected_rows}
    assert rejected == {
        3: "wrong number of fields",
        4: "invalid date",
        5: "invalid UTF-8",
    }


def test_import_continues_after_broken_rows(importer, broken_csv):
    result = importer.run("nyc311", broken_csv)
    assert result.rows_read == 5
    assert result.rows_accepted == 2
    assert result.commands_rejected == 0


def test_bad_date_detail_names_column(importer, broken_csv):
    result = importer.run("nyc311", broken_csv)
    detail = next(p.detail for p in result.rejected_rows if p.line == 4)
    assert detail.startswith("Created Date '2018-13-45 25:00'")


def test_missing_header_column_stops_import(importer, tmp_path):
    path = tmp_path / "no-status.csv"
    header = NYC_HEADER.replace(",Status,", ",State,")
    path.write_text(header + "\n" + nyc_row("1001") + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"lacks the columns \['Status'\]"):
        importer.run("nyc311", path)


def test_gzip_file_read_like_plain(importer, broken_csv, tmp_path):
    packed = tmp_path / "broken.csv.gz"
    packed.write_bytes(gzip.compress(broken_csv.read_bytes()))
    plain = importer.run("nyc311", broken_csv)
    compressed = importer.run("nyc311", packed)
    assert compressed.rejected_rows == plain.rejected_rows


def test_broken_json_lines_rejected(importer, tmp_path):
    path = tmp_path / "reports.jsonl"
    good = {
        "tracking_id": "1878360",
        "title": "Jalan rusak",
        "text": "Yth. Dinas PU, <br>isi",
    }
    lines = [
        json.dumps(good).encode(),
        b"{not json",
        b"[1, 2]",
        json.dumps({"tracking_id": "1878361", "title": "x"}).encode(),
        b'{"tracking_id": "1878362", "title": "Caf\xe9", "text": "isi"}',
        json.dumps(good | {"tracking_id": "1878363"}).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = importer.run("lapor2017", path)
    rejected = {p.line: p.reason for p in result.rejected_rows}
    assert rejected == {
        2: "invalid JSON",
        3: "invalid JSON",
        4: "missing field",
        5: "invalid UTF-8",
    }
    assert result.rows_accepted == 2


def test_quoted_newline_row_keeps_start_line(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('a,b\n1,"two\nlines"\n3,4\n', encoding="utf-8")
    with SourceFile(path, SourceFormat.CSV, ("a", "b")) as source:
        rows = list(source.rows())
    assert [row.line for row in rows] == [2, 4]


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("good"), st.text(alphabet="abc xyz", max_size=8)),
            st.just(("short", "")),
            st.just(("latin", "")),
        ),
        max_size=30,
    )
)
def test_every_line_read_or_rejected(tmp_path, records):
    lines = [b"a,b"]
    for kind, text in records:
        if kind == "good":
            lines.append(f"{text},x".encode())
        elif kind == "short":
            lines.append(b"only")
        else:
            lines.append(b"caf\xe9,x")
    path = tmp_path / "generated.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with SourceFile(path, SourceFormat.CSV, ("a", "b")) as source:
        read = list(source.rows())
    rejected = [r.line for r in read if isinstance(r, RowError)]
    accepted = [r.line for r in read if isinstance(r, SourceRow)]
    expected_bad = [i + 2 for i, (kind, _) in enumerate(records) if kind != "good"]
    assert rejected == expected_bad
    assert sorted(rejected + accepted) == list(range(2, len(records) + 2))

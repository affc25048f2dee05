"""The HTML and CSV reports and the report command."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from projections.performance.cases import ScopeKind
from projections.performance.cli import main
from projections.performance.periods import Period
from projections.performance.report import (
    Report,
    build_report,
    parse_csv,
    render_csv,
    render_html,
)
from projections.performance.report.csv_export import figure_values
from tests.projections.performance.histories import (
    History,
    apply_all,
    sqlite_engine,
    wib,
)

AGENCIES = ("pemkot-bandung", "pemprov-jabar", "kementerian-pupr")
UNIT = "dinas-pupr"


def sample_histories() -> list[History]:
    return [
        History(wib(2025, 3, 24))
        .verify(wib(2025, 3, 25))
        .disposition(wib(2025, 3, 27, 10), AGENCIES[0])
        .forward(wib(2025, 4, 8), UNIT)
        .follow_up(wib(2025, 4, 14))
        .respond(wib(2025, 4, 15))
        .close(wib(2025, 4, 16)),
        History(wib(2025, 3, 3))
        .verify(wib(2025, 3, 3, 10))
        .disposition(wib(2025, 3, 3, 11), AGENCIES[1])
        .decline(wib(2025, 3, 4))
        .redisposition(wib(2025, 3, 4, 10), AGENCIES[0])
        .decline(wib(2025, 3, 5))
        .redisposition(wib(2025, 3, 5, 10), AGENCIES[2]),
        History(wib(2025, 5, 5), target=AGENCIES[2])
        .verify(wib(2025, 5, 6))
        .respond(wib(2025, 5, 7))
        .close(wib(2025, 5, 26), automatic=True),
        History(wib(2025, 3, 10)).delete(wib(2025, 3, 10, 10)),
    ]


@pytest.fixture
def engine(tmp_path):
    engine = sqlite_engine(tmp_path)
    apply_all(engine, sample_histories())
    yield engine
    engine.dispose()


def report_of(engine, period: str) -> Report:
    with engine.connect() as connection:
        return build_report(connection, Period.parse(period), wib(2025, 12, 31))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parsed_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.tags


def test_html_names_every_agency(engine):
    html = render_html(report_of(engine, "2025-03"))
    for agency in AGENCIES:
        assert f'id="agency-{agency}"' in html, agency
    assert f"unit {UNIT}" in html


def test_html_is_self_contained(engine):
    html = render_html(report_of(engine, "2025"))
    tags = parsed_tags(html)
    names = {tag for tag, _ in tags}
    assert "script" not in names
    assert "link" not in names
    assert "img" not in names
    for _, attributes in tags:
        assert "src" not in attributes
        href = attributes.get("href")
        assert href is None or href.startswith("#"), href
    assert not re.search(r"https?://", html)
    assert "@import" not in html
    assert "url(" not in html
    assert html.count("<svg") == 5


def test_html_escapes_text(engine):
    report = report_of(engine, "2025-03")
    national = report.figures.scope()
    assert national is not None
    tampered = report.model_copy(
        update={
            "figures": report.figures.model_copy(
                update={
                    "figures": (
                        *report.figures.figures,
                        national.model_copy(
                            update={"agency": "<b>x</b>", "scope": ScopeKind.AGENCY}
                        ),
                    )
                }
            )
        }
    )
    html = render_html(tampered)
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def _parse_value(text: str, expected: object) -> object:
    if text == "":
        return None
    if isinstance(expected, bool):
        return text == "true"
    if isinstance(expected, int):
        return int(text)
    return float(text)


def test_csv_parses_back_to_the_figures(engine):
    report = report_of(engine, "2025")
    values = parse_csv(render_csv(report))
    checked = 0
    for period in (report.figures, *report.months):
        for found in period.figures:
            for metric, value in figure_values(found):
                key = (period.period, found.scope.value, found.agency, found.unit)
                parsed = _parse_value(values[(*key, metric, "")], value)
                if isinstance(value, float):
                    assert parsed == pytest.approx(value, abs=1e-6), (key, metric)
                else:
                    assert parsed == value, (key, metric)
                checked += 1
    assert checked > 100


def test_csv_lists_backlog_and_bounces(engine):
    values = parse_csv(render_csv(report_of(engine, "2025-03")))
    chain = ">".join((AGENCIES[1], AGENCIES[0], AGENCIES[2]))
    assert values[("2025-03", "national", "", "", "bounce_chain", chain)] == "1"
    backlog = ("2025-03", "agency", AGENCIES[2], "", "backlog")
    assert values[(*backlog, "stage=dispositioned;age=61+")] == "1"


def test_annual_report_has_every_month(engine):
    report = report_of(engine, "2025")
    assert [month.period for month in report.months] == [
        f"2025-{month:02d}" for month in range(1, 13)
    ]
    march = report.months[2].scope()
    assert march is not None
    assert march.received == 3


def test_durations_in_csv_have_mean_median_count(engine):
    values = parse_csv(render_csv(report_of(engine, "2025-03")))
    unit_key = ("2025-03", "unit", AGENCIES[0], UNIT)
    assert float(values[(*unit_key, "days_to_first_follow_up.mean", "")]) == 4.0
    assert values[(*unit_key, "days_to_first_follow_up.count", "")] == "1"


@pytest.mark.parametrize("report_format", ["html", "csv"])
def test_report_command_writes_file(tmp_path, engine, report_format):
    url = str(engine.url)
    out = tmp_path / "out" / f"report.{report_format}"
    status = main(
        [
            "report",
            "--period",
            "2025-03",
            "--format",
            report_format,
            "--out",
            str(out),
            "--db",
            url,
        ]
    )
    assert status == 0
    text = out.read_text(encoding="utf-8")
    for agency in AGENCIES:
        assert agency in text


def test_report_command_for_one_agency(tmp_path, engine):
    out = tmp_path / "agency.csv"
    arguments = ["report", "--year", "2025", "--format", "csv", "--out", str(out)]
    arguments += ["--db", str(engine.url), "--agency", AGENCIES[1]]
    assert main(arguments) == 0
    values = parse_csv(out.read_text(encoding="utf-8"))
    assert {key[2] for key in values} - {""} == {AGENCIES[1]}
    assert ("2025", "national", "", "", "received", "") not in values
    chain = ">".join((AGENCIES[1], AGENCIES[0], AGENCIES[2]))
    assert ("2025", "national", "", "", "bounce_chain", chain) in values


def test_report_command_rejects_bad_period(tmp_path, engine, capsys):
    out = tmp_path / "x.html"
    arguments = ["report", "--period", "2025-13", "--out", str(out)]
    assert main([*arguments, "--db", str(engine.url)]) == 1
    assert "month 13 of 2025 is invalid" in capsys.readouterr().err
    assert not out.exists()


def test_agency_view_of_annual_report(engine):
    report = report_of(engine, "2025").for_agency(AGENCIES[2])
    html = render_html(report)
    assert f'id="agency-{AGENCIES[2]}"' in html
    assert f'id="agency-{AGENCIES[0]}"' not in html
    assert "National figures" not in html
    assert html.count("<svg") == 4

"""Command line of the performance projection: write a monthly or annual report.

Example::

    python -m projections.performance report --period 2024-05 --format html \\
        --out var/reports/2024-05.html
"""

from __future__ import annotations

import argparse
import logging
import sys
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from projections.performance.database import open_view, performance_location
from projections.performance.errors import PerformanceError
from projections.performance.figures import MetricsSettings
from projections.performance.periods import Period, parse_as_of
from projections.performance.report import build_report, render_csv, render_html

logger = logging.getLogger(__name__)


class ReportFormat(StrEnum):
    HTML = "html"
    CSV = "csv"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m projections.performance",
        description="Performance metrics of complaint handling per agency and unit.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser(
        "report", help="write the monthly or annual report as HTML or CSV"
    )
    period = report.add_mutually_exclusive_group(required=True)
    period.add_argument("--period", help="month to report on, as YYYY-MM")
    period.add_argument("--year", help="year to report on, as YYYY")

    report.add_argument(
        "--format",
        choices=[choice.value for choice in ReportFormat],
        default=ReportFormat.HTML.value,
        help="output format (default: html)",
    )
    report.add_argument("--out", type=Path, required=True, help="file to write")

    report.add_argument(
        "--db",
        default=None,
        help="database URL of the view (default: $LAPOR_PROJECTION_DATABASE_URL, "
        "else the SQLite file projections/performance.sqlite in the data folder)",
    )
    report.add_argument(
        "--schema",
        default=None,
        help="PostgreSQL schema of the view (default: projection_performance)",
    )
    report.add_argument(
        "--as-of",
        default=None,
        help="count only events known by this ISO 8601 moment with offset "
        "(default: the last instant of the period)",
    )
    report.add_argument(
        "--agency", default=None, help="limit the report to one agency and its units"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return _report(arguments)
    except (PerformanceError, SQLAlchemyError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 (command line output)
        return 1


def _report(arguments: argparse.Namespace) -> int:
    settings = MetricsSettings()
    zone = settings.calendar.time_zone
    period = Period.parse(arguments.period or arguments.year, zone)
    as_of = None if arguments.as_of is None else parse_as_of(arguments.as_of)
    engine = open_view(performance_location(arguments.db, arguments.schema))
    try:
        with engine.connect() as connection:
            report = build_report(connection, period, as_of, settings)
    finally:
        engine.dispose()
    if arguments.agency is not None:
        report = report.for_agency(arguments.agency)
    if ReportFormat(arguments.format) is ReportFormat.CSV:
        text = render_csv(report)
    else:
        text = render_html(report)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(text, encoding="utf-8")
    logger.info(
        "Wrote the %s report of %s as of %s to %s",
        report.kind.value,
        report.period,
        report.as_of.isoformat(),
        arguments.out,
    )
    return 0

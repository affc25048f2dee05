"""Monthly and annual performance reports, as HTML with charts and as CSV."""

from projections.performance.report.csv_export import COLUMNS, parse_csv, render_csv
from projections.performance.report.html import render_html
from projections.performance.report.model import Report, ReportKind, build_report

__all__ = [
    "COLUMNS",
    "Report",
    "ReportKind",
    "build_report",
    "parse_csv",
    "render_csv",
    "render_html",
]

"""The run's output on the terminal: import figures as they come, then the summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mainjob.imports import ImportOutcome
    from mainjob.summary import Check, RunFigures
    from projections.audit.auditor import AuditReport
    from projections.performance.figures import Figures

TOP_AGENCIES = 10
CONSISTENT = "consistent"
WIDTH_WITHOUT_TERMINAL = 140
"""Columns of the output when it goes to a file or pipe (rich's default is 80)."""
NO_HOLDER = "(no agency yet)"


def make_console() -> Console:
    """Return the console for the run's output on standard output."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=WIDTH_WITHOUT_TERMINAL)
    return console


def print_import(console: Console, outcome: ImportOutcome) -> None:
    """Print one finished import's figures."""
    result = outcome.result
    console.print(
        f"[bold]{result.source}[/] ({result.profile}): rows read {result.rows_read}, "
        f"accepted {result.rows_accepted}, rejected {result.rows_rejected}; "
        f"complaints submitted {outcome.complaints_submitted}; commands sent "
        f"{result.commands_sent} (accepted {result.commands_accepted}, duplicate "
        f"{result.commands_duplicate}, rejected {result.commands_rejected}); "
        f"deadline actions {outcome.deadline_actions}; {result.elapsed_seconds:.1f} s"
    )
    if result.timestamps_synthesised:
        console.print(f"[yellow]NOTE: {result.synthesis_note}[/]")


def print_summary(console: Console, figures: RunFigures) -> None:
    """Print every summary section in order."""
    console.rule("Summary")
    console.print(_status_table(figures))
    console.print(_ranking("Top agencies by backlog (open)", figures.status.backlog))
    console.print(
        _ranking(
            "Top agencies by overdue open complaints "
            "(a deadline passed by the end of the source's history)",
            figures.status.overdue,
        )
    )
    console.print(_performance_table(figures.national, figures.agencies))
    console.print(_audit_table(figures.audit))
    console.print(_rejections_table(figures.imports))
    _print_checks(console, figures.checks())


def _status_table(figures: RunFigures) -> Table:
    table = Table(title="Complaints by status (status view, all agencies)")
    table.add_column("status")
    table.add_column("complaints", justify="right")
    for status, count in figures.status.by_status.items():
        table.add_row(status, str(count))
    table.add_row("[bold]total[/]", f"[bold]{sum(figures.status.by_status.values())}")
    return table


def _ranking(title: str, counts: Sequence[tuple[str, int]]) -> Table:
    table = Table(title=title)
    table.add_column("agency", no_wrap=True)
    table.add_column("complaints", justify="right")
    for agency, count in counts[:TOP_AGENCIES]:
        table.add_row(agency or NO_HOLDER, str(count))
    if not counts:
        table.add_row("(none)", "0")
    return table


def _performance_table(national: Figures, agencies: Sequence[Figures]) -> Table:
    table = Table(
        title=f"Performance, whole history: national and top {TOP_AGENCIES} "
        "agencies by complaints received"
    )
    table.add_column("agency", no_wrap=True)
    for heading in (
        "received",
        "followed up",
        "followed up within 5 working days",
        "median working days to 1st follow-up",
        "closed automatically",
        "declined",
    ):
        table.add_column(heading, justify="right", max_width=14)
    busiest = sorted(agencies, key=lambda f: (-f.received, f.agency))[:TOP_AGENCIES]
    for figures in (national, *busiest):
        median = figures.days_to_first_follow_up.median
        table.add_row(
            figures.agency or "[bold]national[/]",
            str(figures.received),
            _share(figures.followed_up_share),
            _share(figures.followed_up_within_target_share),
            "-" if median is None else f"{median:.1f}",
            _share(figures.automatic_close_share),
            _share(figures.declined_share),
        )
    return table


def _audit_table(report: AuditReport) -> Table:
    table = Table(title="Audit of the events topic (public key only)")
    table.add_column("check")
    table.add_column("result", justify="right")
    table.add_row("topic", report.topic)
    table.add_row("verification", "[green]clean[/]" if report.clean else "[red]FAILED")
    table.add_row("events checked", str(report.records))
    table.add_row("partitions", str(report.partitions))
    table.add_row("complaints", str(report.complaints))
    table.add_row("faults", str(len(report.findings)))
    table.add_row("duplicates", str(len(report.duplicates)))
    checkpoints = report.checkpoints
    if checkpoints is not None:
        table.add_row("signed checkpoints accepted", str(checkpoints.accepted))
        table.add_row("complaint heads vouched for", str(checkpoints.heads))
    for finding in report.findings[:5]:
        table.add_row(f"[red]{finding.kind}[/]", finding.message[:120])
    return table


def _rejections_table(imports: Sequence[ImportOutcome]) -> Table:
    table = Table(title="Rejected rows and commands by reason, per source")
    table.add_column("source")
    table.add_column("kind")
    table.add_column("reason")
    table.add_column("count", justify="right")
    for outcome in imports:
        result = outcome.result
        reasons = [("row", r, n) for r, n in result.rejected_rows_by_reason.items()]
        reasons += [
            ("command", r, n) for r, n in result.rejected_commands_by_reason.items()
        ]
        if not reasons:
            table.add_row(result.profile, "-", "(none rejected)", "0")
        for kind, reason, count in reasons:
            table.add_row(result.profile, kind, reason, str(count))
    return table


def _print_checks(console: Console, checks: Sequence[Check]) -> None:
    failed = [check for check in checks if not check.holds]
    for check in checks:
        values = ", ".join(f"{name} {value}" for name, value in check.values.items())
        mark = "[green]ok[/]" if check.holds else "[red]MISMATCH[/]"
        console.print(f"{mark} {check.name}: {values}")
    if failed:
        names = "; ".join(check.name for check in failed)
        console.print(f"[bold red]inconsistent: {names}[/]")
    else:
        console.print(f"[bold green]{CONSISTENT}[/]: every figure agrees")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"

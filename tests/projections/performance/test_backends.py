"""The same histories give the same figures on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import pytest

from projections.performance.backlog import take_snapshot
from projections.performance.database import open_view, performance_location
from projections.performance.figures import MetricsSettings
from projections.performance.periods import Period
from projections.performance.queries import compute_with_months
from projections.performance.report import build_report, render_csv
from tests.projections.performance.histories import (
    History,
    apply_all,
    sqlite_engine,
    wib,
)
from tests.projections.performance.test_metrics_by_hand import (
    bounced_history,
    idul_fitri_history,
)
from tests.projections.performance.test_report import sample_histories

pytestmark = pytest.mark.postgres

MOMENTS = (wib(2025, 3, 31), wib(2025, 4, 15, 12), wib(2025, 12, 31))


def histories() -> list[History]:
    return [
        *sample_histories(),
        idul_fitri_history(follow_up_day=14),
        idul_fitri_history(follow_up_day=15),
        bounced_history(),
        History(wib(2025, 6, 2))
        .set_pending(wib(2025, 6, 3))
        .complete(wib(2025, 6, 5))
        .verify(wib(2025, 6, 5, 15))
        .disposition(wib(2025, 6, 10), "pemkot-bandung")
        .respond(wib(2025, 6, 11))
        .close(wib(2025, 6, 12))
        .reopen(wib(2025, 6, 13)),
    ]


def results(engine):
    settings = MetricsSettings()
    found = []
    with engine.connect() as connection:
        for moment in MOMENTS:
            period = Period.parse("2025")
            found.append(compute_with_months(connection, period, moment, settings))
            found.append(take_snapshot(connection, moment, settings.calendar))
        report = build_report(connection, Period.parse("2025-03"), MOMENTS[-1])
    return found, render_csv(report)


def test_same_figures_on_sqlite_and_postgresql(tmp_path, postgres_database):
    built = histories()
    lite = sqlite_engine(tmp_path)
    postgres = open_view(performance_location(postgres_database), writer=True)
    assert postgres.dialect.name == "postgresql"
    try:
        assert apply_all(lite, built) == apply_all(postgres, built)
        lite_results, lite_csv = results(lite)
        postgres_results, postgres_csv = results(postgres)
    finally:
        lite.dispose()
        postgres.dispose()
    assert postgres_results == lite_results
    assert postgres_csv == lite_csv
    national = lite_results[-2][0].scope()
    assert national is not None
    assert national.received == len(built)

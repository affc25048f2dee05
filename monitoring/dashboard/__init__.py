"""The Grafana dashboard of the gateway, built from panel definitions in Python.

``python -m monitoring.dashboard`` writes
``monitoring/grafana/dashboards/lapor-gateway.json``, which Grafana's file
provisioning loads.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from monitoring.dashboard.grafana import (
    DASHBOARD,
    DashboardError,
    Datasource,
    build_dashboard,
    load_datasource,
)

if TYPE_CHECKING:
    from monitoring.dashboard.grafana import Json

__all__ = [
    "DASHBOARD",
    "DashboardError",
    "Datasource",
    "build_dashboard",
    "load_datasource",
    "render_dashboard",
]


def render_dashboard(dashboard: Json | None = None) -> str:
    """Return the dashboard JSON as written to the provisioned file."""
    return json.dumps(dashboard or build_dashboard(), indent=2) + "\n"

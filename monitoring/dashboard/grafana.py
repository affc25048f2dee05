"""Grafana dashboard JSON from the rows, in the schema version Grafana 10.4 writes.

Later Grafana versions migrate schema version 39 when they load the dashboard.
The Prometheus data source is read from the Grafana provisioning file, so the
dashboard's panels point at the data source uid that Grafana provisions.
"""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from events.values import FrozenModel
from monitoring.dashboard.operations import AUDIT, HEALTH, POLLING, SLA, WEBHOOKS
from monitoring.dashboard.pipeline import COMMANDS, PROJECTIONS, RELAY

if TYPE_CHECKING:
    from collections.abc import Iterator

    from monitoring.dashboard.model import Panel, Row

Json = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "monitoring" / "grafana"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD = GRAFANA / "dashboards" / "lapor-gateway.json"

UID = "lapor-gateway"
SCHEMA_VERSION = 39
GRID_COLUMNS = 24
ALERT_LIST_HEIGHT = 8

ROWS = (COMMANDS, RELAY, PROJECTIONS, WEBHOOKS, POLLING, SLA, HEALTH, AUDIT)
"""The dashboard's rows below the alert list, from intake to audit."""

VARIABLES = {
    "agency": ("Agency", "label_values(lapor_backlog_complaints, agency)"),
    "projection": ("Projection", "label_values(lapor_projection_halted, projection)"),
}
"""Template variables: name, label and the query that lists their values.

Both source gauges get a series for every configured agency and every
running projection, even when their value is zero."""


class DashboardError(Exception):
    """The dashboard cannot be built from the provisioning files."""


class Datasource(FrozenModel):
    """The provisioned Prometheus data source."""

    name: str
    uid: str

    def reference(self) -> Json:
        return {"type": "prometheus", "uid": self.uid}


def load_datasource(path: Path = DATASOURCES) -> Datasource:
    """Return the Prometheus data source of a Grafana provisioning file.

    With several, the one marked ``isDefault`` wins. Raises
    :class:`DashboardError` when the file provisions none.
    """
    entries = (yaml.safe_load(path.read_text()) or {}).get("datasources") or []
    candidates = [entry for entry in entries if entry.get("type") == "prometheus"]
    candidates.sort(key=lambda entry: not entry.get("isDefault", False))
    if not candidates or "uid" not in candidates[0]:
        raise DashboardError(
            f"{path} provisions no Prometheus data source with a uid: add one "
            "(type: prometheus, uid: ...) so panels can refer to it"
        )
    return Datasource(name=candidates[0]["name"], uid=candidates[0]["uid"])


def build_dashboard(datasource: Datasource | None = None) -> Json:
    """Return the dashboard as Grafana's JSON model."""
    source = datasource or load_datasource()
    return {
        "id": None,
        "uid": UID,
        "title": "LAPOR gateway",
        "description": "Intake, relay, projections, adapters, service levels, "
        "health and audit of the SP4N-LAPOR! gateway.",
        "tags": ["lapor", "gateway"],
        "editable": False,
        "graphTooltip": 1,
        "timezone": "browser",
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "annotations": {"list": [_alert_annotations()]},
        "templating": {"list": [_variable(name, source) for name in VARIABLES]},
        "links": [],
        "panels": list(_layout(source)),
    }


def _layout(source: Datasource) -> Iterator[Json]:
    ids = count(1)
    yield _alert_list(next(ids), source)
    top = ALERT_LIST_HEIGHT
    for row in ROWS:
        yield _row(row, next(ids), top)
        top += 1
        x, height = 0, 0
        for panel in row.panels:
            if x + panel.width > GRID_COLUMNS:
                top, x, height = top + height, 0, 0
            position = {"h": panel.height, "w": panel.width, "x": x, "y": top}
            yield _panel(panel, next(ids), position, source)
            x, height = x + panel.width, max(height, panel.height)
        top += height


def _row(row: Row, panel_id: int, top: int) -> Json:
    return {
        "id": panel_id,
        "type": "row",
        "title": row.title,
        "collapsed": False,
        "gridPos": {"h": 1, "w": GRID_COLUMNS, "x": 0, "y": top},
        "panels": [],
    }


def _panel(panel: Panel, panel_id: int, position: Json, source: Datasource) -> Json:
    defaults: Json = {"unit": panel.unit, "min": 0}
    if panel.maximum is not None:
        defaults["max"] = panel.maximum
    if panel.kind == "stat":
        defaults |= {"color": {"mode": "thresholds"}, "thresholds": _thresholds(panel)}
        options = _stat_options()
    else:
        defaults |= {"color": {"mode": "palette-classic"}, "custom": _lines(panel)}
        options = _series_options()
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": source.reference(),
        "gridPos": position,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options,
        "targets": [
            {
                "refId": chr(ord("A") + index),
                "datasource": source.reference(),
                "expr": query.expr,
                "legendFormat": query.legend,
                "range": True,
            }
            for index, query in enumerate(panel.queries)
        ],
    }


def _lines(panel: Panel) -> Json:
    return {
        "drawStyle": "line",
        "lineWidth": 1,
        "fillOpacity": 40 if panel.stacked else 10,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"mode": "normal" if panel.stacked else "none", "group": "A"},
    }


def _series_options() -> Json:
    return {
        "legend": {
            "showLegend": True,
            "displayMode": "list",
            "placement": "bottom",
            "calcs": [],
        },
        "tooltip": {"mode": "multi", "sort": "desc"},
    }


def _thresholds(panel: Panel) -> Json:
    colours = ("red", "green") if panel.alarm_below else ("green", "red")
    return {
        "mode": "absolute",
        "steps": [
            {"color": colours[0], "value": None},
            {"color": colours[1], "value": panel.alarm_at},
        ],
    }


def _stat_options() -> Json:
    return {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "colorMode": "background",
        "graphMode": "none",
        "justifyMode": "auto",
        "orientation": "auto",
        "textMode": "value_and_name",
    }


def _alert_list(panel_id: int, source: Datasource) -> Json:
    return {
        "id": panel_id,
        "type": "alertlist",
        "title": "Firing and pending alerts",
        "description": "Alerts of the Prometheus rules in lapor.rules.yml.",
        "gridPos": {"h": ALERT_LIST_HEIGHT, "w": GRID_COLUMNS, "x": 0, "y": 0},
        "options": {
            "viewMode": "list",
            "groupMode": "default",
            "groupBy": [],
            "maxItems": 20,
            "sortOrder": 3,
            "dashboardAlerts": False,
            "alertName": "",
            "alertInstanceLabelFilter": "",
            "datasource": source.name,
            "showInstances": True,
            "stateFilter": {
                "firing": True,
                "pending": True,
                "noData": False,
                "normal": False,
                "error": True,
            },
        },
    }


def _variable(name: str, source: Datasource) -> Json:
    label, query = VARIABLES[name]
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": source.reference(),
        "query": {"query": query, "refId": f"{name}-values"},
        "definition": query,
        "refresh": 2,
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "sort": 1,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
        "hide": 0,
    }


def _alert_annotations() -> Json:
    return {
        "builtIn": 1,
        "datasource": {"type": "grafana", "uid": "-- Grafana --"},
        "enable": True,
        "hide": True,
        "iconColor": "rgba(0, 211, 255, 1)",
        "name": "Annotations & Alerts",
        "type": "dashboard",
    }

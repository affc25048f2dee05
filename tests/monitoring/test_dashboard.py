"""The Grafana dashboard, the PromQL of dashboard and rules, and provisioning."""

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from monitoring.catalog import build_catalogue
from monitoring.dashboard import (
    DASHBOARD,
    DashboardError,
    build_dashboard,
    load_datasource,
    render_dashboard,
)
from monitoring.dashboard.__main__ import main as dashboard_main
from monitoring.reference import PROCESS_SERIES

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "monitoring" / "prometheus"
RULES = PROMETHEUS / "rules" / "lapor.rules.yml"
RULE_TESTS = Path(__file__).with_name("rules_test.yml")
COMPOSE = ROOT / "docker-compose.yml"
PROVISIONED_DATASOURCES = (
    ROOT / "monitoring" / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
)

# PromQL tokenizer

TOKEN = re.compile(
    r"""
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
    |(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[a-z]*)
    |(?P<variable>\$\{?\w+\}?)
    |(?P<identifier>[A-Za-z_:][\w:]*)
    |(?P<symbol>=~|!~|!=|==|>=|<=|[-+*/%^<>=(){}\[\],@])
    |(?P<space>\s+)
    """,
    re.VERBOSE,
)
GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
KEYWORDS = frozenset({"and", "or", "unless", "offset", "bool", "inf", "nan"})
LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*\w+\)$")


def tokenize(expr: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    while position < len(expr):
        match = TOKEN.match(expr, position)
        if match is None:
            pytest.fail(f"cannot tokenize {expr!r} at {position}: {expr[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append((kind, match.group()))
        position = match.end()
    return tokens


def metric_names(expr: str) -> list[str]:
    """Return the metric names an expression selects, in order.

    A name is an identifier outside braces and brackets that is neither a
    function or aggregation (followed by ``(`` or by a grouping keyword), nor
    a keyword, nor a label in a grouping list.
    """
    tokens = tokenize(expr)
    names = []
    nesting = 0
    skip_list = False
    for index, (kind, text) in enumerate(tokens):
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if text in {"{", "["}:
            nesting += 1
        elif text in {"}", "]"}:
            nesting -= 1
        elif skip_list:
            skip_list = text != ")"
        elif kind != "identifier" or nesting:
            continue
        elif text in GROUPING:
            skip_list = following == "("
        elif text not in KEYWORDS and following != "(" and following not in GROUPING:
            names.append(text)
    return names


def selected_names(expr: str) -> list[str]:
    """Return the metric names of a query or of a ``label_values`` variable query."""
    match = LABEL_VALUES.match(expr.strip())
    return metric_names(match["selector"] if match else expr)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("up", ["up"]),
        ('up{job=~"lapor-.*"} == 0', ["up"]),
        (
            'sum by (outcome) (rate(lapor_x_total{agency=~"$a"}[$__rate_interval]))',
            ["lapor_x_total"],
        ),
        (
            "histogram_quantile(0.95, sum by (le, route) (rate(lapor_y_bucket[5m])))",
            ["lapor_y_bucket"],
        ),
        ("sum(rate(a_total[5m])) by (job) / on (job) group_left b", ["a_total", "b"]),
        ("lapor:x:sum > 1.5 * (lapor:x:sum offset 1d)", ["lapor:x:sum", "lapor:x:sum"]),
        ("time() - max without (instance) (lapor_t_seconds)", ["lapor_t_seconds"]),
        (
            "label_values(lapor_backlog_complaints, agency)",
            ["lapor_backlog_complaints"],
        ),
        ("max(a) > 0 and sum(b) == 0 unless c", ["a", "b", "c"]),
    ],
)
def test_metric_names_tokenizer(expr, expected):
    assert selected_names(expr) == expected


# Known names


@pytest.fixture(scope="module")
def catalogue():
    return build_catalogue()


@pytest.fixture(scope="module")
def rule_groups():
    return yaml.safe_load(RULES.read_text())["groups"]


@pytest.fixture(scope="module")
def recorded(rule_groups):
    return {
        rule["record"]
        for group in rule_groups
        for rule in group["rules"]
        if "record" in rule
    }


@pytest.fixture(scope="module")
def exposed(catalogue):
    return catalogue.sample_names() | set(PROCESS_SERIES) | {"up"}


@pytest.fixture(scope="module")
def dashboard():
    return build_dashboard()


def dashboard_queries(dashboard) -> list[tuple[str, str]]:
    queries = [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    queries += [
        (f"variable {variable['name']}", variable["query"]["query"])
        for variable in dashboard["templating"]["list"]
    ]
    return queries


def test_dashboard_uses_catalogued_names(dashboard, exposed, recorded):
    for where, expr in dashboard_queries(dashboard):
        names = selected_names(expr)
        assert names, f"{where}: no metric in {expr!r}"
        for name in names:
            assert name in exposed | recorded, f"{where}: unknown metric {name}"


def test_rules_use_catalogued_names(rule_groups, exposed, recorded):
    for group in rule_groups:
        for rule in group["rules"]:
            where = rule.get("alert") or rule["record"]
            names = metric_names(rule["expr"])
            assert names, f"{where}: no metric in {rule['expr']!r}"
            for name in names:
                assert name in exposed | recorded, f"{where}: unknown metric {name}"


def test_rule_tests_use_catalogued_series(exposed):
    for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]:
        for series in test.get("input_series", []):
            (name,) = metric_names(series["series"])
            assert name in exposed, f"{test['name']}: unknown series {name}"


def test_dashboard_shows_every_family(dashboard, catalogue):
    referenced = {
        name
        for _, expr in dashboard_queries(dashboard)
        for name in selected_names(expr)
    }
    for family in catalogue.families:
        assert referenced & set(family.samples), family.series


def test_dashboard_shows_process_series(dashboard):
    referenced = {
        name
        for _, expr in dashboard_queries(dashboard)
        for name in selected_names(expr)
    }
    for name in (
        "up",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
    ):
        assert name in referenced, name


GRAFANA_VARIABLES = {"$agency": ".*", "$projection": ".*", "$__rate_interval": "1m"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def query_status(api: str, expr: str) -> tuple[int, str]:
    url = f"{api}/api/v1/query?query={urllib.parse.quote(expr)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def prometheus_api(tmp_path):
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is missing: .ci/run installs Debian's prometheus")
        pytest.skip("prometheus is missing: apt-get install prometheus")
    config = tmp_path / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
    port = free_port()
    log = (tmp_path / "prometheus.log").open("w")
    server = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    api = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while query_status_or_none(api) is None:
            if time.monotonic() > deadline:
                pytest.fail("timed out after 30 s waiting for Prometheus to start")
            time.sleep(0.2)
        yield api
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def query_status_or_none(api: str) -> int | None:
    try:
        return query_status(api, "1")[0]
    except OSError:
        return None


def test_dashboard_queries_parse_in_prometheus(dashboard, prometheus_api):
    for where, expr in dashboard_queries(dashboard):
        match = LABEL_VALUES.match(expr)
        query = match["selector"] if match else expr
        for variable, value in GRAFANA_VARIABLES.items():
            query = query.replace(variable, value)
        status, body = query_status(prometheus_api, query)
        assert status == 200, f"{where}: {query!r} was rejected: {body}"


# Dashboard structure


def test_committed_dashboard_is_current():
    assert DASHBOARD.read_text() == render_dashboard(), (
        "lapor-gateway.json is stale: run python -m monitoring.dashboard"
    )


def test_cli_writes_dashboard(tmp_path, capsys):
    output = tmp_path / "dashboard.json"
    assert dashboard_main(["--output", str(output)]) == 0
    assert json.loads(output.read_text()) == json.loads(render_dashboard())
    assert str(output) in capsys.readouterr().out


def test_panels_use_the_provisioned_datasource(dashboard):
    provisioned = yaml.safe_load(PROVISIONED_DATASOURCES.read_text())["datasources"]
    uid = next(entry["uid"] for entry in provisioned if entry["type"] == "prometheus")
    for panel in dashboard["panels"]:
        if panel["type"] in {"row", "alertlist"}:
            continue
        assert panel["datasource"]["uid"] == uid, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid, panel["title"]


def test_schema_is_grafana_ten_or_later(dashboard):
    assert dashboard["schemaVersion"] >= 38
    assert dashboard["uid"] == "lapor-gateway"


def test_rows_cover_every_area(dashboard):
    rows = [panel["title"] for panel in dashboard["panels"] if panel["type"] == "row"]
    assert rows == [
        "Command intake",
        "Relay",
        "Projections",
        "Adapters: webhook push",
        "Adapters: polling",
        "Service levels",
        "Health",
        "Audit",
    ]


def test_alert_list_reads_prometheus_rules(dashboard):
    alert_lists = [
        panel for panel in dashboard["panels"] if panel["type"] == "alertlist"
    ]
    assert len(alert_lists) == 1
    assert alert_lists[0]["options"]["datasource"] == load_datasource().name


def test_variables_filter_agency_and_projection(dashboard):
    variables = {item["name"]: item for item in dashboard["templating"]["list"]}
    assert set(variables) == {"agency", "projection"}
    for variable in variables.values():
        assert variable["includeAll"], variable["name"]
        assert variable["allValue"] == ".*", variable["name"]
    exprs = [expr for _, expr in dashboard_queries(dashboard)]
    assert any('agency=~"$agency"' in expr for expr in exprs)
    assert any('projection=~"$projection"' in expr for expr in exprs)


def test_panel_ids_are_unique(dashboard):
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_panels_fit_the_grid_without_overlap(dashboard):
    boxes = []
    for panel in dashboard["panels"]:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24, panel["title"]
        for other_title, other in boxes:
            apart = (
                box["x"] >= other["x"] + other["w"]
                or other["x"] >= box["x"] + box["w"]
                or box["y"] >= other["y"] + other["h"]
                or other["y"] >= box["y"] + box["h"]
            )
            assert apart, f"{panel['title']} overlaps {other_title}"
        boxes.append((panel["title"], box))


def test_every_panel_describes_itself(dashboard):
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["description"], panel["title"]


def test_datasource_missing_raises(tmp_path):
    path = tmp_path / "datasources.yml"
    path.write_text("apiVersion: 1\ndatasources:\n  - name: Loki\n    type: loki\n")
    with pytest.raises(DashboardError, match="no Prometheus data source"):
        load_datasource(path)


def test_default_datasource_wins(tmp_path):
    path = tmp_path / "datasources.yml"
    path.write_text(
        "datasources:\n"
        "  - {name: Other, type: prometheus, uid: other}\n"
        "  - {name: Main, type: prometheus, uid: main, isDefault: true}\n"
    )
    assert load_datasource(path).uid == "main"


# Prometheus provisioning


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: .ci/run installs Debian's prometheus")
        pytest.skip("promtool is missing: apt-get install prometheus")
    return path


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def scrape_config():
    return yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())


def project_services(compose) -> list[str]:
    """Return the compose services that run the gateway's own image."""
    return [
        name
        for name, service in compose["services"].items()
        if "build" in service or str(service.get("image", "")).startswith("lapor-")
    ]


def test_prometheus_config_passes_promtool():
    result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [promtool(), "check", "config", str(PROMETHEUS / "prometheus.yml")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    output = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 0, output
    assert "lapor.rules.yml" in output


def test_every_project_service_is_scraped(compose, scrape_config):
    services = project_services(compose)
    assert services
    jobs = {job["job_name"]: job for job in scrape_config["scrape_configs"]}
    for service in services:
        job = jobs.get(f"lapor-{service}")
        assert job is not None, f"no scrape job lapor-{service}"
        hosts = {
            target.split(":")[0]
            for static in job["static_configs"]
            for target in static["targets"]
        }
        assert hosts == {service}, f"lapor-{service} scrapes {hosts}"


def test_gateway_jobs_match_alert(scrape_config):
    alert_pattern = re.compile(r"lapor-.*")
    jobs = [job["job_name"] for job in scrape_config["scrape_configs"]]
    gateway_jobs = [job for job in jobs if job != "prometheus"]
    assert gateway_jobs
    for job in gateway_jobs:
        assert alert_pattern.fullmatch(job), job


def test_compose_mounts_the_rule_files(compose, scrape_config):
    config_file = "/etc/prometheus/prometheus.yml"
    volumes = compose["services"]["prometheus"]["volumes"]
    mounts = dict(
        reversed(volume.split(":")[:2]) for volume in volumes if volume.startswith("./")
    )
    config_dir = Path(config_file).parent
    for pattern in scrape_config["rule_files"]:
        mounted = config_dir / Path(pattern).parent
        assert str(mounted) in mounts, f"{mounted} is not mounted"
        local = ROOT / mounts[str(mounted)]
        assert list(local.glob(Path(pattern).name)), f"{pattern} matches no file"

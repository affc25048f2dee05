"""The destinations file: secrets from outside the file, HTTPS only."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.webhook.config import Destination, WebhookConfig
from adapters.webhook.errors import WebhookConfigError

SECRET = "s" * 32
VARIABLE = "HOOK_SECRET"


def test_secret_from_environment():
    destination = Destination(
        agency="ag-a", url="https://hooks.example.go.id/x", secret_env=VARIABLE
    )
    assert destination.read_secret({"HOOK_SECRET": SECRET}) == SECRET.encode()


def test_secret_from_file_drops_newline(tmp_path):
    path = tmp_path / "secret"
    path.write_text(SECRET + "\n")
    destination = Destination(
        agency="ag-a", url="https://hooks.example.go.id/x", secret_file=path
    )
    assert destination.read_secret() == SECRET.encode()


@pytest.mark.parametrize("value", [None, "", "short"])
def test_missing_or_short_secret_is_rejected(value):
    destination = Destination(
        agency="ag-a", url="https://hooks.example.go.id/x", secret_env=VARIABLE
    )
    environ = {} if value is None else {"HOOK_SECRET": value}
    with pytest.raises(WebhookConfigError, match="HOOK_SECRET") as raised:
        destination.read_secret(environ)
    assert "short" not in str(raised.value).replace("shorter", "")


def test_missing_secret_file_names_the_file(tmp_path):
    destination = Destination(
        agency="ag-a", url="https://h.example/x", secret_file=tmp_path / "none"
    )
    with pytest.raises(WebhookConfigError, match="none"):
        destination.read_secret()


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.go.id/x",
        "http://10.0.0.1/x",
        "ftp://127.0.0.1/x",
        "https:///nohost",
    ],
)
def test_plain_http_only_to_loopback(url):
    with pytest.raises(ValidationError, match="https"):
        Destination(agency="ag-a", url=url, secret_env=VARIABLE)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]:9/x"]
)
def test_loopback_http_is_allowed(url):
    assert Destination(agency="ag-a", url=url, secret_env=VARIABLE).url == url


def test_exactly_one_secret_source():
    with pytest.raises(ValidationError, match="exactly one"):
        Destination(agency="ag-a", url="https://h.example/x")


def test_duplicate_agency_is_rejected():
    entry = {"agency": "ag-a", "url": "https://h.example/x", "secret_env": VARIABLE}
    with pytest.raises(ValidationError, match="more than one"):
        WebhookConfig.model_validate({"destinations": [entry, entry]})


def test_load_reports_the_file(tmp_path):
    path = tmp_path / "hooks.yaml"
    path.write_text("destinations: [{agency: ag-a, url: 'http://x.example/'}]\n")
    with pytest.raises(WebhookConfigError, match=str(path)):
        WebhookConfig.load(path)


def test_unknown_agency_destination_lists_configured():
    config = WebhookConfig.model_validate(
        {
            "destinations": [
                {"agency": "ag-a", "url": "https://h.example/", "secret_env": VARIABLE}
            ]
        }
    )
    with pytest.raises(WebhookConfigError, match="ag-a"):
        config.destination("ag-b")

"""Open311 GeoReport v2 documents, as the server returns them and the client reads them.

Field names are the specification's. Times are ISO 8601 with an offset.
``status`` is only ``open`` or ``closed``; ``status_notes`` carries the
gateway's detailed lifecycle status.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from events.values import FrozenModel


class RequestStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Service(FrozenModel):
    """One entry of ``services.json``."""

    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    keywords: str = ""
    group: str = ""


class AttributeValue(FrozenModel):
    key: str
    name: str


class ServiceAttribute(FrozenModel):
    """An attribute of a service definition (``services/{code}.json``)."""

    variable: bool = True
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist"]
    required: bool
    datatype_description: str = ""
    order: int
    description: str
    values: tuple[AttributeValue, ...] = ()


class ServiceDefinition(FrozenModel):
    service_code: str
    attributes: tuple[ServiceAttribute, ...]


class ServiceRequest(BaseModel):
    """One entry of ``requests.json``; fields a reader may not see are left out."""

    model_config = ConfigDict(frozen=True, extra="allow")

    service_request_id: str
    status: RequestStatus
    status_notes: str | None = None
    service_name: str | None = None
    service_code: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: dt.datetime | None = None
    updated_datetime: dt.datetime | None = None
    expected_datetime: dt.datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


class RequestCreated(FrozenModel):
    """The answer to ``POST requests.json`` when the request is recorded."""

    service_request_id: str
    service_notice: str | None = None
    account_id: str | None = None


class Open311Error(FrozenModel):
    """One error in the specification's error list."""

    code: int
    description: str

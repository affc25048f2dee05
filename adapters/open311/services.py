"""The services the Open311 server offers: complaint categories with a classification.

A service is one complaint category (``category`` of the submission) under
one classification (pengaduan, aspirasi, ...). The default catalogue holds
common SP4N-LAPOR! categories; a deployment passes its own. Every service has
two optional attributes, ``anonymous`` and ``confidential``, so a reporter
can ask for anonim or rahasia through ``attribute[...]``.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

from adapters.open311.models import (
    AttributeValue,
    Service,
    ServiceAttribute,
    ServiceDefinition,
)
from events.values import Classification, FrozenModel

ServiceCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]

FLAG_VALUES = (
    AttributeValue(key="true", name="Ya"),
    AttributeValue(key="false", name="Tidak"),
)
PRIVACY_ATTRIBUTES = (
    ServiceAttribute(
        code="anonymous",
        datatype="singlevaluelist",
        required=False,
        order=1,
        description="Anonim: hide the reporter's identity from the agencies.",
        values=FLAG_VALUES,
    ),
    ServiceAttribute(
        code="confidential",
        datatype="singlevaluelist",
        required=False,
        order=2,
        description="Rahasia: hide the whole report from the public.",
        values=FLAG_VALUES,
    ),
)


class CatalogEntry(FrozenModel):
    code: ServiceCode
    category: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    classification: Classification = Classification.COMPLAINT
    description: str = ""
    keywords: tuple[str, ...] = ()

    def service(self) -> Service:
        return Service(
            service_code=self.code,
            service_name=self.category,
            description=self.description or self.category,
            metadata=True,
            keywords=", ".join(self.keywords),
            group=self.classification.value,
        )


class ServiceCatalog:
    """Services by code."""

    def __init__(self, entries: tuple[CatalogEntry, ...]) -> None:
        self.entries = {entry.code: entry for entry in entries}

    def services(self) -> list[Service]:
        return [entry.service() for entry in self.entries.values()]

    def get(self, code: str) -> CatalogEntry | None:
        return self.entries.get(code)

    def definition(self, code: str) -> ServiceDefinition | None:
        if code not in self.entries:
            return None
        return ServiceDefinition(service_code=code, attributes=PRIVACY_ATTRIBUTES)

    def code_of(self, category: str | None) -> str | None:
        """Return the code of the service with this category, if any."""
        for entry in self.entries.values():
            if entry.category == category:
                return entry.code
        return None


def slug(text: str) -> str:
    """Return the service code of a category name: ``pekerjaan-umum``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63] or "lainnya"


DEFAULT_CATEGORIES = (
    "Pekerjaan Umum",
    "Perhubungan",
    "Kesehatan",
    "Pendidikan",
    "Sosial",
    "Kependudukan",
    "Lingkungan Hidup",
    "Ketertiban Umum",
    "Energi dan Listrik",
    "Ketenagakerjaan",
)
"""Categories seen in a public SP4N-LAPOR! sample; a deployment configures its own."""

DEFAULT_CATALOG = ServiceCatalog(
    (
        *(CatalogEntry(code=slug(name), category=name) for name in DEFAULT_CATEGORIES),
        CatalogEntry(
            code="aspirasi",
            category="Aspirasi",
            classification=Classification.ASPIRATION,
            description="A suggestion that needs no answer.",
        ),
        CatalogEntry(
            code="permintaan-informasi",
            category="Permintaan Informasi",
            classification=Classification.INFORMATION_REQUEST,
        ),
    )
)

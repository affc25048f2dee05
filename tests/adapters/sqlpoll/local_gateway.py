"""A gateway in the test process for the polling adapters: store, registry, sink."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry

from adapters.mapping import MappingCatalog, MappingMetrics, StatusMapper
from adapters.sink import InProcessSink
from adapters.sqlpoll.complaints import InProcessComplaints
from events.codec import decode_json
from events.envelope import Actor
from events.values import Channel, Classification, PrivacyFlags, Role
from gateway.agencies import (
    Agency,
    AgencyKind,
    AgencyRegistry,
    AgencySystem,
    hash_token,
)
from gateway.application import ComplaintService
from gateway.complaint.commands import SubmitComplaint, VerifyComplaint
from monitoring.adapters import PollMetrics

if TYPE_CHECKING:
    from pathlib import Path
    from uuid import UUID

CITY = "pemkot-bandung"
CHANNEL_AGENCY = "lapor-web"
WIB = dt.timezone(dt.timedelta(hours=7))
SUBMITTED_AT = dt.datetime(2025, 6, 2, 9, 0, tzinfo=WIB)
CITY_TOKEN = "city-token-for-tests"  # noqa: S105 (a test credential)
CHANNEL_TOKEN = "channel-token-for-tests"  # noqa: S105
LIAISON_TOKEN = "liaison-token-for-tests"  # noqa: S105


def registry() -> AgencyRegistry:
    return AgencyRegistry(
        agencies=(
            Agency(
                id=CITY,
                name="Kota Bandung",
                kind=AgencyKind.REGIONAL,
                units=("dinas-pupr",),
            ),
            Agency(id=CHANNEL_AGENCY, name="LAPOR web", kind=AgencyKind.NATIONAL),
            Agency(id="nyc-311", name="NYC 311", kind=AgencyKind.REGIONAL),
        ),
        systems=(
            AgencySystem(
                id="city-helpdesk",
                agency=CITY,
                roles=frozenset({Role.AGENCY_ADMIN}),
                token_sha256=hash_token(CITY_TOKEN),
            ),
            AgencySystem(
                id="city-liaison",
                agency=CITY,
                roles=frozenset({Role.UNIT_LIAISON}),
                units=frozenset({"dinas-pupr"}),
                token_sha256=hash_token(LIAISON_TOKEN),
            ),
            AgencySystem(
                id="lapor-web",
                agency=CHANNEL_AGENCY,
                roles=frozenset({Role.REPORTER}),
                token_sha256=hash_token(CHANNEL_TOKEN),
            ),
            AgencySystem(
                id="nyc-311-open311",
                agency="nyc-311",
                roles=frozenset({Role.AGENCY_ADMIN}),
                token_sha256=hash_token("nyc-token-for-tests"),
            ),
        ),
    )


@dataclass
class Gateway:
    """A SQLite complaint service with the sink, reader and mapper adapters use."""

    service: ComplaintService
    registry: AgencyRegistry
    sink: InProcessSink
    complaints: InProcessComplaints
    mapper: StatusMapper
    metrics_registry: CollectorRegistry
    poll_metrics: PollMetrics

    @classmethod
    def build(cls, folder: Path) -> Gateway:
        folder.mkdir(parents=True, exist_ok=True)
        agencies = registry()
        service = ComplaintService(
            {
                "PERSISTENCE_MODULE": "gateway.store.sqlite:Factory",
                "SQLITE_DBNAME": str(folder / "gateway.sqlite"),
            }
        )
        metrics_registry = CollectorRegistry()
        mapper = StatusMapper(
            MappingCatalog.load(),
            metrics=MappingMetrics(metrics_registry),
            agencies=frozenset({CITY, "nyc-311"}),
        )
        return cls(
            service=service,
            registry=agencies,
            sink=InProcessSink(service, agencies),
            complaints=InProcessComplaints(service),
            mapper=mapper,
            metrics_registry=metrics_registry,
            poll_metrics=PollMetrics(metrics_registry),
        )

    def close(self) -> None:
        self.service.close()

    def held_complaint(self, tracking_id: str, *, verified: bool = True) -> UUID:
        """Submit a complaint straight to the city and, by default, verify it."""
        submitted = self.service.execute(
            SubmitComplaint(
                command_id=f"submit-{tracking_id}",
                occurred_at=SUBMITTED_AT,
                actor=Actor(agency=CHANNEL_AGENCY, role=Role.REPORTER),
                correlation_id=f"c-{tracking_id}",
                reporter_ref="reporter-1",
                tracking_id=tracking_id,
                channel=Channel.WEBSITE,
                classification=Classification.COMPLAINT,
                title="Lampu jalan mati",
                description="Lampu jalan di depan sekolah mati sejak seminggu.",
                privacy=PrivacyFlags(),
                target_agency=CITY,
            )
        )
        if verified:
            self.service.execute(
                VerifyComplaint(
                    command_id=f"verify-{tracking_id}",
                    occurred_at=SUBMITTED_AT + dt.timedelta(hours=1),
                    actor=Actor(agency=CITY, role=Role.AGENCY_ADMIN),
                    correlation_id=f"c-{tracking_id}",
                    complaint_id=submitted.complaint_id,
                    classification=Classification.COMPLAINT,
                )
            )
        return submitted.complaint_id

    def status(self, complaint_id: UUID) -> str:
        complaint = self.service.find(complaint_id)
        assert complaint is not None
        return complaint.status.value

    def event_names(self, complaint_id: UUID) -> list[str]:
        return [
            decode_json(stored.state).envelope.data.event_name
            for stored in self.service.recorder.select_events(complaint_id)
        ]

    def sample(self, name: str, **labels: str) -> float:
        value = self.metrics_registry.get_sample_value(name, labels)
        return 0.0 if value is None else value

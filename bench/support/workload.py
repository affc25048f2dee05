"""Realistic complaint command streams for benchmarks and fault tests.

Each complaint runs one full lifecycle. Most are submitted by a reporter,
verified and dispositioned by the national admin, forwarded to a unit,
followed up, given a response and closed by the reporter. Some name their agency at
submission (the agency admin verifies them), some are declined and
redispositioned to a second agency, and some are anonymous or confidential, so
the feeds redact. Every command is derived from a seed, so two runs with the
same seed send the same commands.

:func:`command_batches` interleaves the lifecycles like a pipeline. Batch
``i`` holds step ``s`` of the complaints of group ``i - s``, so one batch
mixes submissions with verifications, dispositions, follow-ups and
responses, and never holds two commands for the same complaint.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from events.envelope import Actor
from events.values import (
    Channel,
    Classification,
    Location,
    PrivacyFlags,
    Role,
    SealedIdentity,
)
from gateway.complaint.commands import (
    CloseComplaint,
    DeclineComplaint,
    DispositionComplaint,
    ForwardComplaintToUnit,
    PostResponse,
    RecordFollowUp,
    RedispositionComplaint,
    SubmitComplaint,
    VerifyComplaint,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gateway.complaint.commands import ComplaintCommand

NATIONAL_AGENCY = "kemenpanrb"
REPORTER_SYSTEM = "lapor-web"
HANDLING_AGENCIES = ("pemkot-bandung", "pemprov-jabar", "kemenkes", "pemkab-sleman")
UNITS = ("dinas-pupr", "dinas-kesehatan", "kelurahan-sukajadi")
DIRECT_SHARE = 0.2
"""Share of complaints whose reporter names the agency at submission."""
DECLINED_SHARE = 0.15
"""Share of the other complaints that the first agency declines."""
ANONYMOUS_SHARE = 0.2
CONFIDENTIAL_SHARE = 0.1
LOCATED_SHARE = 0.3
"""Share of submissions with coordinates (floats, so canonical JSON's slow path)."""
START = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
"""A Monday covered by the 2025 deadline rule set."""

NATIONAL = Actor(agency=NATIONAL_AGENCY, role=Role.NATIONAL_ADMIN)
IDENTITY = SealedIdentity(
    key_id="reporter-key-1", nonce="AAECAwQFBgcICQoL", ciphertext="c2VhbGVkIGlk"
)
DESCRIPTIONS = (
    "Lubang besar di jalan dekat halte membahayakan pengendara motor.",
    "Lampu penerangan jalan mati sejak dua minggu, warga khawatir.",
    "Antrean pelayanan puskesmas terlalu panjang dan tidak tertib.",
    "Saluran air tersumbat sehingga banjir setiap hujan deras.",
)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """One complaint's commands, in the order they must be executed."""

    complaint_id: uuid.UUID
    agencies: tuple[str, ...]
    """Every agency that is given the complaint at some point."""
    commands: tuple[ComplaintCommand, ...]


def registry_document() -> dict[str, object]:
    """Return an agency registry (the YAML file's content) naming every agency."""
    agencies: list[dict[str, object]] = [
        {"id": NATIONAL_AGENCY, "name": "KemenPANRB", "kind": "national"},
        {"id": REPORTER_SYSTEM, "name": "LAPOR! web", "kind": "national"},
    ]
    agencies += [
        {"id": agency, "name": agency, "kind": "regional", "units": list(UNITS)}
        for agency in HANDLING_AGENCIES
    ]
    systems = [
        {
            "id": f"{agency}-system",
            "agency": agency,
            "roles": ["agency_admin", "unit_liaison"],
            "units": list(UNITS),
            "token_sha256": f"{index:064x}",
        }
        for index, agency in enumerate(HANDLING_AGENCIES, start=1)
    ]
    return {"agencies": agencies, "systems": systems}


def lifecycles(count: int, *, seed: int = 0, prefix: str = "c") -> list[Lifecycle]:
    """Return ``count`` complaint lifecycles; ``prefix`` keeps command ids unique."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible workload, not a secret)
    return [_lifecycle(rng, f"{prefix}{index}") for index in range(count)]


def command_batches(
    cycles: list[Lifecycle], *, group_size: int
) -> Iterator[list[ComplaintCommand]]:
    """Yield the lifecycles' commands as pipelined batches; see the module docstring."""
    groups = [cycles[i : i + group_size] for i in range(0, len(cycles), group_size)]
    longest = max((len(c.commands) for c in cycles), default=0)
    for index in range(len(groups) + longest - 1):
        batch = [
            cycle.commands[step]
            for step in range(longest)
            if 0 <= index - step < len(groups)
            for cycle in groups[index - step]
            if step < len(cycle.commands)
        ]
        if batch:
            yield batch


def _lifecycle(rng: random.Random, name: str) -> Lifecycle:
    steps = _Steps(rng, name)
    first, second = rng.sample(HANDLING_AGENCIES, 2)
    direct = rng.random() < DIRECT_SHARE
    declined = not direct and rng.random() < DECLINED_SHARE
    commands: list[ComplaintCommand] = [steps.submit(first if direct else None)]
    if direct:
        commands.append(steps.verify(Actor(agency=first, role=Role.AGENCY_ADMIN)))
    else:
        commands += [steps.verify(NATIONAL), steps.disposition(first)]
    holder = first
    if declined:
        commands += [steps.decline(first), steps.redisposition(second)]
        holder = second
    commands += steps.handling(holder, rng.choice(UNITS))
    agencies = (first, second) if declined else (first,)
    return Lifecycle(steps.complaint_id, agencies, tuple(commands))


class _Steps:
    """Builds one complaint's commands with ids and times that follow each other."""

    def __init__(self, rng: random.Random, name: str) -> None:
        self.rng = rng
        self.name = name
        self.reporter = f"reporter-{name}"
        self.complaint_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        self.occurred_at = START + dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
        self.step = 0

    def _common(self, actor: Actor) -> dict[str, object]:
        self.step += 1
        self.occurred_at += dt.timedelta(minutes=self.rng.randrange(5, 600))
        common: dict[str, object] = {
            "command_id": f"{self.name}-{self.step}",
            "occurred_at": self.occurred_at,
            "actor": actor,
            "correlation_id": f"corr-{self.name}",
        }
        if self.step > 1:
            common["complaint_id"] = self.complaint_id
        if actor.role is Role.REPORTER:
            common["reporter_ref"] = self.reporter
        return common

    def submit(self, target: str | None) -> SubmitComplaint:
        reporter = Actor(agency=REPORTER_SYSTEM, role=Role.REPORTER)
        privacy = PrivacyFlags(
            anonymous=self.rng.random() < ANONYMOUS_SHARE,
            confidential=self.rng.random() < CONFIDENTIAL_SHARE,
        )
        located = self.rng.random() < LOCATED_SHARE
        location = Location(
            area="Kota Bandung",
            latitude=round(-6.9 + self.rng.random() / 10, 6) if located else None,
            longitude=round(107.6 + self.rng.random() / 10, 6) if located else None,
        )
        return SubmitComplaint(
            **self._common(reporter),
            complaint_id=self.complaint_id,
            tracking_id=str(self.rng.randrange(1_000_000, 9_999_999)),
            channel=self.rng.choice((Channel.WEBSITE, Channel.ANDROID, Channel.SMS)),
            classification=Classification.COMPLAINT,
            title=f"Aduan {self.name}",
            description=self.rng.choice(DESCRIPTIONS),
            category="Pekerjaan Umum",
            location=location,
            privacy=privacy,
            reporter_identity=IDENTITY,
            target_agency=target,
        )

    def verify(self, actor: Actor) -> VerifyComplaint:
        return VerifyComplaint(
            **self._common(actor),
            classification=Classification.COMPLAINT,
            category="Pekerjaan Umum",
            tags=("jalan",),
        )

    def disposition(self, agency: str) -> DispositionComplaint:
        return DispositionComplaint(**self._common(NATIONAL), agency=agency)

    def decline(self, agency: str) -> DeclineComplaint:
        actor = Actor(agency=agency, role=Role.AGENCY_ADMIN)
        return DeclineComplaint(
            **self._common(actor),
            reason="Bukan wewenang kami.",
        )

    def redisposition(self, agency: str) -> RedispositionComplaint:
        return RedispositionComplaint(
            **self._common(NATIONAL),
            to_agency=agency,
        )

    def handling(self, agency: str, unit: str) -> list[ComplaintCommand]:
        admin = Actor(agency=agency, role=Role.AGENCY_ADMIN)
        liaison = Actor(agency=agency, role=Role.UNIT_LIAISON, unit=unit)
        reporter = Actor(agency=REPORTER_SYSTEM, role=Role.REPORTER)
        return [
            ForwardComplaintToUnit(**self._common(admin), unit=unit),
            RecordFollowUp(
                **self._common(liaison),
                summary="Petugas sudah meninjau lokasi.",
            ),
            PostResponse(
                **self._common(liaison),
                response="Perbaikan dijadwalkan minggu ini.",
            ),
            CloseComplaint(**self._common(reporter)),
        ]

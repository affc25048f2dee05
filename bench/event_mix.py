"""A realistic mix of complaint histories, multiplied quickly into many events.

``template_histories`` drives the Complaint aggregate through the common
lifecycles (handled and closed, declined and re-dispositioned, pending then
completed, deleted, archived, sent straight to a chosen agency, escalated,
reopened), so every template event is one the gateway would record.

``EventMix`` encodes the templates once and makes copies for new complaint ids
by substituting the complaint id, the tracking number and the chain hashes in
the canonical bytes, then recomputing each SHA-256 hash. A copy is therefore a
valid sealed chain (``verify_stream`` finds no fault) at a few microseconds an
event. Copies keep their template's event times. ``messages`` interleaves
copies the way a busy topic does: a window of complaints advances together,
one event of each at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from events.canonical import canonical_json
from events.codec import KafkaMessage, encode_kafka
from events.envelope import Actor
from events.structured import to_document
from events.values import (
    ArchiveReason,
    Channel,
    Classification,
    DeadlineClock,
    DeletionReason,
    PrivacyFlags,
    Role,
    SopTier,
)
from gateway.complaint import ActionContext, Complaint, LifecyclePolicy

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from events.envelope import Envelope

WIB = dt.timezone(dt.timedelta(hours=7))
REPORTER_REF = "reporter-bench"
REPORTER = Actor(agency="lapor-web", role=Role.REPORTER)
NATIONAL = Actor(agency="kemenpanrb", role=Role.NATIONAL_ADMIN)
SYSTEM = Actor(agency="lapor-gateway", role=Role.SYSTEM)
AGENCIES = ("pemkot-bandung", "pemprov-jabar", "kemenkes", "pemkab-bogor")
UNITS = ("dinas-pupr", "dinas-kesehatan", "kelurahan-sukajadi")
CATEGORIES = ("Pekerjaan Umum", "Kesehatan", "Perhubungan", "Sosial", None)
TITLES = (
    "Jalan berlubang di depan sekolah",
    "Lampu jalan mati sejak seminggu",
    "Antrean puskesmas terlalu panjang",
    "Sampah menumpuk di pasar",
    "Drainase tersumbat saat hujan",
)
TRACKING_DIGITS = 12
ANONYMOUS_SHARE = 0.3
"""Share of the complaints sent straight to an agency that ask for anonymity."""


class _Script:
    """Hands out action contexts with increasing times for one complaint."""

    def __init__(self, rng: random.Random, start: dt.datetime) -> None:
        self.rng = rng
        self.now = start
        self.count = 0

    def context(
        self, actor: Actor, *, hours: float | None = None, days: float | None = None
    ) -> ActionContext:
        if days is not None:
            self.now += dt.timedelta(days=days)
        else:
            step = hours if hours is not None else self.rng.uniform(1, 30)
            self.now += dt.timedelta(hours=step)
        self.count += 1
        return ActionContext(
            actor=actor,
            occurred_at=self.now,
            recorded_at=self.now,
            correlation_id=f"corr-{self.rng.getrandbits(40):x}",
            causation_id=f"cmd-{self.rng.getrandbits(40):x}",
            reporter_ref=REPORTER_REF if actor.role is Role.REPORTER else None,
            policy=LifecyclePolicy(),
        )


def _agency(agency: str) -> Actor:
    return Actor(agency=agency, role=Role.AGENCY_ADMIN)


def _liaison(agency: str, unit: str) -> Actor:
    return Actor(agency=agency, role=Role.UNIT_LIAISON, unit=unit)


def _submit(
    script: _Script,
    tracking_id: str,
    *,
    target: str | None = None,
    privacy: PrivacyFlags | None = None,
) -> Complaint:
    rng = script.rng
    return Complaint.submit(
        script.context(REPORTER, hours=0),
        complaint_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        tracking_id=tracking_id,
        channel=rng.choice([Channel.WEBSITE, Channel.ANDROID, Channel.SMS]),
        classification=Classification.COMPLAINT,
        title=rng.choice(TITLES),
        description="Mohon segera ditindaklanjuti oleh instansi terkait.",
        category=rng.choice(CATEGORIES),
        reporter_ref=REPORTER_REF,
        privacy=privacy,
        target_agency=target,
    )


def _handle(script: _Script, complaint: Complaint, agency: str, *, close: bool) -> None:
    """Forward to a unit, follow up, respond and (optionally) auto-close."""
    unit = script.rng.choice(UNITS)
    complaint.forward_to_unit(script.context(_agency(agency)), unit=unit)
    liaison = _liaison(agency, unit)
    complaint.record_follow_up(
        script.context(liaison, days=1), summary="Survei lokasi."
    )
    complaint.post_response(
        script.context(liaison, days=2), response="Sudah diperbaiki."
    )
    if close:
        script.now = max(script.now, _due(complaint, "auto_close_due"))
        complaint.close(script.context(SYSTEM, hours=1))


def _due(complaint: Complaint, clock: str) -> dt.datetime:
    """Return when a running clock of the complaint falls due."""
    due_dates = complaint.due_dates
    moment: dt.datetime | None = None
    if due_dates is not None:
        moment = getattr(due_dates, clock)
    if moment is None:
        msg = f"complaint {complaint.id} has no running {clock} clock"
        raise RuntimeError(msg)
    return moment


def _verified_and_dispositioned(
    script: _Script, tracking_id: str
) -> tuple[Complaint, str]:
    complaint = _submit(script, tracking_id)
    complaint.verify(
        script.context(NATIONAL),
        classification=Classification.COMPLAINT,
        category="Pekerjaan Umum",
        sop_tier=script.rng.choice([SopTier.NORMATIVE, SopTier.LIGHT, None]),
    )
    agency = script.rng.choice(AGENCIES)
    complaint.disposition(script.context(NATIONAL), agency=agency)
    return complaint, agency


def _handled(script: _Script, tracking_id: str) -> Complaint:
    complaint, agency = _verified_and_dispositioned(script, tracking_id)
    _handle(script, complaint, agency, close=True)
    return complaint


def _declined(script: _Script, tracking_id: str) -> Complaint:
    complaint, agency = _verified_and_dispositioned(script, tracking_id)
    complaint.decline(script.context(_agency(agency)), reason="Bukan kewenangan kami.")
    other = next(a for a in AGENCIES if a != agency)
    complaint.redisposition(script.context(NATIONAL), to_agency=other)
    _handle(script, complaint, other, close=False)
    complaint.reply(script.context(REPORTER), reply="Belum selesai.")
    complaint.post_response(script.context(_agency(other), days=3), response="Selesai.")
    complaint.close(script.context(REPORTER))
    return complaint


def _pending(script: _Script, tracking_id: str) -> Complaint:
    complaint = _submit(script, tracking_id)
    complaint.set_pending(script.context(NATIONAL), reason="Lokasi belum jelas.")
    complaint.complete(script.context(REPORTER, days=2), addition="Di Jalan Dago 12.")
    complaint.verify(script.context(NATIONAL), classification=Classification.COMPLAINT)
    agency = script.rng.choice(AGENCIES)
    complaint.disposition(script.context(NATIONAL), agency=agency)
    _handle(script, complaint, agency, close=False)
    complaint.record_satisfaction(script.context(REPORTER), satisfied=True, rating=5)
    complaint.close(script.context(REPORTER))
    return complaint


def _deleted(script: _Script, tracking_id: str) -> Complaint:
    complaint = _submit(script, tracking_id)
    complaint.delete(script.context(NATIONAL), reason=DeletionReason.UNINTELLIGIBLE)
    return complaint


def _archived(script: _Script, tracking_id: str) -> Complaint:
    complaint = _submit(script, tracking_id)
    reason = ArchiveReason.ASPIRATION_NEEDS_NO_ANSWER
    complaint.archive(script.context(NATIONAL), reason=reason)
    return complaint


def _chosen_agency(script: _Script, tracking_id: str) -> Complaint:
    agency = script.rng.choice(AGENCIES)
    privacy = PrivacyFlags(anonymous=script.rng.random() < ANONYMOUS_SHARE)
    complaint = _submit(script, tracking_id, target=agency, privacy=privacy)
    complaint.verify(
        script.context(_agency(agency)), classification=Classification.COMPLAINT
    )
    _handle(script, complaint, agency, close=True)
    return complaint


def _escalated(script: _Script, tracking_id: str) -> Complaint:
    complaint, agency = _verified_and_dispositioned(script, tracking_id)
    due_at = _due(complaint, "first_follow_up_due")
    script.now = max(script.now, due_at) + dt.timedelta(hours=2)
    complaint.escalate(
        script.context(SYSTEM, hours=0),
        clock=DeadlineClock.FIRST_FOLLOW_UP,
        due_at=due_at,
    )
    complaint.record_follow_up(script.context(_agency(agency)), summary="Ditangani.")
    return complaint


def _reopened(script: _Script, tracking_id: str) -> Complaint:
    complaint, agency = _verified_and_dispositioned(script, tracking_id)
    _handle(script, complaint, agency, close=True)
    complaint.reopen(script.context(REPORTER, days=3), reason="Masalah muncul lagi.")
    complaint.record_follow_up(script.context(_agency(agency)), summary="Dicek ulang.")
    return complaint


LIFECYCLES: tuple[tuple[Callable[[_Script, str], Complaint], int], ...] = (
    (_handled, 40),
    (_declined, 10),
    (_pending, 8),
    (_deleted, 10),
    (_archived, 5),
    (_chosen_agency, 15),
    (_escalated, 7),
    (_reopened, 5),
)
"""Each lifecycle and its weight in the mix."""


def template_histories(count: int, seed: int = 7) -> list[list[Envelope]]:
    """Return ``count`` complaint histories drawn from the weighted lifecycles."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    lifecycles = [lifecycle for lifecycle, _ in LIFECYCLES]
    weights = [weight for _, weight in LIFECYCLES]
    histories = []
    for index in range(count):
        start = dt.datetime(2025, 1, 6, 8, tzinfo=WIB) + dt.timedelta(
            hours=rng.uniform(0, 24 * 300)
        )
        script = _Script(rng, start)
        lifecycle = rng.choices(lifecycles, weights)[0]
        tracking_id = f"{9 * 10 ** (TRACKING_DIGITS - 1) + index:0{TRACKING_DIGITS}d}"
        complaint = lifecycle(script, tracking_id)
        histories.append(_envelopes(complaint))
    return histories


def _envelopes(complaint: Complaint) -> list[Envelope]:
    """Return the envelopes of the complaint's new events, oldest first."""
    return [
        event.envelope
        for event in complaint.collect_events()
        if isinstance(event, (Complaint.Submitted, Complaint.ActionRecorded))
    ]


@dataclass(frozen=True, slots=True)
class _TemplateEvent:
    unsealed: bytes
    """Canonical JSON of the stored document without its ``hash``."""
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    previous_hash: bytes | None


@dataclass(frozen=True, slots=True)
class _Template:
    subject: bytes
    tracking_id: bytes
    events: tuple[_TemplateEvent, ...]


def _template(history: list[Envelope]) -> _Template:
    events = []
    for envelope in history:
        document = to_document(envelope)
        unsealed = canonical_json({k: v for k, v in document.items() if k != "hash"})
        message = encode_kafka(envelope)
        previous = envelope.previous_hash
        events.append(
            _TemplateEvent(
                unsealed=unsealed,
                value=message.value,
                headers=message.headers,
                previous_hash=None if previous is None else previous.encode(),
            )
        )
    first = history[0].data
    return _Template(
        subject=history[0].subject.encode(),
        tracking_id=str(getattr(first, "tracking_id")).encode(),  # noqa: B009 (a ComplaintSubmitted field)
        events=tuple(events),
    )


class EventMix:
    """Copies of template histories under new complaint ids and tracking numbers."""

    def __init__(self, histories: list[list[Envelope]], *, seed: int = 11) -> None:
        self.templates = [_template(history) for history in histories]
        self.seed = seed

    @classmethod
    def build(cls, templates: int = 300, seed: int = 7) -> EventMix:
        return cls(template_histories(templates, seed), seed=seed)

    @property
    def mean_events_per_complaint(self) -> float:
        total = sum(len(template.events) for template in self.templates)
        return total / len(self.templates)

    def copy(self, index: int) -> list[KafkaMessage]:
        """Return the events of complaint copy ``index``, a valid sealed chain."""
        template = self.templates[index % len(self.templates)]
        rng = random.Random(self.seed * 1_000_003 + index)  # noqa: S311 (test data)
        subject = str(uuid.UUID(int=rng.getrandbits(128), version=4)).encode()
        tracking_id = f"{index:0{TRACKING_DIGITS}d}".encode()
        messages = []
        previous: bytes | None = None
        for event in template.events:
            unsealed = event.unsealed.replace(template.subject, subject)
            unsealed = unsealed.replace(template.tracking_id, tracking_id)
            if event.previous_hash is not None and previous is not None:
                unsealed = unsealed.replace(event.previous_hash, previous)
            digest = hashlib.sha256(unsealed).hexdigest().encode()
            headers = tuple(
                _header(
                    name,
                    raw,
                    old_subject=template.subject,
                    subject=subject,
                    digest=digest,
                    previous=previous,
                )
                for name, raw in event.headers
            )
            value = event.value.replace(template.tracking_id, tracking_id)
            messages.append(KafkaMessage(key=subject, value=value, headers=headers))
            previous = digest
        return messages

    def messages(self, total: int, *, window: int = 1000) -> Iterator[KafkaMessage]:
        """Yield ``total`` events of successive copies, interleaved per window.

        The last complaints may be cut short, which leaves their chains valid.
        """
        produced = 0
        index = 0
        while produced < total:
            copies = [self.copy(index + offset) for offset in range(window)]
            index += window
            for step in range(max(len(copy) for copy in copies)):
                for copy in copies:
                    if step < len(copy):
                        yield copy[step]
                        produced += 1
                        if produced == total:
                            return


def _header(  # noqa: PLR0913 (the header and the substitutions it may need)
    name: str,
    raw: bytes,
    *,
    old_subject: bytes,
    subject: bytes,
    digest: bytes,
    previous: bytes | None,
) -> tuple[str, bytes]:
    if name in {"ce_id", "ce_subject"}:
        return name, raw.replace(old_subject, subject)
    if name == "ce_hash":
        return name, digest
    if name == "ce_prevhash" and previous is not None:
        return name, previous
    return name, raw

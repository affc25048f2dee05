"""Feed routing and redaction: who receives which events, and what they see."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from events.codec import encode_kafka
from events.values import Classification, Location, PrivacyFlags
from gateway.complaint import submission_complaint_id
from gateway.complaint.commands import (
    ChangePrivacyFlags,
    DeclineComplaint,
    DispositionComplaint,
    RecordFollowUp,
    RedispositionComplaint,
    VerifyComplaint,
)
from gateway.feeds import ANONYMOUS_REPORTER, WITHHELD, FeedState, redact, route
from tests.gateway.builders import (
    AGENCY,
    HOLDER,
    IDENTITY,
    NATIONAL,
    OTHER_ADMIN,
    OTHER_AGENCY,
    REPORTER,
    REPORTER_REF,
    CommandFactory,
    ManualClock,
    decide,
)

DAY = dt.timedelta(days=1)

if TYPE_CHECKING:
    from events.envelope import Envelope
    from gateway.complaint.commands import ComplaintCommand
    from gateway.feeds import Delivery


def route_all(envelopes: list[Envelope]) -> list[Delivery]:
    """Route a complaint's events in order, as the record builder does."""
    state = FeedState()
    deliveries: list[Delivery] = []
    for position, envelope in enumerate(envelopes):
        state, routed = route(state, envelope, envelopes[:position])
        deliveries += routed
    return deliveries


def copies_for(deliveries: list[Delivery], agency: str) -> list[Delivery]:
    return [delivery for delivery in deliveries if delivery.agency == agency]


def bounced_history(**submission: object) -> list[ComplaintCommand]:
    """Submit, verify, hand to HOLDER, decline, hand to OTHER_AGENCY, follow up."""
    commands = CommandFactory(ManualClock())
    submit = commands.submit(location=Location(area="Dago"), **submission)  # type: ignore[arg-type]
    complaint_id = submission_complaint_id(submit)
    return [
        submit,
        commands.act(
            VerifyComplaint,
            complaint_id,
            NATIONAL,
            classification=Classification.COMPLAINT,
        ),
        commands.act(DispositionComplaint, complaint_id, NATIONAL, agency=HOLDER),
        commands.act(DeclineComplaint, complaint_id, AGENCY, reason="Jalan provinsi."),
        commands.act(
            RedispositionComplaint, complaint_id, NATIONAL, to_agency=OTHER_AGENCY
        ),
        commands.act(RecordFollowUp, complaint_id, OTHER_ADMIN, summary="Ditangani."),
    ]


def later_commands(history: list[ComplaintCommand]) -> CommandFactory:
    """Return a factory whose commands follow ``history`` in time."""
    return CommandFactory(ManualClock(history[-1].occurred_at), prefix="later")


# Audience and order


def test_no_agency_before_disposition():
    envelopes = decide(bounced_history()[:2])

    assert route_all(envelopes) == []


def test_late_receiver_gets_earlier_events_first():
    envelopes = decide(bounced_history())

    deliveries = copies_for(route_all(envelopes), OTHER_AGENCY)

    sequences = [delivery.envelope.sequence for delivery in deliveries]
    assert sequences == list(range(1, len(envelopes) + 1))


def test_past_holder_keeps_receiving():
    envelopes = decide(bounced_history())

    deliveries = copies_for(route_all(envelopes), HOLDER)

    sequences = [delivery.envelope.sequence for delivery in deliveries]
    assert sequences == list(range(1, len(envelopes) + 1))


def test_chosen_agency_receives_submission():
    commands = CommandFactory(ManualClock())
    envelopes = decide([commands.submit(target_agency=HOLDER)])

    deliveries = route_all(envelopes)

    assert [(d.agency, d.envelope.sequence) for d in deliveries] == [(HOLDER, 1)]


def test_copy_keeps_id_sequence_and_hash():
    envelopes = decide(bounced_history(anonymous=True, confidential=True))

    deliveries = route_all(envelopes)

    originals = {envelope.id: envelope for envelope in envelopes}
    for delivery in deliveries:
        original = originals[delivery.envelope.id]
        assert delivery.envelope.sequence == original.sequence
        assert delivery.envelope.hash == original.hash
        assert delivery.envelope.previous_hash == original.previous_hash


# Anonymity


def test_anonymous_copies_carry_no_identity():
    envelopes = decide(bounced_history(anonymous=True))

    deliveries = route_all(envelopes)

    submissions = [d for d in deliveries if d.envelope.sequence == 1]
    assert {d.agency for d in submissions} == {HOLDER, OTHER_AGENCY}
    for delivery in submissions:
        assert delivery.envelope.data.reporter_identity is None  # type: ignore[attr-defined]
        assert delivery.envelope.data.reporter_ref == ANONYMOUS_REPORTER  # type: ignore[attr-defined]
        assert "identity" in delivery.redactions
    for delivery in deliveries:
        value = encode_kafka(delivery.envelope).value
        assert IDENTITY.ciphertext.encode() not in value
        assert REPORTER_REF.encode() not in value


def test_named_complaint_keeps_identity():
    envelopes = decide(bounced_history())

    deliveries = route_all(envelopes)

    submission = next(d for d in deliveries if d.envelope.sequence == 1)
    assert submission.envelope.data.reporter_identity == IDENTITY  # type: ignore[attr-defined]
    assert submission.redactions == ()


def test_anonymity_set_later_hides_identity_from_newcomer():
    history = bounced_history()
    complaint_id = submission_complaint_id(history[0])  # type: ignore[arg-type]
    change = later_commands(history[:3]).act(
        ChangePrivacyFlags,
        complaint_id,
        REPORTER,
        flags=PrivacyFlags(anonymous=True),
        reason="Takut.",
    )
    shifted = [
        c.model_copy(update={"occurred_at": c.occurred_at + DAY}) for c in history[3:]
    ]
    envelopes = decide([*history[:3], change, *shifted])

    deliveries = copies_for(route_all(envelopes), OTHER_AGENCY)

    submission = next(d for d in deliveries if d.envelope.sequence == 1)
    assert submission.envelope.data.reporter_identity is None  # type: ignore[attr-defined]
    assert "identity" in submission.redactions


# Confidentiality


def test_confidential_content_withheld_from_past_holder():
    envelopes = decide(bounced_history(confidential=True))

    deliveries = route_all(envelopes)

    last = len(envelopes)
    past = next(
        d for d in copies_for(deliveries, HOLDER) if d.envelope.sequence == last
    )
    current = next(
        d for d in copies_for(deliveries, OTHER_AGENCY) if d.envelope.sequence == last
    )
    assert past.envelope.data.summary == WITHHELD  # type: ignore[attr-defined]
    assert "content" in past.redactions
    assert current.envelope.data.summary == "Ditangani."  # type: ignore[attr-defined]
    assert current.redactions == ()


def test_current_holder_sees_confidential_history():
    envelopes = decide(bounced_history(confidential=True))

    deliveries = copies_for(route_all(envelopes), OTHER_AGENCY)

    submission = next(d for d in deliveries if d.envelope.sequence == 1)
    assert submission.envelope.data.title == "Jalan berlubang"  # type: ignore[attr-defined]
    assert submission.envelope.data.location == Location(area="Dago")  # type: ignore[attr-defined]
    assert submission.redactions == ()


def test_submission_redacted_for_non_holder():
    envelopes = decide(bounced_history(confidential=True, anonymous=True))
    state = FeedState(
        audience=frozenset({HOLDER, OTHER_AGENCY}),
        holder=OTHER_AGENCY,
        privacy=PrivacyFlags(anonymous=True, confidential=True),
    )

    delivery = redact(state, envelopes[0], HOLDER)

    data = delivery.envelope.data
    assert data.title == WITHHELD  # type: ignore[attr-defined]
    assert data.description == WITHHELD  # type: ignore[attr-defined]
    assert data.source_reference == WITHHELD  # type: ignore[attr-defined]
    assert data.location is None  # type: ignore[attr-defined]
    assert data.reporter_identity is None  # type: ignore[attr-defined]
    assert delivery.redactions == ("identity", "content")


def test_content_withheld_after_flag_set():
    history = bounced_history()
    complaint_id = submission_complaint_id(history[0])  # type: ignore[arg-type]
    later = later_commands(history)
    change = later.act(
        ChangePrivacyFlags,
        complaint_id,
        REPORTER,
        flags=PrivacyFlags(confidential=True),
        reason="Rahasia.",
    )
    follow_up = later.act(RecordFollowUp, complaint_id, OTHER_ADMIN, summary="Lanjut.")
    envelopes = decide([*history, change, follow_up])

    deliveries = copies_for(route_all(envelopes), HOLDER)

    summaries = [
        d.envelope.data.summary  # type: ignore[attr-defined]
        for d in deliveries
        if d.envelope.data.event_name == "complaint.follow_up_recorded"
    ]
    assert summaries == ["Ditangani.", WITHHELD]

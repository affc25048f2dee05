"""The auditor's check of the run: a final signed checkpoint, then a full audit.

The audit reads the run's events and checkpoints topics with nothing but the
bootstrap servers, the topic names and the public key, as an outside auditor
would (``python -m projections.audit verify`` runs the same function).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

from gateway.kafka.producer import ReliableProducer
from projections.audit.checkpointing import take_checkpoint
from projections.audit.publisher import CheckpointPublisher
from projections.audit.signing import load_public_key, load_signer
from projections.audit.sources import audit_topic

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from mainjob.plan import RunPlan
    from mainjob.provision import Provisioned
    from projections.audit.auditor import AuditReport

AUDIT_READ_TIMEOUT_SECONDS = 120.0


async def checkpoint_and_publish(
    engine: Engine, plan: RunPlan, provisioned: Provisioned, events_topic: str
) -> int:
    """Sign a checkpoint of the whole topic now; publish every pending one.

    Returns how many checkpoints were published.
    """
    signer = load_signer(key_file=provisioned.private_key, key_variable=None)
    if signer is None:  # pragma: no cover (a key file is always given)
        return 0

    def sign() -> None:
        with engine.begin() as connection:
            take_checkpoint(
                connection,
                topic=events_topic,
                signer=signer,
                taken_at=dt.datetime.now(dt.UTC),
            )

    await asyncio.to_thread(sign)
    producer = ReliableProducer(plan.bootstrap, client_id="lapor-audit-checkpoints")
    await producer.start()
    try:
        publisher = CheckpointPublisher(engine, producer, plan.checkpoints_topic)
        return await publisher.publish_pending()
    finally:
        await producer.stop()


async def audit_run(
    plan: RunPlan, provisioned: Provisioned, events_topic: str
) -> AuditReport:
    """Verify every chain and checkpoint of the run's topics with the public key."""
    verifier = load_public_key(provisioned.public_key)
    return await audit_topic(
        plan.bootstrap,
        events_topic,
        verifiers=[verifier],
        checkpoints_topic=plan.checkpoints_topic,
        timeout_seconds=AUDIT_READ_TIMEOUT_SECONDS,
    )

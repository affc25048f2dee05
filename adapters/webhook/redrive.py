"""Listing and re-driving an agency's dead letters, for the operator command.

Re-driving posts each selected dead letter to the agency's endpoint again,
signed as usual, with up to the given number of attempts. A delivered letter
is marked re-driven in the delivery record and drops out of the dead-letter
gauge; a letter that fails again stays dead-lettered with the new error. The
dead-letter topic itself is never rewritten: it keeps the history.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry

from adapters.webhook.dead_letters import read_dead_letters
from adapters.webhook.errors import WebhookError
from adapters.webhook.records import structured_body
from adapters.webhook.sender import Sender
from adapters.webhook.store import DeliveryState, DeliveryStore
from adapters.webhook.worker import Attempts
from events.errors import ContractError
from monitoring.adapters import WebhookMetrics

if TYPE_CHECKING:
    from adapters.webhook.config import WebhookConfig
    from adapters.webhook.dead_letters import DeadLetter

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LetterView:
    """A dead letter with its state in the delivery record."""

    letter: DeadLetter
    state: str
    """``dead_lettered``, ``redriven`` once delivered, or ``unknown`` when this
    node's delivery record has no row for it."""


@dataclass(slots=True)
class RedriveSummary:
    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    already_delivered: list[str] = field(default_factory=list)


async def list_letters(
    config: WebhookConfig, bootstrap_servers: str, agency: str
) -> list[LetterView]:
    """Return the agency's dead letters, oldest first, with their states."""
    config.destination(agency)
    letters = await read_dead_letters(
        bootstrap_servers, config.dead_letter_topic, agency
    )
    store = DeliveryStore(config.delivery_db)
    try:
        return [_view(letter, store) for letter in letters]
    finally:
        store.close()


def _view(letter: DeadLetter, store: DeliveryStore) -> LetterView:
    # NOTE: the delivery record is per node, so a letter written by another
    # node's adapter shows as unknown here.
    row = store.find(letter.record.agency, letter.event_id)
    if row is None:
        return LetterView(letter, "unknown")
    if row.state is DeliveryState.DELIVERED:
        return LetterView(letter, "redriven")
    return LetterView(letter, row.state.value)


async def redrive(  # noqa: PLR0913 (the command's options)
    config: WebhookConfig,
    bootstrap_servers: str,
    agency: str,
    *,
    event_id: str | None,
    attempts: int,
    secret: bytes | None = None,
) -> RedriveSummary:
    """Post the agency's dead letters again: one event, or all of them."""
    destination = config.destination(agency)
    views = await list_letters(config, bootstrap_servers, agency)
    if event_id is not None:
        views = [view for view in views if view.letter.event_id == event_id]
        if not views:
            msg = (
                f"agency {agency!r} has no dead letter for event {event_id!r}: "
                "list them with 'dead-letters list'"
            )
            raise WebhookError(msg)
    retry = destination.retry.model_copy(update={"max_attempts": attempts})
    destination = destination.model_copy(update={"retry": retry})
    sender = Sender(destination, secret or destination.read_secret())
    store = DeliveryStore(config.delivery_db)
    metrics = WebhookMetrics(CollectorRegistry())
    runner = Attempts(destination, sender, store, metrics)
    summary = RedriveSummary()
    try:
        for view in views:
            await _redrive_one(view, runner, store, summary)
    finally:
        await sender.aclose()
        store.close()
    return summary


async def _redrive_one(
    view: LetterView, runner: Attempts, store: DeliveryStore, summary: RedriveSummary
) -> None:
    letter = view.letter
    if view.state == "redriven":
        summary.already_delivered.append(letter.event_id)
        return
    try:
        body = structured_body(letter.record)
    except (ContractError, ValueError) as exc:
        summary.failed[letter.event_id] = (
            f"not a valid event ({type(exc).__name__}); it cannot be re-driven"
        )
        return
    settlement = await runner.run(letter.record, body)
    if settlement.delivered:
        await asyncio.to_thread(
            store.mark_delivered, letter.record.agency, letter.event_id, redriven=True
        )
        summary.delivered.append(letter.event_id)
        logger.info("Re-drove %s to %s", letter.event_id, letter.record.agency)
        return
    error = settlement.last.describe()
    await asyncio.to_thread(
        store.mark_dead_lettered, letter.record, letter.event_id, error
    )
    summary.failed[letter.event_id] = error

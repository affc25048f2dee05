"""One signed HTTP POST to a destination; every failure becomes an attempt result."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx

from adapters.webhook.records import CONTENT_TYPE
from adapters.webhook.retry import AttemptResult, parse_retry_after
from adapters.webhook.signing import signature_headers

if TYPE_CHECKING:
    from adapters.webhook.config import Destination
    from adapters.webhook.records import WebhookBody

logger = logging.getLogger(__name__)

USER_AGENT = "lapor-webhook/1"
ATTEMPT_HEADER = "X-Lapor-Attempt"


class Sender:
    """Posts bodies to one destination over its own connection pool."""

    def __init__(self, destination: Destination, secret: bytes) -> None:
        self.destination = destination
        self._secret = secret
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(destination.timeout_seconds),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=2, max_keepalive_connections=1),
            headers={"User-Agent": USER_AGENT},
        )

    async def post(self, body: WebhookBody, attempt: int) -> AttemptResult:
        """Send ``body`` once, signed now; never raise for HTTP or network errors."""
        headers = {
            "Content-Type": CONTENT_TYPE,
            ATTEMPT_HEADER: str(attempt),
            **signature_headers(self._secret, body.content, body.event_id),
        }
        try:
            response = await self._client.post(
                self.destination.url, content=body.content, headers=headers
            )
        except httpx.TimeoutException as exc:
            return AttemptResult(None, f"timed out ({type(exc).__name__})")
        except httpx.ConnectError:
            return AttemptResult(None, "connection failed")
        except httpx.HTTPError as exc:
            return AttemptResult(None, f"transport error ({type(exc).__name__})")
        return AttemptResult(
            response.status_code,
            None,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

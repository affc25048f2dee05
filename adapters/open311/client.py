"""Reading an agency's Open311 server: ``GET requests.json`` over a time window.

Every failure becomes a ``SourceError``: a timeout, a refused connection, an
HTTP error status, or a body that is not a JSON list. The poller then keeps
its watermark, so the next poll reads the same window again. Pages are
requested with ``page`` and ``page_size`` (a common extension). A server
that ignores them returns the same page again, which ends the paging.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import httpx

from adapters.sqlpoll.errors import SourceError

if TYPE_CHECKING:
    import datetime as dt

logger = logging.getLogger(__name__)

MAX_PAGES = 1000


class Open311Client:
    """Fetches service requests from one Open311 server."""

    def __init__(  # noqa: PLR0913 (every option has a default)
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        page_size: int = 100,
        start_param: str = "start_date",
        end_param: str = "end_date",
        client: httpx.Client | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/requests.json"
        self.api_key = api_key
        self.timeout = timeout
        self.page_size = page_size
        self.start_param = start_param
        self.end_param = end_param
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def requests_between(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[dict[str, Any]]:
        """Return every request the server lists for the window, all pages."""
        found: list[dict[str, Any]] = []
        seen: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            items = self._page(start, end, page)
            fresh = [item for item in items if _identity(item) not in seen]
            seen.update(_identity(item) for item in items)
            found += fresh
            if len(items) < self.page_size or not fresh:
                return found
        logger.warning("Stopped paging %s after %d pages", self.url, MAX_PAGES)
        return found

    def _page(self, start: dt.datetime, end: dt.datetime, page: int) -> list[Any]:
        params: dict[str, str] = {
            self.start_param: start.isoformat(),
            self.end_param: end.isoformat(),
            "page": str(page),
            "page_size": str(self.page_size),
        }
        if self.api_key:
            params["api_key"] = self.api_key
        try:
            response = self.client.get(self.url, params=params)
        except httpx.TimeoutException as exc:
            msg = f"{self.url} did not answer within {self.timeout:g} s"
            raise SourceError(msg) from exc
        except httpx.HTTPError as exc:
            msg = f"{self.url} could not be reached ({type(exc).__name__})"
            raise SourceError(msg) from exc
        if response.status_code != 200:  # noqa: PLR2004
            retriable = response.status_code >= 500 or response.status_code == 429  # noqa: PLR2004
            msg = f"{self.url} answered HTTP {response.status_code}"
            raise SourceError(msg, retriable=retriable)
        try:
            body = response.json()
        except ValueError as exc:
            msg = f"{self.url} answered a body that is not JSON"
            raise SourceError(msg) from exc
        if not isinstance(body, list):
            msg = f"{self.url} answered a JSON {type(body).__name__}, not a list"
            raise SourceError(msg)
        return body


def _identity(item: Any) -> str:  # noqa: ANN401 (decoded JSON)
    if not isinstance(item, dict):
        return repr(item)[:200]
    return f"{item.get('service_request_id')}|{item.get('updated_datetime')}"

"""Open311 GeoReport v2: our server for channel apps, and a client for agency servers.

Server: ``create_open311_router(Open311Context(...))`` returns an APIRouter
under ``/open311/v2``. Client: ``Open311Poller`` reads an agency's
``requests.json`` in overlapping windows and applies the changes through the
shared poll machinery of ``adapters.sqlpoll``.
"""

from adapters.open311.server import Open311Context, create_open311_router

__all__ = ["Open311Context", "create_open311_router"]

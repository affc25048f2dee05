"""Serve the HTTP API with uvicorn: ``python -m gateway.api``.

Configuration comes from the ``LAPOR_*`` environment variables
(``gateway.settings``): the store, the agency registry file, the Kafka
bootstrap servers for the readiness check, the listening address and the
body size limit.
"""

from __future__ import annotations

import logging
import sys

import uvicorn
from prometheus_client import CollectorRegistry

from gateway.api.app import create_app
from gateway.api.health import kafka_check, store_check
from gateway.bootstrap import build_service, load_registry
from gateway.settings import Settings


def main() -> int:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = Settings()
    registry = load_registry(settings)
    metrics_registry = CollectorRegistry()
    service = build_service(settings, registry, metrics_registry)
    app = create_app(
        service,
        registry,
        metrics_registry,
        {"store": store_check(service), "kafka": kafka_check(settings.kafka_bootstrap)},
        max_body_bytes=settings.max_body_bytes,
    )
    try:
        # The API logs one line per request itself, so uvicorn's access log is off.
        uvicorn.run(
            app,
            host=settings.http_host,
            port=settings.http_port,
            access_log=False,
            log_config=None,
        )
    finally:
        service.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Webhook push: each agency's feed, POSTed to its HTTPS endpoint, signed.

``WebhookService`` consumes the agency feed topics and runs one delivery
worker per destination; ``verify_signature`` is the check an agency's
receiver runs on every request. See ``docs/adapters.md`` for the contract.
"""

from adapters.webhook.config import Destination, RetryPolicy, WebhookConfig
from adapters.webhook.errors import (
    DeadLetterError,
    SignatureError,
    SignatureExpiredError,
    WebhookConfigError,
    WebhookError,
)
from adapters.webhook.service import WebhookService
from adapters.webhook.signing import sign, verify_signature

__all__ = [
    "DeadLetterError",
    "Destination",
    "RetryPolicy",
    "SignatureError",
    "SignatureExpiredError",
    "WebhookConfig",
    "WebhookConfigError",
    "WebhookError",
    "WebhookService",
    "sign",
    "verify_signature",
]

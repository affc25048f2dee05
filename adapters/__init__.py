"""Adapters between agency systems and the gateway, one package per kind of system.

Shared by the inbound adapters:

- ``adapters.sink``: where commands go, into this process or over HTTP;
- ``adapters.mapping``: status mappings from a source system's statuses to
  the gateway's lifecycle, loaded from ``config/mappings/``.

Adapters: ``adapters.files`` (import of CSV and JSON Lines exports, export of
an agency feed to CSV), ``adapters.open311`` (Open311 GeoReport server and client),
``adapters.sqlpoll`` (polling of an agency's SQL table) and
``adapters.webhook`` (push of agency feeds).
"""

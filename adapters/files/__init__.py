"""Import of agency exports (CSV, JSON Lines) and export of agency feeds to CSV.

- :func:`adapters.files.importer.run_import` imports a file with a profile
  into a sink and returns an :class:`adapters.files.result.ImportResult`;
- :func:`adapters.files.importer.scan_registry` lists the agencies, units and
  import systems a file needs;
- :mod:`adapters.files.profiles` holds one mapping profile per export format;
- :func:`adapters.files.export.export_feed` writes an agency's feed to CSV.

The command line is ``python -m adapters.files`` (see :mod:`adapters.files.cli`).
"""

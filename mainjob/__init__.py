"""The main job: the whole gateway in one process, fed with real records.

``lapor-gateway run`` provisions a fresh run folder (SQLite store, agency
registry with tokens, checkpoint signing keys, per-run Kafka topics), starts
the relay, the HTTP API and the status, audit and performance projections,
replays the shipped samples (and the LAPOR! 2017 texts when present) through
the file adapters, waits until Kafka and every projection hold every event,
audits the run's events topic, writes the performance report, prints the
summary with its consistency checks, and then serves until stopped.
"""

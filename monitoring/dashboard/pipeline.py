"""Rows of the gateway's own pipeline: command intake, relay and projections."""

from __future__ import annotations

from monitoring.dashboard.model import (
    AGENCY,
    PROJECTION,
    WINDOW,
    Row,
    age,
    increase,
    max_by,
    p95,
    q,
    rate,
    series,
    stat,
    sum_by,
)

COMMANDS = Row(
    title="Command intake",
    panels=(
        series(
            "Commands by outcome",
            "Commands received through every intake, per second.",
            q(rate("lapor_commands_received_total", "outcome", AGENCY), "{{outcome}}"),
            unit="ops",
            stacked=True,
        ),
        series(
            "Command handling p95",
            "95th percentile from receiving a command to storing its events.",
            q(
                p95("lapor_command_handling_seconds", "command_type"),
                "{{command_type}}",
            ),
            q("lapor:command_handling_seconds:p95_5m", "all commands (5m)"),
            unit="s",
        ),
        series(
            "Events stored",
            "Events recorded in the event store per second, by type.",
            q(rate("lapor_events_stored_total", "event_type"), "{{event_type}}"),
            unit="ops",
            stacked=True,
        ),
        series(
            "Commands dead-lettered",
            "Commands from the command topic sent to its dead-letter topic.",
            q(increase("lapor_commands_dead_lettered_total", "reason"), "{{reason}}"),
        ),
        series(
            "HTTP requests by status",
            "Requests the HTTP API answered per second, by status code.",
            q(rate("lapor_http_requests_total", "status"), "{{status}}"),
            unit="reqps",
            stacked=True,
        ),
        series(
            "HTTP request p95",
            "95th percentile of HTTP request duration, by route template.",
            q(p95("lapor_http_request_duration_seconds", "route"), "{{route}}"),
            unit="s",
        ),
        series(
            "Kafka command intake",
            "Records read from the command topic, results published and retries.",
            q(f"sum(rate(lapor_intake_records_read_total{WINDOW}))", "read"),
            q(f"sum(rate(lapor_intake_results_published_total{WINDOW}))", "results"),
            q(rate("lapor_intake_retries_total", "operation"), "retry {{operation}}"),
            unit="ops",
            width=24,
        ),
    ),
)

RELAY = Row(
    title="Relay",
    panels=(
        series(
            "Relay lag (events)",
            "Stored events not yet published to Kafka.",
            q(max_by("lapor_relay_lag_events", "relay"), "{{relay}}"),
            width=6,
        ),
        series(
            "Relay lag (seconds)",
            "Age of the oldest stored event not yet published.",
            q(max_by("lapor_relay_lag_seconds", "relay"), "{{relay}}"),
            unit="s",
            width=6,
        ),
        series(
            "Publish rate",
            "Events the relay published, and Kafka records including agency feeds.",
            q(rate("lapor_relay_events_published_total", "relay"), "events {{relay}}"),
            q(
                rate("lapor_relay_records_published_total", "relay"),
                "records {{relay}}",
            ),
            unit="ops",
            width=6,
        ),
        series(
            "Publish failures",
            "Batches the relay failed to publish and will retry.",
            q(increase("lapor_relay_publish_failures_total", "relay"), "{{relay}}"),
            width=6,
        ),
    ),
)

PROJECTIONS = Row(
    title="Projections",
    panels=(
        stat(
            "Halted",
            "1 when a runner stopped on a sequence gap, a conflict or an error.",
            q(
                max_by("lapor_projection_halted", "projection, reason", PROJECTION),
                "{{projection}} {{reason}}",
            ),
            width=12,
        ),
        stat(
            "Time since last batch",
            "Seconds since each runner last committed a batch.",
            q(
                age("lapor_projection_last_applied_timestamp_seconds", "projection"),
                "{{projection}}",
            ),
            unit="s",
            width=12,
            alarm_at=600,
        ),
        series(
            "Projection lag",
            "Records between each projection's position and the end of the topic.",
            q(
                sum_by("lapor_projection_lag_events", "projection", PROJECTION),
                "{{projection}}",
            ),
        ),
        series(
            "Events applied",
            "Events applied to each projection's view per second.",
            q(
                rate("lapor_projection_events_applied_total", "projection", PROJECTION),
                "{{projection}}",
            ),
            unit="ops",
        ),
        series(
            "Duplicates skipped",
            "Re-delivered events skipped as copies of applied ones, per second.",
            q(
                rate(
                    "lapor_projection_duplicates_skipped_total",
                    "projection",
                    PROJECTION,
                ),
                "{{projection}}",
            ),
            unit="ops",
        ),
        series(
            "Sequence gaps and conflicts",
            "Events that stop a runner: a gap in a complaint's sequence, a conflict.",
            q(
                increase(
                    "lapor_projection_sequence_gaps_total", "projection", PROJECTION
                ),
                "gap {{projection}}",
            ),
            q(
                increase("lapor_projection_conflicts_total", "projection", PROJECTION),
                "conflict {{projection}}",
            ),
        ),
        series(
            "Dead-lettered records",
            "Records that could not be decoded and went to the dead-letter topic.",
            q(
                increase(
                    "lapor_projection_dead_lettered_total", "projection", PROJECTION
                ),
                "{{projection}}",
            ),
        ),
        series(
            "Batch duration p95",
            "95th percentile of one batch transaction, from decoding to commit.",
            q(
                p95("lapor_projection_batch_seconds", "projection", PROJECTION),
                "{{projection}}",
            ),
            unit="s",
        ),
        series(
            "Newest event applied",
            "Age of the recorded time of the newest event each projection applied.",
            q(
                age(
                    "lapor_projection_last_event_timestamp_seconds",
                    "projection",
                    PROJECTION,
                ),
                "{{projection}}",
            ),
            unit="s",
            width=12,
        ),
        series(
            "Rebalances",
            "Partition assignments each runner received from its consumer group.",
            q(
                increase("lapor_projection_rebalances_total", "projection", PROJECTION),
                "{{projection}}",
            ),
            width=12,
        ),
    ),
)

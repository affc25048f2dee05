"""Rows for operating the gateway: adapters, service levels, health and audit."""

from __future__ import annotations

from monitoring.dashboard.model import (
    AGENCY,
    LAPOR_JOBS,
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

WEBHOOKS = Row(
    title="Adapters: webhook push",
    panels=(
        series(
            "Deliveries by outcome",
            "Feed events the webhook adapter settled per second.",
            q(rate("lapor_webhook_deliveries_total", "outcome", AGENCY), "{{outcome}}"),
            unit="ops",
            stacked=True,
        ),
        series(
            "Retries by agency",
            "Failed attempts scheduled again, per second.",
            q(rate("lapor_webhook_retries_total", "agency", AGENCY), "{{agency}}"),
            unit="ops",
        ),
        series(
            "Attempts by result",
            "HTTP attempts per second, by status class or error.",
            q(rate("lapor_webhook_attempts_total", "result", AGENCY), "{{result}}"),
            unit="ops",
        ),
        series(
            "Dead-letter depth",
            "Events dead-lettered and not re-driven yet, by agency.",
            q(
                sum_by("lapor_webhook_dead_letters", "agency", AGENCY),
                "{{agency}}",
            ),
        ),
        stat(
            "Paused destinations",
            "Agencies whose feed is paused because their queue is full.",
            q(f"sum(lapor_webhook_paused{{{AGENCY}}})", "paused"),
            width=4,
            height=8,
        ),
        series(
            "Queued events",
            "Events handed to an agency's worker and not settled yet.",
            q(
                sum_by("lapor_webhook_queued_events", "agency", AGENCY),
                "{{agency}}",
            ),
            width=6,
        ),
        series(
            "Delivery p95",
            "95th percentile from handing an event to its worker until delivery.",
            q(p95("lapor_webhook_delivery_seconds", "agency", AGENCY), "{{agency}}"),
            unit="s",
            width=6,
        ),
    ),
)

POLLING = Row(
    title="Adapters: polling",
    panels=(
        series(
            "Changes by outcome",
            "Changes read from agency systems per second, by adapter and outcome.",
            q(
                rate("lapor_adapter_changes_total", "adapter, outcome", AGENCY),
                "{{adapter}} {{outcome}}",
            ),
            unit="ops",
        ),
        series(
            "Watermark age",
            "Seconds between now and the source time read up to, per agency system.",
            q(
                age(
                    "lapor_adapter_watermark_timestamp_seconds",
                    "adapter, agency",
                    AGENCY,
                ),
                "{{adapter}} {{agency}}",
            ),
            unit="s",
        ),
        series(
            "Failed polls",
            "Polls that failed, by adapter and agency.",
            q(
                increase(
                    "lapor_adapter_polls_total",
                    "adapter, agency",
                    f'{AGENCY}, outcome="failed"',
                ),
                "{{adapter}} {{agency}}",
            ),
        ),
        series(
            "Commands by result",
            "Commands the polling adapters sent per second, by result.",
            q(
                rate("lapor_adapter_commands_total", "adapter, result", AGENCY),
                "{{adapter}} {{result}}",
            ),
            unit="ops",
        ),
        series(
            "Unmapped and backward statuses",
            "Source statuses that changed nothing: no mapping, or a move backwards.",
            q(
                increase("lapor_adapter_unmapped_status_total", "adapter", AGENCY),
                "unmapped {{adapter}}",
            ),
            q(
                increase("lapor_adapter_backward_status_total", "adapter", AGENCY),
                "backward {{adapter}}",
            ),
        ),
        series(
            "Poll duration p95",
            "95th percentile of one poll, from the first read to the saved watermark.",
            q(p95("lapor_adapter_poll_seconds", "adapter"), "{{adapter}}"),
            unit="s",
        ),
    ),
)

SLA = Row(
    title="Service levels",
    panels=(
        series(
            "Backlog by stage",
            "Open complaints by status, for the selected agencies.",
            q(sum_by("lapor_backlog_complaints", "stage", AGENCY), "{{stage}}"),
            stacked=True,
        ),
        series(
            "Backlog by agency",
            "Open complaints by holding agency.",
            q(sum_by("lapor_backlog_complaints", "agency", AGENCY), "{{agency}}"),
            stacked=True,
        ),
        series(
            "Overdue by agency and clock",
            "Open complaints whose deadline clock is past due.",
            q(
                sum_by("lapor_overdue_complaints", "agency, clock", AGENCY),
                "{{agency}} {{clock}}",
            ),
        ),
        series(
            "Follow-up within target",
            "Share of decided cases followed up within the target working days.",
            q(
                max_by("lapor_follow_up_within_target_ratio", "agency", AGENCY),
                "{{agency}}",
            ),
            unit="percentunit",
            maximum=1,
        ),
        series(
            "Scheduler commands",
            "Escalation and auto-close commands the scheduler issued, by clock.",
            q(
                increase("lapor_scheduler_commands_issued_total", "clock, outcome"),
                "{{clock}} {{outcome}}",
            ),
            q("max(lapor_scheduler_due_deadlines)", "due in last pass"),
        ),
        stat(
            "Performance figures age",
            "Seconds since the as-of moment of the last refresh of these gauges.",
            q(
                "time() - max(lapor_performance_refreshed_timestamp_seconds)",
                "age",
            ),
            unit="s",
            width=8,
            height=8,
            alarm_at=900,
        ),
    ),
)

HEALTH = Row(
    title="Health",
    panels=(
        stat(
            "Processes up",
            "1 when Prometheus scraped the process, 0 when it failed.",
            q(f"up{{{LAPOR_JOBS}}}", "{{job}} {{instance}}"),
            width=12,
            alarm_below=True,
        ),
        stat(
            "Dependencies up",
            "1 while a process's readiness check of Kafka or the store passes.",
            q(
                "min by (job, dependency) (lapor_dependency_up)",
                "{{job}} {{dependency}}",
            ),
            width=12,
            alarm_below=True,
        ),
        series(
            "Readiness check age",
            "Seconds since each process last ran its readiness checks.",
            q(
                age("lapor_dependency_checked_timestamp_seconds", "job, instance"),
                "{{job}} {{instance}}",
            ),
            unit="s",
            width=6,
        ),
        series(
            "CPU (cores)",
            "CPU seconds used per second, user and system, per process.",
            q(
                f"rate(process_cpu_seconds_total{{{LAPOR_JOBS}}}{WINDOW})",
                "{{job}} {{instance}}",
            ),
            width=6,
        ),
        series(
            "Resident memory",
            "Resident memory per process.",
            q(f"process_resident_memory_bytes{{{LAPOR_JOBS}}}", "{{job}} {{instance}}"),
            unit="bytes",
            width=6,
        ),
        series(
            "File descriptors used",
            "Open file descriptors as a share of the process's limit.",
            q(
                f"process_open_fds{{{LAPOR_JOBS}}} / process_max_fds{{{LAPOR_JOBS}}}",
                "{{job}} {{instance}}",
            ),
            unit="percentunit",
            maximum=1,
            width=6,
        ),
    ),
)

AUDIT = Row(
    title="Audit",
    panels=(
        stat(
            "Last checkpoint age",
            "Seconds since the last signed checkpoint was taken.",
            q("time() - max(lapor_audit_last_checkpoint_timestamp_seconds)", "age"),
            unit="s",
            height=8,
            alarm_at=7200,
        ),
        series(
            "Checkpoints",
            "Checkpoints signed and stored, and published to the checkpoints topic.",
            q("sum(increase(lapor_audit_checkpoints_signed_total[1h]))", "signed / h"),
            q(
                "sum(increase(lapor_audit_checkpoints_published_total[1h]))",
                "published / h",
            ),
            width=6,
        ),
        series(
            "Chain verifications",
            "Hash-chain checks per second, by check and result.",
            q(
                rate("lapor_audit_chain_verifications_total", "check, result"),
                "{{check}} {{result}}",
            ),
            unit="ops",
            width=6,
        ),
        series(
            "Checkpoint offsets",
            "Next offset to read of each events partition in the last checkpoint.",
            q(
                max_by("lapor_audit_last_checkpoint_offset", "partition"),
                "{{partition}}",
            ),
            width=6,
        ),
    ),
)

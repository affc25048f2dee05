"""The projection runner: Kafka in, one database transaction per batch out.

``ProjectionRunner`` consumes the complaint events topic as a member of the
projection's consumer group and applies batches through ``BatchApplier``,
which checks each complaint's sequence and stores the Kafka position in the
transaction that updates the view. ``rebuild`` recreates a view from the
beginning of the topic. See ``runner.py`` for the acknowledgement policy.
"""

from projections.runner.applier import BatchApplier, BatchProjection, BatchResult
from projections.runner.catch_up import catch_up
from projections.runner.compare import differing_tables, view_contents
from projections.runner.database import (
    StoreLocation,
    create_store_engine,
    create_tables,
    drop_location,
    sqlite_location,
)
from projections.runner.dead_letters import (
    DEAD_LETTER_TOPIC,
    DeadLetterSink,
    KafkaDeadLetters,
)
from projections.runner.errors import (
    ApplyError,
    ConfigurationError,
    ConflictError,
    DeadLetterError,
    HaltError,
    ProjectionRunnerError,
    SequenceGapError,
    SourceError,
    StoreError,
)
from projections.runner.rebuild import RebuildResult, rebuild, switch_over
from projections.runner.records import IncomingRecord, PoisonRecord
from projections.runner.runner import (
    BatchAccounting,
    ProjectionRunner,
    RunnerConfig,
    RunSummary,
    group_id_of,
)
from projections.runner.tracking import TrackingTables

__all__ = [
    "DEAD_LETTER_TOPIC",
    "ApplyError",
    "BatchAccounting",
    "BatchApplier",
    "BatchProjection",
    "BatchResult",
    "ConfigurationError",
    "ConflictError",
    "DeadLetterError",
    "DeadLetterSink",
    "HaltError",
    "IncomingRecord",
    "KafkaDeadLetters",
    "PoisonRecord",
    "ProjectionRunner",
    "ProjectionRunnerError",
    "RebuildResult",
    "RunSummary",
    "RunnerConfig",
    "SequenceGapError",
    "SourceError",
    "StoreError",
    "StoreLocation",
    "TrackingTables",
    "catch_up",
    "create_store_engine",
    "create_tables",
    "differing_tables",
    "drop_location",
    "group_id_of",
    "rebuild",
    "sqlite_location",
    "switch_over",
    "view_contents",
]

"""Status mappings from agency systems to the gateway's lifecycle, for every adapter.

A source system (an agency's complaint application, an export format) has its
own statuses. One YAML file per source under ``config/mappings/`` maps them to
lifecycle statuses, optionally per agency. Load and check all files at
start-up, then ask a mapper what a source status means for a complaint::

    catalog = MappingCatalog.load(Path("config/mappings"))
    mapper = StatusMapper(catalog, metrics=MappingMetrics(registry),
                          agencies=frozenset(configured_agency_ids))
    move = mapper.move("nyc311", "nyc-dsny", "Closed", current=Status.IN_UNIT)
    if move.kind is MoveKind.ADVANCE:
        ...  # send the commands that bring the complaint to move.target

Rules every adapter gets from here. An unmapped status changes nothing, is
counted in ``lapor_adapter_unmapped_status_total`` and is logged once per
source and status. A status ranked below the current one never moves a
complaint back, and ``lapor_adapter_backward_status_total`` counts it. The
exception is a source whose file declares ``after_completion: reopen``: there
it reopens a responded or closed complaint.
"""

from adapters.mapping.catalog import (
    DEFAULT_MAPPINGS_DIR,
    AfterCompletion,
    MappingCatalog,
    MappingError,
    StatusMapping,
    load_mapping_file,
)
from adapters.mapping.mapper import Move, MoveKind, StatusMapper
from adapters.mapping.metrics import MappingMetrics
from adapters.mapping.ranks import COMPLETED, RANKS, rank_of

__all__ = [
    "COMPLETED",
    "DEFAULT_MAPPINGS_DIR",
    "RANKS",
    "AfterCompletion",
    "MappingCatalog",
    "MappingError",
    "MappingMetrics",
    "Move",
    "MoveKind",
    "StatusMapper",
    "StatusMapping",
    "load_mapping_file",
    "rank_of",
]

"""What a mapped status means for a complaint: advance, same, backward, reopen."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from adapters.mapping import (
    COMPLETED,
    AfterCompletion,
    MappingCatalog,
    MappingMetrics,
    MoveKind,
    StatusMapper,
    StatusMapping,
    rank_of,
)
from gateway.complaint import Status

STATUSES = {status.value.upper(): status for status in Status}
"""One source status per lifecycle status, named after it in capitals."""


def mapper_for(after: AfterCompletion = AfterCompletion.IGNORE, *, agencies=()):
    catalog = MappingCatalog(
        [StatusMapping(source="src", after_completion=after, statuses=STATUSES)]
    )
    registry = CollectorRegistry()
    mapper = StatusMapper(
        catalog, metrics=MappingMetrics(registry), agencies=frozenset(agencies)
    )
    return mapper, registry


def counted(registry, name, agency):
    value = registry.get_sample_value(name, {"adapter": "src", "agency": agency})
    return value or 0


def test_unmapped_counted_per_agency():
    mapper, registry = mapper_for(agencies={"pemkot-bandung"})
    move = mapper.move("src", "pemkot-bandung", "Ditolak", Status.SUBMITTED)
    mapper.move("src", "pemkot-bogor", "Ditolak", Status.SUBMITTED)
    assert move.kind is MoveKind.UNMAPPED
    assert (
        counted(registry, "lapor_adapter_unmapped_status_total", "pemkot-bandung") == 1
    )
    assert counted(registry, "lapor_adapter_unmapped_status_total", "other") == 1


def test_unmapped_logged_once_per_status(caplog):
    mapper, _ = mapper_for()
    with caplog.at_level(logging.WARNING, logger="adapters.mapping.mapper"):
        for status in ("Ditolak", "DITOLAK", "Ditolak", "Dibatalkan"):
            mapper.target("src", None, status)
    assert len(caplog.records) == 2


def test_backward_ignored_and_counted():
    mapper, registry = mapper_for()
    move = mapper.move("src", None, "DISPOSITIONED", Status.IN_FOLLOW_UP)
    assert move.kind is MoveKind.BACKWARD
    assert counted(registry, "lapor_adapter_backward_status_total", "other") == 1


def test_new_complaint_always_advances():
    mapper, _ = mapper_for()
    assert mapper.move("src", None, "SUBMITTED", None).kind is MoveKind.ADVANCE


@pytest.mark.parametrize("current", sorted(COMPLETED))
def test_reopen_only_when_declared(current):
    reopening, _ = mapper_for(AfterCompletion.REOPEN)
    ignoring, _ = mapper_for()
    assert reopening.move("src", None, "IN_UNIT", current).kind is MoveKind.REOPEN
    assert ignoring.move("src", None, "IN_UNIT", current).kind is MoveKind.BACKWARD


def test_closed_never_reopens_to_responded():
    mapper, _ = mapper_for(AfterCompletion.REOPEN)
    move = mapper.move("src", None, "RESPONDED", Status.CLOSED)
    assert move.kind is MoveKind.BACKWARD


@given(
    target=st.sampled_from(list(Status)),
    current=st.sampled_from(list(Status)),
    after=st.sampled_from(list(AfterCompletion)),
)
def test_never_moves_backwards(target, current, after):
    mapper, _ = mapper_for(after)
    move = mapper.move("src", None, target.value.upper(), current)
    lower = rank_of(target) < rank_of(current)
    reopen = (
        lower
        and after is AfterCompletion.REOPEN
        and current in COMPLETED
        and target not in COMPLETED
    )
    assert move.target is target
    assert (move.kind is MoveKind.ADVANCE) == (rank_of(target) > rank_of(current))
    assert (move.kind is MoveKind.SAME) == (rank_of(target) == rank_of(current))
    assert (move.kind is MoveKind.REOPEN) == reopen
    assert (move.kind is MoveKind.BACKWARD) == (lower and not reopen)

"""Any at-least-once delivery, cut into any batches, gives one clean pass's view."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.event_mix import template_histories
from projections.runner import view_contents
from tests.projections.runner.support import records_of, sqlite_view

HISTORIES = [history for history in template_histories(30, seed=5) if len(history) > 3][
    :4
]


@st.composite
def deliveries(draw):
    """Interleave the complaints in order, with re-published copies placed later.

    A copy of the event at position i lands after position i + delay, as a
    relay that re-publishes after a crash would place it.
    """
    cursors = [0] * len(HISTORIES)
    originals = []
    while any(c < len(h) for c, h in zip(cursors, HISTORIES, strict=True)):
        open_ones = [i for i, h in enumerate(HISTORIES) if cursors[i] < len(h)]
        chosen = draw(st.sampled_from(open_ones))
        originals.append(HISTORIES[chosen][cursors[chosen]])
        cursors[chosen] += 1
    keyed = [((index, 0, 0), event) for index, event in enumerate(originals)]
    for index, event in enumerate(originals):
        for copy in range(draw(st.integers(0, 2))):
            delay = draw(st.integers(0, 12))
            keyed.append(((index + delay, 1, copy), event))
    stream = [event for _, event in sorted(keyed, key=lambda item: item[0])]
    cuts = sorted(draw(st.sets(st.integers(1, len(stream) - 1), max_size=8)))
    return stream, cuts, len(stream) - len(originals)


def apply_all(folder: Path, name: str, stream, cuts):
    view = sqlite_view(folder, name)
    records = records_of(stream)
    bounds = [0, *cuts, len(records)]
    results = [
        asyncio.run(view.applier.apply(records[start:end]))
        for start, end in itertools.pairwise(bounds)
    ]
    contents = view_contents(view.engine, view.projection.metadata)
    view.dispose()
    return results, contents


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(deliveries())
def test_delivery_matches_clean_pass(delivery):
    stream, cuts, copies = delivery
    clean = [event for history in HISTORIES for event in history]
    with tempfile.TemporaryDirectory() as folder:
        results, contents = apply_all(Path(folder), "delivered", stream, cuts)
        _, expected = apply_all(Path(folder), "clean", clean, [])
    assert contents == expected
    assert sum(result.applied for result in results) == len(clean)
    assert sum(result.duplicates for result in results) == copies
    assert all(result.halt is None for result in results)

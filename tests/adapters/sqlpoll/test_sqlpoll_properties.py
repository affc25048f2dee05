"""Any sequence of helpdesk statuses: never backwards, unmapped ones change nothing."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.mapping import rank_of
from adapters.sqlpoll.applier import ChangeApplier, Outcome, PollerIdentity
from adapters.sqlpoll.changes import SourceChange
from adapters.sqlpoll.checkpoints import CheckpointStore, PollProgress
from tests.adapters.sqlpoll.local_gateway import CITY, WIB, Gateway

HELPDESK_STATUSES = [
    "Baru",
    "Diteruskan",
    "Dalam Proses",
    "Menunggu Pelapor",
    "Dijawab",
    "Selesai",
    "Ditutup",
    "Draf",
    "Dibatalkan",
]
T0 = dt.datetime(2025, 6, 3, 8, 0, tzinfo=WIB)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(HELPDESK_STATUSES), st.booleans()),
        min_size=1,
        max_size=8,
    )
)
def test_status_rank_never_decreases(steps):
    with tempfile.TemporaryDirectory() as folder:
        gateway = Gateway.build(Path(folder))
        store = CheckpointStore(f"sqlite:///{folder}/state.sqlite")
        try:
            applier = ChangeApplier(
                PollerIdentity(name="prop", adapter="sqlpoll", agency=CITY),
                sink=gateway.sink,
                complaints=gateway.complaints,
                mapper=gateway.mapper,
                store=store,
            )
            complaint = gateway.held_complaint("7100001")
            for number, (status, with_note) in enumerate(steps):
                before = gateway.service.find(complaint)
                change = SourceChange(
                    source="pemkot-helpdesk",
                    agency=CITY,
                    reference="T-1",
                    version=f"v{number}",
                    complaint_id=complaint,
                    status=status,
                    notes=f"catatan {number}" if with_note else None,
                    occurred_at=T0 + dt.timedelta(minutes=number),
                )
                counts = applier.apply([change], PollProgress())
                after = gateway.service.find(complaint)
                assert rank_of(after.status) >= rank_of(before.status)
                if status in {"Draf", "Dibatalkan"}:
                    assert counts == {Outcome.UNMAPPED: 1}
                    assert after.version == before.version
                else:
                    assert Outcome.REJECTED not in counts
        finally:
            store.close()
            gateway.close()

"""Random lifecycles: the view agrees with the aggregate now and as of every step."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.values import Role
from gateway.complaint import Action, ActionRejectedError, Scope, Status
from gateway.complaint.transitions import find_transition
from projections.runner import create_store_engine
from projections.status.models import ComplaintFilter
from projections.status.queries import StatusQueries
from tests.complaint.builders import (
    AGENCY,
    FOREIGN_AGENCY,
    LIAISON,
    NATIONAL,
    PERMISSIVE,
    REPORTER,
    SYSTEM,
    Clock,
    action_context,
    envelopes_of,
    perform,
    submit,
)
from tests.projections.runner.support import records_of, sqlite_view
from tests.projections.status.support import NATIONAL_VIEWER

ACTORS = [REPORTER, NATIONAL, AGENCY, FOREIGN_AGENCY, LIAISON, SYSTEM]
LATER_ACTIONS = [action for action in Action if action is not Action.SUBMIT]
FAR_FUTURE = dt.datetime(2035, 1, 1, tzinfo=dt.UTC)
TERMINAL_ACTIONS = {Action.DELETE, Action.ARCHIVE}


def permitted(complaint):
    """Return the (action, actor) pairs the transition table allows now."""
    state = complaint.state
    pairs = []
    for action in LATER_ACTIONS:
        for actor in ACTORS:
            row = find_transition(action, actor.role)
            if row is None or state.status not in row.sources:
                continue
            in_scope = {
                Scope.ANY: True,
                Scope.OWN_COMPLAINT: actor.role is Role.REPORTER,
                Scope.UNHELD: state.holder is None,
                Scope.HOLDING_AGENCY: state.holder == actor.agency,
                Scope.FORWARDED_UNIT: state.holder == actor.agency
                and state.unit == actor.unit,
            }[row.scope]
            if in_scope:
                pairs.append((action, actor))
    return pairs


def drive(data, *, target, steps):
    """Take drawn actions, mostly ones the table allows; skip what the rules reject."""
    clock = Clock()
    complaint = submit(clock, target=target)
    states = [(envelopes_of(complaint)[-1].time, complaint.state)]
    for _ in range(steps):
        allowed = permitted(complaint)
        lasting = [pair for pair in allowed if pair[0] not in TERMINAL_ACTIONS]
        if lasting and data.draw(st.integers(0, 9), label="lasting") > 0:
            allowed = lasting
        if allowed and data.draw(st.integers(0, 9), label="permitted") > 0:
            action, actor = data.draw(st.sampled_from(allowed), label="step")
        else:
            action = data.draw(st.sampled_from(LATER_ACTIONS), label="action")
            actor = data.draw(st.sampled_from(ACTORS), label="actor")
        context = action_context(clock, action, actor, policy=PERMISSIVE)
        try:
            perform(complaint, action, context)
        except ActionRejectedError:
            continue
        states.append((envelopes_of(complaint)[-1].time, complaint.state))
    return complaint, states


def project(folder: Path, complaint, cuts):
    view = sqlite_view(folder)
    records = records_of(envelopes_of(complaint))
    bounds = [0, *cuts, len(records)]
    for start, end in itertools.pairwise(bounds):
        result = asyncio.run(view.applier.apply(records[start:end]))
        assert result.halt is None
    view.dispose()
    return create_store_engine(view.location, writer=False)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    steps=st.integers(0, 30),
    target=st.sampled_from([None, AGENCY.agency]),
    data=st.data(),
)
def test_view_agrees_with_aggregate(steps, target, data):
    complaint, states = drive(data, target=target, steps=steps)
    count = len(envelopes_of(complaint))
    cuts = sorted(data.draw(st.sets(st.integers(1, max(count - 1, 1)), max_size=4)))
    cuts = [cut for cut in cuts if cut < count]
    with tempfile.TemporaryDirectory() as folder:
        engine = project(Path(folder), complaint, cuts)
        queries = StatusQueries(engine)
        detail = queries.detail(str(complaint.id), NATIONAL_VIEWER, now=FAR_FUTURE)
        past = [
            queries.page(
                ComplaintFilter(as_of=moment), NATIONAL_VIEWER, now=FAR_FUTURE, limit=5
            ).items
            for moment, _ in states
        ]
        engine.dispose()

    state, due = complaint.state, complaint.due_dates
    assert detail.summary.status is state.status
    assert (detail.summary.agency, detail.summary.unit) == (state.holder, state.unit)
    assert detail.due_dates.first_follow_up == due.first_follow_up_due
    assert detail.due_dates.resolution == due.resolution_due
    assert detail.due_dates.auto_close == due.auto_close_due
    assert detail.due_dates.sop == due.sop_due
    running = [moment for moment in due.model_dump().values() if moment is not None]
    assert detail.summary.next_due_at == min(running, default=None)
    assert detail.reopens == state.reopens
    assert detail.escalations == state.escalations
    for (moment, then), items in zip(states, past, strict=True):
        [item] = items
        assert item.status is Status(then.status), moment
        assert (item.agency, item.unit) == (then.holder, then.unit), moment

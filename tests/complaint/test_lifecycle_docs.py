"""docs/lifecycle.md lists the transition table exactly as the code enforces it."""

from __future__ import annotations

from pathlib import Path

from gateway.complaint import TRANSITIONS, PolicySwitch, Scope, Status, Transition
from gateway.complaint.state import OPEN_STATUSES

DOC = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"
START = "<!-- transitions:start -->"
END = "<!-- transitions:end -->"

SCOPE_TEXT = {
    Scope.ANY: "none",
    Scope.UNHELD: "no agency holds it",
    Scope.HOLDING_AGENCY: "the actor's agency holds it",
    Scope.FORWARDED_UNIT: "the actor's agency holds it and forwarded it to the "
    "actor's unit",
    Scope.OWN_COMPLAINT: "the actor is its reporter",
}

SWITCH_TEXT = {
    None: "",
    PolicySwitch.REOPEN: "`reopen_roles`, `reopen_window`, `max_reopens`",
    PolicySwitch.SIDEWAYS_REDISPOSITION: "`agency_may_redisposition_sideways`",
    PolicySwitch.SYSTEM_ARCHIVE: "`system_archives_expired_pending`",
}


def _sources(row: Transition) -> str:
    if not row.sources:
        return "(new)"
    if row.sources == frozenset(Status):
        return "any"
    if row.sources == OPEN_STATUSES:
        return "any open"
    ordered = sorted(row.sources, key=list(Status).index)
    return ", ".join(f"`{status}`" for status in ordered)


def render_table() -> str:
    """Render the transition table as the Markdown the document contains."""
    lines = [
        "| action | role | from | condition | to | policy switch |",
        "|---|---|---|---|---|---|",
    ]
    for row in TRANSITIONS:
        target = f"`{row.target}`" if row.target is not None else "unchanged"
        cells = [
            f"`{row.action}`",
            str(row.role),
            _sources(row),
            SCOPE_TEXT[row.scope],
            target,
            SWITCH_TEXT[row.switch],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_document_lists_transition_table():
    text = DOC.read_text(encoding="utf-8")
    block = text.split(START, 1)[1].split(END, 1)[0].strip()

    assert block == render_table()


def test_document_names_every_status():
    text = DOC.read_text(encoding="utf-8")
    for status in Status:
        assert f"`{status}`" in text

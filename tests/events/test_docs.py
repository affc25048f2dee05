"""The code examples in docs/events.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from events.registry import REGISTRY

DOC = Path(__file__).parents[2] / "docs" / "events.md"
EXAMPLES = re.findall(
    r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL
)


def test_doc_has_examples():
    assert EXAMPLES


@pytest.mark.parametrize("source", EXAMPLES)
def test_doc_example_runs(source):
    exec(compile(source, str(DOC), "exec"), {})  # noqa: S102 (our own documentation)


def test_doc_lists_every_event_type():
    text = DOC.read_text(encoding="utf-8")
    for version in REGISTRY.versions():
        assert f"`{version.event_type}`" in text

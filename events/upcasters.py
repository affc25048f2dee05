"""Upcasters: functions that bring a stored event's data up one version.

An upcaster takes the data of version N as a JSON dict and returns the data of
version N + 1. Upcasters never see the envelope and never change a hash: the
hash of a stored event is verified over its stored form before upcasting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from events.values import Channel

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

_CHANNEL_WORDS: dict[str, Channel] = {
    "web": Channel.WEBSITE,
    "website": Channel.WEBSITE,
    "www": Channel.WEBSITE,
    "situs": Channel.WEBSITE,
    "portal": Channel.WEBSITE,
    "lapor go id": Channel.WEBSITE,
    "sms": Channel.SMS,
    "1708": Channel.SMS,
    "android": Channel.ANDROID,
    "ios": Channel.IOS,
    "iphone": Channel.IOS,
    "twitter": Channel.TWITTER,
    "tweet": Channel.TWITTER,
    "@lapor1708": Channel.TWITTER,
    "whatsapp": Channel.WHATSAPP,
    "wa": Channel.WHATSAPP,
    "instagram": Channel.INSTAGRAM,
    "ig": Channel.INSTAGRAM,
    "email": Channel.EMAIL,
    "e mail": Channel.EMAIL,
    "surel": Channel.EMAIL,
    "phone": Channel.PHONE,
    "telephone": Channel.PHONE,
    "telepon": Channel.PHONE,
    "telp": Channel.PHONE,
    "call center": Channel.PHONE,
    "letter": Channel.LETTER,
    "surat": Channel.LETTER,
    "walk in": Channel.WALK_IN,
    "datang langsung": Channel.WALK_IN,
    "tatap muka": Channel.WALK_IN,
    "integrated system": Channel.INTEGRATED_SYSTEM,
    "integrasi": Channel.INTEGRATED_SYSTEM,
    "open311": Channel.OPEN311,
}
"""Known spellings of version 1 free-text channels, after normalisation."""

_SEPARATORS = re.compile(r"[^a-z0-9@]+")


def channel_from_text(text: str) -> Channel:
    """Map a free-text channel of version 1 to :class:`Channel`.

    The text is lower-cased and split into words at anything but letters,
    digits and ``@``. The whole text is looked up first, then each word and
    pair of words in order; text that matches nothing maps to ``other``.
    """
    words = _SEPARATORS.sub(" ", text.lower()).split()
    candidates = [" ".join(words)]
    for index, word in enumerate(words):
        candidates.append(word)
        candidates.append(" ".join(words[index : index + 2]))
    for candidate in candidates:
        if candidate in _CHANNEL_WORDS:
            return _CHANNEL_WORDS[candidate]
    return Channel.OTHER


def complaint_submitted_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Move the flat privacy booleans into ``privacy`` and map the channel."""
    upcast = {
        key: value
        for key, value in data.items()
        if key not in {"anonymous", "confidential"}
    }
    upcast["privacy"] = {
        "anonymous": data.get("anonymous", False),
        "confidential": data.get("confidential", False),
    }
    upcast["channel"] = channel_from_text(str(data["channel"])).value
    return upcast


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("complaint.submitted", 1): complaint_submitted_v1_to_v2,
}
"""Upcaster per (event name, version it reads)."""

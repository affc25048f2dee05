"""Mapping profiles: how each export format becomes gateway commands.

Each profile module's docstring states its mapping. Look a profile up by its
command-line name with :func:`profile_named`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.files.errors import ProfileError
from adapters.files.profiles.base import (
    DEFAULT_SEED,
    CaseProfile,
    Profile,
    ProfileContext,
    RowProfile,
)
from adapters.files.profiles.bpi2013 import Bpi2013Profile
from adapters.files.profiles.lapor2017 import Lapor2017Profile
from adapters.files.profiles.nyc311 import Nyc311Profile
from adapters.files.profiles.sp4n import Sp4nOpenDataProfile
from adapters.files.profiles.wabo import WaboProfile

if TYPE_CHECKING:
    from collections.abc import Mapping

PROFILES: Mapping[str, type[Profile]] = {
    profile.name: profile
    for profile in (
        Nyc311Profile,
        Bpi2013Profile,
        WaboProfile,
        Lapor2017Profile,
        Sp4nOpenDataProfile,
    )
}


def profile_named(name: str, context: ProfileContext) -> Profile:
    """Return the profile called ``name``; raise ``ProfileError`` if there is none."""
    try:
        profile_type = PROFILES[name]
    except KeyError:
        raise ProfileError(
            f"no profile {name!r}: choose one of {', '.join(PROFILES)}"
        ) from None
    return profile_type(context)


__all__ = [
    "DEFAULT_SEED",
    "PROFILES",
    "CaseProfile",
    "Profile",
    "ProfileContext",
    "RowProfile",
    "profile_named",
]

"""Where local services keep their downloads and their data."""

import os
from pathlib import Path

PROJECT_NAME_LINE = 'name = "lapor-gateway"'


def cache_root() -> Path:
    """Return the download cache: ``$LAPOR_CACHE_DIR``, else the XDG cache folder.

    The cache sits outside the repository so that a fresh clone reuses downloads.
    """
    override = os.environ.get("LAPOR_CACHE_DIR")
    if override:
        return Path(override).expanduser().resolve()
    xdg_cache = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg_cache) if xdg_cache else Path.home() / ".cache"
    return (base / "lapor-gateway").resolve()


def project_root(start: Path | None = None) -> Path:
    """Return the nearest folder at or above ``start`` holding this project's
    pyproject.toml, or ``start`` itself (default: the working folder) if none does.
    """
    origin = (start or Path.cwd()).resolve()
    for folder in (origin, *origin.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and PROJECT_NAME_LINE in pyproject.read_text("utf-8"):
            return folder
    return origin


def var_root(start: Path | None = None) -> Path:
    """Return the folder for service data: ``$LAPOR_VAR_DIR``, else ``var/`` in the
    project root. The repository's .gitignore excludes ``var/``.
    """
    override = os.environ.get("LAPOR_VAR_DIR")
    if override:
        return Path(override).expanduser().resolve()
    return project_root(start) / "var"

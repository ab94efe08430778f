"""The installed package's version, as `deconfliction --version` and GET /healthz report it."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache
def package_version() -> str:
    """The version in the installed distribution's metadata (pyproject.toml's `version`).

    Falls back to `deconfliction.__version__` only when the package runs without being installed.
    """
    try:
        return version("deconfliction")
    except PackageNotFoundError:
        from . import __version__

        return __version__

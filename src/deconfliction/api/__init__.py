"""HTTP shell: /v1, /dss/v1 and /uss/v1 as one FastAPI app (`create_app`), configured by `Settings`."""

from ..config import Settings
from .app import create_app

__all__ = ["Settings", "create_app"]

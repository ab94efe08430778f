"""HTTP shell: the F3548-21 DSS as a FastAPI app (`create_app`), configured by `Settings`."""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]

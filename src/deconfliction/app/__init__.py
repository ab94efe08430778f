"""The application layer: the one serialized writer and the use cases every door calls."""

from .service import App
from .usecases import DeclarationOutcome, Rules

__all__ = ["App", "DeclarationOutcome", "Rules"]

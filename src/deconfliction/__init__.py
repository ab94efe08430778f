"""deconfliction: independent parties share airspace without sharing their plans.

Layers (arrows point one way): geo -> model -> engines (strategic, tactical, hotline,
ledger) -> store -> api / cli.
"""

__version__ = "0.1.0"

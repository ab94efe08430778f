"""The `deconfliction` command: a thin shell over the service and the engines."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="deconfliction",
    help="Deconfliction for independent parties sharing airspace.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Declare 4D volumes, find conflicts, notify and acknowledge, keep a tamper-evident log."""

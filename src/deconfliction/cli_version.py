"""`deconfliction --version`: an eager option of the main callback, printed before any command runs."""

from __future__ import annotations

from typing import Annotated

import typer

from .version import package_version


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"deconfliction {package_version()}")
        raise typer.Exit()


VersionOption = Annotated[bool, typer.Option(
    "--version", callback=_print_version, is_eager=True, help="Print `deconfliction <version>` and exit.")]

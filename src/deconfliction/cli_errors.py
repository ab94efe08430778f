"""The one place the CLI maps the package's errors: a line on stderr and exit code 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from .errors import DeconflictionError


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` as an error; the caller raises what this returns (exit 2: bad input; 1: a
    check failed)."""
    # soft_wrap: one line whatever the width (rich would break it at 80 columns off a terminal)
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def exit_2_on_error() -> Iterator[None]:
    """Bad input or an unreadable file inside the block ends the command with exit code 2."""
    try:
        yield
    except DeconflictionError as error:
        raise fail(error.message) from None
    except OSError as error:
        raise fail(f"{getattr(error, 'filename', '') or ''}: {error.strerror or error}") from None

"""Dependencies of the routes, as `Annotated` aliases: the application and the authorized caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request

from ..app import App
from ..engine.f3548 import Caller

UUID_V4 = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"


async def _core(request: Request) -> App:
    core: App = request.app.state.core
    return core


Core = Annotated[App, Depends(_core)]
EntityId = Annotated[str, Path(pattern=UUID_V4, description="EntityID (UUIDv4)")]


def authorized(operation: str) -> Any:
    """A dependency giving the caller of `operation` (401/403 when the token does not allow it)."""

    # async: FastAPI would run a plain function in a worker thread, which costs more than the check.
    async def dependency(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
        caller: Caller = request.app.state.verifier.caller(authorization, operation)
        request.state.party = caller.party  # lets the error handler hide others' OVNs
        return caller

    dependency.__name__ = f"authorized_{operation}"
    return Depends(dependency)

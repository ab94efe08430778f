"""Dependencies of the routes, as `Annotated` aliases: the application and the authorized caller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Request

from ..app import App
from ..engine.f3548 import Caller
from ..geo import Volume4D
from ..geo.matching import prepare, prepare_pairs
from ..wire.limits import MAX_OVN_CHARS, vertex_count

T = TypeVar("T")
__all__ = ["Core", "EntityId", "Ovn", "Version", "authorized", "off_loop_if_heavy", "vertex_count"]

UUID_V4 = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"


async def _core(request: Request) -> App:
    core: App = request.app.state.core
    return core


Core = Annotated[App, Depends(_core)]
EntityId = Annotated[str, Path(pattern=UUID_V4, description="EntityID (UUIDv4)")]
Ovn = Annotated[str, Path(min_length=1, max_length=MAX_OVN_CHARS, description="The entity's current OVN")]
Version = Annotated[str, Path(min_length=1, max_length=MAX_OVN_CHARS, description="The subscription's current version")]

# Below this many polygon vertices a body is parsed on the event loop (a thread hop costs more
# than the work); above, in a worker thread, so a heavy request does not stall the others.
HEAVY_VERTICES = 200


async def off_loop_if_heavy(parse: Callable[[], T], vertices: int, *, query: bool = False,
                            near: Callable[[Sequence[Volume4D]], Sequence[Volume4D]] | None = None) -> T:
    """Run a parse (validation, projection, densification) off the event loop when it is heavy,
    and there also prepare what the decision will look up (hulls, index boxes, area bounds:
    geo.matching.prepare; a `query`'s area is matched exactly, so it needs no hull). `near`: the
    stored volumes near these (`App.volumes_near`, read on the loop), whose pairs with a large
    shape are then computed off the loop too (`geo.matching.prepare_pairs`; for a query, only
    whether they overlap)."""
    if vertices <= HEAVY_VERTICES:
        return parse()

    def parse_and_prepare() -> tuple[T, tuple[Volume4D, ...]]:
        value = parse()
        volumes = _volumes_in(value)
        prepare(volumes, hulls=not query)
        return value, volumes
    value, volumes = await asyncio.to_thread(parse_and_prepare)
    if near is not None:
        stored = near(volumes)
        if stored:
            await asyncio.to_thread(partial(prepare_pairs, volumes, stored, where=not query))
    return value


def _volumes_in(value: object) -> tuple[Volume4D, ...]:
    """The volumes a parsed body carries: itself, a sequence of them, or a request's `volumes`/`volume`."""
    if isinstance(value, Volume4D):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(v for v in value if isinstance(v, Volume4D))
    for name in ("volumes", "volume"):
        found = getattr(value, name, None)
        if found is not None:
            return _volumes_in(found)
    return ()


def authorized(operation: str) -> Any:
    """A dependency giving the caller of `operation` (401/403 when the token does not allow it)."""

    # async: FastAPI would run a plain function in a worker thread, which costs more than the check.
    async def dependency(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
        caller: Caller = request.app.state.verifier.caller(authorization, operation)
        request.state.party = caller.party  # lets the error handler hide others' OVNs
        return caller

    dependency.__name__ = f"authorized_{operation}"
    return Depends(dependency)

"""The FastAPI application: the F3548-21 DSS under /dss/v1, OpenAPI docs at /docs."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ..store import Database, sqlite_url
from . import errors
from .auth import TokenVerifier, load_keys
from .docs import install_offline_docs
from .dss_service import DssService, single_writer
from .routes import constraints, misc, oir, subscriptions
from .settings import Settings


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    """The app for these settings; it opens (and migrates) the database when it starts.

    Raises InvalidInput before anything starts when no trusted key or issuer is configured.
    """
    settings.check_trust()
    verifier = TokenVerifier(load_keys(settings.public_keys, settings.jwks_file),
                             issuers=settings.issuers, audiences=settings.accepted_audiences())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The registry in memory is the writers' serialization point: one server per database.
        lock = None if database is not None else single_writer(settings.db)
        db = database or Database(sqlite_url(settings.db))
        app.state.dss = service = DssService(db)
        # What was loaded lives as long as the process: keep it out of every future collection.
        gc.collect()
        gc.freeze()
        sweeper = asyncio.create_task(service.expire_forever())
        try:
            yield
        finally:
            sweeper.cancel()
            service.close()
            if database is None:
                db.close()
            if lock is not None:
                lock.close()

    app = FastAPI(
        title="deconfliction DSS",
        summary="ASTM F3548-21 Discovery and Synchronization Service with exact 4D matching",
        version="1.0.0",
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None, redoc_url=None,  # install_offline_docs serves /docs without a CDN
    )
    app.state.settings = settings
    app.state.verifier = verifier
    errors.install(app)
    for module in (oir, constraints, subscriptions, misc):
        app.include_router(module.router)
    install_offline_docs(app)
    return app

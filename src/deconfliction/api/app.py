"""The FastAPI application: /dss/v1 (the F3548 DSS), /uss/v1 (F3548 USS API for what this
service manages), /v1 (the party API), one error table, offline docs at /docs, the map console at /."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import httpx
from fastapi import FastAPI

from ..app import App
from ..app.usecases import rules_of
from ..clock import Clock, SystemClock
from ..config import LOCAL_ISSUER, Settings
from ..engine.tactical import Protection
from ..store import Database, database_url
from . import errors
from .auth import TokenVerifier, load_keys, local_signing_key, log_signing_key, purpose_secret
from .console import install_console
from .docs import install_offline_docs
from .limits import install_limits
from .openapi import install_openapi
from .uss_notifier import AccessTokens, UssNotifier
from .routes import uss, v1
from .routes.dss import constraints, misc, oir, subscriptions


def verifier_for(settings: Settings) -> TokenVerifier:
    """Trusted keys and issuers; in the local mode, this server's own key and issuer."""
    settings.check_trust()
    if settings.local_mode:
        key = local_signing_key(settings.key_dir, create=True)
        return TokenVerifier([key.public_key()], issuers=[LOCAL_ISSUER], audiences=settings.accepted_audiences())
    return TokenVerifier(load_keys(settings.public_keys, settings.jwks_file),
                         issuers=settings.issuers, audiences=settings.accepted_audiences())


def open_database(settings: Settings) -> Database:
    """The embedded SQLite default is brought to the current schema on start (a PostgreSQL pool
    runs `deconfliction db upgrade` once instead: its servers refuse another schema)."""
    database = Database(database_url(settings.db), durability=settings.durability)
    if database.is_pool:
        try:
            database.check_current()
        except Exception:
            database.close()
            raise
        return database
    database.upgrade()
    return database


def _start_uss_notifications(core: App, settings: Settings) -> httpx.AsyncClient | None:
    """With a token endpoint configured, USSs are told of the declarations this service manages."""
    if not settings.uss_token_url:
        return None
    http = httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
    tokens = AccessTokens(settings.uss_token_url, settings.uss_client_id, settings.uss_client_secret, http)
    core.uss_notifications = UssNotifier(settings.base_url, tokens, http)
    return http


def create_app(settings: Settings, *, database: Database | None = None, clock: Clock | None = None) -> FastAPI:
    """The app for these settings; it opens the database when it starts.

    Raises InvalidInput before anything starts when trust is not configured (see Settings.check_trust).
    """
    verifier = verifier_for(settings)
    log_key = log_signing_key(settings.log_key, settings.key_dir)
    secret = purpose_secret(settings.key_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from .single_writer import single_writer

        # SQLite: the state in memory is the writers' serialization point, one server per
        # database. A pool's servers decide in serializable transactions instead.
        lock = None if database is not None or settings.pool else single_writer(Path(settings.db))
        db = database or open_database(settings)
        rules = replace(rules_of(settings), purpose_secret=secret)
        core = App(db, clock or SystemClock(), rules=rules, dss_rules=replace(rules_of(settings, door="dss"), purpose_secret=secret),
                   protection=Protection(settings.rpz_m, settings.hpz_m, settings.lookahead_s),
                   base_url=settings.base_url, log_key=log_key)
        app.state.core = core
        # What was loaded lives as long as the process: keep it out of every future collection.
        gc.collect()
        gc.freeze()
        core.start()
        notifier_http = _start_uss_notifications(core, settings)
        try:
            yield
        finally:
            if core.uss_notifications is not None:
                await core.uss_notifications.close()
            if notifier_http is not None:
                await notifier_http.aclose()
            await core.stop()
            if database is None:
                db.close()
            if lock is not None:
                lock.close()

    app = FastAPI(
        title="deconfliction",
        summary="Deconfliction for independent parties: the party API (/v1), an ASTM F3548-21 DSS (/dss/v1) "
                "with exact 4D matching, and the F3548 USS API for what it manages (/uss/v1)",
        version="1.0.0",
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None, redoc_url=None,  # install_offline_docs serves /docs without a CDN
    )
    app.state.settings = settings
    app.state.verifier = verifier
    errors.install(app)
    install_limits(app)
    for module in (oir, constraints, subscriptions, misc, uss, v1):
        app.include_router(module.router)
    install_openapi(app)
    install_offline_docs(app)
    install_console(app)
    return app

"""The app factory: `create_app(settings)` builds one app, with nothing made at import time."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from retain.core.grading import warm_up
from retain.storage.engine import SERVER_POOL_SIZE, database_url
from retain.web import errors
from retain.web.config import WebSettings
from retain.web.deps import CollectionHolder, current_account
from retain.web.lane import LaneThreads, StudyLane
from retain.web.routes import accounts, cards, classes, decks, imports, meta, stats, study
from retain.web.security import GuardMiddleware
from retain.web.views import make_templates

HERE = Path(__file__).parent

ROUTE_MODULES = (meta, accounts, decks, cards, imports, study, stats, classes)
"""Each has a `pages` router (HTML) and an `api` router (JSON under /api/)."""
OPEN_MODULES = (meta, accounts)
"""Routes anyone may reach (health, CSRF token, signing up and in); every other route
of server mode needs a session."""
SERVER_THREADS = SERVER_POOL_SIZE
"""Requests a process on a server database works on at once (its thread pool); the others
wait their turn in the event loop. As many as the pool keeps connections: then requests
seldom open a connection past the pool (which costs the database a new backend process),
and a few threads on two cores spend less time handing the interpreter lock to each other
than forty would."""


def _version() -> str:
    try:
        return version("retain")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def _guard(module: object) -> list[Any]:
    return [] if module in OPEN_MODULES else [Depends(current_account)]


def create_app(settings: WebSettings) -> FastAPI:
    holder = CollectionHolder(settings.target)
    lane_threads = LaneThreads(SERVER_THREADS)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not database_url(settings.target).startswith("sqlite"):
            anyio.to_thread.current_default_thread_limiter().total_tokens = SERVER_THREADS
        if settings.warm_up:
            threading.Thread(target=warm_up, name="retain-warm-up", daemon=True).start()
        try:
            yield
        finally:
            lane_threads.close()
            holder.close()

    app = FastAPI(
        title="retain",
        summary="Flashcards for real revision decks: import, study with FSRS, typed answers "
        "graded point by point.",
        version=_version(),
        docs_url=None,  # the interactive docs load scripts from elsewhere; the schema stays
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.collections = holder
    app.state.templates = make_templates(HERE / "templates")
    errors.install(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # In server mode every route but signing up and in needs a session, whether or not it
    # reads the collection. A request is matched against the routes in turn, so the API
    # comes first, the study API (the requests a class server mostly gets) first of all:
    # no path of the API is a page's, nor of one API router another's.
    for module in sorted(ROUTE_MODULES, key=lambda m: m is not study):
        app.include_router(module.api, dependencies=_guard(module))
    for module in ROUTE_MODULES:
        app.include_router(module.pages, dependencies=_guard(module))
    # Inside the guard: the study loop's requests pass its checks like any other.
    app.add_middleware(
        StudyLane, routes=study.LANE, accounts=settings.accounts, threads=lane_threads
    )
    app.add_middleware(
        GuardMiddleware,
        max_request_bytes=settings.max_request_bytes,
        secure_cookies=settings.secure_cookies,
    )
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
    return app

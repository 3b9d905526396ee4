"""The study loop's two requests, served without FastAPI's per-request machinery.

A class server is asked for little else than the next question (`GET /api/study/next`)
and the rating of an answer (`POST /api/study/grade`), each of which costs the database a
few small statements. Through FastAPI every one of them also resolves its dependencies,
validates its answer again against the response model and passes several layers of
routing and error handling, which together cost the app more than the route's own work.

`StudyLane` sits inside the protections every request passes (`GuardMiddleware`'s size
limits, CSRF check and security headers, and the trusted hosts): a request of the lane
whose input it reads plainly (its query, or a JSON body that its route's model accepts) is
handed straight to its route, which runs as ever (`one_transaction`: the session looked up
in the route's transaction, in one worker thread), and its answer is sent as its model's
JSON. An error the route raises reaches the client through the app's exception handlers,
as it would through FastAPI. Any other request, an invalid one included, and every request
of a route not in the lane, goes on to FastAPI: what it answers is FastAPI's, so the lane
changes no status, body or header of any request, only what serving one costs. The routes
stay FastAPI's too, with their schema in /openapi.json.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from retain.web.security import is_secure, read_body, replay_body, session_cookie_name

Parse = Callable[[Request, bytes], dict[str, Any] | None]
"""What a route of the lane is given, from the request and its body; None: the request is
not one the lane reads plainly (FastAPI then serves it)."""


@dataclass(frozen=True)
class LaneRoute:
    method: str
    path: str
    parse: Parse
    route: Callable[..., Awaitable[Any]]
    """A route of `one_transaction` (it has `in_thread`), returning a pydantic model."""

    def __post_init__(self) -> None:
        if not callable(getattr(self.route, "in_thread", None)):
            raise TypeError(f"{self.route.__name__} is not a route of one_transaction")


def query_values(
    request: Request, wanted: Mapping[str, Callable[[str], Any | None]]
) -> dict[str, Any] | None:
    """The query's values of the names in `wanted`, each read by its function (None: not
    a value read plainly). Names not wanted are ignored, as FastAPI ignores them; a wanted
    name given twice, or a value not read plainly, gives None."""
    values: dict[str, Any] = {}
    for name, value in parse_qsl(request.scope["query_string"].decode("latin-1"),
                                 keep_blank_values=True):
        read = wanted.get(name)
        if read is None:
            continue
        if name in values:
            return None
        parsed = read(value)
        if parsed is None:
            return None
        values[name] = parsed
    return values


_ID = re.compile(r"[1-9][0-9]{0,15}")


def plain_id(value: str) -> int | None:
    """An id written plainly (1 to 2**53, digits only)."""
    if _ID.fullmatch(value) is None:
        return None
    number = int(value)
    return number if number <= 2**53 else None


def one_of(*allowed: str) -> Callable[[str], str | None]:
    return lambda value: value if value in allowed else None


def json_body(model: type[BaseModel], name: str) -> Parse:
    """A JSON body that `model` accepts, as the route's parameter `name`."""

    def parse(request: Request, body: bytes) -> dict[str, Any] | None:
        if request.headers.get("content-type") != "application/json":
            return None
        try:
            data = json.loads(body)
            return {name: model.model_validate(data)}
        except (ValueError, ValidationError):  # FastAPI reports it
            return None

    return parse


class LaneThreads:
    """The worker threads the lane's routes run in, started on first use and ended with the
    app (`close`). A plain pool of threads fed by a queue written in C: handing a request
    to one of them costs the event loop about half what `anyio.to_thread` costs, which
    every other route of the app still uses (within its own limit of threads)."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def pool(self) -> ThreadPoolExecutor:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.threads, "retain-study")
                pool = self._pool
        return pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


class StudyLane:
    """ASGI middleware: the routes of `routes` served straight (see the module's text), in
    the threads of `threads`."""

    def __init__(
        self, app: ASGIApp, *, routes: tuple[LaneRoute, ...], accounts: bool,
        threads: LaneThreads,
    ) -> None:
        self.app = app
        self.routes = {(r.method, r.path): r for r in routes}
        self.accounts = accounts
        self.threads = threads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = (
            self.routes.get((scope["method"], scope["path"])) if scope["type"] == "http"
            else None
        )
        if lane is None:
            await self.app(scope, receive, send)
            return
        body = b""
        if scope["method"] != "GET":
            # `GuardMiddleware` has already held the body to the size limit.
            body = await read_body(receive, sys.maxsize) or b""
            receive = replay_body(body, receive)
        request = Request(scope, receive)
        kwargs = self._parse(lane, request, body)
        if kwargs is None:
            await self.app(scope, receive, send)
            return
        try:
            route: Any = lane.route
            result: BaseModel = await asyncio.get_running_loop().run_in_executor(
                self.threads.pool(), route.in_thread, request, kwargs
            )
        except Exception as error:
            handler = _handler(scope["app"].exception_handlers, error)
            if handler is None:
                raise
            response = await handler(request, error)
            await response(scope, receive, send)
            return
        content = result.model_dump_json().encode()
        await send({
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", str(len(content)).encode("ascii")),
                (b"content-type", b"application/json"),
            ],
        })
        await send({"type": "http.response.body", "body": content})

    def _parse(self, lane: LaneRoute, request: Request, body: bytes) -> dict[str, Any] | None:
        if self.accounts and not request.cookies.get(
            session_cookie_name(is_secure(request))
        ):
            return None  # refused by FastAPI's route as before
        return lane.parse(request, body)


def _handler(
    handlers: Mapping[Any, Callable[..., Awaitable[Any]]], error: Exception
) -> Callable[..., Awaitable[Any]] | None:
    """The app's handler of `error`, as Starlette finds it: that of its nearest class."""
    for cls in type(error).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None

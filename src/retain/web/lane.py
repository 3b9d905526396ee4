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
import queue
import re
import sys
import threading
from collections.abc import Awaitable, Callable, Mapping
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
    app (`close`, which lets the work handed to them finish first).

    A request is handed over through a queue written in C, and its answer comes back to the
    event loop's own future: no future of `concurrent.futures` (each with a condition and a
    lock of its own) is made and chained to the loop's, and the loop takes no lock that a
    worker thread may hold, as handing work to a `ThreadPoolExecutor` does each time (the
    semaphore by which it counts its idle threads). Every other route of the app still
    goes through `anyio.to_thread`, within its own limit of threads."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._work: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._started: list[threading.Thread] = []
        self._lock = threading.Lock()

    def run(self, function: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """`function(*args)` in one of the threads: the running loop's future of its result
        (or of the error it raises)."""
        if not self._started:
            self._start()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._work.put((loop, future, function, args))
        return future

    def _start(self) -> None:
        with self._lock:
            while len(self._started) < self.threads:
                thread = threading.Thread(
                    target=self._serve, name=f"retain-study_{len(self._started)}", daemon=True
                )
                thread.start()
                self._started.append(thread)

    def _serve(self) -> None:
        while (job := self._work.get()) is not None:
            loop, future, function, args = job
            if future.cancelled():  # given up before it began (as an executor skips it)
                del job, future, function, args
                continue
            try:
                result = function(*args)
            except BaseException as error:  # handed to the request, as an executor does
                _settle_soon(loop, future, None, error)
            else:
                _settle_soon(loop, future, result, None)
            del job, future, function, args

    def close(self) -> None:
        with self._lock:
            started, self._started = self._started, []
        for _ in started:
            self._work.put(None)  # after the work handed over already
        for thread in started:
            thread.join()


_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


def _settle_soon(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], result: Any,
    error: BaseException | None,
) -> None:
    """Give `future` its result or error, in its loop's thread (not if the loop is closed)."""
    try:
        loop.call_soon_threadsafe(_settle, future, result, error)
    except RuntimeError:  # the loop is closed: nobody waits for the answer
        pass


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():  # the request was given up (its client went away)
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


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
            result: BaseModel = await self.threads.run(route.in_thread, request, kwargs)
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

"""The dependencies routes declare: the collection, the clock, the settings, the current
account. Each reads what `create_app` put on the app, so every app (and every test) has
its own.

In server mode (`WebSettings.accounts`) the current account is the one whose session id the
request's cookie holds, looked up in the store at every request: no process keeps a session
of its own, so any number of them can serve one database. The collection a route gets acts
for that account only (`Collection.as_account`): a route cannot reach another account's
decks, cards or classes, whatever ids it is sent."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio.to_thread
from fastapi import Depends, Request

from retain.collection import Collection
from retain.collection.accounts import LOCAL_ACCOUNT_ID, Account, AccountId
from retain.web.config import WebSettings
from retain.web.errors import Forbidden, NotFound, SignInNeeded
from retain.web.security import is_secure, session_cookie_name

__all__ = ["LOCAL_ACCOUNT", "Account", "CollectionHolder"]

P = ParamSpec("P")
R = TypeVar("R")

LOCAL_ACCOUNT = Account(id=LOCAL_ACCOUNT_ID, name="Local student", local=True)


class CollectionHolder:
    """The collection of one app process, opened on first use and closed at shutdown.

    On SQLite, requests use it one at a time (the lock): the store has one writer anyway.
    On a server database each request's transactions check out a pooled connection of
    their own, so requests run side by side (`lock` is then a no-op) and one waiting on
    the database does not hold up the others. The collection keeps no study state between
    requests, so processes can be added side by side against one database."""

    def __init__(self, target: str | Path) -> None:
        self._target = target
        self._collection: Collection | None = None
        self._opening = threading.Lock()
        self.lock: AbstractContextManager[object] = threading.Lock()

    def get(self) -> Collection:
        with self._opening:
            if self._collection is None:
                self._collection = Collection.open(self._target)
                if self._collection.engine.dialect.name != "sqlite":
                    self.lock = nullcontext()
            return self._collection

    async def get_async(self) -> Collection:
        """`get` from the event loop: the store is opened in a thread the first time."""
        collection = self._collection
        if collection is None:
            collection = await anyio.to_thread.run_sync(self.get)
        return collection

    def close(self) -> None:
        with self._opening:
            if self._collection is not None:
                collection, self._collection = self._collection, None
                collection.close()


# The dependencies that only read what the app holds are coroutines, so FastAPI calls
# them in the event loop: a plain function would be sent to a worker thread and back.


async def get_settings(request: Request) -> WebSettings:
    return _settings(request)


def _settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


async def get_clock(request: Request) -> Callable[[], datetime]:
    return _settings(request).clock


def session_token(request: Request) -> str:
    """The session id the request's cookie holds ('' when it holds none)."""
    return request.cookies.get(session_cookie_name(is_secure(request)), "")


def signed_in_account(request: Request) -> Account | None:
    """The account of the request's session, or None (no cookie, or a session that ended
    or expired). Local mode: always the local account."""
    settings = _settings(request)
    if not settings.accounts:
        return LOCAL_ACCOUNT
    token = session_token(request)
    if not token:
        return None
    holder: CollectionHolder = request.app.state.collections
    collection = holder.get()
    with holder.lock:
        account = collection.accounts.session(token, now=settings.clock())
    request.state.account = account
    return account


ACCOUNT_OF_THE_TRANSACTION = Account(id=AccountId(0), name="", local=False)
"""What `current_account` gives a route of `one_transaction`, which looks the session up
itself (no account has id 0)."""


async def current_account(request: Request) -> Account:
    """The account the request acts for; a request with no valid session is refused
    (`SignInNeeded`: 401 under /api/, a redirect to the sign-in page elsewhere).

    A route of `one_transaction` looks its session up in its own transaction, in the
    thread that runs it, before anything else (see there): for it, this refuses only a
    request with no session cookie at all."""
    route = request.scope.get("route")
    if getattr(getattr(route, "endpoint", None), "looks_up_its_session", False):
        if _settings(request).accounts and not session_token(request):
            raise SignInNeeded("sign in first")
        return ACCOUNT_OF_THE_TRANSACTION
    account = await anyio.to_thread.run_sync(signed_in_account, request)
    if account is None:
        raise SignInNeeded("sign in first")
    return account


AccountDep = Annotated[Account, Depends(current_account)]
MaybeAccountDep = Annotated[Account | None, Depends(signed_in_account)]


async def get_collection(request: Request, account: AccountDep) -> AsyncIterator[Collection]:
    """The collection, acting for the request's account (and for it only). On SQLite the
    request has the collection to itself until its response is made (the holder's lock,
    waited for in a thread); on a server database nothing is waited for."""
    holder: CollectionHolder = request.app.state.collections
    collection = await holder.get_async()
    lock = holder.lock
    if isinstance(lock, nullcontext):
        yield _acting_for(collection, account)
        return
    await anyio.to_thread.run_sync(lock.__enter__)
    try:
        yield _acting_for(collection, account)
    finally:
        lock.__exit__(None, None, None)


def _acting_for(collection: Collection, account: Account) -> Collection:
    if account.id == collection.account_id:
        return collection
    return collection.as_account(account.id)


def one_transaction(route: Callable[..., R]) -> Callable[..., Coroutine[Any, Any, R]]:
    """A route (a plain function taking the collection as `col`) that runs as one
    transaction on a server database, from its first read to its last write (see
    `Collection.one_transaction`): committed before it returns, so before its response
    is sent, and rolled back if it raises. On SQLite each operation keeps its own
    transaction.

    All of it happens in one worker thread, in this order: the request's session is
    looked up in the transaction (server mode; no valid session: `SignInNeeded`, and the
    route does not run), the collection acting for its account is made, and the route
    runs. Its answer is then checked against its model and turned into JSON in the event
    loop. So a request of the study loop goes to a worker thread once, and checks out one
    pooled connection, only while that thread runs it. The route is given the collection
    (`col`), and when it asks for them the account (`account`), the settings (`settings`)
    and the clock (`clock`), with no dependency of FastAPI's to resolve for them."""
    signature = inspect.signature(route, eval_str=True)
    asks_for_request = "request" in signature.parameters
    given = {"col", "settings", "clock"} & set(signature.parameters)
    parameters = [p for name, p in signature.parameters.items() if name not in given]
    if not asks_for_request:
        parameters.insert(0, inspect.Parameter(
            "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
        ))

    def in_one_transaction(request: Request, kwargs: dict[str, Any]) -> R:
        settings = _settings(request)
        holder: CollectionHolder = request.app.state.collections
        collection = holder.get()
        with holder.lock, collection.one_transaction() as unit:
            account: Account | None = LOCAL_ACCOUNT
            if settings.accounts:
                # Looked up first, and in the transaction: a session that has expired is
                # deleted (committed) even though the route does not run.
                account = unit.accounts.session(session_token(request), now=settings.clock())
                request.state.account = account
            if account is not None:
                kwargs["col"] = _acting_for(unit, account)
                if "account" in kwargs:
                    kwargs["account"] = account
                if "settings" in given:
                    kwargs["settings"] = settings
                if "clock" in given:
                    kwargs["clock"] = settings.clock
                return route(**kwargs)
        raise SignInNeeded("sign in first")

    @functools.wraps(route)
    async def run(**kwargs: Any) -> R:
        request = kwargs["request"] if asks_for_request else kwargs.pop("request")
        return await anyio.to_thread.run_sync(in_one_transaction, request, kwargs)

    def in_thread(request: Request, kwargs: dict[str, Any]) -> R:
        """The route, from a worker thread, given its parameters other than the request
        (see `retain.web.lane`)."""
        if asks_for_request:
            kwargs = {**kwargs, "request": request}
        return in_one_transaction(request, kwargs)

    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.looks_up_its_session = True  # type: ignore[attr-defined]
    run.in_thread = in_thread  # type: ignore[attr-defined]
    return run


def store(request: Request) -> Iterator[Collection]:
    """The collection with no account: for signing up and in, nothing else."""
    holder: CollectionHolder = request.app.state.collections
    collection = holder.get()
    with holder.lock:
        yield collection


def server_mode(request: Request) -> None:
    """A route of server mode only: a local app has no accounts, so it has no such page."""
    if not _settings(request).accounts:
        raise NotFound("there is no such page: this app runs on this computer, with no accounts")


def require_teacher(account: Account) -> None:
    """Only a teacher makes classes (403 for a student). The local account, which has the
    store to itself, may."""
    if not (account.local or account.teacher):
        raise Forbidden("only a teacher makes classes: sign up as a teacher to make one")


SettingsDep = Annotated[WebSettings, Depends(get_settings)]
CollectionDep = Annotated[Collection, Depends(get_collection)]
StoreDep = Annotated[Collection, Depends(store)]
ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]

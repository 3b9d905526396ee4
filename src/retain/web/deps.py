"""The dependencies routes declare: the collection, the clock, the settings, the current
account. Each reads what `create_app` put on the app, so every app (and every test) has
its own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from retain.collection import Collection
from retain.web.config import WebSettings


@dataclass(frozen=True)
class Account:
    """Who is making the request. In local mode that is always the one local account."""

    id: int
    name: str
    local: bool = True


LOCAL_ACCOUNT = Account(id=1, name="Local student")


class CollectionHolder:
    """The collection of one app process, opened on first use and closed at shutdown.

    Requests use it one at a time (the lock); the collection keeps no study state between
    requests, so processes can be added side by side against one database."""

    def __init__(self, target: str | Path) -> None:
        self._target = target
        self._collection: Collection | None = None
        self._opening = threading.Lock()
        self.lock = threading.Lock()

    def get(self) -> Collection:
        with self._opening:
            if self._collection is None:
                self._collection = Collection.open(self._target)
            return self._collection

    def close(self) -> None:
        with self._opening:
            if self._collection is not None:
                collection, self._collection = self._collection, None
                collection.close()


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def get_collection(request: Request) -> Iterator[Collection]:
    holder: CollectionHolder = request.app.state.collections
    collection = holder.get()
    with holder.lock:
        yield collection


def get_clock(request: Request) -> Callable[[], datetime]:
    return get_settings(request).clock


def current_account(request: Request) -> Account:
    """The account the request acts for. Local mode has one account and no login; an app
    with accounts replaces this dependency (`app.dependency_overrides`) or the resolver on
    `app.state.account_resolver`."""
    resolver: Callable[[Request], Account] = request.app.state.account_resolver
    return resolver(request)


def local_account(_request: Request) -> Account:
    return LOCAL_ACCOUNT


SettingsDep = Annotated[WebSettings, Depends(get_settings)]
CollectionDep = Annotated[Collection, Depends(get_collection)]
ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]
AccountDep = Annotated[Account, Depends(current_account)]

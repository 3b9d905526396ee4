"""The settings of one web app, passed to `create_app` (nothing is read at import time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from retain.core.grading import Judge
from retain.session import system_clock

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
"""The names a local app answers to; any other Host header is refused (DNS rebinding)."""


@dataclass(frozen=True)
class WebSettings:
    """What the app needs to know.

    * `target`: the store, a SQLite path or a database URL (as `Collection.open` takes).
    * `max_request_bytes`: a request body larger than this is refused with 413.
    * `max_upload_bytes`: a deck uploaded or pasted for import may be this large at most.
    * `allowed_hosts`: the Host headers the app answers to.
    * `secure_cookies`: cookies are marked Secure (behind HTTPS) whatever the scheme a
      request arrives with; a request that arrives over HTTPS gets Secure cookies anyway.
    * `accounts`: server mode. Every request but signing up and in acts for the account
      of its session cookie; without it, for the one local account, with no login.
    * `clock`, `judge`: the time source and the paraphrase judge of typed answers.
    * `warm_up`: load the grader's word lists when the app starts, in the background, so
      that the first typed answer is graded as quickly as the others.
    """

    target: str | Path
    max_request_bytes: int = 4 * 1024 * 1024
    max_upload_bytes: int = 2 * 1024 * 1024
    allowed_hosts: tuple[str, ...] = LOCAL_HOSTS
    secure_cookies: bool = False
    accounts: bool = False
    clock: Callable[[], datetime] = field(default=system_clock)
    judge: Judge | None = None
    warm_up: bool = False

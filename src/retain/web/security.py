"""Protections every request passes through, whatever route it reaches.

* Security headers on every response: a Content-Security-Policy that allows no inline
  script or style, `nosniff`, `frame-ancestors 'none'`, a referrer policy.
* A request body larger than `max_request_bytes` is refused with 413 before a route reads
  it.
* CSRF: every state-changing request (anything but GET, HEAD and OPTIONS) must carry the
  token of its CSRF cookie, in the `X-CSRF-Token` header (htmx and API clients) or in a
  `csrf_token` form field (plain forms); one whose `Origin` is another site is refused too.
  Before sign-in the token is a random value kept in an HttpOnly cookie (double submit);
  with a session it is derived from the session id (`session_csrf_token`), so no process
  keeps state for it either way. Signing in, up or out renews it (`renew_csrf`): a token
  seen before is worth nothing after, even sent with the cookie it came with. The response
  that renews it carries the new token in its `X-CSRF-Token` header, and `GET /api/csrf`
  hands an API client its token at any time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)


def csrf_cookie_name(secure: bool) -> str:
    """`__Host-` cookies must be Secure, so the prefix is used only behind HTTPS."""
    return "__Host-retain_csrf" if secure else "retain_csrf"


def session_cookie_name(secure: bool) -> str:
    return "__Host-retain_session" if secure else "retain_session"


def is_secure(request: Request) -> bool:
    """Whether this request's cookies are Secure `__Host-` ones (see the module's text)."""
    # The scheme as the request's URL has it, without the URL made from the scope.
    return bool(request.scope.get("state", {}).get("secure_cookies")) or (
        request.scope.get("scheme", "http") == "https"
    )


def session_cookie(token: str, *, secure: bool, max_age: int) -> str:
    """The Set-Cookie value that hands a client its session id (`max_age` 0 ends it)."""
    parts = [
        f"{session_cookie_name(secure)}={token}", "Path=/", "HttpOnly", "SameSite=Lax",
        f"Max-Age={max_age}",
    ]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def csrf_token(request: Request) -> str:
    """The CSRF token of this request's client (the one its pages must send back); after
    `renew_csrf`, the new one."""
    token: str = request.scope["state"]["csrf_token"]
    return token


def session_csrf_token(session: str) -> str:
    """The CSRF token of a session: a one-way function of its id, which only the client
    holding the (HttpOnly) session cookie can know, and which changes with the session."""
    digest = hashlib.sha256(b"retain-csrf\0" + session.encode("utf-8", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def renew_csrf(request: Request, session: str | None) -> str:
    """Give the client a new CSRF token as it signs in (`session`: the new session id) or
    out (None): the response sets a new CSRF cookie and sends the token in its
    `X-CSRF-Token` header, and pages rendered after this carry it. Returns the token."""
    state = request.scope["state"]
    cookie_token = secrets.token_urlsafe(32)
    token = cookie_token if session is None else session_csrf_token(session)
    state["csrf_cookie"] = cookie_token
    state["csrf_token"] = token
    state["csrf_renewed"] = True
    return token


class GuardMiddleware:
    """Size limits, CSRF and security headers, as one ASGI middleware."""

    def __init__(self, app: ASGIApp, *, max_request_bytes: int, secure_cookies: bool) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state = scope.setdefault("state", {})
        state["secure_cookies"] = self.secure
        secure = is_secure(request)
        cookie = csrf_cookie_name(secure)
        sent_token = request.cookies.get(cookie, "")
        fresh = not _well_formed(sent_token)
        cookie_token = secrets.token_urlsafe(32) if fresh else sent_token
        if fresh:
            state["csrf_cookie"] = cookie_token
        session = request.cookies.get(session_cookie_name(secure), "")
        # The token a request must carry: its session's, or without one, its cookie's.
        if session:
            state["csrf_token"] = expected = session_csrf_token(session)
        else:
            state["csrf_token"] = cookie_token
            expected = "" if fresh else sent_token
        api = scope["path"].startswith("/api/")
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if not static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                new_cookie = state.get("csrf_cookie")
                if new_cookie:
                    headers.append(
                        (b"set-cookie", _csrf_cookie(new_cookie, secure).encode("latin-1"))
                    )
                if state.get("csrf_renewed"):
                    headers.append((CSRF_HEADER.encode(), state["csrf_token"].encode()))
                message["headers"] = headers
            await send(message)

        declared = request.headers.get("content-length")
        if declared is not None and (
            not declared.isdigit() or int(declared) > self.max_request_bytes
        ):
            await _refuse(send_with_headers, 413, self._too_large(), api)
            return
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send_with_headers)
            return
        body = await read_body(receive, self.max_request_bytes)
        if body is None:
            await _refuse(send_with_headers, 413, self._too_large(), api)
            return
        replay = replay_body(body, receive)
        problem = _origin_problem(request)
        if problem is None:
            problem = await self._token_problem(scope, replay, expected)
        if problem is not None:
            await _refuse(send_with_headers, 403, problem, api)
            return
        await self.app(scope, replay_body(body, receive), send_with_headers)

    async def _token_problem(self, scope: Scope, receive: Receive, sent: str) -> str | None:
        if not _well_formed(sent):
            return (
                "this request has no CSRF cookie: load a page (or GET /api/csrf) first, "
                "then send its token"
            )
        request = Request(scope, receive)
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            content_type = request.headers.get("content-type", "")
            if content_type.startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                try:
                    form = await request.form()
                except Exception:  # a malformed body: the route reports it
                    form = None
                value = None if form is None else form.get(CSRF_FIELD)
                given = value if isinstance(value, str) else None
                if form is not None:
                    await form.close()
        if given is None:
            return "the CSRF token is missing: send it in the X-CSRF-Token header"
        if not hmac.compare_digest(given.encode(), sent.encode()):
            return "the CSRF token does not match: reload the page and try again"
        return None

    def _too_large(self) -> str:
        return f"the request is larger than {self.max_request_bytes:,} bytes, the limit"


def _csrf_cookie(token: str, secure: bool) -> str:
    parts = [f"{csrf_cookie_name(secure)}={token}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _well_formed(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None


def _origin_problem(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if origin is None:
        return None
    host = request.headers.get("host", "")
    if origin.split("://", 1)[-1] != host:
        return f"a request from another site ({origin}) cannot change anything here"
    return None


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """A request's whole body, or None once it is longer than `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` (read already by `read_body`) once, then `receive`'s."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if done:
            return await receive()
        done = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _refuse(
    send: Callable[[Message], Awaitable[None]], status: int, detail: str, api: bool
) -> None:
    if api:
        body = json.dumps({"detail": detail}).encode()
        content_type = b"application/json"
    else:
        body = _error_page(status, detail).encode()
        content_type = b"text/html; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _error_page(status: int, detail: str) -> str:
    from html import escape

    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>retain: request refused</title>"
        '<link rel="stylesheet" href="/static/app.css"></head><body><main class="page">'
        f"<h1>Request refused ({status})</h1><p>{escape(detail)}</p>"
        '<p><a href="/">Back to your decks</a></p></main></body></html>'
    )

"""Errors a route raises, and how each reaches the client: a JSON body `{"detail": ...}`
under /api/, a page that says what is wrong everywhere else. Never a traceback."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from retain.collection.accounts import SignInFailed, Throttled
from retain.core.drafts import DraftEditError
from retain.errors import CollectionError
from retain.errors import NotFound as NotFoundError
from retain.formats import DeckImportError
from retain.storage.errors import StorageError


class WebError(Exception):
    """A request that cannot be carried out; `status` is its HTTP status."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(WebError):
    status = 404


class Conflict(WebError):
    status = 409


class Forbidden(WebError):
    """The account may not do this at all (a student making a class): 403."""

    status = 403


class SignInNeeded(WebError):
    """No valid session (server mode): 401 under /api/, the sign-in page elsewhere."""

    status = 401


def _status_of(error: CollectionError) -> int:
    if isinstance(error, StorageError):
        return 503
    text = str(error)
    if text.startswith("no ") and " with id " in text or text.startswith("no deck called"):
        return 404
    return 400


def _respond(
    request: Request, status: int, detail: object, headers: Mapping[str, str] | None = None
) -> Response:
    if request.url.path.startswith("/api/") or not isinstance(detail, str):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    templates = request.app.state.templates
    name = "_error.html" if request.headers.get("hx-request") == "true" else "error.html"
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, name, {"status": status, "detail": detail}, status_code=status,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def web_error(request: Request, error: WebError) -> Response:
        return _respond(request, error.status, error.detail)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, error: SignInNeeded) -> Response:
        if request.url.path.startswith("/api/"):
            return _respond(request, 401, error.detail)
        url = "/signin"
        if request.method == "GET" and request.url.path != "/":
            url += "?" + urlencode({"next": request.url.path})
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(Throttled)
    async def throttled(request: Request, error: Throttled) -> Response:
        wait = max(1, int(error.retry_after.total_seconds()) + 1)
        return _respond(request, 429, str(error), {"Retry-After": str(wait)})

    @app.exception_handler(SignInFailed)
    async def sign_in_failed(request: Request, error: SignInFailed) -> Response:
        return _respond(request, 401, str(error))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, error: NotFoundError) -> Response:
        return _respond(request, 404, str(error))

    @app.exception_handler(CollectionError)
    async def collection_error(request: Request, error: CollectionError) -> Response:
        return _respond(request, _status_of(error), str(error))

    @app.exception_handler(DeckImportError)
    async def import_error(request: Request, error: DeckImportError) -> Response:
        return _respond(request, 400, str(error))

    @app.exception_handler(DraftEditError)
    async def draft_error(request: Request, error: DraftEditError) -> Response:
        return _respond(request, 400, str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        detail = error.detail if error.status_code != 404 else "there is no such page"
        return _respond(request, error.status_code, detail, error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": _clean(error.errors())}, status_code=422)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
            for e in error.errors()
        )
        return _respond(request, 422, f"the form is not complete: {problems}")


def _clean(errors: object) -> list[dict[str, object]]:
    """Validation errors as FastAPI reports them, without the input echoed back (it may be
    large) or objects that are not JSON."""
    out: list[dict[str, object]] = []
    if isinstance(errors, list | tuple):
        for e in errors:
            if isinstance(e, dict):
                out.append(
                    {
                        "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
                        "msg": str(e.get("msg", "")),
                        "type": str(e.get("type", "")),
                    }
                )
    return out

"""The CSRF token for API clients, and a health check."""

from __future__ import annotations

from fastapi import APIRouter, Request

from retain.web.models import CsrfOut
from retain.web.security import csrf_token

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["meta"])


@pages.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}


@api.get("/csrf", response_model=CsrfOut, summary="The CSRF token to send with every change")
def get_csrf(request: Request) -> CsrfOut:
    """Send it back in the `X-CSRF-Token` header of every POST, PUT, PATCH and DELETE,
    with the cookie this response sets."""
    return CsrfOut(csrf_token=csrf_token(request))

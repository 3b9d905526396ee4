"""What the page routes share: the templates and a few ways of showing values."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from retain.core.model import Rating
from retain.core.scheduling import format_interval
from retain.web.security import csrf_token


def make_templates(directory: Path) -> Jinja2Templates:
    templates = Jinja2Templates(directory=directory)
    env = templates.env
    env.globals["csrf_token"] = csrf_token
    env.globals["ratings"] = list(Rating)
    env.filters["interval"] = _interval
    env.filters["plural"] = plural
    return templates


def _interval(value: timedelta | None) -> str:
    return "" if value is None else format_interval(value)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, name, context or {}, status_code=status)
    assert isinstance(response, HTMLResponse)
    return response


def redirect(request: Request, url: str) -> HTMLResponse | RedirectResponse:
    """After a form post: htmx follows `HX-Redirect`, a plain form the 303."""
    if is_htmx(request):
        return HTMLResponse("", headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def local_time(moment: datetime | None, tz: Any) -> str:
    if moment is None:
        return ""
    return moment.astimezone(tz).strftime("%a %d %b, %H:%M")

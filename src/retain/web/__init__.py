"""The web app: server-rendered pages (Jinja2 and htmx) and a JSON API under /api/, both
thin layers over the same `Collection`. `create_app(settings)` builds it; `retain serve`
runs it with uvicorn."""

from retain.web.app import create_app
from retain.web.config import WebSettings

__all__ = ["WebSettings", "create_app"]

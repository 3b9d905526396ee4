"""Running the app on this computer: `retain serve`."""

from __future__ import annotations

import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from retain.core.grading import Judge
from retain.web.config import LOCAL_HOSTS, WebSettings


class LocalOnly(Exception):
    """Local mode was asked to listen on an address other computers can reach."""


def loopback(host: str) -> bool:
    return host in LOCAL_HOSTS or host.startswith("127.")


def serve_local(
    target: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8400,
    open_browser: bool = True,
    judge: Judge | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the app until Ctrl+C. Local mode has one account and no login, so it listens
    on the loopback address only: any other host is refused."""
    if not loopback(host):
        raise LocalOnly(
            f"local mode listens on 127.0.0.1 only, not {host}: it has no accounts or login, "
            "so anyone who could reach it would see your cards"
        )
    import uvicorn

    from retain.web.app import create_app

    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    bound = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if family == socket.AF_INET6 else host
    url = f"http://{shown}:{bound}/"
    app = create_app(WebSettings(target=target, judge=judge, warm_up=True))
    config = uvicorn.Config(app, log_level="warning", server_header=False, access_log=False)
    server = uvicorn.Server(config)
    announce(f"retain is running at {url}  (Ctrl+C to stop)")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()

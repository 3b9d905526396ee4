"""Running the app: `retain serve` on this computer (local mode: one account, no login,
the loopback address only), or `retain serve --database postgresql://...` (server mode:
accounts, sign-in, any address, several worker processes).

Server mode's processes keep nothing between requests (sessions and sign-in throttling
are rows of the database), so `--workers N` processes, on one machine or many behind a
load balancer, serve one database alike. Each worker builds its app from the environment
(`app_from_env`), which `serve_server` sets before it starts them."""

from __future__ import annotations

import os
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


ENV_DATABASE = "RETAIN_DATABASE_URL"
ENV_ALLOWED_HOSTS = "RETAIN_ALLOWED_HOSTS"
ENV_SECURE_COOKIES = "RETAIN_SECURE_COOKIES"
ENV_FORWARDED_ALLOW_IPS = "RETAIN_FORWARDED_ALLOW_IPS"


def server_settings(environ: dict[str, str] | None = None) -> WebSettings:
    """Server mode's settings, from the environment (see the README's deployment)."""
    env = dict(os.environ if environ is None else environ)
    database = env.get(ENV_DATABASE, "").strip()
    if not database:
        raise ValueError(f"server mode needs the database URL in {ENV_DATABASE}")
    hosts = tuple(h.strip() for h in env.get(ENV_ALLOWED_HOSTS, "*").split(",") if h.strip())
    secure = env.get(ENV_SECURE_COOKIES, "").strip().lower() in {"1", "true", "yes"}
    return WebSettings(
        target=database, accounts=True, allowed_hosts=hosts or ("*",),
        secure_cookies=secure, warm_up=True,
    )


def app_from_env() -> object:
    """The app of one worker process (uvicorn's factory)."""
    from retain.web.app import create_app

    return create_app(server_settings())


def serve_server(
    database: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8400,
    workers: int = 1,
    allowed_hosts: tuple[str, ...] = (),
    secure_cookies: bool = False,
    forwarded_allow_ips: str | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the app with accounts on `database` in `workers` processes, until Ctrl+C.
    The database is created or upgraded first, once, before any worker starts."""
    import uvicorn

    from retain.collection import Collection

    Collection.open(database).close()
    os.environ[ENV_DATABASE] = database
    if allowed_hosts:
        os.environ[ENV_ALLOWED_HOSTS] = ",".join(allowed_hosts)
    if secure_cookies:
        os.environ[ENV_SECURE_COOKIES] = "1"
    server_settings()  # a setting that cannot be read is reported before a worker starts
    forwarded = forwarded_allow_ips or os.environ.get(ENV_FORWARDED_ALLOW_IPS) or "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    announce(
        f"retain (accounts) is running at http://{shown}:{port}/ with {workers} "
        f"worker{'s' if workers != 1 else ''}  (Ctrl+C to stop)"
    )
    uvicorn.run(
        "retain.web.serve:app_from_env", factory=True, host=host, port=port,
        workers=workers, log_level="warning", server_header=False, access_log=False,
        proxy_headers=True, forwarded_allow_ips=forwarded,
    )

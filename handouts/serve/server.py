"""Start the server: check the address and secret, warm up the renderers, then run uvicorn."""

from __future__ import annotations

import logging
import socket
import sys

from handouts.errors import HandoutsError
from handouts.serve.config import Settings


def bind(host: str, port: int) -> socket.socket:
    """Listen before anything else, so a port in use is one clear line and not a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it Nagle holds a PDF's last segment until the browser's delayed ACK (40 ms a request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise HandoutsError(f"--host {host} --port {port}: cannot listen there ({exc.strerror}); choose another --port") from None
    sock.listen(128)
    return sock


def run(settings: Settings, tls: tuple[str, str] | None = None, echo=print) -> None:
    import uvicorn

    from handouts.serve import workers
    from handouts.serve.app import create_app

    sock = bind(settings.host, settings.port)
    app = create_app(settings)
    site = app.state.site
    if settings.workers:
        site.renderer.start()
    else:
        workers.warm(str(settings.project_root), settings.default_layout)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    scheme = "https" if tls else "http"
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    echo(f"Serving handouts at {scheme}://{host}:{settings.port}/  (Ctrl-C stops it)")
    if settings.token:
        echo("Staff sign in with any user name and the secret from the token file as the password.")
    config = uvicorn.Config(
        app, access_log=False, server_header=False, log_level="warning", log_config=None,
        ssl_certfile=tls[0] if tls else None, ssl_keyfile=tls[1] if tls else None,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        site.renderer.close()

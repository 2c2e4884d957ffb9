"""Start the server: check the address and secret, warm up once per process, then run uvicorn."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import sys

from handouts.errors import HandoutsError
from handouts.serve.config import Settings


def warm_up(app_content) -> None:
    """Pay the per-process costs (imports, fonts, logos, loaded content) before the first patient."""
    from handouts.appointment import Appointment
    from handouts.pipeline import render_pdf
    from handouts.serve.app import page_png

    project = app_content.fresh()
    codes = list(project.procedure_files())
    try:
        layout = project.layout(app_content.default_layout())
        sample = Appointment(date=dt.date.today() + dt.timedelta(days=7), time=dt.time(9, 0), patient="Sample")
        page_png(render_pdf([project.procedure(codes[0])], layout, sample), 1) if codes else None
    except HandoutsError:
        pass  # shown on the page where it matters


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise HandoutsError(f"--host {host} --port {port}: cannot listen there ({exc.strerror}); choose another --port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def run(settings: Settings, tls: tuple[str, str] | None = None, echo=print) -> None:
    import uvicorn

    from handouts.serve.app import create_app

    app = create_app(settings)
    warm_up(app.state.site.content)
    sock = bind(settings.host, settings.port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    scheme = "https" if tls else "http"
    shown_host = "127.0.0.1" if settings.host == "127.0.0.1" else settings.host
    echo(f"Serving handouts at {scheme}://{shown_host}:{settings.port}/  (Ctrl-C stops it)")
    if settings.token:
        echo("Staff sign in with any user name and the secret from the token file as the password.")
    config = uvicorn.Config(
        app, access_log=False, server_header=False, log_level="warning", log_config=None,
        ssl_certfile=tls[0] if tls else None, ssl_keyfile=tls[1] if tls else None,
    )
    uvicorn.Server(config).run(sockets=[sock])

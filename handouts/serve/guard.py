"""Security middleware: who may ask, from where, how much, and what every response carries.

One ASGI layer around the whole app, so no route can forget it:
- the Host header must name this computer when serving locally (a DNS-rebinding page cannot talk to us);
- with a secret, every request signs in (HTTP basic auth, the secret as the password, or a bearer token);
- a POST from another site is refused (Sec-Fetch-Site, Origin, Referer); the CSRF token itself is
  checked where the form is read (forms.py), since only the body holds it;
- bodies are limited (Content-Length at once, and counted as they arrive for chunked uploads);
- every response carries a strict Content-Security-Policy and `Cache-Control: no-store`;
- the access log holds method, path (never the query string), status and time; never bodies;
- an unexpected error is a plain 500 without a traceback, logged by its type only.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import time
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse

from handouts.serve.config import Settings, is_local

log = logging.getLogger("handouts.serve")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
UPLOAD_PATHS = ("/day",)


class TooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"the request is larger than {limit // 1024} KB; send a smaller file or form")


class Guard:
    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = {"status": 0, "sent": False}
        path = scope.get("path", "")

        async def guarded_send(message):
            if message["type"] == "http.response.start":
                state["status"], state["sent"] = message["status"], True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                # Static files hold no patient data but may change with the package; the rest may.
                headers["cache-control"] = "no-cache" if path.startswith("/static/") else "no-store"
            await send(message)

        try:
            refusal = self.refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, guarded_send)
            else:
                await self.app(scope, self.limited(scope, receive), guarded_send)
        except Exception as exc:  # a bug: no traceback, no message text (it may hold patient data)
            log.error("internal error (%s at %s) on %s %s", type(exc).__name__, _where(exc), scope.get("method"), path)
            if not state["sent"]:
                response = PlainTextResponse("internal error; the page could not do that (see the server log)", 500)
                await response(scope, receive, guarded_send)
        finally:
            took = (time.perf_counter() - started) * 1000
            client = (scope.get("client") or ("-",))[0]
            log.info('%s "%s %s" %s %.0f ms', client, scope.get("method"), path, state["status"], took)

    def limit(self, scope) -> int:
        return self.settings.upload_limit if scope.get("path") in UPLOAD_PATHS else self.settings.form_limit

    def refusal(self, scope):
        """A response refusing the request, or None to let it through."""
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if is_local(self.settings.host) and not is_local(_hostname(host)):
            return PlainTextResponse("this page answers only to its own address (127.0.0.1 or localhost)", 400)
        if self.settings.token is not None and not self.signed_in(headers):
            return PlainTextResponse(
                "sign in: any user name, and the secret from the server's token file as the password",
                401, headers={"www-authenticate": 'Basic realm="handouts", charset="UTF-8"'},
            )
        if scope["method"] not in ("GET", "HEAD") and self.cross_site(headers, host):
            return PlainTextResponse("refused: the form was sent from another site", 403)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit(scope)):
            return PlainTextResponse(TooLarge(self.limit(scope)).detail, 413)
        return None

    def signed_in(self, headers: Headers) -> bool:
        kind, _, value = headers.get("authorization", "").partition(" ")
        secret = None
        if kind.lower() == "bearer":
            secret = value.strip()
        elif kind.lower() == "basic":
            try:
                secret = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2]
            except (binascii.Error, UnicodeDecodeError):
                return False
        return secret is not None and hmac.compare_digest(secret.encode(), self.settings.token.encode())

    def cross_site(self, headers: Headers, host: str) -> bool:
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return True
        scheme = "https" if self.settings.https else "http"
        own = f"{scheme}://{host}".lower()
        origin = headers.get("origin")
        if origin is not None:
            return origin.lower() != own
        referer = headers.get("referer")
        if referer is not None:
            parts = urlsplit(referer)
            return f"{parts.scheme}://{parts.netloc}".lower() != own
        return False  # not a browser (a script with the secret); the CSRF token is still required

    def limited(self, scope, receive):
        limit = self.limit(scope)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge(limit)
            return message

        return counted


def _where(exc: BaseException) -> str:
    """The innermost file:line of a traceback: enough to find a bug, without the message's data."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"


def _hostname(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header

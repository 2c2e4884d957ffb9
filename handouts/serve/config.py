"""Where the server listens, its secret, and the limits on what a request may send."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from handouts.errors import HandoutsError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MIN_TOKEN_LENGTH = 16
MAKE_TOKEN = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > {path} && chmod 600 {path}"


@dataclass(frozen=True)
class Settings:
    project_root: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None  # required for any address but this computer's
    default_layout: str | None = None  # preselected on the page; else 'default', else the first
    https: bool = False
    workers: int = 0  # render processes; 0: in the server's own process
    form_limit: int = 64 * 1024  # a handout form is well under 2 KB
    # A day's CSV of 500 rows is ~50 KB. Under 1 MiB, Starlette keeps an uploaded file in memory
    # (it spools bigger ones to a temporary file): patient data never touches the disk.
    upload_limit: int = 1000 * 1000
    max_rows: int = 500  # appointments in one uploaded schedule
    max_codes: int = 8  # procedures on one handout
    max_field: int = 200  # characters in one text field


def is_local(host: str) -> bool:
    """Only this computer can reach the address (loopback)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(path: Path) -> str:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8").strip()
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise HandoutsError(f"--token-file {shown}: file not found; make one with: {MAKE_TOKEN.format(path=shown)}") from None
    except (OSError, UnicodeDecodeError):
        raise HandoutsError(f"--token-file {shown}: cannot be read as text; make one with: {MAKE_TOKEN.format(path=shown)}") from None
    if len(text) < MIN_TOKEN_LENGTH or any(c.isspace() for c in text):
        raise HandoutsError(
            f"--token-file {shown}: the secret must be one word of at least {MIN_TOKEN_LENGTH} characters; "
            f"make one with: {MAKE_TOKEN.format(path=shown)}"
        )
    if mode & 0o077:
        raise HandoutsError(f"--token-file {shown}: other users can read it; run: chmod 600 {shown}")
    return text


def check_bind(host: str, token_file: Path | None) -> str | None:
    """The secret to require, or None; refuses an address beyond this computer without one."""
    token = read_token(token_file) if token_file is not None else None
    if token is None and not is_local(host):
        raise HandoutsError(
            f"--host {host}: other computers could reach the page and the patients' details on it; "
            "give a secret with --token-file FILE (staff sign in with it), or keep the default --host 127.0.0.1"
        )
    return token

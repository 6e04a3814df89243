"""Where the CLI keeps TONE3000 state, and which TONE3000 it talks to.

Tokens live in the user's config folder (`$XDG_CONFIG_HOME/toneshootout/tone3000.json`),
downloaded models in their cache folder (`$XDG_CACHE_HOME/toneshootout/tone3000/`). Cheap to
import: every command's `--help` loads it.
"""

from __future__ import annotations

import os
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from toneshootout.cli.errors import CliError

APP = "toneshootout"
LOGIN_FILE = "tone3000.json"
BASE_URL_ENV = "TONESHOOTOUT_TONE3000__BASE_URL"
CLIENT_ID_ENV = "TONESHOOTOUT_TONE3000__CLIENT_ID"
DEFAULT_BASE_URL = "https://www.tone3000.com"  # Tone3000Settings' default, without importing it


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable, "")
    # The XDG spec: a relative path is invalid and must be ignored.
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / fallback


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / APP


def login_path() -> Path:
    return config_dir() / LOGIN_FILE


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache") / APP / "tone3000"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """An https origin, or http on loopback (a local fake): tokens never cross a network bare."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise CliError(f"the TONE3000 base URL must be an http(s) URL, not {base_url!r}")
    if parts.scheme == "http" and not _is_loopback(host):
        raise CliError(f"the TONE3000 base URL must use https (http only on loopback): {base_url}")
    if parts.query or parts.fragment or parts.path.strip("/"):
        raise CliError(f"the TONE3000 base URL is an origin only, with no path: {base_url}")
    return base_url.rstrip("/")

"""The CLI's TONE3000 sign-in, kept in one JSON file only its owner can read.

The file names the TONE3000 it came from (base URL and client id) next to the tokens, so a
render refreshes against the same service and a token is never sent to another one. Every
write replaces the file whole (a temporary file, fsync, rename): a crash leaves the old
sign-in or the new one, never half of each. Readers re-read it on every `load`, so two CLI
processes that both refresh settle it as two server processes do (see `tone3000.tokens`).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from toneshootout.cli.errors import CliError
from toneshootout.tone3000.oauth import TokenSet

FILE_MODE = 0o600
DIR_MODE = 0o700
FORMAT_VERSION = 1
MAX_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Login:
    base_url: str
    client_id: str
    tokens: TokenSet
    username: str | None = None

    def __repr__(self) -> str:  # the tokens' own repr hides them; say so here too
        return f"Login(base_url={self.base_url!r}, username={self.username!r})"


def _to_json(login: Login) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "base_url": login.base_url,
        "client_id": login.client_id,
        "username": login.username,
        "access_token": login.tokens.access_token,
        "refresh_token": login.tokens.refresh_token,
        "expires_at": login.tokens.expires_at.isoformat(),
    }


def _from_json(body: Any, path: Path) -> Login:
    unreadable = CliError(
        f"{path}: not a TONE3000 sign-in this version can read; "
        "run `toneshootout logout --tone3000`, then `toneshootout login --tone3000`"
    )
    if not isinstance(body, dict) or body.get("version") != FORMAT_VERSION:
        raise unreadable
    try:
        expires_at = datetime.fromisoformat(str(body["expires_at"]))
        texts = [body[k] for k in ("base_url", "client_id", "access_token", "refresh_token")]
    except (KeyError, ValueError):
        raise unreadable from None
    if not all(isinstance(t, str) and t for t in texts) or expires_at.tzinfo is None:
        raise unreadable
    base_url, client_id, access, refresh = texts
    username = body.get("username")
    return Login(
        base_url=base_url,
        client_id=client_id,
        tokens=TokenSet(access, refresh, expires_at),
        username=username if isinstance(username, str) else None,
    )


def read_login(path: Path) -> Login | None:
    """The saved sign-in, or None if there is none; CliError if the file is unusable."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise CliError(f"{path}: cannot read the TONE3000 sign-in ({err.strerror})") from None
    try:
        body = json.loads(raw) if len(raw) <= MAX_FILE_BYTES else None
    except ValueError:
        body = None
    return _from_json(body, path)


def _private_dir(folder: Path) -> None:
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    # mkdir's mode is filtered by the umask, and an existing folder keeps whatever it had.
    if stat.S_IMODE(folder.stat().st_mode) != DIR_MODE:
        folder.chmod(DIR_MODE)


def write_login(path: Path, login: Login) -> None:
    """Replace the file atomically; it is created 0600 in a 0700 folder."""
    _private_dir(path.parent)
    data = json.dumps(_to_json(login), indent=2).encode() + b"\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    # O_EXCL with the mode: the file is never readable by others, not even for an instant.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the rename is durable once the folder is synced
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def remove_login(path: Path) -> bool:
    """Forget the sign-in; False if there was none."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


class FileTokenStore:
    """A `TokenStore` over the login file, bound to the TONE3000 the sign-in came from."""

    def __init__(self, path: Path, login: Login) -> None:
        self.path = path
        self._login = login

    async def load(self) -> TokenSet | None:
        current = read_login(self.path)
        if current is None or current.base_url != self._login.base_url:
            return None  # signed out, or signed in elsewhere, since this command started
        self._login = current
        return current.tokens

    async def save(self, tokens: TokenSet) -> None:
        self._login = replace(self._login, tokens=tokens)
        write_login(self.path, self._login)

    async def forget(self) -> None:
        remove_login(self.path)

"""Signing in to TONE3000 from a terminal: the device grant (RFC 8628), status, sign-out.

The user opens a TONE3000 page in any browser, checks the code we print, approves; we poll,
then keep the tokens in a file only they can read. Nothing prints a token.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from datetime import UTC, datetime

from toneshootout.cli.errors import CliError, printable
from toneshootout.cli.tone3000 import session
from toneshootout.cli.tone3000.config import CLIENT_ID_ENV, cache_dir, check_base_url, login_path
from toneshootout.cli.tone3000.session import unreachable_text
from toneshootout.cli.tone3000.store import Login, read_login, remove_login, write_login
from toneshootout.tone3000.errors import OAuthError, SignInRequired, Tone3000Error, Unreachable
from toneshootout.tone3000.tokens import MemoryStore
from toneshootout.tone3000.wire import DeviceAuthorization

_DEVICE_ERRORS = {
    "access_denied": "the sign-in was denied on TONE3000",
    "expired_token": "the code expired before it was approved: run the command again",
    "invalid_client": "TONE3000 does not know this client id (check --client-id / "
    f"{CLIENT_ID_ENV})",
    "invalid_grant": "TONE3000 refused the device code: run the command again",
}


def _instructions(device: DeviceAuthorization) -> str:
    minutes = max(1, device.expires_in // 60)
    code, plain_page = printable(device.user_code), printable(device.verification_uri)
    if device.verification_uri_complete:
        page = printable(device.verification_uri_complete)
        check = f"and check that it shows the code {code} (or open {plain_page}"
        check += " and type the code)."
    else:
        page, check = plain_page, f"and type the code {code}."
    return "\n".join(
        [
            "To sign in to TONE3000, open this page in a browser:",
            "",
            f"  {page}",
            "",
            check,
            f"Waiting for your approval; the code lasts {minutes} min (Ctrl-C gives up)...",
        ]
    )


def _refusal(err: Tone3000Error, base_url: str) -> CliError:
    if isinstance(err, OAuthError):
        text = _DEVICE_ERRORS.get(err.error)
        return CliError(text or f"TONE3000 refused the sign-in: {err.description or err.error}")
    if isinstance(err, Unreachable):
        return CliError(unreachable_text(err, base_url))
    return CliError(str(err))


async def _device_login(base_url: str, client_id: str) -> Login:
    async with session.http_client() as http:
        oauth = session.oauth_client(http, base_url, client_id)
        try:
            device = await oauth.start_device()
            print(_instructions(device), flush=True)
            tokens = await oauth.wait_for_device(device, sleep=session.wait)
        except Tone3000Error as err:
            raise _refusal(err, base_url) from None
        login = Login(base_url=base_url, client_id=client_id, tokens=tokens)
        # Who signed in: shown now and by --status. Not worth failing the sign-in over.
        memory = MemoryStore(tokens)
        try:
            user = await session.api_for(http, login, store=memory).user()
        except SignInRequired as err:
            raise CliError(f"TONE3000 refused the new sign-in at once: {err}") from None
        except Tone3000Error:
            return replace(login, tokens=memory.tokens or tokens)
        return replace(login, tokens=memory.tokens or tokens, username=user.username)


def show_status() -> None:
    path = login_path()
    login = read_login(path)
    if login is None:
        raise CliError(f"not signed in to TONE3000: {session.LOGIN_HINT}", 1)
    who = f" as {printable(login.username)}" if login.username else ""
    expires = login.tokens.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Signed in to TONE3000 at {login.base_url}{who}.")
    if login.tokens.expires_at <= datetime.now(UTC):
        print(f"The access token expired at {expires}; the next command refreshes it.")
    else:
        print(f"The access token is valid until {expires}; it is refreshed when needed.")
    print(f"Sign-in kept in {path} (readable by you only).")


def sign_in(base_url: str, client_id: str | None) -> None:
    base_url = check_base_url(base_url)
    if not client_id:
        raise CliError(
            f"a TONE3000 client id is needed: pass --client-id t3k_pub_... or set {CLIENT_ID_ENV}"
        )
    signed_in = asyncio.run(_device_login(base_url, client_id))
    path = login_path()
    write_login(path, signed_in)
    who = f" as {printable(signed_in.username)}" if signed_in.username else ""
    print(f"Signed in to TONE3000{who}. Kept in {path} (readable by you only).")


def sign_out() -> None:
    removed = remove_login(login_path())
    shutil.rmtree(cache_dir(), ignore_errors=True)  # downloads were for this user only
    if removed:
        print("Signed out of TONE3000; its downloads on this computer are deleted too.")
    else:
        print("Not signed in to TONE3000; nothing to forget.")

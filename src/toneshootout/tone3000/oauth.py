"""OAuth 2.0 against TONE3000 (§1.3): PKCE S256 authorize URLs, the form-encoded token
endpoint (code exchange, rotating refresh) and the device grant (RFC 8628) for the CLI."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import ValidationError

from toneshootout.tone3000.errors import BadResponse, OAuthError, Unreachable
from toneshootout.tone3000.wire import DeviceAuthorization, TokenResponse

API = "/api/v1"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_SECONDS = 5  # RFC 8628 §3.5: add 5 s to the interval on `slow_down`
DEVICE_POLL_FAILURES = 3  # network failures in a row a device poll waits out


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


def new_pkce() -> Pkce:
    """A verifier from 32 random bytes and its S256 challenge (base64url, no padding)."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    digest = hashlib.sha256(verifier.encode()).digest()
    return Pkce(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


@dataclass(frozen=True)
class TokenSet:
    """A user's tokens; `expires_at` is absolute so it survives being stored."""

    access_token: str
    refresh_token: str
    expires_at: datetime

    def expires_within(self, seconds: float, now: datetime) -> bool:
        return self.expires_at - now <= timedelta(seconds=seconds)

    def __repr__(self) -> str:  # never print a token, even in a traceback
        return f"TokenSet(expires_at={self.expires_at.isoformat()})"


def authorize_url(
    base_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    prompt: str | None = None,
    extra: dict[str, str] | None = None,
) -> str:
    """The URL to send the browser to. `extra`: `format`, `architecture`, `tone_id`, ...

    `extra` cannot replace the parameters above: a redirect URI or state slipped in through it
    would silently undo what the caller was careful to take from configuration (REQ-05).
    """
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
    }
    clash = sorted(set(extra or {}) & {*params, "prompt"})
    if clash:
        raise ValueError(f"extra may not set {', '.join(clash)}")
    if prompt:
        params["prompt"] = prompt
    params.update(extra or {})
    return f"{base_url.rstrip('/')}{API}/oauth/authorize?{urlencode(params)}"


def _error_of(body: Any) -> OAuthError:
    # Two shapes in the wild (§1.3): OAuth's and GoTrue's.
    if isinstance(body, dict):
        code = body.get("error") or body.get("error_code") or "server_error"
        text = body.get("error_description") or body.get("msg") or ""
        return OAuthError(str(code), str(text))
    return OAuthError("server_error", "an unreadable answer")


class OAuthClient:
    """The token endpoint and the device grant, for one client id."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        client_id: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._client_id = client_id
        self._now = now

    async def _post(self, path: str, form: dict[str, str]) -> httpx.Response:
        try:
            return await self._http.post(f"{self._base}{API}{path}", data=form)
        except httpx.HTTPError as err:
            raise Unreachable(f"TONE3000 could not be reached ({type(err).__name__})") from err

    async def _token(self, form: dict[str, str]) -> TokenSet:
        response = await self._post("/oauth/token", form | {"client_id": self._client_id})
        body = _json(response)
        if response.status_code >= 500:
            raise Unreachable(f"TONE3000 answered {response.status_code}")
        if response.status_code != 200:
            raise _error_of(body)
        try:
            tokens = TokenResponse.model_validate(body)
        except ValidationError as err:
            raise BadResponse("TONE3000 sent a token answer we cannot read") from err
        return TokenSet(
            tokens.access_token,
            tokens.refresh_token,
            self._now() + timedelta(seconds=tokens.expires_in),
        )

    async def exchange_code(self, code: str, *, verifier: str, redirect_uri: str) -> TokenSet:
        return await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": redirect_uri,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenSet:
        """A new pair; the old refresh token is dead from now on (rotation)."""
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def start_device(self) -> DeviceAuthorization:
        response = await self._post("/oauth/device_authorization", {"client_id": self._client_id})
        body = _json(response)
        if response.status_code >= 500:  # TONE3000's trouble, not a refusal of this client
            raise Unreachable(f"TONE3000 answered {response.status_code}")
        if response.status_code != 200:
            raise _error_of(body)
        try:
            return DeviceAuthorization.model_validate(body)
        except ValidationError as err:
            raise BadResponse("TONE3000 sent a device answer we cannot read") from err

    async def wait_for_device(
        self,
        device: DeviceAuthorization,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> TokenSet:
        """Poll until the user approves; `expired_token` / `access_denied` raise OAuthError.

        A few network failures or 5xx in a row are waited out (the user may be halfway
        through approving, and the code stays valid); more than that raise `Unreachable`.
        """
        interval = max(1, device.interval)
        waited = 0.0
        failures = 0
        while waited <= device.expires_in:
            await sleep(interval)
            waited += interval
            try:
                return await self._token(
                    {"grant_type": DEVICE_GRANT, "device_code": device.device_code}
                )
            except Unreachable:
                failures += 1
                if failures > DEVICE_POLL_FAILURES:
                    raise
                continue
            except OAuthError as err:
                failures = 0
                if err.error == "authorization_pending":
                    continue
                if err.error == "slow_down":
                    interval += SLOW_DOWN_SECONDS
                    continue
                raise
        raise OAuthError("expired_token", "the code expired before it was approved")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None

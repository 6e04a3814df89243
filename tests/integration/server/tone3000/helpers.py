"""A browser's round trip through "Sign in with TONE3000", against the fake TONE3000.

The app and the fake run in-process; the app reaches the fake through its
`tone3000_transport`. A `Browser` is one cookie jar on the app plus a client for TONE3000's
site: it leaves (GET the app's login or select route), "signs in" at the fake (its authorize
page approves at once and redirects), and comes back (GET the callback on the app).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.integration.server.auth.helpers import PASSWORD, login, new_email, register
from toneshootout.server.auth.cookies import CSRF_COOKIE
from toneshootout.tone3000_fake import DEFAULT_CLIENT_ID

API = "/api/v1"
APP_BASE = "http://testserver"
FAKE_BASE = "http://127.0.0.1:8030"
REDIRECT_URI = f"{APP_BASE}{API}/auth/tone3000/callback"
LOGIN = f"{API}/auth/tone3000/login"
CALLBACK = f"{API}/auth/tone3000/callback"
LINK = f"{API}/auth/tone3000/link"
STATUS = f"{API}/auth/tone3000"
SELECT = f"{API}/tone3000/select"
STATE_COOKIE = "ts_t3k_state"
CLIENT_ID = DEFAULT_CLIENT_ID


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def location(response: httpx.Response) -> str:
    assert response.status_code == 302, f"{response.status_code}: {response.text}"
    return response.headers["location"]


@dataclass
class Browser:
    """One browser: `app` holds its cookies for our site, `tone3000` talks to the fake."""

    app: httpx.AsyncClient
    tone3000: httpx.AsyncClient

    async def leave(self, path: str = LOGIN, **params: str) -> str:
        """Start a sign-in at `path`; the authorize URL the app sent the browser to."""
        return location(await self.app.get(path, params=params))

    async def at_tone3000(self, authorize_url: str) -> str:
        """TONE3000's page approves (or not, per its switches); the callback URL."""
        return location(await self.tone3000.get(authorize_url))

    async def come_back(self, callback_url: str, **headers: str) -> httpx.Response:
        return await self.app.get(callback_url, headers=headers)

    async def round_trip(self, path: str = LOGIN, **params: str) -> httpx.Response:
        """Leave, sign in at TONE3000, come back: the callback's response."""
        return await self.come_back(await self.at_tone3000(await self.leave(path, **params)))

    def csrf(self) -> dict[str, str]:
        token = self.app.cookies.get(CSRF_COOKIE)
        assert token, "not signed in with cookies"
        return {"X-CSRF-Token": token}

    async def me(self) -> httpx.Response:
        return await self.app.get(f"{API}/me")

    async def sign_up_with_password(self, email: str | None = None) -> dict[str, Any]:
        """A local account with email and password, signed in on this browser's cookies."""
        email = email or new_email()
        await register(self.app, email)
        response = await login(self.app, email)
        assert response.status_code == 200, response.text
        me = (await self.me()).json()
        assert isinstance(me, dict)
        return me | {"password": PASSWORD}

    async def start_link(self) -> str:
        """POST link (cookie session, CSRF header): the authorize URL to go to."""
        response = await self.app.post(LINK, headers=self.csrf())
        assert response.status_code == 200, response.text
        url = response.json()["authorize_url"]
        assert isinstance(url, str)
        return url

    async def link(self) -> httpx.Response:
        return await self.come_back(await self.at_tone3000(await self.start_link()))

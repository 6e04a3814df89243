"""Browser sessions: httpOnly cookies, SameSite=Lax, and the double-submit CSRF check."""

from __future__ import annotations

import httpx

from tests.integration.server.auth.conftest import AppFactory
from tests.integration.server.auth.helpers import API, login, new_email, register


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0]
        cookies[name] = header.lower()
    return cookies


async def _browser_login(client: httpx.AsyncClient) -> httpx.Response:
    email = new_email()
    await register(client, email)
    response = await login(client, email)
    assert response.status_code == 200
    return response


async def test_login_sets_httponly_session_cookies_and_readable_csrf(
    client: httpx.AsyncClient,
) -> None:
    cookies = _set_cookies(await _browser_login(client))
    assert set(cookies) == {"ts_access", "ts_refresh", "ts_csrf"}
    for name in ("ts_access", "ts_refresh"):
        assert "httponly" in cookies[name]
    assert "httponly" not in cookies["ts_csrf"]
    assert all("samesite=lax" in value for value in cookies.values())
    assert all("secure" not in value for value in cookies.values())  # cookie_secure is off
    assert "path=/api/v1/auth" in cookies["ts_refresh"]


async def test_login_marks_cookies_secure_when_configured(make_app: AppFactory) -> None:
    _, client = await make_app(cookie_secure=True)
    cookies = _set_cookies(await _browser_login(client))
    assert all("; secure" in value for value in cookies.values())


async def test_cookie_session_reads_without_csrf(client: httpx.AsyncClient) -> None:
    await _browser_login(client)
    assert (await client.get(f"{API}/me")).status_code == 200


async def test_cookie_session_unsafe_request_needs_matching_csrf(
    client: httpx.AsyncClient,
) -> None:
    await _browser_login(client)
    missing = await client.post(f"{API}/auth/logout")
    wrong = await client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": "guess"})
    assert missing.status_code == wrong.status_code == 403
    assert missing.json()["error"] == wrong.json()["error"] == "csrf_failed"
    assert (await client.get(f"{API}/me")).status_code == 200  # nothing happened
    csrf = client.cookies["ts_csrf"]
    response = await client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert "ts_access" not in client.cookies
    assert (await client.get(f"{API}/me")).status_code == 401


async def test_refresh_by_cookie_needs_csrf_and_rotates_cookies(
    client: httpx.AsyncClient,
) -> None:
    first = await _browser_login(client)
    assert (await client.post(f"{API}/auth/refresh")).status_code == 403
    csrf = client.cookies["ts_csrf"]
    response = await client.post(f"{API}/auth/refresh", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    assert client.cookies["ts_access"] == response.json()["access_token"]
    assert client.cookies["ts_access"] != first.json()["access_token"]
    assert client.cookies["ts_csrf"] != csrf
    assert (await client.get(f"{API}/me")).status_code == 200

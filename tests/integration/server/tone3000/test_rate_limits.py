"""REQ-08: leaving for TONE3000 and coming back are rate-limited per client IP."""

from __future__ import annotations

from tests.integration.server.tone3000.conftest import AppFactory, BrowserFactory
from tests.integration.server.tone3000.helpers import CALLBACK, LOGIN

UNKNOWN_STATE = {"code": "c", "state": "A" * 43}


async def test_callback_burst_is_limited_per_ip(
    make_app: AppFactory, new_browser: BrowserFactory
) -> None:
    app = await make_app(login_rate_per_minute=3)
    attacker = await new_browser(app, ip="10.0.0.1")
    other = await new_browser(app, ip="10.0.0.2")
    statuses = [
        (await attacker.app.get(CALLBACK, params=UNKNOWN_STATE)).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 400]
    limited = await attacker.app.get(CALLBACK, params=UNKNOWN_STATE)
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    page = await attacker.app.get(CALLBACK, params=UNKNOWN_STATE, headers={"Accept": "text/html"})
    assert page.status_code == 429
    assert "retry-after" in page.headers
    # A forged X-Forwarded-For from an untrusted peer does not give a fresh bucket.
    spoofed = await attacker.app.get(
        CALLBACK, params=UNKNOWN_STATE, headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert spoofed.status_code == 429
    # Another client is unaffected, and can still sign in all the way.
    assert (await other.app.get(CALLBACK, params=UNKNOWN_STATE)).status_code == 400
    assert (await other.round_trip()).status_code == 302


async def test_login_burst_is_limited_per_ip(
    make_app: AppFactory, new_browser: BrowserFactory
) -> None:
    app = await make_app(login_rate_per_minute=2)
    browser = await new_browser(app, ip="10.0.1.1")
    statuses = [(await browser.app.get(LOGIN)).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]

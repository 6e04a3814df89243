"""The browser harness itself: it starts, it sees what it must flag."""

from __future__ import annotations

from playwright.sync_api import BrowserContext

from tests.e2e.browser import PageWatch
from tests.e2e.live import LiveServer


def test_watch_flags_request_to_other_origin(
    context: BrowserContext, live_server: LiveServer
) -> None:
    watch = PageWatch(origin=live_server.url)
    page = context.new_page()
    watch.attach(page)
    # A blank page: the API's own responses carry a CSP that would block the fetch itself.
    page.evaluate("() => fetch('http://127.0.0.2:9/nowhere').catch(() => null)")
    page.evaluate(f"() => fetch('{live_server.url}/healthz').catch(() => null)")
    page.wait_for_timeout(300)
    assert any("127.0.0.2" in url for url in watch.foreign_requests)
    assert not any(live_server.url in url for url in watch.foreign_requests)


def test_watch_flags_console_error(context: BrowserContext, live_server: LiveServer) -> None:
    watch = PageWatch(origin=live_server.url)
    page = context.new_page()
    watch.attach(page)
    page.goto("/healthz")
    page.evaluate("() => { console.error('boom'); }")
    page.evaluate("() => { setTimeout(() => { throw new Error('uncaught'); }, 0); }")
    page.wait_for_timeout(200)
    assert any("boom" in e for e in watch.console_errors)
    assert any("uncaught" in e for e in watch.console_errors)

"""The render page while a render runs: live progress, a reload, Cancel.

These run against a second server whose sandboxes hold at their first progress report until
stopped (the fault hook `TONESHOOTOUT_FAULT_HOLD_RENDER=stop`), so a render is reliably still
running when the test looks, however fast the machine is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import cast

import pytest
from playwright._impl._api_structures import SetCookieParam
from playwright.sync_api import Browser, Page, WebSocket, expect

from tests.e2e.api import BrowserApi
from tests.e2e.browser import PageWatch
from tests.e2e.conftest import Audit
from tests.e2e.live import LiveServer
from tests.e2e.shootouts import Material, submit, two_chain_shootout


@pytest.fixture
def held_watch(held_server: LiveServer) -> PageWatch:
    return PageWatch(origin=held_server.url)


@pytest.fixture
def held_page(
    browser: Browser, held_server: LiveServer, held_watch: PageWatch
) -> Iterator[tuple[Page, BrowserApi]]:
    context = browser.new_context(base_url=held_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    held_watch.attach(page)
    try:
        yield page, BrowserApi(context, held_server.url)
        assert not held_watch.problems(), held_watch.problems()
    finally:
        context.close()


def test_reload_during_render_comes_back_running_then_cancel(
    held_page: tuple[Page, BrowserApi],
    material: Material,
    audit_for: Callable[[Page], Audit],
    browser: Browser,
    held_server: LiveServer,
) -> None:
    page, api = held_page
    api.sign_up()
    shootout = two_chain_shootout(api, material, "Held render")
    render = submit(api, shootout["id"])
    page.goto(f"/renders/{render['id']}")
    state = page.locator("#render-state")
    # Held at its first progress report, which may take a while to come on a busy machine.
    expect(state).to_have_text("Loading the inputs.", timeout=60_000)
    expect(page.locator("#render-live")).to_have_text("Live updates on.")
    audit_for(page)("render-progress")
    # The server's own paint, before any script: the state read from the database.
    bare = browser.new_context(base_url=held_server.url, java_script_enabled=False)
    try:
        bare.add_cookies([cast(SetCookieParam, dict(c)) for c in page.context.cookies()])
        bare_page = bare.new_page()
        bare_page.goto(f"/renders/{render['id']}")
        expect(bare_page.locator("#render-state")).to_have_text("Loading the inputs.")
        expect(bare_page.get_by_role("button", name="Cancel")).to_be_visible()
    finally:
        bare.close()
    page.reload()
    expect(state).to_have_text("Loading the inputs.")
    expect(page.locator("#render-pairs td.pair").first).to_have_text("waiting")
    live = page.locator("#render-live")
    expect(live).to_have_text("Live updates on.")
    # The socket drops: the page says so, gets a new ticket and subscribes again.
    sockets: list[WebSocket] = []

    def opened(socket: WebSocket) -> None:  # Playwright takes Python functions only
        sockets.append(socket)

    page.on("websocket", opened)
    page.evaluate("() => document.getElementById('render-page').live.socket.close()")
    expect(live).to_contain_text("trying again in 1 s")
    expect(live).to_have_text("Live updates on.", timeout=15_000)
    assert len(sockets) == 1
    page.get_by_role("button", name="Cancel").click()
    # 202 first (the worker is asked to stop), then the socket brings the final state.
    expect(state).to_have_text("Cancelled.", timeout=30_000)
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
    assert api.call("GET", f"/api/v1/renders/{render['id']}")["state"] == "cancelled"
    page.reload()
    expect(state).to_have_text("Cancelled.")
    expect(page.locator("#results")).to_be_hidden()


def test_render_page_of_someone_else_is_not_found(
    held_page: tuple[Page, BrowserApi], held_watch: PageWatch, material: Material
) -> None:
    page, api = held_page
    held_watch.allow_console("404 (Not Found)")
    api.sign_up()
    shootout = two_chain_shootout(api, material, "Mine")
    render = submit(api, shootout["id"])
    api.call("POST", f"/api/v1/renders/{render['id']}/cancel")
    api.call("POST", "/api/v1/auth/logout", expect=204)
    api.sign_up()
    reply = page.goto(f"/renders/{render['id']}")
    assert reply is not None
    assert reply.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()


def test_render_page_without_session_redirects_to_sign_in(
    held_page: tuple[Page, BrowserApi],
) -> None:
    page, _ = held_page
    page.goto("/renders/00000000-0000-4000-8000-000000000000")
    assert "/login?next=/renders/00000000-0000-4000-8000-000000000000" in page.url


@pytest.fixture(scope="module")
def timing_out_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Every render holds until stopped and may run one second, once: it fails `timeout`."""
    server = LiveServer(
        data_dir=tmp_path_factory.mktemp("e2e-timeout"),
        extra_env={
            "TONESHOOTOUT_FAULT_HOLD_RENDER": "stop",
            "TONESHOOTOUT_RENDER__MAX_RENDER_SECONDS": "1",
            "TONESHOOTOUT_RENDER__MAX_ATTEMPTS": "1",
        },
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_failed_render_says_why_in_words(
    browser: Browser,
    timing_out_server: LiveServer,
    material: Material,
    audit_for: Callable[[Page], Audit],
) -> None:
    context = browser.new_context(base_url=timing_out_server.url)
    watch = PageWatch(origin=timing_out_server.url)
    try:
        page = context.new_page()
        watch.attach(page)
        api = BrowserApi(context, timing_out_server.url)
        api.sign_up()
        render = submit(api, two_chain_shootout(api, material, "Too slow")["id"])
        page.goto(f"/renders/{render['id']}")
        expect(page.locator("#render-state")).to_have_text("Failed.", timeout=60_000)
        reason = page.locator("#render-reason")
        expect(reason).to_contain_text("took longer than a render may take")
        expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
        audit_for(page)("render-failed")
        page.reload()  # the same words from the database
        expect(reason).to_contain_text("took longer than a render may take")
        assert not watch.problems(), watch.problems()
    finally:
        context.close()

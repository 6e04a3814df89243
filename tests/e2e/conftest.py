"""Browser tests: one live server and one Chromium per test session; every page checked.

Each test gets a fresh browser context (no shared cookies) and a `page` whose console errors,
uncaught exceptions and requests to any other origin fail the test at teardown. `audit(name)`
runs axe-core (serious/critical violations fail) and keeps screenshots at desktop and phone
width under `tests/e2e/artifacts/`. A browser that cannot start fails the run under `CI=true`
and skips the browser tests elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from playwright._impl._api_structures import SetCookieParam
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    sync_playwright,
)

from tests.e2e.api import BrowserApi
from tests.e2e.browser import (
    VIEWPORTS,
    PageWatch,
    axe_source,
    axe_violations,
    describe_violations,
    launch,
    screenshots,
)
from tests.e2e.live import LiveServer
from tests.e2e.shootouts import Material, make_material, submit, two_chain_shootout
from tests.e2e.tone3000 import FakeTone3000, fake_tone3000, server_signing_in_with

IN_CI = os.environ.get("CI") == "true"
Audit = Callable[[str], list[Path]]


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(data_dir=tmp_path_factory.mktemp("e2e-server"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def held_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose renders hold at their first progress report until stopped (one per module,
    so a module's held render never blocks another's)."""
    server = LiveServer(
        data_dir=tmp_path_factory.mktemp("e2e-held"),
        extra_env={"TONESHOOTOUT_FAULT_HOLD_RENDER": "stop"},
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    try:
        manager = sync_playwright()
        playwright = manager.start()
    except Exception as error:  # the driver itself could not start
        _unavailable(f"Playwright could not start: {error}")
        raise
    try:
        yield playwright
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    try:
        started = launch(playwright_session)
    except Exception as error:
        _unavailable(f"Chromium could not start (apt-get install chromium): {error}")
        raise
    try:
        yield started
    finally:
        started.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORTS["desktop"], accept_downloads=True
    )
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def watch(live_server: LiveServer) -> PageWatch:
    """The page's offences; `watch.allow_console(fragment)` expects one kind of error."""
    return PageWatch(origin=live_server.url)


@pytest.fixture
def page(context: BrowserContext, watch: PageWatch, live_server: LiveServer) -> Iterator[Page]:
    new = context.new_page()
    watch.attach(new)
    yield new
    problems = watch.problems()
    if problems:
        pytest.fail("the page misbehaved:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def api(context: BrowserContext, live_server: LiveServer) -> BrowserApi:
    """The JSON API with the context's cookies (sign up first: `api.sign_up()`)."""
    return BrowserApi(context, live_server.url)


@pytest.fixture(scope="session")
def axe() -> str:
    source = axe_source()
    if source is None:
        _unavailable("axe-core is missing: run `make setup` (npm ci in web/)")
        raise AssertionError("unreachable")
    return source


def audit_page(page: Page, axe: str, name: str) -> list[Path]:
    """axe-core on the page as it is now (serious/critical fail) and its screenshots."""
    violations = axe_violations(page, axe)
    taken = screenshots(page, name)
    assert not violations, f"axe on {page.url}:\n{describe_violations(violations)}"
    return taken


@pytest.fixture
def audit(page: Page, axe: str) -> Audit:
    """Check the test's page as it is now with axe-core and keep its screenshots."""
    return lambda name: audit_page(page, axe, name)


@pytest.fixture
def audit_for(axe: str) -> Callable[[Page], Audit]:
    """The same check for a page the test made itself (e.g. on another server)."""
    return lambda page: lambda name: audit_page(page, axe, name)


@dataclass(frozen=True)
class Rendered:
    """A signed-in account with a succeeded 2-chain render; `cookies` sign a context in."""

    cookies: list[SetCookieParam]
    shootout_id: str
    render_id: str
    render: dict[str, Any]


@pytest.fixture(scope="session")
def material(tmp_path_factory: pytest.TempPathFactory) -> Material:
    return make_material(tmp_path_factory.mktemp("e2e-material"))


@pytest.fixture(scope="session")
def rendered(browser: Browser, live_server: LiveServer, material: Material) -> Rendered:
    """One render shared by the player tests (rendering is the slow part)."""
    ctx = browser.new_context(base_url=live_server.url)
    try:
        api = BrowserApi(ctx, live_server.url)
        api.sign_up()
        shootout = two_chain_shootout(api, material, "Two amps")
        render = api.wait_render(submit(api, shootout["id"])["id"])
        assert render["state"] == "succeeded", render
        cookies = [cast(SetCookieParam, dict(c)) for c in ctx.cookies()]
        return Rendered(cookies, shootout["id"], render["id"], render)
    finally:
        ctx.close()


@pytest.fixture
def signed_in(context: BrowserContext, rendered: Rendered) -> Rendered:
    """The test's context signed in as the account that owns `rendered`."""
    context.add_cookies(rendered.cookies)
    return rendered


@pytest.fixture(scope="session")
def tone3000() -> Iterator[FakeTone3000]:
    """The fake TONE3000 as its own server, shared by the TONE3000 journeys."""
    with fake_tone3000() as running:
        yield running


@pytest.fixture(scope="session")
def t3k_server(
    tmp_path_factory: pytest.TempPathFactory, tone3000: FakeTone3000
) -> Iterator[LiveServer]:
    """A live server whose TONE3000 is the fake (sign-in, pickers, renders)."""
    server = server_signing_in_with(tone3000, tmp_path_factory.mktemp("e2e-tone3000"))
    try:
        server.start()
        yield server
    finally:
        server.stop()

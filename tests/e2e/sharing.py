"""Steps the sharing journeys share: a shared render's owner, strangers' browser contexts, and
a record of every byte a page and its requests carried."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import comb
from typing import Any

from playwright._impl._api_structures import SetCookieParam
from playwright.sync_api import Browser, BrowserContext, Frame, Page, Response, expect

from tests.e2e.api import BrowserApi
from tests.e2e.browser import VIEWPORTS, PageWatch
from tests.e2e.live import LiveServer

TOKEN = r"[A-Za-z0-9_-]{43}"


@dataclass(frozen=True)
class Owner:
    """A signed-in account with a succeeded 3-chain render, and what identifies its chains."""

    cookies: list[SetCookieParam]
    email: str
    shootout_id: str
    render_id: str
    render: dict[str, Any]
    item_ids: list[str]  # the library items (DI, captures, IR) the chains are made of
    file_names: list[str]  # the captures' and IRs' file names (a DI's is shown to listeners)
    manifest: dict[str, Any]
    metrics: dict[str, Any]


@dataclass
class Stranger:
    """A browser context with no session, its page and what the page did wrong."""

    context: BrowserContext
    page: Page
    watch: PageWatch
    api: BrowserApi
    audit: Callable[[str], object]  # axe and screenshots of `page` as it is now


@contextmanager
def stranger(
    browser: Browser, live_server: LiveServer, audit_for: Callable[[Page], Callable[[str], object]]
) -> Iterator[Stranger]:
    """A fresh context with no cookies; its page's console errors and foreign requests fail."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    watch = PageWatch(origin=live_server.url)
    watch.attach(page)
    try:
        yield Stranger(context, page, watch, BrowserApi(context, live_server.url), audit_for(page))
        assert not watch.problems(), "\n".join(watch.problems())
    finally:
        context.close()


def create_share(api: BrowserApi, render_id: str, visibility: str = "unlisted") -> dict[str, Any]:
    created: dict[str, Any] = api.call(
        "POST",
        f"/api/v1/renders/{render_id}/shares",
        {"visibility": visibility, "expires_at": None},
        201,
    )
    assert re.fullmatch(TOKEN, created["token"]), created
    return created


def wait_player_ready(page: Page | Frame, selector: str = "ab-player") -> None:
    player = page.locator(selector).first
    expect(player).to_have_attribute("aria-busy", "false", timeout=30_000)
    expect(player.locator(".abp-status")).to_contain_text("Ready")


def abx_p_value(correct: int, trials: int) -> float:
    """P[X >= correct] for X ~ Binomial(trials, 1/2): the ABX p-value, computed independently."""
    favourable: int = sum(comb(trials, k) for k in range(correct, trials + 1))
    return favourable / (1 << trials)


@dataclass(frozen=True)
class Carried:
    """One response the page received: its URL, status, headers and body."""

    url: str
    status: int
    headers: dict[str, str]
    request_headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()

    @property
    def is_audio(self) -> bool:
        return self.content_type.startswith("audio/")


@dataclass
class Recorder:
    """Every response a page gets while recording (bodies read afterwards, not in the handler)."""

    responses: list[Response] = field(default_factory=list)
    recording: bool = True

    def attach(self, page: Page) -> None:
        page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        if self.recording:
            self.responses.append(response)

    def carried(self, page: Page) -> list[Carried]:
        """What was carried; a body Chromium no longer holds is fetched again from `page`."""
        out = []
        for response in self.responses:
            try:
                body = response.body()
            except Exception:  # a redirect or an aborted request has no body
                body = b""
            if not body and response.status == 200 and response.request.method == "GET":
                # Chromium drops large bodies it has handed to the page (audio, here).
                body = page.request.get(response.url).body()
            out.append(
                Carried(
                    url=response.url,
                    status=response.status,
                    headers=response.all_headers(),
                    request_headers=response.request.all_headers(),
                    body=body,
                )
            )
        return out

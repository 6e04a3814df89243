"""A render of TONE3000 models in the browser: the builder shows the models a block names, and
the results page, the shared page and the embed credit each one (creator, licence, tone page,
"Powered by TONE3000") without a link to any model file."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from playwright._impl._api_structures import SetCookieParam
from playwright.sync_api import Browser, Page, expect

from tests.e2e.api import BrowserApi
from tests.e2e.browser import VIEWPORTS, PageWatch
from tests.e2e.conftest import Audit
from tests.e2e.live import LiveServer
from tests.e2e.shootouts import Material, submit
from tests.e2e.tone3000 import FakeTone3000, link_account
from tests.integration.tone3000_link import Linked

PLEXI, V30 = 4201, 4203
TITLE = "Plexi on TONE3000 vs my crunch"


@dataclass(frozen=True)
class T3kRender:
    cookies: list[SetCookieParam]
    linked: Linked
    shootout_id: str
    render: dict[str, Any]
    token: str


def _ref(tone_id: int, model_id: int) -> dict[str, int]:
    return {"tone_id": tone_id, "model_id": model_id}


@pytest.fixture(scope="module")
def t3k_render(
    browser: Browser, t3k_server: LiveServer, tone3000: FakeTone3000, material: Material
) -> T3kRender:
    """Two chains of TONE3000 models and one from the library, rendered and shared."""
    ctx = browser.new_context(base_url=t3k_server.url)
    try:
        api = BrowserApi(ctx, t3k_server.url)
        api.sign_up()
        user_id = uuid.UUID(api.call("GET", "/api/v1/me")["id"])
        linked = link_account(tone3000, t3k_server.data_dir, user_id)
        di = api.upload("di-tracks", material.di)
        capture = api.upload("captures", material.captures[0])
        chains = [
            {
                "name": "Plexi gain 7",
                "blocks": [
                    {"type": "capture", "tone3000": _ref(PLEXI, 90002)},
                    {"type": "ir", "tone3000": _ref(V30, 90010)},
                ],
            },
            {
                "name": "Plexi gain 3",
                "blocks": [
                    {"type": "capture", "tone3000": _ref(PLEXI, 90001)},
                    {"type": "ir", "tone3000": _ref(V30, 90010)},
                ],
            },
            {
                "name": "My crunch",
                "blocks": [
                    {"type": "capture", "capture_id": capture["id"]},
                    {"type": "ir", "tone3000": _ref(V30, 90010)},
                ],
            },
        ]
        body = {"title": TITLE, "di_tracks": [di["id"]], "chains": chains}
        shootout = api.call("POST", "/api/v1/shootouts", body, 201)
        render = api.wait_render(submit(api, shootout["id"])["id"])
        assert render["state"] == "succeeded", render
        share = api.call(
            "POST", f"/api/v1/renders/{render['id']}/shares", {"visibility": "unlisted"}, 201
        )
        cookies = [cast(SetCookieParam, dict(c)) for c in ctx.cookies()]
        return T3kRender(cookies, linked, shootout["id"], render, share["token"])
    finally:
        ctx.close()


@pytest.fixture
def t3k_page(
    browser: Browser, t3k_server: LiveServer, audit_for: Callable[[Page], Audit]
) -> Iterator[tuple[Page, Audit, PageWatch]]:
    """A page on the TONE3000 server whose console errors and foreign requests fail the test."""
    context = browser.new_context(base_url=t3k_server.url, viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    watch = PageWatch(origin=t3k_server.url)
    watch.attach(page)
    try:
        yield page, audit_for(page), watch
        assert not watch.problems(), "\n".join(watch.problems())
    finally:
        context.close()


def _assert_credits(page: Page, fake: FakeTone3000, section: str = ".credits-section") -> None:
    credits = page.locator(section)
    expect(credits).to_be_visible(timeout=30_000)
    items = credits.locator("li.t3k-credit")
    expect(items).to_have_count(3)
    plexi = items.filter(has_text="Gain 7 - SM57")
    expect(plexi).to_contain_text("Plexi Lead 100W")
    expect(plexi).to_contain_text("NAM capture")
    expect(plexi).to_contain_text("ampwright")
    expect(plexi).to_contain_text("CC BY 4.0")
    tone_link = plexi.get_by_role("link", name="Plexi Lead 100W")
    expect(tone_link).to_have_attribute("href", f"{fake.base_url}//plexi-lead-100w-4201")
    creator_link = plexi.get_by_role("link", name="ampwright")
    expect(creator_link).to_have_attribute("href", f"{fake.base_url}//ampwright")
    cab = items.filter(has_text="SM57 - Cap Edge")
    expect(cab).to_contain_text("cabinet IR")
    expect(cab).to_contain_text("CC BY-SA 4.0")
    powered = credits.locator(".powered-by")
    expect(powered).to_have_text("Powered by TONE3000")
    expect(powered.get_by_role("link", name="TONE3000")).to_have_attribute(
        "href", "https://www.tone3000.com"
    )
    # TONE3000 is linked for its pages only: never a model's file (nor our copy of one).
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)")
    tone3000 = [h for h in hrefs if h.startswith((fake.base_url, fake.storage_base))]
    assert tone3000
    assert not [h for h in tone3000 if "/api/" in h or "/storage/" in h]
    assert not [h for h in hrefs if h.endswith(".nam") or "9000" in h.rsplit("/", 1)[-1]]


def _no_secret(page: Page, linked: Linked) -> None:
    html = page.content()
    for secret in linked.secrets:
        assert secret not in html
    assert "t3k_at_" not in html


def test_results_page_credits_every_tone3000_model(
    t3k_page: tuple[Page, Audit, PageWatch], t3k_render: T3kRender, tone3000: FakeTone3000
) -> None:
    page, audit, _ = t3k_page
    page.context.add_cookies(t3k_render.cookies)
    page.goto(f"/renders/{t3k_render.render['id']}")

    _assert_credits(page, tone3000)
    _no_secret(page, t3k_render.linked)
    audit("t3k-render-results")


def test_shared_page_and_embed_credit_every_tone3000_model(
    t3k_page: tuple[Page, Audit, PageWatch], t3k_render: T3kRender, tone3000: FakeTone3000
) -> None:
    page, audit, _ = t3k_page
    page.goto(f"/s/{t3k_render.token}")
    _assert_credits(page, tone3000)
    credits = page.locator(".credits-section")
    expect(credits).to_contain_text("Captures and IRs from TONE3000")
    chains = page.locator(".chain-blocks")
    expect(chains).to_contain_text("Plexi Lead 100W — Gain 7 - SM57 (by ampwright)")
    expect(chains).not_to_contain_text("tz-make")
    _no_secret(page, t3k_render.linked)
    audit("t3k-shared-page")

    page.goto(f"/embed/{t3k_render.token}")
    expect(page.locator("ab-player")).to_be_visible(timeout=30_000)
    _assert_credits(page, tone3000, ".embed-credits")
    audit("t3k-embed")


def test_builder_shows_the_tone3000_model_a_block_names(
    t3k_page: tuple[Page, Audit, PageWatch], t3k_render: T3kRender
) -> None:
    page, audit, _ = t3k_page
    page.context.add_cookies(t3k_render.cookies)
    page.goto(f"/shootouts/{t3k_render.shootout_id}")

    models = page.locator(".t3k-chosen")
    expect(models).to_have_count(5, timeout=30_000)
    # Named from TONE3000 (one lookup per tone): title, variant, architecture, size, credit.
    expect(models.first).to_contain_text("Plexi Lead 100W — Gain 7 - SM57 (A1, standard)")
    expect(models.first).to_contain_text("by Amp Wright · CC BY 4.0")
    expect(page.get_by_role("radio", name="TONE3000").first).to_be_checked()
    library = page.locator("select[data-path='chains.2.blocks.0.capture_id']")
    expect(library).to_be_visible()  # the library block keeps its pick
    expect(page.locator("select[data-path='chains.0.blocks.0.capture_id']")).to_have_count(0)
    audit("t3k-builder")

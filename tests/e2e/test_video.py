"""The video (issue 11) in the browser: turned on in the builder, rendered, played on the
results page with its poster, downloaded, its description copied; played on the shared page
and never on the blind test; and the render page's words for the video step."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.api import BrowserApi
from tests.e2e.browser import PageWatch
from tests.e2e.conftest import Audit
from tests.e2e.live import LiveServer
from tests.e2e.pages import allow_a_missing_schema_endpoint
from tests.e2e.sharing import Stranger, stranger
from tests.e2e.shootouts import Material, submit, two_chain_shootout

RENDER_TIMEOUT_MS = 300_000  # a render on a loaded 2-core machine; never a speed claim
VIDEO = ".video-card video"
# The <video>'s state as the browser reports it.
VIDEO_STATE_JS = """(selector) => {
  const v = document.querySelector(selector);
  return {readyState: v.readyState, duration: v.duration, currentTime: v.currentTime,
          paused: v.paused, error: v.error && v.error.message, width: v.videoWidth,
          height: v.videoHeight, src: v.currentSrc, poster: v.poster};
}"""


def video_state(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(VIDEO_STATE_JS, VIDEO)
    return found


def montage_seconds(api: BrowserApi, render: dict[str, Any], di: str) -> float:
    """How long the DI's montage is, from the render's manifest timeline."""
    manifest_url = next(o["url"] for o in render["outputs"] if o["role"] == "manifest")
    manifest = api.call("GET", manifest_url)
    return float(manifest["timeline"][di][-1]["end_ms"]) / 1000.0


def play_until_it_advances(page: Page) -> None:
    """Play (muted: nobody listens in a test) until the playhead has moved on real frames."""
    page.evaluate(
        "(s) => { const v = document.querySelector(s); v.muted = true; v.play(); }", VIDEO
    )
    page.wait_for_function(
        "(s) => { const v = document.querySelector(s);"
        " return v.readyState >= 2 && v.currentTime > 0.5 && !v.paused; }",
        arg=VIDEO,
        timeout=30_000,
    )


def pause(page: Page) -> None:
    page.evaluate("(s) => document.querySelector(s).pause()", VIDEO)


def _turn_the_video_on(page: Page, api: BrowserApi, audit: Audit, shootout: dict[str, Any]) -> None:
    """The builder: the video is off (opt-in) and its size waits for it; on, at 720p, saved."""
    page.goto(f"/shootouts/{shootout['id']}")
    video_box = page.get_by_label("video (MP4)")
    size = page.get_by_label("Video size")
    expect(video_box).not_to_be_checked(timeout=30_000)
    expect(page.get_by_label("wav", exact=True)).to_be_checked()  # the defaults are shown
    expect(size).to_be_disabled()
    video_box.check()
    expect(size).to_be_enabled()
    size.select_option("1280x720")
    expect(size).to_have_value("1280x720")
    audit("builder-video")
    with page.expect_request(lambda r: r.method == "PUT") as put:
        page.get_by_role("button", name="Save").click()
    sent = (put.value.post_data_json or {})["settings"]
    assert (sent["video_size"], "video" in sent["outputs"]) == ("1280x720", True), sent
    # Exactly "Saved." ("Unsaved changes." holds "saved" too).
    expect(page.get_by_role("status").filter(has_text=re.compile(r"^Saved\.$"))).to_be_visible()
    saved = api.call("GET", f"/api/v1/shootouts/{shootout['id']}")
    assert saved["settings"]["video_size"] == "1280x720"
    assert {"wav", "montage", "metrics", "video"} <= set(saved["settings"]["outputs"])
    # The video's encode is counted in the estimate.
    assert saved["estimated_render_seconds"] > shootout["estimated_render_seconds"]


def _watch_download_and_copy(
    page: Page, api: BrowserApi, render: dict[str, Any], audit: Audit
) -> None:
    """The results: the <video> with its poster plays; the MP4 downloads; the description copies."""
    [video] = render["videos"]
    di = video["di"]
    player = page.locator(VIDEO)
    expect(player).to_have_attribute("poster", video["poster_url"], timeout=30_000)
    expect(player).to_have_attribute("preload", "metadata")
    expect(player).to_have_attribute("controls", "")
    expect(player).to_have_accessible_name(f"Video: {di}")
    page.wait_for_function("(s) => document.querySelector(s).readyState >= 1", arg=VIDEO)
    state = video_state(page)
    assert state["error"] is None
    assert state["src"].endswith(video["video_url"])
    assert (state["width"], state["height"]) == (1280, 720)
    assert abs(state["duration"] - montage_seconds(api, render, di)) < 0.2
    play_until_it_advances(page)
    pause(page)

    download = page.get_by_role("link", name=re.compile(r"^Download the video \(MP4, [\d.]+ MB\)$"))
    expect(download).to_have_attribute("href", video["video_url"])
    with page.expect_download() as started:
        download.click()
    assert started.value.suggested_filename.endswith(".mp4")

    card = page.locator(".video-card")
    card.get_by_text("Description for YouTube", exact=True).click()
    text = card.get_by_role("textbox", name=f"Description for YouTube: {di}")
    expect(text).to_have_value(re.compile(r"^Video night — .*Chapters:.*Amp A.*Amp B", re.S))
    card.get_by_role("button", name="Copy the description").click()
    expect(card.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("() => navigator.clipboard.readText()") == text.input_value()
    expect(page.get_by_role("link", name=f"{di} · video (MP4)")).to_be_visible()
    audit("render-video")


def _stranger_watches(guest: Stranger, share: dict[str, Any]) -> None:
    """The shared page plays the same video from share-scoped URLs; the blind test has none."""
    guest.page.goto(share["url"])
    shared_player = guest.page.locator(VIDEO)
    expect(shared_player).to_have_attribute(
        "src", re.compile(rf"^/api/v1/shared/{re.escape(share['token'])}/files/video/")
    )
    expect(shared_player).to_have_attribute("poster", re.compile(r"\.poster\.png$"))
    play_until_it_advances(guest.page)
    pause(guest.page)
    guest.audit("share-video")
    guest.page.goto(f"{share['url']}/blind")
    expect(guest.page.get_by_role("heading", level=1)).to_be_visible()
    expect(guest.page.locator("video, .video-card, .video-description")).to_have_count(0)


def test_the_user_turns_the_video_on_renders_plays_and_copies_its_description(
    *,
    page: Page,
    api: BrowserApi,
    watch: PageWatch,
    material: Material,
    audit: Audit,
    browser: Browser,
    live_server: LiveServer,
    audit_for: Callable[[Page], Audit],
) -> None:
    api.sign_up()
    allow_a_missing_schema_endpoint(api, watch)
    shootout = two_chain_shootout(api, material, "Video night")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    _turn_the_video_on(page, api, audit, shootout)

    page.get_by_role("button", name="Render").click()
    expect(page).to_have_url(re.compile(r"/renders/[0-9a-f-]{36}$"))
    render_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#render-state")).to_have_text("Finished.", timeout=RENDER_TIMEOUT_MS)
    render = api.call("GET", f"/api/v1/renders/{render_id}")
    _watch_download_and_copy(page, api, render, audit)

    share = api.call("POST", f"/api/v1/renders/{render_id}/shares", {"visibility": "unlisted"}, 201)
    with stranger(browser, live_server, audit_for) as guest:
        _stranger_watches(guest, share)


def test_the_render_page_says_when_it_makes_the_video(
    browser: Browser, held_server: LiveServer, material: Material
) -> None:
    context = browser.new_context(base_url=held_server.url)
    watch = PageWatch(origin=held_server.url)
    try:
        page = context.new_page()
        watch.attach(page)
        api = BrowserApi(context, held_server.url)
        api.sign_up()
        render = submit(api, two_chain_shootout(api, material, "Held video")["id"])
        page.goto(f"/renders/{render['id']}")
        expect(page.locator("#render-live")).to_have_text("Live updates on.", timeout=60_000)
        # The held render's own first report must have arrived first, or it lands after the
        # event below and overwrites it (seen in CI).
        expect(page.locator("#render-state")).to_have_text("Loading the inputs.", timeout=60_000)
        di = page.locator("#render-pairs tbody th").first.inner_text()
        # The event the worker sends when the engine starts a DI's video (step "video").
        page.evaluate(
            """(di) => document.getElementById('render-page').live.handlers.onEvent({
                 type: 'progress', state: 'running', progress: 0.93, step: 'video',
                 current: {di, chain: null}, eta_seconds: 3})""",
            di,
        )
        expect(page.locator("#render-state")).to_have_text(f"Making the video of {di}.")
        cells: Locator = page.locator("#render-pairs td.pair")
        for k in range(cells.count()):
            expect(cells.nth(k)).to_have_text("done")  # every chain of the DI is rendered
        page.get_by_role("button", name="Cancel").click()
        expect(page.locator("#render-state")).to_have_text("Cancelled.", timeout=30_000)
        assert not watch.problems(), watch.problems()
    finally:
        context.close()

"""Sharing and listening tests in the browser (issue 9): the owner shares from the render page;
strangers with no account listen on the shared page, vote blind and take an ABX test; a revoked
link is a 404 like any other; only the embed can be framed by another site; and the blind page
carries nothing that tells the chains apart before the reveal."""

from __future__ import annotations

import http.server
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, cast

import pytest
from playwright._impl._api_structures import SetCookieParam
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.api import BrowserApi
from tests.e2e.conftest import Audit
from tests.e2e.live import LiveServer, free_port
from tests.e2e.sharing import (
    TOKEN,
    Carried,
    Owner,
    Recorder,
    Stranger,
    abx_p_value,
    create_share,
    stranger,
    wait_player_ready,
)
from tests.e2e.shootouts import Material, submit, three_chain_shootout

TITLE = "Three amps, one cab"
# Names no page, script or style of the app could contain by chance.
NAMES = ("Plexi Crunch", "Recto Lead", "Twin Clean")
ABX_TRIALS = 8


@pytest.fixture(scope="module")
def owner(browser: Browser, live_server: LiveServer, material: Material) -> Owner:
    """One 3-chain render for the module (three chains: three blind rounds per DI, and
    Bradley–Terry strengths on the results page)."""
    ctx = browser.new_context(base_url=live_server.url)
    try:
        api = BrowserApi(ctx, live_server.url)
        email = api.sign_up()
        shootout = three_chain_shootout(api, material, TITLE, NAMES)
        render = api.wait_render(submit(api, shootout["id"])["id"])
        assert render["state"] == "succeeded", render
        items = (
            api.call("GET", "/api/v1/captures")["items"] + api.call("GET", "/api/v1/irs")["items"]
        )
        # DI names are not secret: a listener is told which DI each round plays.
        manifest_url = next(o["url"] for o in render["outputs"] if o["role"] == "manifest")
        metrics_url = next(
            o["url"]
            for o in render["outputs"]
            if o["role"] == "metrics" and o["path"].endswith(".json")
        )
        return Owner(
            cookies=[cast(SetCookieParam, dict(c)) for c in ctx.cookies()],
            email=email,
            shootout_id=shootout["id"],
            render_id=render["id"],
            render=render,
            item_ids=[i["id"] for i in items + api.call("GET", "/api/v1/di-tracks")["items"]],
            file_names=[i["name"] for i in items],
            manifest=api.call("GET", manifest_url),
            metrics=api.call("GET", metrics_url),
        )
    finally:
        ctx.close()


Strangers = Callable[[], AbstractContextManager[Stranger]]


@pytest.fixture
def strangers(
    browser: Browser, live_server: LiveServer, audit_for: Callable[[Page], Audit]
) -> Strangers:
    """`with strangers() as guest:` a fresh context with no session (see `sharing.stranger`)."""
    return lambda: stranger(browser, live_server, audit_for)


@pytest.fixture
def owner_api(context: BrowserContext, owner: Owner, live_server: LiveServer) -> BrowserApi:
    """The test's context signed in as the owner (for `page` and for API calls)."""
    context.add_cookies(owner.cookies)
    return BrowserApi(context, live_server.url)


def _playhead(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        """() => {
          const p = document.querySelector('ab-player');
          return {t: p.currentTime, active: p.activeChain, paused: p.paused,
                  perf: performance.now(), names: p.chains.map((c) => c.name)};
        }"""
    )
    return found


def test_owner_shares_from_the_render_page_and_a_stranger_listens(
    page: Page,
    owner_api: BrowserApi,
    owner: Owner,
    strangers: Strangers,
    audit: Audit,
) -> None:
    page.goto(f"/renders/{owner.render_id}")
    share = page.get_by_role("region", name="Share")
    expect(share).to_be_visible(timeout=30_000)
    share.get_by_label("Expires").select_option(label="In 7 days")
    share.get_by_role("button", name="Create a link").click()
    expect(share.get_by_role("heading", name="Your new unlisted link")).to_be_visible()
    link = share.get_by_role("textbox", name="Link").input_value()
    assert re.fullmatch(rf"{re.escape(owner_api.base_url)}/s/{TOKEN}", link), link
    token = link.rsplit("/", 1)[1]
    item = share.locator(".share-item").first
    expect(item).to_contain_text("Active")
    expect(item).to_contain_text(f"…{token[-4:]}")
    wait_player_ready(page)
    audit("render-share")

    with strangers() as guest:
        _stranger_listens(guest, token, owner)

    listed = owner_api.call("GET", f"/api/v1/renders/{owner.render_id}/shares")["items"]
    mine = next(s for s in listed if s["token_hint"] == token[-4:])
    assert mine["views"] >= 1


def _stranger_listens(guest: Stranger, token: str, owner: Owner) -> None:
    """A second context with no session opens the link, plays and switches chains."""
    listener = guest.page
    reply = listener.goto(f"/s/{token}")
    assert reply is not None
    assert reply.status == 200
    html = reply.text()
    for private in (owner.email, owner.render_id, owner.shootout_id):
        assert private not in html
    # A pasted link shows a title and the LTAS plot; an unlisted one is not indexed.
    meta = _meta(listener)
    assert meta["og:title"] == TITLE
    assert meta["og:type"] == "website"
    assert meta["og:url"] == f"{guest.api.base_url}/s/{token}"
    assert meta["og:description"].startswith("3 chains × 1 DI")
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["robots"] == "noindex"
    image = meta["og:image"]
    assert image.startswith(f"{guest.api.base_url}/api/v1/shared/{token}/files/")
    assert "ltas" in image
    assert image.endswith(".png")
    picture = guest.context.request.get(image)
    assert picture.status == 200
    assert picture.headers["content-type"] == "image/png"

    wait_player_ready(listener)
    assert _playhead(listener)["names"] == list(NAMES)
    expect(listener.get_by_role("link", name="Listen blind")).to_have_attribute(
        "href", f"/s/{token}/blind"
    )
    expect(listener.get_by_role("heading", name="Credits")).to_be_visible()
    expect(listener.locator(".plot img").first).to_be_visible()
    # No way from here to anything else of the owner's.
    hrefs = listener.locator("a[href]").evaluate_all("(as) => as.map((a) => a.href)")
    assert not [h for h in hrefs if "/renders/" in h or "/shootouts" in h], hrefs
    listener.locator("ab-player").get_by_role("button", name="Play", exact=True).click()
    listener.wait_for_function(
        "() => { const p = document.querySelector('ab-player');"
        " return !p.paused && p.currentTime > 0.3; }"
    )
    before = _playhead(listener)
    listener.keyboard.press("2")
    after = _playhead(listener)
    assert after["active"] == 1
    assert not after["paused"]
    moved = after["t"] - before["t"]
    assert abs(moved - (after["perf"] - before["perf"]) / 1000) < 0.05, (before, after)
    listener.keyboard.press("3")
    assert _playhead(listener)["active"] == 2
    listener.keyboard.press("Space")
    guest.audit("share-page")


def _meta(page: Page) -> dict[str, str]:
    found: dict[str, str] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('meta[property], meta[name]')]
            .map((m) => [m.getAttribute('property') || m.getAttribute('name'), m.content]))"""
    )
    return found


def test_listener_votes_blind_and_sees_the_reveal(
    owner_api: BrowserApi,
    owner: Owner,
    strangers: Strangers,
) -> None:
    token = create_share(owner_api, owner.render_id)["token"]
    with strangers() as guest:
        page = guest.page
        page.goto(f"/s/{token}/blind")
        heading = page.locator("#round-heading")
        for number in range(1, 4):  # three chains, one DI: three pairs
            expect(heading).to_have_text(f"Round {number} of 3")
            wait_player_ready(page)
            names = _playhead(page)["names"]
            assert all(re.fullmatch(r"[A-Z]", n) for n in names), names
            buttons = page.locator("ab-player .abp-chain")
            expect(buttons).to_have_count(2)
            expect(page.locator("ab-player .abp-levels")).to_have_count(0)
            if number == 1:
                page.locator("ab-player").get_by_role("button", name="Play", exact=True).click()
                page.keyboard.press("2")
                page.keyboard.press("Space")
                guest.audit("share-blind")
            page.get_by_role("button", name=f"I prefer {names[0]}").click()
        reveal = page.get_by_role("region", name="The reveal")
        expect(reveal).to_be_visible()
        for name in NAMES:
            expect(reveal).to_contain_text(f"was {name}")
        expect(reveal.locator("table.reveal-votes tbody tr")).to_have_count(3)
        guest.audit("share-blind-reveal")
        # The same listener comes back to the same, finished session: no reshuffle, no revote.
        page.reload()
        expect(page.get_by_role("region", name="The reveal")).to_be_visible()
    listed = owner_api.call("GET", f"/api/v1/renders/{owner.render_id}/shares")["items"]
    mine = next(s for s in listed if s["token_hint"] == token[-4:])
    assert (mine["listeners"], mine["votes"]) == (1, 3)


def test_abx_run_of_eight_trials_ends_with_the_right_count_and_p_value(
    owner_api: BrowserApi,
    owner: Owner,
    strangers: Strangers,
) -> None:
    token = create_share(owner_api, owner.render_id)["token"]
    with strangers() as guest:
        page = guest.page
        page.goto(f"/s/{token}/abx")
        guest.audit("share-abx-setup")
        page.get_by_label("Chain A").select_option(label=NAMES[0])
        page.get_by_label("Chain B").select_option(label=NAMES[2])
        page.get_by_label("Trials (8–64)").fill(str(ABX_TRIALS))
        page.get_by_role("button", name="Start the test").click()
        runs: list[dict[str, Any]] = []
        for trial in range(ABX_TRIALS):
            expect(page.locator("#trial-heading")).to_have_text(
                f"Trial {trial + 1} of {ABX_TRIALS}"
            )
            wait_player_ready(page)
            assert _playhead(page)["names"] == [f"A: {NAMES[0]}", f"B: {NAMES[2]}", "X"]
            if trial == 0:
                guest.audit("share-abx-trial")
            # Answer "X is A" every time; the expected score follows from the answer key,
            # which only the completed run reveals.
            with page.expect_response(re.compile(r"/api/v1/listening/[^/]+/answers$")) as got:
                page.get_by_role("button", name="X is A").click()
            runs.append(got.value.json())
        for partial in runs[:-1]:
            assert partial["answers"] is None, partial
            assert partial["result"] is None, partial
            assert partial["last"] is None  # feedback was off
        final = runs[-1]
        assert final["complete"]
        assert final["trial"] is None
        xs = [answer["x"] for answer in sorted(final["answers"], key=lambda a: a["trial"])]
        assert len(xs) == ABX_TRIALS
        assert set(xs) <= {NAMES[0], NAMES[2], "A", "B"}
        correct = sum(1 for x in xs if x in ("A", NAMES[0]))
        expected_p = abx_p_value(correct, ABX_TRIALS)
        assert final["result"]["correct"] == correct
        assert final["result"]["p_value"] == pytest.approx(expected_p, abs=1e-9)
        result = page.get_by_role("region", name="Your result")
        expect(result).to_contain_text(f"{correct} of {ABX_TRIALS} correct")
        shown = "p < 0.0001" if expected_p < 0.0001 else f"p = {expected_p:.4f}"
        expect(result).to_contain_text(shown)
        expect(result.locator(".abx-words")).not_to_be_empty()
        guest.audit("share-abx-result")
        # The listener's own run, read back with their cookie, says the same.
        again = guest.api.call("GET", f"/api/v1/listening/{final['id']}")
        assert again["result"] == final["result"]


def test_stopping_an_abx_run_early_gives_no_p_value(
    owner_api: BrowserApi, owner: Owner, strangers: Strangers
) -> None:
    token = create_share(owner_api, owner.render_id)["token"]
    with strangers() as guest:
        page = guest.page
        page.goto(f"/s/{token}/abx")
        page.get_by_role("button", name="Start the test").click()
        expect(page.locator("#trial-heading")).to_have_text("Trial 1 of 16")
        wait_player_ready(page)
        page.get_by_role("button", name="X is B").click()
        expect(page.locator("#trial-heading")).to_have_text("Trial 2 of 16")
        page.get_by_role("button", name="Stop the test").click()
        result = page.get_by_role("region", name="Your result")
        expect(result).to_contain_text("You stopped after 1 of 16 trials")
        expect(result).not_to_contain_text("p =")


def test_revoked_link_is_a_404_like_one_that_never_existed(
    page: Page, owner_api: BrowserApi, owner: Owner, strangers: Strangers
) -> None:
    token = create_share(owner_api, owner.render_id)["token"]
    never = "x" * 43
    with strangers() as guest:
        listener = guest.page
        assert (reply := listener.goto(f"/s/{token}")) is not None
        assert reply.status == 200

        page.goto(f"/renders/{owner.render_id}")
        item = page.locator(".share-item", has_text=f"…{token[-4:]}")
        item.get_by_role("button", name="Revoke").click()
        item.get_by_role("button", name="Revoke for good").click()
        expect(page.locator(".share-item", has_text=f"…{token[-4:]}")).to_contain_text("Revoked")

        guest.watch.allow_console("404")
        for path in ("/s/{}", "/s/{}/blind", "/s/{}/abx", "/embed/{}"):
            revoked = listener.goto(path.format(token))
            assert revoked is not None
            assert revoked.status == 404, path
            revoked_html = _without_nonce(revoked.text())
            missing = listener.goto(path.format(never))
            assert missing is not None
            assert missing.status == 404
            assert revoked_html == _without_nonce(missing.text()), path
        api_revoked = guest.context.request.get(f"/api/v1/shared/{token}")
        api_missing = guest.context.request.get(f"/api/v1/shared/{never}")
        assert api_revoked.status == api_missing.status == 404
        assert _without_request_id(api_revoked.json()) == _without_request_id(api_missing.json())


def _without_nonce(html: str) -> str:
    return re.sub(r'content="[A-Za-z0-9_-]{22}"', "", html)


def _without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "request_id"}


class _HostPage(http.server.BaseHTTPRequestHandler):
    html = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.html)))
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def other_site() -> Iterator[Callable[[str], str]]:
    """Another origin (a second loopback port) serving one page: `serve(html)` → its URL."""
    handler: type[_HostPage] = type("Host", (_HostPage,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(html: str) -> str:
        handler.html = html.encode()
        return f"http://127.0.0.1:{server.server_address[1]}/"

    try:
        yield serve
    finally:
        server.shutdown()
        server.server_close()


def test_only_the_embed_can_be_framed_by_another_site(
    owner_api: BrowserApi,
    owner: Owner,
    browser: Browser,
    live_server: LiveServer,
    other_site: Callable[[str], str],
) -> None:
    token = create_share(owner_api, owner.render_id, "public")["token"]
    app = live_server.url
    host = other_site(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>A forum post</title>"
        "</head><body><h1>My new amp</h1>"
        f"<iframe name='embed' title='embed' src='{app}/embed/{token}' width='800' height='600'>"
        "</iframe>"
        f"<iframe name='share' title='share' src='{app}/s/{token}'></iframe>"
        f"<iframe name='app' title='app' src='{app}/login'></iframe>"
        "</body></html>"
    )
    # The headers that decide it.
    for path, frameable in (
        (f"/embed/{token}", True),
        (f"/s/{token}", False),
        (f"/s/{token}/blind", False),
        ("/login", False),
        ("/gallery", False),
    ):
        reply = owner_api.context.request.get(f"{app}{path}")
        csp = reply.headers["content-security-policy"]
        if frameable:
            assert "frame-ancestors *" in csp, path
            assert "x-frame-options" not in reply.headers, path
        else:
            assert "frame-ancestors 'none'" in csp, path
            assert reply.headers["x-frame-options"] == "DENY", path

    context = browser.new_context()
    try:
        page = context.new_page()
        host_origin = host.rstrip("/")
        foreign: list[str] = []
        refused: list[str] = []

        def on_request(request: Any) -> None:
            if not request.url.startswith((host_origin, app, "data:", "blob:", "about:")):
                foreign.append(request.url)

        def on_console(message: Any) -> None:
            if message.type == "error":
                refused.append(message.text)

        page.on("request", on_request)
        page.on("console", on_console)
        page.goto(host)
        embed = page.frame(name="embed")
        assert embed is not None
        wait_player_ready(embed)
        assert embed.url == f"{app}/embed/{token}"
        names = embed.evaluate("() => document.querySelector('ab-player').chains.map(c => c.name)")
        assert names == list(NAMES)
        embed.locator("ab-player").get_by_role("button", name="Play", exact=True).click()
        embed.wait_for_function("() => !document.querySelector('ab-player').paused")
        for name in ("share", "app"):
            frame = page.frame(name=name)
            assert frame is not None
            # Chromium replaces a refused frame with its own error page.
            assert not frame.url.startswith(app), frame.url
        assert any("frame-ancestors" in text for text in refused), refused
        assert not [t for t in refused if "frame-ancestors" not in t], refused
        assert not foreign, foreign
    finally:
        context.close()


def test_embed_page_passes_checks(
    owner_api: BrowserApi,
    owner: Owner,
    strangers: Strangers,
) -> None:
    token = create_share(owner_api, owner.render_id, "public")["token"]
    with strangers() as guest:
        guest.page.goto(f"/embed/{token}")
        wait_player_ready(guest.page)
        expect(guest.page.locator("montage-player")).to_have_count(0)
        expect(guest.page.locator("header, nav")).to_have_count(0)
        guest.audit("share-embed")


def _forbidden(owner: Owner) -> list[str]:
    """Strings that would name or identify a chain, or the owner, if the blind page carried them."""
    chain_files = [o["path"] for o in owner.render["outputs"] if o["role"] == "chain_render"]
    stems = [Path(p).stem for p in chain_files]
    words = [
        *NAMES,
        *(n.lower() for n in NAMES),
        *(n.replace(" ", "-").lower() for n in NAMES),
        *(n.replace(" ", "_").lower() for n in NAMES),
        *chain_files,
        *stems,
        *owner.item_ids,
        *owner.file_names,
        *(Path(n).stem for n in owner.file_names),
        owner.render_id,
        owner.shootout_id,
        owner.email,
        "manifest",
        "/files/",
    ]
    return sorted({w for w in words if len(w) >= 4}, key=len, reverse=True)


def _metric_figures(owner: Owner) -> list[str]:
    """Per-chain measurements as they would be written (1 and 2 decimals, and as JSON has them)."""
    figures: set[str] = set()
    for row in owner.metrics.get("renders", []):
        for key in ("loudness_before_lufs", "true_peak_dbtp", "spectral_centroid_hz", "gain_db"):
            value = row.get(key)
            if isinstance(value, int | float) and abs(value) >= 1:
                figures |= {f"{value:.1f}", f"{value:.2f}", repr(value)}
    for level in owner.manifest.get("levels", []):
        for key in ("loudness_before_lufs", "gain_db", "true_peak_dbtp"):
            value = level.get(key)
            if isinstance(value, int | float) and abs(value) >= 1:
                figures |= {f"{value:.2f}", repr(value)}
    return sorted(figures)


def test_blind_page_carries_nothing_that_tells_the_chains_apart(
    owner_api: BrowserApi, owner: Owner, strangers: Strangers
) -> None:
    token = create_share(owner_api, owner.render_id)["token"]
    recorder = Recorder()
    with strangers() as guest:
        page = guest.page
        recorder.attach(page)
        page.goto(f"/s/{token}/blind")
        heading = page.locator("#round-heading")
        for number in range(1, 4):
            expect(heading).to_have_text(f"Round {number} of 3")
            wait_player_ready(page)
            if number == 3:
                break  # the last vote's answer is the reveal: stop before it
            left = _playhead(page)["names"][0]
            page.get_by_role("button", name=f"I prefer {left}").click()
        recorder.recording = False
        dom = page.content()
        carried = recorder.carried(page)

    assert carried, "nothing recorded"
    forbidden = _forbidden(owner)
    figures = _metric_figures(owner)
    texts: list[tuple[str, str]] = [("DOM before the last vote", dom)]
    for item in carried:
        sent = {**item.headers, **{f"request {k}": v for k, v in item.request_headers.items()}}
        headers = "\n".join(f"{k}: {v}" for k, v in sent.items())
        texts.append((f"URL {item.url}", item.url))
        texts.append((f"headers of {item.url}", headers))
        if not item.is_audio:
            texts.append((f"body of {item.url}", item.body.decode("utf-8", "replace")))
    for where, text in texts:
        for word in forbidden:
            assert word.lower() not in text.lower(), f"{where} names {word!r}"
    dynamic = [(w, t) for w, t in texts if "/static/" not in w]
    for where, text in dynamic:
        for figure in figures:
            assert figure not in text, f"{where} carries the per-chain figure {figure}"

    # Never the shared render itself (names, metrics) nor its files.
    urls = [c.url for c in carried]
    assert not [u for u in urls if re.search(rf"/api/v1/shared/{token}(/files/.*)?$", u)], urls

    # The listener's session before the reveal: letters and handles, nothing else.
    sessions = [c for c in carried if c.content_type == "application/json"]
    assert sessions
    for item in sessions:
        body = item.body.decode()
        if '"rounds"' in body:
            assert '"reveal":null' in body.replace(" ", ""), body[:300]

    # The audio: one handle per chain of the DI, equal lengths, equal headers, equal WAV headers.
    audio = [c for c in carried if c.is_audio and c.status == 200]
    handles = {c.url for c in audio}
    assert len(handles) == len(NAMES), handles
    assert len({len(u) for u in handles}) == 1, handles
    assert len({len(c.body) for c in audio}) == 1, [len(c.body) for c in audio]
    comparable = [_comparable_headers(c) for c in audio]
    assert all(h == comparable[0] for h in comparable), comparable
    assert "etag" not in comparable[0]
    assert "last-modified" not in comparable[0]
    wav_headers = {c.body[: c.body.index(b"data") + 8] for c in audio}
    assert len(wav_headers) == 1, "the WAV headers differ between takes"
    bodies = {c.body for c in audio}
    assert len(bodies) == len(handles), "two handles served identical bytes"


def _comparable_headers(item: Carried) -> dict[str, str]:
    varying = {"date", "x-request-id", "content-range"}
    return {k: v for k, v in item.headers.items() if k not in varying}


def test_owner_sees_the_results_and_closes_voting(
    page: Page,
    owner_api: BrowserApi,
    owner: Owner,
    strangers: Strangers,
    audit: Audit,
) -> None:
    created = create_share(owner_api, owner.render_id)
    token = created["token"]
    for _listener in range(2):  # two listeners vote through the API, as their pages would
        with strangers() as guest:
            session = guest.api.call("POST", f"/api/v1/shared/{token}/blind")
            for round_ in session["rounds"]:
                session = guest.api.call(
                    "POST",
                    f"/api/v1/listening/{session['id']}/votes",
                    {"round": round_["index"], "choice": round_["left"]["letter"]},
                )
            assert session["complete"]
            assert session["reveal"] is not None

    page.goto(created["results_url"])
    expect(page.get_by_role("heading", name=f"Listening results: {TITLE}")).to_be_visible()
    expect(page.locator(".results-summary")).to_contain_text("2 blind listeners, 6 votes")
    overall = page.locator(".results-group").first
    expect(overall.locator("table.pairs-table tbody tr")).to_have_count(3)
    forest = overall.locator("svg.forest")
    expect(forest).to_be_visible()
    expect(forest.locator("circle")).to_have_count(3)
    expect(overall.locator("table.strengths-table tbody tr")).to_have_count(3)
    expect(
        page.get_by_role("region", name="Listeners and seeds").locator("tbody tr")
    ).to_have_count(2)
    audit("share-results")

    page.get_by_role("button", name="Close voting").click()
    expect(page.locator(".voting-state")).to_have_text("Voting is closed.")
    expect(page.get_by_role("button", name="Open voting")).to_be_focused()
    with strangers() as guest:
        guest.page.goto(f"/s/{token}/blind")
        expect(guest.page.locator("#blind-status")).to_contain_text("Voting is closed")
        expect(guest.page.get_by_role("button", name=re.compile("^I prefer"))).to_have_count(2)
        for button in guest.page.get_by_role("button", name=re.compile("^I prefer")).all():
            expect(button).to_be_disabled()


def test_gallery_lists_public_shares_only(
    owner_api: BrowserApi,
    owner: Owner,
    strangers: Strangers,
) -> None:
    public = create_share(owner_api, owner.render_id, "public")
    unlisted = create_share(owner_api, owner.render_id, "unlisted")
    with strangers() as guest:
        page = guest.page
        page.goto("/gallery")
        entry = page.locator(".gallery-entry").first  # newest first: ours
        expect(entry.get_by_role("link", name=TITLE)).to_have_attribute(
            "href", f"/s/{public['token']}"
        )
        for name in NAMES:
            expect(entry).to_contain_text(name)
        html = page.content()
        assert unlisted["token"] not in html
        assert owner.email not in html
        guest.audit("gallery")
        page.goto("/gallery?page=999")
        expect(page.get_by_text("There is nothing on this page")).to_be_visible()


def test_share_of_another_users_render_cannot_be_made_or_seen(
    owner_api: BrowserApi, owner: Owner, strangers: Strangers
) -> None:
    share_id = create_share(owner_api, owner.render_id)["id"]
    with strangers() as other:
        other.api.sign_up()
        reply = other.context.request.post(
            f"{other.api.base_url}/api/v1/renders/{owner.render_id}/shares",
            headers={**other.api.csrf_headers(), "Content-Type": "application/json"},
            data={"visibility": "unlisted", "expires_at": None},
        )
        assert reply.status == 404
        other.watch.allow_console("404")  # the page's own status, logged by Chromium
        for someone_elses in (share_id, str(uuid.uuid4())):  # theirs reads as a missing one
            results = other.page.goto(f"/shares/{someone_elses}/results")
            assert results is not None
            assert results.status == 404
            expect(other.page.get_by_role("heading", level=1)).to_have_text("Not found")

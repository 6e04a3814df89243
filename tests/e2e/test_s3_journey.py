"""A journey on the S3 backend (issue 12) in Chromium: the server keeps every file in a bucket.

One server for the module, its storage a fresh bucket on the session's moto server (real HTTP,
SigV4). A library download link is answered with 307 to a presigned bucket URL, which the
browser follows to the bucket; everything a page reads itself (the player's audio, plots, the
manifest) and the ZIP bundle are streamed by the API, so the page never talks to the bucket and
its CSP stays same-origin. Under CI=true a moto or a Chromium that cannot start fails the run.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.e2e.api import BrowserApi
from tests.e2e.browser import ARTIFACTS, PageWatch
from tests.e2e.live import LiveServer
from tests.e2e.pages import sign_up_in_page, upload_in_page
from tests.e2e.shootouts import LEAD_IN, RATE, Material, submit
from tests.s3_server import AWS_ENV, REGION, S3Server, create_bucket, drop_bucket

PLAYER = "ab-player"
LOG_WAIT_S = 10.0
# The smallest useful A/B: one DI, two chains, three seconds of it from the first note.
REGION_S = (LEAD_IN / RATE, LEAD_IN / RATE + 3.0)
PLAYBACK_JS = """() => {
  const p = document.querySelector('ab-player');
  return {t: p.currentTime, paused: p.paused, active: p.activeChain};
}"""
PLAYING_JS = """() => {
  const p = document.querySelector('ab-player');
  return !p.paused && p.currentTime > 0.3;
}"""
MONTAGE_PLAYED_JS = """() => {
  const audio = document.querySelector('montage-player audio');
  return audio.duration > 0 && audio.currentTime > 0.3;
}"""


@pytest.fixture(scope="module")
def bucket(s3_server: S3Server) -> Iterator[str]:
    name = create_bucket(s3_server.url)
    yield name
    with suppress(Exception):  # the moto server may be gone already at the session's end
        drop_bucket(s3_server.url, name)


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server, bucket: str
) -> Iterator[LiveServer]:
    """This module's server, on the S3 backend (overrides the session's local-folder one, so
    the shared `context`, `page`, `watch` and `api` fixtures talk to it)."""
    server = LiveServer(
        data_dir=tmp_path_factory.mktemp("e2e-s3"),
        extra_env={
            **AWS_ENV,
            "TONESHOOTOUT_STORAGE__BACKEND": "s3",
            "TONESHOOTOUT_STORAGE__S3__BUCKET": bucket,
            "TONESHOOTOUT_STORAGE__S3__ENDPOINT_URL": s3_server.url,
            "TONESHOOTOUT_STORAGE__S3__REGION": REGION,
            "TONESHOOTOUT_STORAGE__S3__PATH_STYLE": "true",
        },
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def bucket_url(s3_server: S3Server, bucket: str) -> str:
    """Where the bucket's objects are, as a presigned URL names them (path style)."""
    return f"{s3_server.url}/{bucket}/"


def test_library_download_link_goes_to_the_bucket(
    page: Page, watch: PageWatch, material: Material, bucket_url: str, live_server: LiveServer
) -> None:
    watch.allow_requests(bucket_url)  # the one request that may leave the origin
    to_bucket: list[Request] = []
    page.context.on(
        "request", lambda r: to_bucket.append(r) if r.url.startswith(bucket_url) else None
    )

    sign_up_in_page(page)
    page.goto("/library")
    ir = material.irs[0]
    upload_in_page(page, "irs", [ir])
    item = page.locator("#section-irs .items .item")
    expect(item).to_have_count(1)
    expect(item.locator(".item-name")).to_have_text(ir.name)
    assert to_bucket == []  # uploading went through the API

    with page.expect_download() as started:
        item.get_by_role("link", name="Download").click()
    download = started.value
    assert download.failure() is None
    assert Path(download.path()).read_bytes() == ir.read_bytes()
    assert download.suggested_filename == ir.name
    # The browser asked the API, which answered 307 (Chromium's download manager makes that
    # request itself, out of Playwright's sight: the server's access log shows it) ...
    assert access_log_statuses(live_server, "/api/v1/irs/{item_id}/file") == [307]
    # ... and fetched the bytes from the bucket with the presigned URL, whose key is the
    # server's (owner/uuid), not the file's name.
    [signed] = to_bucket
    assert "X-Amz-Signature=" in signed.url
    assert ir.stem not in signed.url.split("?")[0]
    answer = signed.response()
    assert answer is not None
    assert answer.status == 200


def access_log_statuses(server: LiveServer, route: str) -> list[int]:
    """The statuses the server logged for `route` (its JSON access log, one line a request).

    The line is written as the response ends, so it may trail the browser by a moment: wait
    for at least one (a generous bound, never a measure of speed)."""
    assert server.log_path is not None
    deadline = time.monotonic() + LOG_WAIT_S
    while True:
        statuses = []
        for line in server.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            with suppress(ValueError):
                entry = json.loads(line)
                if entry.get("logger") == "toneshootout.access" and entry.get("route") == route:
                    statuses.append(int(entry["status"]))
        if statuses or time.monotonic() > deadline:
            return statuses
        time.sleep(0.1)


def shortest_shootout(api: BrowserApi, material: Material) -> dict[str, Any]:
    """One DI (three seconds of it), two chains of a capture and an IR, via the API."""
    di = api.upload("di-tracks", material.di)
    captures = [api.upload("captures", path) for path in material.captures[:2]]
    ir = api.upload("irs", material.irs[0])
    start, end = REGION_S
    body = {
        "title": "On a bucket",
        "di_tracks": [{"di_id": di["id"], "region": {"start_s": start, "end_s": end}}],
        "chains": [
            {
                "name": f"Amp {letter}",
                "blocks": [
                    {"type": "capture", "capture_id": capture["id"]},
                    {"type": "ir", "ir_id": ir["id"]},
                ],
            }
            for letter, capture in zip("AB", captures, strict=True)
        ],
    }
    shootout: dict[str, Any] = api.call("POST", "/api/v1/shootouts", body, 201)
    return shootout


def test_render_on_s3_plays_and_bundles_through_the_api(
    page: Page, api: BrowserApi, material: Material, live_server: LiveServer
) -> None:
    api.sign_up()
    shootout = shortest_shootout(api, material)
    render = api.wait_render(submit(api, shootout["id"])["id"], timeout_s=120)
    assert render["state"] == "succeeded", render

    page.goto(f"/renders/{render['id']}")
    expect(page.locator("#render-state")).to_have_text("Finished.")
    # The takes were fetched from the API (the page watch fails any request to the bucket)
    # and decoded.
    expect(page.locator(PLAYER)).to_have_attribute("aria-busy", "false", timeout=30_000)
    expect(page.locator(f"{PLAYER} .abp-status")).to_contain_text("Ready")
    expect(page.locator(".plot img").first).to_be_visible()
    assert page.locator(".plot img").first.evaluate("(img) => img.naturalWidth") > 0

    page.locator(PLAYER).get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(PLAYING_JS)
    page.keyboard.press("2")
    expect(page.locator(f"{PLAYER} .abp-chain").nth(1)).to_have_attribute("aria-pressed", "true")
    before = page.evaluate(PLAYBACK_JS)
    page.wait_for_function(f"() => document.querySelector('{PLAYER}').currentTime > {before['t']}")
    assert page.evaluate(PLAYBACK_JS)["active"] == 1
    page.locator(PLAYER).get_by_role("button", name="Pause", exact=True).click()
    # The montage is an <audio> element: its Range reads come through the API too.
    page.locator("montage-player audio").evaluate("(audio) => audio.play()")
    page.wait_for_function(MONTAGE_PLAYED_JS)
    page.locator("montage-player audio").evaluate("(audio) => audio.pause()")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "s3-render-results-desktop.png"), full_page=True)

    with page.expect_download() as started:
        page.get_by_role("link", name="Everything (ZIP bundle)").click()
    bundle = started.value
    assert bundle.failure() is None
    assert access_log_statuses(live_server, "/api/v1/renders/{render_id}/bundle") == [200]
    assert bundle.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(bundle.path()) as archive:
        assert archive.testzip() is None  # every member's CRC checks
        names = archive.namelist()
    assert any(name.endswith("manifest.json") for name in names), names
    assert sum(name.endswith(".wav") for name in names) >= 2, names

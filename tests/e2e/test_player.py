"""The A/B player on a real render: shared playhead, instant switches, loops, keyboard use."""

from __future__ import annotations

import io
import statistics
import zipfile
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Audit, Rendered
from tests.e2e.shootouts import LEAD_IN, RATE

PLAYER = "ab-player"
# The switch must start its gain ramp this soon after the key press (issue 8).
SWITCH_BUDGET_MS = 20.0
STATE_JS = """() => {
  const p = document.querySelector('ab-player');
  return {t: p.currentTime, paused: p.paused, active: p.activeChain, loop: p.loop,
          duration: p.duration, gains: p.gainValues, perf: performance.now()};
}"""
PLAYING_JS = """() => {
  const p = document.querySelector('ab-player');
  return !p.paused && p.currentTime > 0.3;
}"""
# The first sample above -50 dB re the buffer's peak (where the note starts), as file_onset.
ONSETS_JS = """() => {
  const p = document.querySelector('ab-player');
  return p.chains.map((_, i) => {
    const data = p.buffer(i).getChannelData(0);
    let peak = 0;
    for (const v of data) peak = Math.max(peak, Math.abs(v));
    const threshold = peak * Math.pow(10, -50 / 20);
    return data.findIndex((v) => Math.abs(v) > threshold);
  });
}"""

# The lag (in samples, ±32) at which chain 2 best matches chain 1 over 8192 samples from `at`.
XCORR_JS = """(at) => {
  const p = document.querySelector('ab-player');
  const a = p.buffer(0).getChannelData(0), b = p.buffer(1).getChannelData(0);
  let best = 0, bestValue = -Infinity;
  for (let lag = -32; lag <= 32; lag += 1) {
    let sum = 0;
    for (let i = at; i < at + 8192; i += 1) sum += a[i] * (b[i + lag] || 0);
    if (sum > bestValue) { bestValue = sum; best = lag; }
  }
  return best;
}"""


def file_onset(samples: np.ndarray[Any, np.dtype[np.float32]]) -> int:
    threshold = np.abs(samples).max() * 10 ** (-50 / 20)
    return int(np.argmax(np.abs(samples) > threshold))


def open_results(page: Page, render_id: str) -> None:
    page.goto(f"/renders/{render_id}")
    expect(page.locator("#render-state")).to_have_text("Finished.")
    expect(page.locator(PLAYER)).to_have_attribute("aria-busy", "false", timeout=30_000)
    expect(page.locator(f"{PLAYER} .abp-status")).to_contain_text("Ready")


def state(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(STATE_JS)
    return found


def start_playing(page: Page) -> None:
    page.locator(PLAYER).first.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(PLAYING_JS)


def test_results_page_passes_checks(page: Page, signed_in: Rendered, audit: Audit) -> None:
    open_results(page, signed_in.render_id)
    expect(page.get_by_role("heading", name="Level decisions")).to_be_visible()
    decisions = page.locator(".decisions").first
    expect(decisions).to_contain_text("LUFS with one static gain")
    # The words follow from the manifest's numbers.
    manifest_file = next(o for o in signed_in.render["outputs"] if o["role"] == "manifest")
    manifest = page.request.get(manifest_file["url"]).json()
    reduction = manifest["common_reduction_db"]["riff.wav"]
    if reduction > 0.005:
        expect(decisions).to_contain_text(f"All chains were then lowered {reduction:.1f} dB")
    else:
        expect(decisions).to_contain_text("so no chain needed lowering")
    for chain in manifest["inputs"]["chains"]:
        latency = chain["alignment"]["latency_samples"]
        if latency:
            expect(
                page.get_by_text(f"{chain['name']} came out {latency} samples late")
            ).to_be_visible()
    expect(page.locator("table.metrics")).to_be_visible()
    expect(page.locator("#null-result")).to_contain_text("residual")
    expect(page.locator("#null-result audio")).to_have_count(1)
    expect(page.locator(".plot img").first).to_be_visible()
    audit("render-results")


def switch_by_key(page: Page, key: str) -> dict[str, Any]:
    """Press `key` during playback; the playhead and the clock around it, and the switch."""
    page.evaluate(
        """() => {
          const p = document.querySelector('ab-player');
          window.addEventListener('keydown', () => {
            window.__press = {t: p.currentTime, perf: performance.now()};
          }, {capture: true, once: true});
        }"""
    )
    page.keyboard.press(key)
    after = state(page)
    press = page.evaluate("() => window.__press")
    switch = page.evaluate("() => document.querySelector('ab-player').lastSwitch")
    return {"after": after, "press": press, "switch": switch}


def test_switch_keeps_playhead_and_ramps_within_budget(page: Page, signed_in: Rendered) -> None:
    open_results(page, signed_in.render_id)
    start_playing(page)
    latencies = []
    for n, key in enumerate("21212"):
        seen = switch_by_key(page, key)
        after, press, switch = seen["after"], seen["press"], seen["switch"]
        assert after["active"] == int(key) - 1
        assert (switch["from"], switch["to"]) == (2 - int(key), int(key) - 1)
        assert 0.005 <= switch["rampSeconds"] <= 0.010
        latencies.append(switch["rampStartAt"] - switch["requestedAt"])
        # The playhead moved on with the clock only: no jump at the switch.
        moved = after["t"] - press["t"]
        elapsed = (after["perf"] - press["perf"]) / 1000
        assert abs(moved - elapsed) < 0.05, (
            f"switch {n}: playhead moved {moved:.3f} s in {elapsed:.3f} s"
        )
        page.wait_for_timeout(60)  # > the 8 ms ramp plus a render quantum
        gains = state(page)["gains"]
        assert gains[int(key) - 1] > 0.99, gains
        assert gains[2 - int(key)] < 0.01, gains
    # From the key event's time stamp to the ramp on the graph. The median of five: on a shared
    # machine one event can wait for the main thread, which is not the player's doing.
    assert all(latency >= 0 for latency in latencies), latencies
    assert statistics.median(latencies) <= SWITCH_BUDGET_MS, latencies


def test_drag_on_waveform_loops_every_chain(page: Page, signed_in: Rendered) -> None:
    open_results(page, signed_in.render_id)
    box = page.locator(f"{PLAYER} canvas").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.35, y, steps=5)
    page.mouse.up()
    loop = state(page)["loop"]
    duration = state(page)["duration"]
    assert loop is not None
    assert abs(loop["start"] - 0.25 * duration) < 0.1
    assert abs(loop["end"] - 0.35 * duration) < 0.1
    expect(page.locator(f"{PLAYER} .abp-loop-text")).to_contain_text("Loop")
    start_playing(page)
    length = loop["end"] - loop["start"]
    seen = []
    for _ in range(12):  # sample the playhead over more than two passes of the loop
        page.wait_for_timeout(int(length * 1000 / 5))
        seen.append(state(page)["t"])
    assert all(loop["start"] - 0.01 <= t <= loop["end"] + 0.01 for t in seen), seen
    assert any(later < earlier for earlier, later in pairwise(seen)), seen
    page.keyboard.press("2")  # a switch inside the loop keeps it
    assert state(page)["loop"] == loop


def test_player_works_from_keyboard_alone(page: Page, signed_in: Rendered) -> None:
    open_results(page, signed_in.render_id)
    first_chain = page.locator(f"{PLAYER} .abp-chain").first
    for _ in range(40):  # Tab through the page until the player's first chain has focus
        page.keyboard.press("Tab")
        if first_chain.evaluate("(el) => el === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the player")
    page.keyboard.press("Space")
    page.wait_for_function(PLAYING_JS)
    page.keyboard.press("2")
    expect(page.locator(f"{PLAYER} .abp-chain").nth(1)).to_have_attribute("aria-pressed", "true")
    before = state(page)["t"]
    page.keyboard.press("ArrowRight")
    assert state(page)["t"] >= before + 4.9
    page.keyboard.press("ArrowLeft")
    assert state(page)["t"] < before + 2.0  # back by 5 s, plus the time the keys took
    page.keyboard.press("Enter")  # Enter clicks the focused chain button: chain 1 again
    assert state(page)["active"] == 0
    page.keyboard.press("Space")
    assert state(page)["paused"]
    # Keys typed into a form field, or meant for a media element's controls, stay there.
    page.locator("#null-a").focus()
    page.keyboard.press("2")
    assert state(page)["active"] == 0
    page.locator("montage-player audio").focus()
    page.keyboard.press("Space")
    assert state(page)["paused"]


def test_chain_sources_of_one_di_start_within_one_sample(page: Page, signed_in: Rendered) -> None:
    open_results(page, signed_in.render_id)
    onsets = page.evaluate(ONSETS_JS)
    # The DI starts with a quarter second of silence; the engine aligned the renders to it.
    assert all(abs(onset - LEAD_IN) < RATE // 100 for onset in onsets), onsets
    # Decoded in the browser, each chain starts where its file starts: the player adds nothing.
    files = [o for o in signed_in.render["outputs"] if o["role"] == "chain_render"]
    by_chain = {o["chain"]: o for o in files if o["path"].endswith(".wav")}
    names = page.evaluate("() => document.querySelector('ab-player').chains.map((c) => c.name)")
    for name, onset in zip(names, onsets, strict=True):
        raw = page.request.get(by_chain[name]["url"]).body()
        data, rate = sf.read(io.BytesIO(raw), dtype="float32", always_2d=True)
        assert rate == RATE
        assert onset == file_onset(data[:, 0]), name
    # The two chains line up: their cross-correlation peaks within one sample of lag 0.
    lag = page.evaluate(XCORR_JS, min(onsets))
    assert abs(lag) <= 1, lag


def test_montage_highlights_the_segment_playing(page: Page, signed_in: Rendered) -> None:
    open_results(page, signed_in.render_id)
    montage = page.locator("montage-player")
    montage.evaluate("(m) => { m.querySelector('audio').currentTime = 4.5; }")
    expect(montage.locator("li[aria-current='true']")).to_contain_text("Amp B")
    expect(montage.locator(".montage-now")).to_contain_text("segment 2 of")
    # One sound at a time: the montage stops the A/B player, and the other way round.
    start_playing(page)
    montage.evaluate("(m) => m.querySelector('audio').play()")
    page.wait_for_function("() => document.querySelector('ab-player').paused")
    start_playing(page)
    assert montage.evaluate("(m) => m.querySelector('audio').paused")


def test_bundle_downloads_as_zip(page: Page, signed_in: Rendered, tmp_path: Path) -> None:
    open_results(page, signed_in.render_id)
    with page.expect_download() as info:
        page.get_by_role("link", name="Everything (ZIP bundle)").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".zip"
    with zipfile.ZipFile(target) as bundle:
        names = bundle.namelist()
    assert any(name.endswith("manifest.json") for name in names)
    assert any(name.endswith("ATTRIBUTION.txt") for name in names)
    assert sum(name.endswith(".wav") and "/renders/" in name for name in names) == 2


def test_player_over_memory_budget_streams_the_montage(page: Page, signed_in: Rendered) -> None:
    open_results(page, signed_in.render_id)
    page.evaluate(
        """() => {
          const first = document.querySelector('ab-player');
          const small = document.createElement('ab-player');
          small.id = 'small';
          small.setAttribute('label', 'Small budget');
          small.budgetBytes = 1024 * 1024;  // far below two decoded 12 s chains
          small.montage = first.montage;
          document.querySelector('#results-body').prepend(small);
          small.chains = first.chains;
        }"""
    )
    small = page.locator("#small")
    expect(small.locator(".abp-fallback .warning")).to_contain_text("streams the montage")
    expect(small.locator(".abp-fallback audio")).to_have_count(1)
    assert page.evaluate("() => document.querySelector('#small').buffer(0)") is None


def test_player_refuses_lossy_sources(page: Page, signed_in: Rendered) -> None:
    open_results(page, signed_in.render_id)
    page.evaluate(
        """() => {
          const lossy = document.createElement('ab-player');
          lossy.id = 'lossy';
          document.querySelector('#results-body').prepend(lossy);
          lossy.chains = [{name: 'MP3', src: '/static/x.mp3'}, {name: 'B', src: '/static/y.wav'}];
        }"""
    )
    expect(page.locator("#lossy .abp-status")).to_contain_text("lossless WAV or FLAC only")

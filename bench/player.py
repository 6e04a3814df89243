"""The listening figures (issue 8): "Render" to first sound, switch latency, results page weight.

One live `toneshootout serve` (fresh data folder, embedded queue) and Debian's Chromium under
Playwright, as the browser tests run them. The shootout is the demo's ("Try the demo",
`POST /api/v1/demo`) when the server has that route, else the browser tests' 2-chain one (the
engine's demo captures and IR, a 12 s DI with a quarter second of lead-in).
- Render to first sound: from the POST that submits the render (what the builder's "Render"
  button sends) to the player's playhead moving after the page opened, the results loaded and
  the chains decoded; split into the render itself and the page's part. Each run is a new
  account (an empty render cache); the first run also pays the worker's first sandbox start.
- Switch latency: from the key press (`KeyboardEvent.timeStamp`) to the gain ramp being put on
  the audio graph (`lastSwitch.rampStartAt`) and to that ramp reaching the output as the
  browser estimates it (`outputAt`), over `--switches` presses of 1/2 during playback.
- Page weight: bytes of HTML, JS and CSS the results page loads on a first visit (resource
  timing, `encodedBodySize`), and apart from them the audio and pictures it fetches.

    .venv/bin/python -m bench.player                # writes docs/BENCHMARKS.md
    .venv/bin/python -m bench.player --runs 1 --switches 20 --no-write
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright
from tests.e2e.api import BrowserApi
from tests.e2e.browser import launch
from tests.e2e.live import LiveServer
from tests.e2e.shootouts import Material, make_material, submit, two_chain_shootout

from bench.sections import machine_line, update_section

WEIGHT_JS = """() => {
  const sums = {document: 0, script: 0, css: 0, audio: 0, image: 0, other: 0};
  const nav = performance.getEntriesByType('navigation')[0];
  sums.document += nav.encodedBodySize;
  for (const r of performance.getEntriesByType('resource')) {
    const path = new URL(r.name).pathname;
    const kind = path.endsWith('.js') ? 'script' : path.endsWith('.css') ? 'css'
      : /\\.(wav|flac)$/.test(path) ? 'audio' : /\\.(png|svg)$/.test(path) ? 'image' : 'other';
    sums[kind] += r.encodedBodySize;
  }
  return sums;
}"""
# Poll (a MessageChannel loop: setTimeout would be clamped to 4 ms) until the new chain's gain,
# as the audio graph last computed it, is past halfway; the time since the key event.
GAIN_PROBE_JS = """() => {
  const p = document.querySelector('ab-player');
  window.__gainAt = undefined;
  window.addEventListener('keydown', (e) => {
    const t0 = e.timeStamp, target = p.activeChain === 0 ? 1 : 0;
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      if (p.gainValues[target] > 0.5) window.__gainAt = performance.now() - t0;
      else channel.port2.postMessage(0);
    };
    channel.port2.postMessage(0);
  }, {capture: true, once: true});
}"""
SOUND_JS = "() => { const p = document.querySelector('ab-player'); return p.currentTime > 0; }"


def bench_shootout(api: BrowserApi, material: Material) -> tuple[str, str]:
    """The demo shootout when the server can make one, else the 2-chain test shootout."""
    reply = api.context.request.post(f"{api.base_url}/api/v1/demo", headers=api.csrf_headers())
    if reply.status == 201:
        return str(reply.json()["shootout_id"]), "the demo shootout (Try the demo)"
    shootout = two_chain_shootout(api, material, "Bench")
    return shootout["id"], "a 2-chain shootout (demo captures + IR, 12 s DI)"


def first_sound(page: Page, api: BrowserApi, shootout_id: str) -> dict[str, float]:
    start = time.monotonic()
    render = submit(api, shootout_id)
    page.goto(f"/renders/{render['id']}")
    rendered, sound = until_sound(page)
    return {"total": sound - start, "render": rendered - start, "page": sound - rendered}


def until_sound(page: Page) -> tuple[float, float]:
    """On a render page: wait for the render to finish, the first player to decode, press its
    Play and wait for its playhead to move. Returns the monotonic times of finish and sound."""
    page.wait_for_selector("#render-state:text('Finished.')", timeout=600_000)
    rendered = time.monotonic()
    page.wait_for_function(
        "() => document.querySelector('ab-player')?.getAttribute('aria-busy') === 'false'",
        timeout=120_000,
    )
    page.locator("ab-player").first.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(SOUND_JS)
    return rendered, time.monotonic()


def newcomer(page: Page) -> dict[str, float]:
    """The issue's "Done means", clicked as a newcomer would: the landing page, Try the demo,
    sign up, Render, Play. Returns seconds to the demo shootout and to the first sound."""
    start = time.monotonic()
    page.goto("/")
    page.get_by_role("link", name="Try the demo").click()
    page.get_by_label("Email").fill(f"newcomer-{time.time_ns()}@example.com")
    page.get_by_label("Password").fill("newcomer password 1")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/shootouts/*", timeout=120_000)
    page.get_by_role("button", name="Render").wait_for()
    opened = time.monotonic()
    page.get_by_role("button", name="Render").click()
    _, sound = until_sound(page)
    return {"total": sound - start, "demo": opened - start, "listen": sound - opened}


def switch_latencies(page: Page, switches: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"graph": [], "half": [], "output": []}
    for i in range(switches):
        page.evaluate(GAIN_PROBE_JS)
        page.keyboard.press("2" if i % 2 == 0 else "1")
        page.wait_for_function("() => window.__gainAt !== undefined")
        s: dict[str, Any] = page.evaluate("() => document.querySelector('ab-player').lastSwitch")
        found["graph"].append(s["rampStartAt"] - s["requestedAt"])
        found["half"].append(page.evaluate("() => window.__gainAt"))
        if s.get("outputAt") is not None:
            found["output"].append(s["outputAt"] - s["requestedAt"])
        page.wait_for_timeout(150)
    return found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(runs: int, switches: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        server = LiveServer(data_dir=Path(tmp) / "server")
        server.start()
        browser = launch(playwright)
        try:
            material = make_material(Path(tmp) / "material")
            newcomers, sounds = [], []
            for _ in range(runs):
                context = browser.new_context(base_url=server.url)
                newcomers.append(newcomer(context.new_page()))
                context.close()
            for _ in range(runs):
                # A new account each run: its render cache is empty, as a newcomer's is.
                context = browser.new_context(base_url=server.url)
                api = BrowserApi(context, server.url)
                api.sign_up()
                shootout_id, label = bench_shootout(api, material)
                page = context.new_page()  # a first visit: nothing cached
                sounds.append(first_sound(page, api, shootout_id))
                weight = page.evaluate(WEIGHT_JS)
                latencies = switch_latencies(page, switches)
                context.close()
            return {
                "newcomers": newcomers,
                "sounds": sounds,
                "weight": weight,
                **latencies,
                "shootout": label,
            }
        finally:
            browser.close()
            server.stop()


def report(figures: dict[str, Any], switches: int) -> str:
    sounds = figures["sounds"]
    med = {k: statistics.median(s[k] for s in sounds) for k in ("total", "render", "page")}
    w = figures["weight"]
    code = w["document"] + w["script"] + w["css"]
    runs = ", ".join(f"{s['total']:.1f}" for s in sounds)
    new = figures["newcomers"]
    new_med = {k: statistics.median(n[k] for n in new) for k in ("total", "demo", "listen")}
    new_runs = ", ".join(f"{n['total']:.1f}" for n in new)
    lines = [
        "## Listening: Render to first sound, switch latency, results page weight",
        "",
        "Command: `python -m bench.player`. One `toneshootout serve` (embedded) and headless",
        f"Chromium on this machine; {figures['shootout']}. {machine_line()}",
        "",
        f"A newcomer, clicked through the pages (median of {len(new)}; each a new account): "
        "the landing page → Try the demo → sign up → the demo shootout open",
        f"**{new_med['demo']:.1f} s**, then Render → Play → sound **{new_med['listen']:.1f} s**; "
        f"**{new_med['total']:.1f} s** from opening the app to hearing the demo "
        f"(runs: {new_runs}).",
        "",
        f"| Render → first sound (median of {len(sounds)}) "
        "| render (submit → succeeded on the page) | page (results, decode, play) |",
        "|---|---|---|",
        f"| {med['total']:.1f} s | {med['render']:.1f} s | {med['page']:.2f} s |",
        "",
        f"Each run (s, a new account each, so no render cache): {runs}.",
        "",
        f"Switch latency over {switches} key presses during playback (ms):",
        "",
        "| from key press to | p50 | p99 | max |",
        "|---|---|---|---|",
    ]
    rows = (
        ("ramp put on the graph", figures["graph"]),
        ("new chain's gain past ½, as the page reads it", figures["half"]),
        ("ramp at the output (browser's estimate)", figures["output"]),
    )
    for label, values in rows:
        if values:
            p50, p99 = pct(values, 0.5), pct(values, 0.99)
            lines.append(f"| {label} | {p50:.2f} | {p99:.2f} | {max(values):.2f} |")
    lines += [
        "",
        "Results page, first visit (bytes as sent, uncompressed): "
        f"HTML {w['document']:,} + JS {w['script']:,} + CSS {w['css']:,} = **{code:,}**; "
        f"besides that, audio {w['audio']:,} (the 24-bit WAV chains the players decode) and "
        f"pictures {w['image']:,}.",
        "The ramp itself lasts 8 ms (equal-power); headless Chromium's output estimate is its",
        "own buffering, the same for every sound the page makes. The gain read back moves in",
        "steps of the audio thread's render bursts (headless Chromium renders several 128-sample",
        "quanta at a time), so it lags the ramp's start by up to a burst plus the ramp's middle.",
        "The tail (p99, max) is the key event waiting for the page's main thread while this",
        "2-core machine also renders.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--switches", type=int, default=50)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    body = report(measure(args.runs, args.switches), args.switches)
    print(body)
    if not args.no_write:
        update_section("player", body)


if __name__ == "__main__":
    main()

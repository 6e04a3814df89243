"""Debian's Chromium under Playwright, and the checks every page gets.

Playwright's own browser download (`playwright install`) is never used: the pip package ships
only its driver, and we launch the system's `/usr/bin/chromium`. Each launch gets a fresh
temporary profile from Playwright.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    ViewportSize,
)

from tests.paths import REPO_ROOT

CHROMIUM = Path(os.environ.get("TONESHOOTOUT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
STATIC = REPO_ROOT / "src" / "toneshootout" / "server" / "web" / "static"
# axe-core comes from the npm `web/` package (`make setup` copies it into static/vendor as
# `axe-core@<version>/axe.min.js`).
AXE_GLOBS = ("vendor/axe-core@*/axe.min.js", "vendor/axe.min.js")
AXE_STYLE_PROBE = "Applying inline style violates the following Content Security Policy"
AXE_FALLBACK = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def launch(playwright: Playwright) -> Browser:
    """Start headless Chromium from Debian's package."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def axe_source() -> str | None:
    """axe.min.js as text, or None when `make setup` has not put it anywhere yet."""
    candidates = [p for pattern in AXE_GLOBS for p in sorted(STATIC.glob(pattern))]
    for path in [*candidates, AXE_FALLBACK]:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


@dataclass
class PageWatch:
    """What a page did wrong: console errors, uncaught exceptions, other-origin requests."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    allowed_console: list[str] = field(default_factory=list)
    allowed_requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))
        page.on("request", self._on_request)

    def allow_console(self, fragment: str) -> None:
        """Expect one kind of console error (e.g. a 409 the test provoked on purpose)."""
        self.allowed_console.append(fragment)

    def allow_requests(self, prefix: str) -> None:
        """Expect requests to another origin under `prefix` (a bucket's presigned download)."""
        self.allowed_requests.append(prefix)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if not url and message.text.startswith(AXE_STYLE_PROBE):
            # axe-core, injected by the test with `evaluate` (so no script URL), probes inline
            # styles while it checks colour contrast; the page CSP refusing that is the CSP
            # working. A page's own script would carry its URL and still fail the test.
            return
        text = f"{message.text} @ {url}"
        if not any(fragment in text for fragment in self.allowed_console):
            self.console_errors.append(text)

    def _on_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if any(request.url.startswith(prefix) for prefix in self.allowed_requests):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin and not _same_ws(parts, self.origin):
            self.foreign_requests.append(request.url)

    def problems(self) -> list[str]:
        return [f"console: {e}" for e in self.console_errors] + [
            f"other origin: {u}" for u in self.foreign_requests
        ]


def _same_ws(parts: Any, origin: str) -> bool:
    http = urlsplit(origin)
    return parts.scheme in ("ws", "wss") and parts.netloc == http.netloc


def axe_violations(page: Page, source: str) -> list[dict[str, Any]]:
    """Run axe-core in the page; the serious and critical violations it found."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated over the DevTools protocol, so the page's CSP does not block it.
        page.evaluate(
            f"() => {{ {source}\n; if (!window.axe && typeof axe !== 'undefined') "
            "window.axe = axe; }"
        )
    result: dict[str, Any] = page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n.get("target", []))) for n in v.get("nodes", [])[:5]]
        lines.append(f"{v['impact']}: {v['id']} — {v['help']} at {targets}")
    return "\n".join(lines)


def screenshots(page: Page, name: str) -> list[Path]:
    """Full-page screenshots at desktop and phone width under tests/e2e/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    taken = []
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        path = ARTIFACTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
    if original is not None:
        page.set_viewport_size(original)
    return taken

"""The JSON API from a browser context's cookie jar: what a page's script would send.

Tests set up state (accounts, uploads, shootouts, renders) through the documented API with the
browser's own session cookies and CSRF header, then look at it in pages.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import APIResponse, BrowserContext

CSRF_COOKIE = "ts_csrf"
CSRF_HEADER = "X-CSRF-Token"
PASSWORD = "correct horse battery staple"


class ApiCallFailed(AssertionError):
    pass


class BrowserApi:
    def __init__(self, context: BrowserContext, base_url: str) -> None:
        self.context = context
        self.base_url = base_url

    def csrf_headers(self) -> dict[str, str]:
        """The CSRF header a page's script would send with an unsafe request."""
        return self._csrf()

    def _csrf(self) -> dict[str, str]:
        for cookie in self.context.cookies(self.base_url):
            if cookie["name"] == CSRF_COOKIE:
                return {CSRF_HEADER: cookie["value"]}
        return {}

    def call(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        reply: APIResponse = self.context.request.fetch(
            f"{self.base_url}{path}",
            method=method,
            headers={**self._csrf(), "Content-Type": "application/json"},
            data=body if body is not None else None,
        )
        if (expect is not None and reply.status != expect) or reply.status >= 400:
            raise ApiCallFailed(f"{method} {path} → {reply.status}: {reply.text()[:500]}")
        return reply.json() if reply.body() else None

    def sign_up(self, email: str | None = None) -> str:
        """A new account, signed in (session cookies in the context)."""
        email = email or f"e2e-{uuid.uuid4().hex[:12]}@example.com"
        self.call("POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD}, 201)
        self.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD}, 200)
        return email

    def upload(self, collection: str, path: Path) -> dict[str, Any]:
        """Upload one file to a library collection (`di-tracks`, `captures`, `irs`)."""
        reply = self.context.request.post(
            f"{self.base_url}/api/v1/{collection}",
            headers=self._csrf(),
            multipart={
                "file": {
                    "name": path.name,
                    "mimeType": "application/octet-stream",
                    "buffer": path.read_bytes(),
                },
            },
        )
        if reply.status != 201:
            raise ApiCallFailed(f"upload {collection} {path.name} → {reply.status}: {reply.text()}")
        item: dict[str, Any] = reply.json()
        return item

    def wait_render(self, render_id: str, timeout_s: float = 300.0) -> dict[str, Any]:
        """Poll until the render has finished (any terminal state)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            render: dict[str, Any] = self.call("GET", f"/api/v1/renders/{render_id}")
            if render["state"] in ("succeeded", "failed", "cancelled"):
                return render
            time.sleep(0.5)
        raise ApiCallFailed(f"render {render_id} did not finish in {timeout_s} s")

"""Page test helpers: a browser-like signed-in client (cookies), and what a page's HTML holds."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx

from tests.integration.server.auth.helpers import PASSWORD, new_email, register

PAGE_CSP_PREFIX = "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-"
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


async def sign_in_with_cookies(client: httpx.AsyncClient) -> str:
    """Register and sign in; the session cookies stay in the client's jar, as in a browser."""
    email = new_email()
    await register(client, email)
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return email


class PageFacts(HTMLParser):
    """Form controls, labels, scripts and the CSP nonce meta of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_styles = 0
        self.nonce: str | None = None
        self.buttons: list[str] = []
        self._label_depth = 0
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "style" in values:
            self.inline_styles += 1
        if tag == "label":
            self._label_depth += 1
            if values.get("for"):
                self.label_for.add(values["for"] or "")
        elif tag in ("input", "select", "textarea") and values.get("type") != "hidden":
            self.controls.append({**values, "_wrapped": "1" if self._label_depth else None})
        elif tag == "script":
            self.scripts.append(values)
        elif tag == "meta" and values.get("name") == "csp-nonce":
            self.nonce = values.get("content")
        elif tag == "button":
            self._button = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1
        elif tag == "button" and self._button is not None:
            self.buttons.append(" ".join("".join(self._button).split()))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def unlabelled(self) -> list[dict[str, str | None]]:
        """Controls with neither a `<label for>` nor a wrapping `<label>`."""
        return [
            c
            for c in self.controls
            if not c["_wrapped"] and (c.get("id") or "") not in self.label_for
        ]


def page_facts(html: str) -> PageFacts:
    facts = PageFacts()
    facts.feed(html)
    return facts

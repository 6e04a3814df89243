"""Security headers on every response (REQ-20), as pure ASGI so streamed files get them too.

A header a route already set (a download's sandbox CSP, say) is kept: routes know better.
A route whose own CSP lets other sites frame it (the embeddable player: `frame-ancestors *`)
gets no `X-Frame-Options: DENY` either, which would contradict it in older browsers.
HTML responses (the pages) get the page CSP, which lets the page load its own scripts, styles,
media and images; every other response keeps the strict API CSP. Swagger UI at `/docs` needs
scripts and styles from its CDN, so only there is the CSP relaxed, and never `frame-ancestors`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'"
)
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect")


def security_headers(path: str, *, hsts: bool) -> dict[str, str]:
    """The headers every response to `path` carries unless the route set its own."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": DOCS_CSP if path in DOCS_PATHS else API_CSP,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if hsts:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]


class SecurityHeadersMiddleware:
    """Adds `security_headers()` to every HTTP response start; HSTS only when told to."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts
        # Encoded once: the set depends only on the path (docs or not) and HTML or not.
        self._api = _encoded(security_headers("", hsts=hsts))
        self._docs = _encoded(security_headers(DOCS_PATHS[0], hsts=hsts))
        self._page = [
            (name, PAGE_CSP.encode() if name == b"content-security-policy" else value)
            for name, value in self._api
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope.get("path", "") in DOCS_PATHS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {bytes(name).lower(): bytes(value) for name, value in headers}
                wanted = self._docs if is_docs else self._api
                if not is_docs and _is_html(present.get(b"content-type", b"")):
                    wanted = self._page
                if allows_framing(present.get(b"content-security-policy", b"")):
                    wanted = [pair for pair in wanted if pair[0] != b"x-frame-options"]
                headers.extend(pair for pair in wanted if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def allows_framing(csp: bytes) -> bool:
    """True when `csp` has a `frame-ancestors` directive other than `'none'`."""
    for directive in csp.decode("latin-1").split(";"):
        name, _, value = directive.strip().partition(" ")
        if name.lower() == "frame-ancestors":
            return value.strip() != "'none'"
    return False


def _is_html(content_type: bytes) -> bool:
    return content_type.split(b";", 1)[0].strip().lower() == b"text/html"

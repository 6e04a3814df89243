"""Rendering a page: the template environment, the page CSP and its per-response style nonce.

wavesurfer.js draws its waveform in a shadow root styled by a `<style>` element; under
`style-src 'self'` that element is refused (and logged as a console error). Rather than allow
'unsafe-inline', each page response carries a fresh nonce in `style-src` only, which the page's
script hands to wavesurfer (`cspNonce`); scripts stay `'self'` with no exception.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from toneshootout import __version__
from toneshootout.server.http.security_headers import PAGE_CSP

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_csp(nonce: str, *, frame_ancestors: str = "'none'") -> str:
    """The page CSP with `nonce` allowed for style elements (see the module docstring), and
    `frame_ancestors` as the sites that may frame the page (only the embed widens it)."""
    csp = PAGE_CSP.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")
    return csp.replace("frame-ancestors 'none'", f"frame-ancestors {frame_ancestors}")


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    frame_ancestors: str = "'none'",
) -> HTMLResponse:
    """Render `template` with the common context (user, nonce, version, path) and page headers.

    A page that other sites may frame (`frame_ancestors` other than `'none'`) gets no
    X-Frame-Options from the security headers either (they follow the route's CSP)."""
    nonce = secrets.token_urlsafe(16)
    values = {
        "request_path": request.url.path,
        "csp_nonce": nonce,
        "version": __version__,
        "user": None,
        **(context or {}),
    }
    html = _env.get_template(template).render(values)
    csp = page_csp(nonce, frame_ancestors=frame_ancestors)
    headers = {"Content-Security-Policy": csp, "Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status, headers=headers)

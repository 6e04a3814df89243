"""Security headers on every response class (REQ-20) and strict CORS (REQ-22).

These answers come from the HTTP layers alone, so the app is built without its lifespan (no
database): the routes used here never touch the services.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Body, FastAPI, Response

from toneshootout.server.app import create_app
from toneshootout.settings import Settings

ALLOWED = "https://shootout.example"
EVIL = "https://evil.example"
AppFactory = Callable[..., FastAPI]


def _with_test_routes(app: FastAPI) -> FastAPI:
    async def echo(body: Annotated[dict[str, str], Body()]) -> dict[str, str]:
        return body

    async def boom() -> None:
        raise RuntimeError("failure at /srv/secret/path")

    async def own_csp() -> Response:
        return Response(b"x", headers={"Content-Security-Policy": "sandbox; default-src 'none'"})

    async def frameable() -> Response:
        csp = "default-src 'none'; frame-ancestors *"
        return Response(
            b"<p>x</p>", media_type="text/html", headers={"Content-Security-Policy": csp}
        )

    app.add_api_route("/test/echo", echo, methods=["POST"])
    app.add_api_route("/test/boom", boom)
    app.add_api_route("/test/own-csp", own_csp)
    app.add_api_route("/test/frameable", frameable)
    return app


@pytest.fixture
def make_app(tmp_path: Path) -> AppFactory:
    def build(**overrides: object) -> FastAPI:
        settings = Settings(
            environment="test",
            data_dir=tmp_path,
            http={"cors_origins": [ALLOWED]},
            **overrides,  # type: ignore[arg-type]
        )
        return _with_test_routes(create_app(settings))

    return build


def _client(app: FastAPI) -> httpx.AsyncClient:
    # A 500 must reach the test as a response, as it would reach a browser.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def client(make_app: AppFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(make_app()) as c:
        yield c


async def _big_body() -> AsyncIterator[bytes]:
    for _ in range(20):
        yield b"x" * 100_000


RESPONSE_CLASSES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "ok": ("GET", "/healthz", {}),
    "not_found": ("GET", "/no/such/route", {}),
    "method_not_allowed": ("DELETE", "/healthz", {}),
    "invalid": ("POST", "/test/echo", {"json": [1, 2]}),
    "too_large": ("POST", "/test/echo", {"json": {"a": "x" * 2_000_000}}),
    "too_large_chunked": ("POST", "/test/echo", {"content": _big_body}),
    "server_error": ("GET", "/test/boom", {}),
    "openapi": ("GET", "/openapi.json", {}),
}


@pytest.mark.parametrize("case", RESPONSE_CLASSES, ids=list(RESPONSE_CLASSES))
async def test_security_headers_present_on_every_response_class(
    client: httpx.AsyncClient, case: str
) -> None:
    method, path, kwargs = RESPONSE_CLASSES[case]
    if callable(kwargs.get("content")):
        kwargs = {"content": kwargs["content"](), "headers": {"content-type": "application/json"}}
    response = await client.request(method, path, **kwargs)
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-request-id"]
    assert "strict-transport-security" not in headers
    if response.status_code >= 400:
        assert headers["content-type"] == "application/json"
        assert response.json()["request_id"] == headers["x-request-id"]


async def test_oversized_json_body_gives_413_json_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/test/echo", json={"a": "x" * 2_000_000})
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


async def test_body_under_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/test/echo", json={"a": "x" * 500_000})
    assert response.status_code == 200


async def test_chunked_body_without_length_is_cut_at_the_limit(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/test/echo", content=_big_body(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


async def test_docs_relax_csp_for_swagger_but_keep_frame_ancestors(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")
    csp = response.headers["content-security-policy"]
    assert response.status_code == 200
    assert "https://cdn.jsdelivr.net" in csp
    assert "frame-ancestors 'none'" in csp
    api_csp = (await client.get("/healthz")).headers["content-security-policy"]
    assert "cdn.jsdelivr.net" not in api_csp


async def test_route_set_csp_is_kept(client: httpx.AsyncClient) -> None:
    response = await client.get("/test/own-csp")
    assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_hsts_sent_when_cookies_are_secure(make_app: AppFactory) -> None:
    async with _client(make_app(auth={"cookie_secure": True})) as c:
        for path in ("/healthz", "/nope", "/test/boom"):
            hsts = (await c.get(path)).headers["strict-transport-security"]
            assert hsts.startswith("max-age=")
            assert int(hsts.split("=")[1].split(";")[0]) >= 31_536_000


async def test_cors_simple_request_from_foreign_origin_gets_no_cors_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/healthz", headers={"Origin": EVIL})
    assert response.status_code == 200
    assert not [h for h in response.headers if h.startswith("access-control-")]


async def test_cors_preflight_from_foreign_origin_refused_without_cors_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options(
        "/healthz",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert not [h for h in response.headers if h.startswith("access-control-")]


async def test_cors_allowed_origin_echoed_with_credentials(client: httpx.AsyncClient) -> None:
    simple = await client.get("/healthz", headers={"Origin": ALLOWED})
    assert simple.headers["access-control-allow-origin"] == ALLOWED
    assert simple.headers["access-control-allow-credentials"] == "true"
    preflight = await client.options(
        "/healthz",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert preflight.headers["access-control-allow-origin"] != "*"


@pytest.mark.parametrize("origins", [["*"], ["https://*.example"], ["https://ok.example/"]])
def test_cors_refuses_wildcard_or_malformed_origins(tmp_path: Path, origins: list[str]) -> None:
    settings = Settings(environment="test", data_dir=tmp_path, http={"cors_origins": origins})
    with pytest.raises(ValueError, match="cors_origins"):
        create_app(settings)


async def test_server_error_body_has_no_traceback_or_paths(client: httpx.AsyncClient) -> None:
    response = await client.get("/test/boom")
    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"error", "detail", "request_id"}
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    assert "/srv" not in response.text
    assert "RuntimeError" not in response.text


async def test_route_that_allows_framing_gets_no_x_frame_options(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/test/frameable")
    assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors *"
    assert "x-frame-options" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    # A route's own CSP that keeps framing refused still gets X-Frame-Options.
    assert (await client.get("/test/own-csp")).headers["x-frame-options"] == "DENY"

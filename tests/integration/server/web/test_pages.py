"""The pages over HTTP: who sees what, where signed-out visitors go, and the headers pages get."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.server.auth.helpers import register_and_login
from tests.integration.server.library.helpers import upload_fixture
from tests.integration.server.web.helpers import (
    API_CSP,
    PAGE_CSP_PREFIX,
    page_facts,
    sign_in_with_cookies,
)

PUBLIC_PAGES = ["/", "/signup", "/login"]
PRIVATE_PAGES = ["/account", "/library", "/shootouts", "/shootouts/new"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
async def test_public_page_renders_with_page_csp_when_signed_out(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert csp.startswith(PAGE_CSP_PREFIX)
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    facts = page_facts(response.text)
    assert facts.nonce
    assert f"'nonce-{facts.nonce}'" in csp
    assert all((script.get("src") or "").startswith("/static/") for script in facts.scripts)
    assert facts.inline_styles == 0
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", PRIVATE_PAGES)
async def test_private_page_redirects_to_login_when_signed_out(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


async def test_builder_redirects_to_login_with_its_path_when_signed_out(
    client: httpx.AsyncClient,
) -> None:
    shootout_id = uuid.uuid4()
    response = await client.get(f"/shootouts/{shootout_id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/shootouts/{shootout_id}"


async def test_private_page_redirects_to_login_when_the_access_cookie_is_invalid(
    client: httpx.AsyncClient,
) -> None:
    client.cookies.set("ts_access", "not-a-token")
    response = await client.get("/library")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/library"


async def test_private_page_redirects_to_login_after_logout(client: httpx.AsyncClient) -> None:
    await sign_in_with_cookies(client)
    access = client.cookies["ts_access"]
    csrf = client.cookies["ts_csrf"]
    logout = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert logout.status_code == 204
    client.cookies.set("ts_access", access)  # a stale tab still holding the old cookie
    response = await client.get("/account")
    assert response.status_code == 303


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, *PRIVATE_PAGES])
async def test_page_labels_every_form_control_when_signed_in(
    client: httpx.AsyncClient, path: str
) -> None:
    await sign_in_with_cookies(client)
    response = await client.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert page_facts(response.text).unlabelled() == []


async def test_account_page_shows_the_signed_in_email(client: httpx.AsyncClient) -> None:
    email = await sign_in_with_cookies(client)
    response = await client.get("/account")
    assert response.status_code == 200
    assert email in response.text
    buttons = page_facts(response.text).buttons
    for name in ("Change password", "Log out", "Log out everywhere", "Delete account"):
        assert name in buttons


async def test_home_offers_the_demo_to_everyone(client: httpx.AsyncClient) -> None:
    signed_out = await client.get("/")
    assert "Try the demo" in signed_out.text
    assert 'href="/signup?next=' in signed_out.text  # sign up first, then the demo opens
    await sign_in_with_cookies(client)
    signed_in = await client.get("/")
    assert "Try the demo" in page_facts(signed_in.text).buttons


async def test_signup_and_login_pages_name_their_buttons(client: httpx.AsyncClient) -> None:
    assert "Sign up" in page_facts((await client.get("/signup")).text).buttons
    assert "Sign in" in page_facts((await client.get("/login")).text).buttons


@pytest.mark.parametrize(
    ("next_path", "expected"),
    [
        ("/library", "/library"),
        ("/shootouts/x?y=1", "/shootouts/x?y=1"),
        ("//evil.example/", "/shootouts"),
        ("https://evil.example/", "/shootouts"),
        ("/\\evil.example", "/shootouts"),
        ("javascript:alert(1)", "/shootouts"),
    ],
)
async def test_login_honours_next_only_for_same_site_paths(
    client: httpx.AsyncClient, next_path: str, expected: str
) -> None:
    page = await client.get("/login", params={"next": next_path})
    assert f'data-next="{expected}"' in page.text.replace("&amp;", "&")
    await sign_in_with_cookies(client)
    response = await client.get("/login", params={"next": next_path})
    assert response.status_code == 303
    assert response.headers["location"] == expected


async def test_library_page_lists_each_kind_with_what_is_inside_the_file(
    client: httpx.AsyncClient,
) -> None:
    user = await register_and_login(client)
    await upload_fixture(client, user, "di-tracks")
    await upload_fixture(client, user, "captures")
    await upload_fixture(client, user, "irs")
    client.cookies.set("ts_access", user.access_token)
    response = await client.get("/library")
    assert response.status_code == 200
    html = response.text
    for heading in ("DI tracks", "Captures", "IRs"):
        assert f">{heading}</h2>" in html
    assert "48 kHz" in html
    assert "stereo" in html
    assert "di-gojira-48k-stereo.wav" in html
    assert "189 ms" in html  # the IR's length
    assert "jcm800-standard.nam" in html


async def test_library_section_partial_lists_only_that_kind(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    await upload_fixture(client, user, "irs")
    client.cookies.set("ts_access", user.access_token)
    irs = await client.get("/library/sections/irs")
    assert irs.status_code == 200
    assert "ir-mesa-os-4x12-189ms.wav" in irs.text
    assert "<html" not in irs.text  # a fragment, swapped into the page
    captures = await client.get("/library/sections/captures")
    assert "ir-mesa-os-4x12-189ms.wav" not in captures.text
    unknown = await client.get("/library/sections/passwords")
    assert unknown.status_code == 404


async def test_builder_of_another_users_shootout_is_not_found(client: httpx.AsyncClient) -> None:
    await sign_in_with_cookies(client)
    response = await client.get(f"/shootouts/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"].startswith(PAGE_CSP_PREFIX)


async def test_api_responses_keep_the_strict_csp(client: httpx.AsyncClient) -> None:
    await sign_in_with_cookies(client)
    for path in ("/api/v1/me", "/api/v1/no-such-route", "/static/css/app.css"):
        response = await client.get(path)
        assert response.headers["content-security-policy"] == API_CSP, path


async def test_static_files_are_revalidated_and_answer_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/static/js/api.js")
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-cache"
    assert "javascript" in first.headers["content-type"]
    again = await client.get("/static/js/api.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    missing = await client.get("/static/js/nope.js")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("path", "form_ids"), [("/signup", ["signup-form"]), ("/login", ["login-form"])]
)
async def test_password_form_cannot_be_sent_before_its_script_takes_over(
    client: httpx.AsyncClient, path: str, form_ids: list[str]
) -> None:
    # Found by CI: a click before the module loaded sent the form natively, as a GET, with the
    # password in the URL. The forms now POST if ever sent natively, and their submit button
    # ships disabled until the script has taken the submit event over.
    html = (await client.get(path)).text
    for form_id in form_ids:
        start = html.index(f'id="{form_id}"')
        form = html[html.rindex("<form", 0, start) : html.index("</form>", start)]
        assert 'method="post"' in form
        assert '<button type="submit"' in form
        assert "disabled data-wired" in form

"""Page-level steps the journeys share: sign up in the page, upload through the library page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.api import PASSWORD, BrowserApi
from tests.e2e.browser import PageWatch


def sign_up_in_page(page: Page, start: str = "/") -> str:
    email = f"e2e-{uuid.uuid4().hex[:12]}@example.com"
    page.goto(start)
    page.get_by_role("navigation").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/shootouts$"))
    return email


def upload_in_page(page: Page, collection: str, files: list[Path]) -> None:
    section = page.locator(f"#section-{collection}")
    section.locator("input[type=file]").set_input_files([str(f) for f in files])
    section.get_by_role("button", name="Upload", exact=True).click()


def allow_a_missing_schema_endpoint(api: BrowserApi, watch: PageWatch) -> None:
    """Until the API serves GET /shootouts/schema the builder falls back (and the browser logs
    the failed request); once it does, any error there fails the test again."""
    reply = api.context.request.get(f"{api.base_url}/api/v1/shootouts/schema")
    if reply.status != 200:
        watch.allow_console("/api/v1/shootouts/schema")

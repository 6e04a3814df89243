"""Library upkeep (rename, tags, the in-use guard), the shootouts list, the account page, and a
session whose short-lived access cookie has run out."""

from __future__ import annotations

import re
import uuid
from typing import cast

from playwright._impl._api_structures import SetCookieParam
from playwright.sync_api import BrowserContext, Dialog, Page, expect

from tests.e2e.api import PASSWORD, BrowserApi
from tests.e2e.browser import PageWatch
from tests.e2e.conftest import Audit
from tests.e2e.pages import allow_a_missing_schema_endpoint
from tests.e2e.shootouts import Material, two_chain_shootout


def accept_dialogs(page: Page) -> None:
    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.on("dialog", accept)


def test_rename_tag_and_delete_an_item_in_use(
    page: Page, api: BrowserApi, watch: PageWatch, material: Material, audit: Audit
) -> None:
    watch.allow_console("the server responded with a status of 409")
    api.sign_up()
    two_chain_shootout(api, material, "Uses the IR")
    accept_dialogs(page)
    page.goto("/library")
    ir = page.locator("#section-irs .item").first
    ir.get_by_role("button", name="Rename or tag").click()
    ir.get_by_label("Name").fill("Closed back 1x12")
    ir.get_by_label("Tags (comma-separated)").fill("cab, Favourite")
    ir.get_by_role("button", name="Save").click()
    ir = page.locator("#section-irs .item").first
    expect(ir.locator(".item-name")).to_have_text("Closed back 1x12.wav")
    expect(ir.locator(".tag")).to_have_text(["cab", "favourite"])

    ir.get_by_role("button", name="Delete").click()
    expect(ir.get_by_role("alert")).to_contain_text("used by 1 shootout;")
    audit("library-in-use")
    ir.get_by_role("button", name="Delete anyway").click()
    expect(page.locator("#section-irs .item")).to_have_count(0)


def test_shootouts_list_clones_and_deletes(
    page: Page, api: BrowserApi, watch: PageWatch, material: Material, audit: Audit
) -> None:
    api.sign_up()
    allow_a_missing_schema_endpoint(api, watch)
    two_chain_shootout(api, material, "Original")
    accept_dialogs(page)
    page.goto("/shootouts")
    audit("shootouts")
    page.get_by_role("button", name="Clone").click()
    expect(page).to_have_url(re.compile(r"/shootouts/[0-9a-f-]{36}$"))
    expect(page.get_by_label("Title")).to_have_value("Original (copy)")
    page.goto("/shootouts")
    rows = page.locator(".shootout-list li")
    expect(rows).to_have_count(2)
    rows.filter(has_text="Original (copy)").get_by_role("button", name="Delete").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Original")


def test_account_wrong_password_log_out_and_delete(
    page: Page, api: BrowserApi, watch: PageWatch, context: BrowserContext
) -> None:
    watch.allow_console("the server responded with a status of 403")
    api.sign_up()
    page.goto("/account")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill("another long password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current_password-error")).not_to_be_empty()

    page.get_by_label("Password, to confirm").fill(PASSWORD)
    page.get_by_role("button", name="Delete account").click()
    expect(page.locator("#delete_confirm-error")).to_contain_text("Tick the box")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete account").click()
    expect(page).to_have_url(re.compile(r"/\?deleted=1$"))
    expect(page.get_by_role("status").filter(has_text="have been deleted")).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("link", name="Sign up")).to_be_visible()
    page.goto("/library")
    expect(page).to_have_url(re.compile(r"/login\?next=/library$"))


def test_log_out_ends_the_session(page: Page, api: BrowserApi) -> None:
    api.sign_up()
    page.goto("/account")
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/shootouts")
    expect(page).to_have_url(re.compile(r"/login\?next=/shootouts$"))


def test_expired_access_cookie_is_refreshed_without_signing_in(
    page: Page, api: BrowserApi, context: BrowserContext
) -> None:
    api.sign_up()
    kept = [c for c in context.cookies() if c["name"] != "ts_access"]
    context.clear_cookies()
    context.add_cookies([cast(SetCookieParam, dict(c)) for c in kept])
    page.goto("/library")  # → /login?next=/library, whose script uses the refresh cookie
    expect(page).to_have_url(re.compile(r"/library$"))
    expect(page.get_by_role("heading", name="Library")).to_be_visible()


def test_sign_in_after_sign_out_returns_to_next(page: Page, api: BrowserApi) -> None:
    email = f"e2e-{uuid.uuid4().hex[:12]}@example.com"
    api.call("POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD}, 201)
    page.goto("/shootouts")
    expect(page).to_have_url(re.compile(r"/login\?next=/shootouts$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/shootouts$"))

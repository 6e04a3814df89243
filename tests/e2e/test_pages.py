"""Journeys through the pages a guitarist uses before listening: sign up, try the demo, upload
(and be told why a file is refused), build a 2-chain shootout, and see a problem at its field."""

from __future__ import annotations

import contextlib
import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.api import PASSWORD, ApiCallFailed, BrowserApi
from tests.e2e.browser import PageWatch
from tests.e2e.conftest import Audit
from tests.e2e.pages import allow_a_missing_schema_endpoint, sign_up_in_page, upload_in_page
from tests.e2e.shootouts import Material, two_chain_shootout

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_pages_pass_checks_signed_out(page: Page, audit: Audit) -> None:
    page.goto("/")
    expect(page.get_by_role("link", name="Try the demo")).to_be_visible()
    audit("home")
    page.goto("/login")
    audit("login")
    page.goto("/library")  # private: sent to sign in, and back afterwards
    expect(page).to_have_url(re.compile(r"/login\?next=/library$"))


def test_sign_up_lands_signed_in_and_every_page_passes_checks(page: Page, audit: Audit) -> None:
    page.goto("/signup")
    audit("signup")
    email = sign_up_in_page(page)
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    audit("shootouts-empty")
    page.get_by_role("link", name="Library").click()
    expect(page.get_by_role("heading", name="DI tracks")).to_be_visible()
    audit("library-empty")
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text(email)).to_be_visible()
    audit("account")


def test_sign_up_shows_a_short_password_at_its_field(page: Page, watch: PageWatch) -> None:
    watch.allow_console("422")
    page.goto("/signup")
    page.get_by_label("Email").fill(f"e2e-{uuid.uuid4().hex[:12]}@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#password-error")).to_contain_text("at least 8")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/signup$"))


def test_try_the_demo_signs_up_first_then_opens_the_demo_shootout(
    page: Page, api: BrowserApi, watch: PageWatch, audit: Audit
) -> None:
    page.goto("/")
    page.get_by_role("link", name="Try the demo").click()
    expect(page).to_have_url(re.compile(r"/signup\?next="))
    page.get_by_label("Email").fill(f"e2e-{uuid.uuid4().hex[:12]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    if not _demo_available(api):
        pytest.skip("POST /api/v1/demo is not in this API yet")
    allow_a_missing_schema_endpoint(api, watch)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(rf"/shootouts/{UUID}$"), timeout=60_000)
    expect(page.get_by_role("region", name="Chain 2")).to_be_visible()
    audit("builder-demo")


def _demo_available(api: BrowserApi) -> bool:
    # Without a session the route answers 401 when it exists, 404/405 when it does not.
    reply = api.context.request.post(f"{api.base_url}/api/v1/demo")
    return reply.status not in (404, 405)


def test_refused_upload_shows_the_servers_reason_at_the_file(
    page: Page, watch: PageWatch, material: Material, audit: Audit
) -> None:
    watch.allow_console("the server responded with a status of 422")
    sign_up_in_page(page)
    page.goto("/library")
    # Dropped on the section, as a file dragged from the desktop would be.
    page.locator("#section-di-tracks [data-dropzone]").evaluate(
        """(zone) => {
          const files = new DataTransfer();
          files.items.add(new File(["this is not a WAV file at all"], "not-audio.wav"));
          zone.dispatchEvent(new DragEvent("drop", {dataTransfer: files, bubbles: true}));
        }"""
    )
    expect(page.locator("#section-di-tracks .upload-list li.refused")).to_have_count(1)
    upload_in_page(page, "di-tracks", [material.di])
    refused = page.locator("#section-di-tracks .upload-list li.refused")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("not-audio.wav")
    expect(refused.get_by_role("alert")).to_contain_text("Refused:")
    items = page.locator("#section-di-tracks .items .item")
    expect(items).to_have_count(1)  # the good file was kept and listed with its facts
    expect(items.first).to_contain_text("48 kHz")
    audit("library-refused")


def test_builder_shows_a_validation_error_at_its_field(
    page: Page, watch: PageWatch, api: BrowserApi, material: Material
) -> None:
    watch.allow_console(
        "the server responded with a status of 422 (Unprocessable Entity) @ "
        f"{api.base_url}/api/v1/shootouts/"
    )
    api.sign_up()
    allow_a_missing_schema_endpoint(api, watch)
    shootout = two_chain_shootout(api, material, "Out of range")
    page.goto(f"/shootouts/{shootout['id']}")
    target = page.get_by_label("Loudness target (LUFS)", exact=True)
    target.fill("-2")  # the schema's maximum is -5
    page.get_by_role("button", name="Save").click()
    error = page.locator("#f-settings-loudness_target_lufs-error")
    expect(error).to_contain_text("-5")
    expect(target).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("status").filter(has_text="Not saved")).to_be_visible()


def block_titles(chain: Locator) -> list[str]:
    return [re.sub(r"^\d+\.\s*", "", t) for t in chain.locator(".block-type").all_inner_texts()]


def test_build_a_two_chain_shootout_from_uploaded_files(
    page: Page, api: BrowserApi, watch: PageWatch, material: Material, audit: Audit
) -> None:
    sign_up_in_page(page)
    allow_a_missing_schema_endpoint(api, watch)
    page.goto("/library")
    upload_in_page(page, "di-tracks", [material.di])
    upload_in_page(page, "captures", material.captures[:2])
    upload_in_page(page, "irs", material.irs[:1])
    expect(page.locator("#section-captures .items .item")).to_have_count(2)
    expect(page.locator("#section-irs .items .item")).to_have_count(1)
    expect(page.locator("#section-di-tracks .items .item")).to_have_count(1)
    audit("library")

    page.get_by_role("link", name="Shootouts").click()
    page.get_by_role("link", name="New shootout").click()
    page.get_by_label("Title").fill("Two amps, one cab")
    chain1 = page.get_by_role("region", name="Chain 1")
    _add_block(chain1, "ir")
    _add_block(chain1, "capture")
    chain1.get_by_label("Capture", exact=True).select_option(label=material.captures[0].name)
    # Keyboard reorder: the capture goes before the IR.
    chain1.get_by_role("button", name="Move Amp capture up").click()
    assert block_titles(chain1) == ["Amp capture", "Cabinet IR"]
    expect(chain1.get_by_role("button", name="Move Amp capture down")).to_be_focused()

    page.get_by_role("button", name="Add chain").click()
    chain2 = page.get_by_role("region", name="Chain 2")
    chain2.get_by_label("Chain name").fill("Crunch")
    _add_block(chain2, "ir")
    _add_block(chain2, "capture")
    chain2.get_by_label("Capture", exact=True).select_option(label=material.captures[1].name)
    # Drag reorder: drop the capture on the top half of the IR.
    ir_block = chain2.locator(".block").nth(0)
    chain2.locator(".block").nth(1).drag_to(ir_block, target_position={"x": 20, "y": 5})
    assert block_titles(chain2) == ["Amp capture", "Cabinet IR"]

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/shootouts/{UUID}$"))
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    shootout_id = page.url.rsplit("/", 1)[1]
    saved = api.call("GET", f"/api/v1/shootouts/{shootout_id}")
    assert [c["name"] for c in saved["chains"]] == ["Chain 1", "Crunch"]
    assert [[b["type"] for b in c["blocks"]] for c in saved["chains"]] == [["capture", "ir"]] * 2
    audit("builder")

    page.get_by_role("button", name="Render").click()
    expect(page).to_have_url(re.compile(rf"/renders/{UUID}$"))
    render_id = page.url.rsplit("/", 1)[1]
    # The render itself is the player tests' subject; spare the CPU (it may have finished).
    with contextlib.suppress(ApiCallFailed):
        api.call("POST", f"/api/v1/renders/{render_id}/cancel")
    page.goto("/shootouts")
    latest = page.get_by_role("link", name=re.compile(r"^v1 · "))
    expect(latest).to_have_attribute("href", f"/renders/{render_id}")
    page.goto(f"/shootouts/{shootout_id}")
    expect(page.get_by_role("heading", name="Renders of this shootout")).to_be_visible()


def _add_block(chain: Locator, block_type: str) -> None:
    chain.get_by_label("Block type", exact=True).select_option(block_type)
    chain.get_by_role("button", name="Add block").click()

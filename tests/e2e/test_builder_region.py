"""The builder and the API's checks: a DI region dragged out on the waveform, saved as the API's
region object and refused at its field when past the DI's end (skipped while the API takes bare
DI ids only); the API's warnings shown before rendering."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import soundfile as sf
from playwright.sync_api import Page, expect
from scipy.signal import resample_poly

from tests.e2e.api import BrowserApi
from tests.e2e.browser import PageWatch
from tests.e2e.pages import allow_a_missing_schema_endpoint
from tests.e2e.shootouts import DI_SECONDS, Material, two_chain_shootout


def test_region_dragged_on_the_waveform_is_saved_and_checked(
    page: Page, api: BrowserApi, watch: PageWatch, material: Material
) -> None:
    api.sign_up()
    shootout = two_chain_shootout(api, material, "A region")
    if not isinstance(shootout["di_tracks"][0], dict):
        pytest.skip("the API does not take DI objects (channel, region) yet")
    allow_a_missing_schema_endpoint(api, watch)
    watch.allow_console(
        "the server responded with a status of 422 (Unprocessable Entity) @ "
        f"{api.base_url}/api/v1/shootouts/"
    )
    page.goto(f"/shootouts/{shootout['id']}")
    picker = page.locator("region-picker")
    expect(picker.get_by_role("button", name="Play")).to_be_enabled(timeout=30_000)
    wave = picker.locator(".waveform")
    box = wave.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    start = page.get_by_label("Region start (s)")
    end = page.get_by_label("Region end (s)")
    expect(start).not_to_have_value("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text=re.compile(r"^Saved\.$"))).to_be_visible()
    region = api.call("GET", f"/api/v1/shootouts/{shootout['id']}")["di_tracks"][0]["region"]
    assert region is not None
    assert DI_SECONDS * 0.2 < region["start_s"] < region["end_s"] < DI_SECONDS * 0.8

    end.fill(str(DI_SECONDS + 5))
    end.dispatch_event("change")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#f-di_tracks-0-region-end_s-error")).to_contain_text(re.compile(r"\d"))
    expect(end).to_have_attribute("aria-invalid", "true")


def test_builder_shows_the_apis_warnings_before_rendering(
    page: Page, api: BrowserApi, watch: PageWatch, material: Material, tmp_path: Path
) -> None:
    api.sign_up()
    allow_a_missing_schema_endpoint(api, watch)
    audio, rate = sf.read(material.di, always_2d=True)
    slower = tmp_path / "riff-44k.wav"
    sf.write(slower, resample_poly(audio, 147, 160, axis=0), 44100, subtype="PCM_24")
    di = api.upload("di-tracks", slower)
    capture = api.upload("captures", material.captures[0])
    body = {
        "title": "Rates differ",
        "di_tracks": [di["id"]],
        "chains": [{"name": "One", "blocks": [{"type": "capture", "capture_id": capture["id"]}]}],
    }
    shootout = api.call("POST", "/api/v1/shootouts", body, 201)
    assert rate == 48000
    page.goto(f"/shootouts/{shootout['id']}")
    expect(page.get_by_role("heading", name="Before you render")).to_be_visible()
    expect(page.locator(".warnings li")).to_contain_text("44100 Hz")

"""What the render page says before its script runs: the DI × chain plan and failures in words."""

from __future__ import annotations

import uuid
from typing import Any

from toneshootout.server.db.models.render import Render
from toneshootout.server.web.render_pages import (
    EARLY_STEP_WORDS,
    REASON_WORDS,
    reason_words,
    render_plan,
    state_words,
)

DI_A, DI_B = str(uuid.uuid4()), str(uuid.uuid4())
ITEMS = {
    DI_A: {"kind": "di_track", "name": "riff.wav"},
    DI_B: {"kind": "di_track", "name": "riff.wav"},
}


def snapshot(di_tracks: list[Any]) -> dict[str, Any]:
    chains = [{"name": "Amp A", "blocks": []}, {"name": "Amp B", "blocks": []}]
    return {"v": 1, "shootout": {"di_tracks": di_tracks, "chains": chains}, "items": ITEMS}


def test_render_plan_names_dis_as_the_engine_does_when_names_repeat() -> None:
    plan = render_plan(snapshot([DI_A, DI_B]))
    assert plan == {"dis": ["riff.wav", "riff.wav (2)"], "chains": ["Amp A", "Amp B"]}


def test_render_plan_reads_di_objects_with_channel_and_region() -> None:
    entry = {"di_id": DI_A, "channel": "left", "region": {"start_s": 1.0, "end_s": 3.0}}
    assert render_plan(snapshot([entry]))["dis"] == ["riff.wav"]


def test_reason_words_explain_a_failure_with_its_detail() -> None:
    render = Render(state="failed", reason="timeout", detail="ran 1801 s")
    assert reason_words(render) == f"{REASON_WORDS['timeout']} (ran 1801 s)"


def test_reason_words_fall_back_for_an_unknown_code_and_stay_empty_unless_failed() -> None:
    assert reason_words(Render(state="failed", reason="new_code", detail=None)) == "It failed."
    assert reason_words(Render(state="running", reason=None, detail=None)) == ""


def test_state_words_name_the_early_steps_and_a_pending_cancel() -> None:
    assert (
        state_words(Render(state="running", step=None, cancel_requested=False))
        == (EARLY_STEP_WORDS["starting"])
    )
    assert (
        state_words(Render(state="running", step="load", cancel_requested=False))
        == (EARLY_STEP_WORDS["load"])
    )
    assert state_words(Render(state="running", step="render", cancel_requested=False)) == (
        "Rendering."
    )
    assert state_words(Render(state="running", step="load", cancel_requested=True)) == "Cancelling…"
    assert state_words(Render(state="queued", step=None, cancel_requested=False)) == (
        "Waiting for a free worker."
    )


def test_tone3000_failures_and_the_download_step_are_in_words() -> None:
    detail = "Plexi Lead 100W — Gain 7 - SM57 (by ampwright): this tone was deleted from TONE3000"
    render = Render(state="failed", reason="tone3000_deleted", detail=detail)
    assert reason_words(render) == (
        f"A TONE3000 model it uses was deleted from TONE3000. ({detail})"
    )
    for code in ("private", "sign_in_required", "unreachable", "invalid_file", "bad_response"):
        assert f"tone3000_{code}" in REASON_WORDS
    downloading = Render(state="running", step="download", cancel_requested=False)
    assert state_words(downloading) == "Fetching the TONE3000 models."


def test_state_words_say_when_the_video_is_being_made() -> None:
    making = Render(
        state="running", step="video", current={"di": "riff.wav"}, cancel_requested=False
    )
    assert state_words(making) == "Making the video of riff.wav."
    assert state_words(Render(state="running", step="video", cancel_requested=False)) == (
        "Rendering."
    )

"""`/renders/{id}`: a render's live progress, then its results around the A/B player.

The first paint comes from the database (state, progress, the DI × chain plan, a failure in
words), so a reload shows the right state before the page's script subscribes to the live
socket. Results (players, metrics, plots, null tests, downloads) are read by the script from
the documented render API, like any other client would.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from toneshootout.server.db.models.render import Render
from toneshootout.server.deps import SessionDep
from toneshootout.server.render import service as render_service
from toneshootout.server.render.errors import RenderNotFound

# The engine gets DI names made unique the same way (two DIs may share a file name).
from toneshootout.server.render.snapshot import unique_names as unique_di_names
from toneshootout.server.render.states import RenderState
from toneshootout.server.web.deps import PageUser
from toneshootout.server.web.pages import render_page

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

STATE_WORDS: Final[dict[str, str]] = {
    RenderState.QUEUED: "Waiting for a free worker.",
    RenderState.RUNNING: "Rendering.",
    RenderState.SUCCEEDED: "Finished.",
    RenderState.FAILED: "Failed.",
    RenderState.CANCELLED: "Cancelled.",
}
# A running render before any DI × chain is rendered: the worker's claim, the engine's first steps.
EARLY_STEP_WORDS: Final = {
    "starting": "Starting the render.",
    "download": "Fetching the TONE3000 models.",
    "load": "Loading the inputs.",
    "align": "Measuring each chain's latency and polarity.",
}
# Failure reason codes (worker/runner.py) said the way a guitarist would want to hear them.
REASON_WORDS: Final = {
    "invalid_input": "One of the inputs could not be used as given.",
    "missing_input": "A file this render needs is no longer in the library.",
    "unsupported": "An input uses something the engine does not support.",
    "resource_limit": "The render needed more memory or CPU time than a render may use.",
    "timeout": "The render took longer than a render may take.",
    "worker_lost": "The worker running it stopped, and it was tried as often as allowed.",
    "max_attempts": "It failed on every attempt it was allowed.",
    "internal": "Something went wrong on our side.",
    "cancelled": "It was cancelled.",
    # A TONE3000 model the worker could not fetch (worker/tone3000_files.py); the detail names it.
    "tone3000_deleted": "A TONE3000 model it uses was deleted from TONE3000.",
    "tone3000_private": "A TONE3000 model it uses is private now.",
    "tone3000_sign_in_required": "Your TONE3000 sign-in has expired: sign in with TONE3000 and "
    "render again.",
    "tone3000_unreachable": "TONE3000 could not be reached: try again later.",
    "tone3000_rate_limited": "TONE3000 was too busy to send a model: try again in a minute.",
    "tone3000_invalid_file": "A model from TONE3000 is not a file the engine can use.",
    "tone3000_bad_response": "TONE3000 sent something we cannot use.",
    "tone3000_disabled": "This server is not connected to TONE3000.",
}


def render_plan(snapshot: Mapping[str, Any]) -> dict[str, list[str]]:
    """The DI and chain names of a render, as the engine names them in progress events."""
    shootout = snapshot.get("shootout", {})
    items: Mapping[str, Mapping[str, str]] = snapshot.get("items", {})
    di_ids = [
        str(entry["di_id"] if isinstance(entry, Mapping) else entry)
        for entry in shootout.get("di_tracks", [])
    ]
    names = [items.get(i, {}).get("name", "DI") for i in di_ids]
    return {
        "dis": unique_di_names(names),
        "chains": [str(chain.get("name", "")) for chain in shootout.get("chains", [])],
    }


def state_words(render: Render) -> str:
    """The render's state in a sentence, as the page's script words it too."""
    if render.state == RenderState.RUNNING:
        if render.cancel_requested:
            return "Cancelling…"
        di = (render.current or {}).get("di")
        if render.step == "video" and isinstance(di, str):
            return f"Making the video of {di}."  # render-page.js POST_STEP_WORDS
        return EARLY_STEP_WORDS.get(render.step or "starting", STATE_WORDS[RenderState.RUNNING])
    return STATE_WORDS.get(render.state, render.state)


def reason_words(render: Render) -> str:
    if render.state != RenderState.FAILED:
        return ""
    words = REASON_WORDS.get(render.reason or "", "It failed.")
    return f"{words} ({render.detail})" if render.detail else words


@router.get("/renders/{render_id}")
async def render_view(
    request: Request, render_id: uuid.UUID, user: PageUser, session: SessionDep
) -> Response:
    """A render: live progress per DI × chain, cancel, and once it succeeded, its results."""
    try:
        render = await render_service.get_owned(session, owner_id=user.id, render_id=render_id)
    except RenderNotFound:
        return render_page(request, "errors/not_found.html", {"user": user}, status=404)
    context = {
        "user": user,
        "render": render,
        "plan": render_plan(render.snapshot),
        "state_words": state_words(render),
        "reason_text": reason_words(render),
        "page_data": json.dumps(
            {"states": STATE_WORDS, "steps": EARLY_STEP_WORDS, "reasons": REASON_WORDS},
            ensure_ascii=False,
        ),
    }
    return render_page(request, "renders/page.html", context)

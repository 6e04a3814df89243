"""A pasted share link's card image: the first video's poster, else the first DI's LTAS plot;
and the render API's `videos`, grouped per DI from the recorded outputs."""

from __future__ import annotations

from typing import Any

from toneshootout.server.render.videos import LinkedOutput, videos
from toneshootout.server.share.schemas import SharedRender
from toneshootout.server.web.share_pages import card_image

FILES = "/api/v1/shared/t/files"


def _output(role: str, di: str, path: str) -> dict[str, Any]:
    return {
        "role": role,
        "di": di,
        "chain": None,
        "path": path,
        "size_bytes": 1,
        "media_type": "image/png",
        "url": f"{FILES}/{path}",
    }


def _shared(**changes: Any) -> SharedRender:
    base: dict[str, Any] = {
        "title": "Plexi night",
        "finished_at": None,
        "voting_open": True,
        "visibility": "public",
        "dis": ["riff", "chords"],
        "chains": [],
        "settings": {},
        "levels": [],
        "common_reduction_db": {},
        "timeline": {},
        "alignment": [],
        "warnings": [],
        "metrics": {},
        "outputs": [
            _output("plot", "chords", "plots/chords/ltas.png"),
            _output("plot", "riff", "plots/riff/ltas.png"),
        ],
        "videos": [],
        "attribution": [],
        "tone3000_credits": [],
        "embed_url": "/embed/t",
        "page_url": "/s/t",
    }
    return SharedRender.model_validate(base | changes)


def test_the_card_shows_the_first_dis_spectrum_without_a_video() -> None:
    card = card_image(_shared())
    assert card is not None
    assert card.url == f"{FILES}/plots/riff/ltas.png"
    assert card.alt == "Long-term average spectrum of every chain (riff)"
    assert card_image(_shared(outputs=[])) is None


def test_the_card_prefers_a_videos_poster() -> None:
    poster = f"{FILES}/video/chords.poster.png"
    shared = _shared(
        videos=[
            {"di": "chords", "video_url": "v.mp4", "poster_url": poster, "description_url": None}
        ]
    )
    card = card_image(shared)
    assert card is not None
    assert (card.url, card.alt) == (poster, "Plexi night: chords")


def test_videos_group_each_dis_files_and_skip_a_di_without_an_mp4() -> None:
    found = videos(
        [
            LinkedOutput("video_poster", "riff", "/f/riff.poster.png"),
            LinkedOutput("video", "riff", "/f/riff.mp4"),
            LinkedOutput("video_description", "riff", "/f/riff.description.txt"),
            LinkedOutput("video", "chords", "/f/chords.mp4"),
            LinkedOutput("video_poster", "solo", "/f/solo.poster.png"),  # no MP4: not a video
            LinkedOutput("montage", "riff", "/f/riff.wav"),
        ]
    )
    assert [v.model_dump() for v in found] == [
        {
            "di": "riff",
            "video_url": "/f/riff.mp4",
            "poster_url": "/f/riff.poster.png",
            "description_url": "/f/riff.description.txt",
        },
        {"di": "chords", "video_url": "/f/chords.mp4", "poster_url": None, "description_url": None},
    ]

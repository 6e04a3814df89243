"""A render's videos (issue 11): per DI, the MP4 with its poster and YouTube description.

The engine records each as an output of its own (`video`, `video_poster`, `video_description`,
each with its DI); the render and share APIs also group them per DI, so a client need not know
the roles to put a `<video poster>` and its description on a page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, NamedTuple

from toneshootout.server.render.schemas import RenderVideoOut

VIDEO: Final = "video"
VIDEO_POSTER: Final = "video_poster"
VIDEO_DESCRIPTION: Final = "video_description"
VIDEO_ROLES: Final = frozenset({VIDEO, VIDEO_POSTER, VIDEO_DESCRIPTION})


class LinkedOutput(NamedTuple):
    """A recorded output as a reader may fetch it: its role, its DI and its URL."""

    role: str
    di: str | None
    url: str


def videos(outputs: Iterable[LinkedOutput]) -> list[RenderVideoOut]:
    """One entry per DI that has a video (its poster and description when recorded), in the
    order of the videos among `outputs`."""
    found = list(outputs)
    extras = {(o.role, o.di): o.url for o in found if o.role in (VIDEO_POSTER, VIDEO_DESCRIPTION)}
    return [
        RenderVideoOut(
            di=o.di,
            video_url=o.url,
            poster_url=extras.get((VIDEO_POSTER, o.di)),
            description_url=extras.get((VIDEO_DESCRIPTION, o.di)),
        )
        for o in found
        if o.role == VIDEO and o.di is not None
    ]

"""Where each part of a video frame goes, for each size a render can ask for.

Positions are designed on a 1920×1080 (wide) or 1080×1080 (square) canvas and scaled; every
edge lands on an even pixel so the 4:2:0 chroma planes line up with the luma plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

VideoSize = Literal["1920x1080", "1280x720", "1080x1080"]
VIDEO_SIZES: tuple[VideoSize, ...] = get_args(VideoSize)
FPS = 30


def _even(value: float) -> int:
    return 2 * round(value / 2)


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


@dataclass(frozen=True)
class Fonts:
    title: int
    subtitle: int
    name: int
    block: int
    level: int
    small: int


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    margin: int
    header: Box  # shootout title, DI, the level rule: on every frame
    card: Box  # the chain that is playing: name, blocks, level decision
    panel: Box  # the DI waveform with its playhead; the title and end cards at either end
    strip: Box  # the montage's order, the current segment lit, a playhead over the whole
    fonts: Fonts
    playhead: int  # playhead width, px


def _box(x: float, y: float, w: float, h: float, scale: float) -> Box:
    return Box(_even(x * scale), _even(y * scale), _even(w * scale), _even(h * scale))


def layout_for(size: VideoSize) -> Layout:
    """The layout for `size` ("WIDTHxHEIGHT")."""
    width, height = (int(part) for part in size.split("x"))
    if width == height:
        s = width / 1080
        return Layout(
            width=width,
            height=height,
            margin=_even(56 * s),
            header=_box(56, 36, 968, 170, s),
            card=_box(56, 236, 968, 420, s),
            panel=_box(56, 684, 968, 230, s),
            strip=_box(56, 944, 968, 84, s),
            fonts=Fonts(*(round(f * s) for f in (46, 24, 64, 28, 26, 22))),
            playhead=max(2, _even(4 * s)),
        )
    s = width / 1920
    return Layout(
        width=width,
        height=height,
        margin=_even(80 * s),
        header=_box(80, 36, 1760, 140, s),
        card=_box(80, 204, 1760, 440, s),
        panel=_box(80, 676, 1760, 226, s),
        strip=_box(80, 934, 1760, 96, s),
        fonts=Fonts(*(round(f * s) for f in (56, 28, 78, 34, 32, 24))),
        playhead=max(2, _even(4 * s)),
    )

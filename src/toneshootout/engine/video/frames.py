"""From the montage timeline to frames: which segment each frame shows, and the frames themselves.

Every still part (header, card, waveform, strip) is drawn once per scene with Pillow and turned
into 4:2:0 YUV once; each frame is then a copy of those planes with the playheads painted in
(a few thousand bytes touched), so a frame costs microseconds, not a drawing.

Frame i shows montage time i / fps. Segment k's first frame is its start sample rounded to the
nearest frame, which is where its chapter starts too, so the card, the chapter and the sound
change together (to within half a frame).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import av
import numpy as np
import numpy.typing as npt
from PIL import Image

from toneshootout.engine.compose import Segment
from toneshootout.engine.types import Float64Array
from toneshootout.engine.video.drawing import (
    StripCell,
    blank,
    chain_colour,
    draw_card,
    draw_header,
    draw_lineup,
    draw_panel_text,
    draw_strip,
    draw_strip_caption,
    draw_waveform,
    strip_cells_box,
)
from toneshootout.engine.video.labels import ChainCard, clock
from toneshootout.engine.video.layout import Box, Layout

Phase = Literal["title", "main", "end"]
TITLE_SECONDS = 3
END_SECONDS = 4
PLAYHEAD_Y = 235  # video-range white
NEUTRAL_CHROMA = 128
Planes = npt.NDArray[np.uint8]  # (height · 3/2, width): Y, then U and V, as yuv420p


def frame_of(sample: int, rate: int, fps: int) -> int:
    """The frame nearest to `sample` (halves round up), in integers so nothing drifts."""
    return (2 * sample * fps + rate) // (2 * rate)


@dataclass(frozen=True)
class FramePlan:
    """The frame count and the first frame of every segment."""

    fps: int
    rate: int
    samples: int  # montage length
    starts: tuple[int, ...]
    frames: int

    @classmethod
    def of(cls, segments: Sequence[Segment], samples: int, rate: int, fps: int) -> FramePlan:
        starts = tuple(frame_of(s.start, rate, fps) for s in segments)
        return cls(fps, rate, samples, starts, max(1, frame_of(samples, rate, fps)))

    def segment_at(self, frame: int) -> int:
        """The segment frame `frame` shows (a gap shows the segment before it)."""
        return max(0, bisect.bisect_right(self.starts, frame) - 1)

    def phase_at(self, frame: int) -> Phase:
        third = self.frames // 3
        if frame >= self.frames - min(END_SECONDS * self.fps, third):
            return "end"
        if frame < min(TITLE_SECONDS * self.fps, third):
            return "title"
        return "main"

    def chapter_times(self) -> list[float]:
        return [start / self.fps for start in self.starts]


@dataclass(frozen=True)
class Scenery:
    """What the frames of one DI's video are drawn from."""

    layout: Layout
    title: str
    di: str
    rule: str
    cards: Sequence[ChainCard]
    segments: Sequence[Segment]
    di_envelope: Float64Array  # (2, panel width): min/max per column
    source_length: int  # samples the envelope spans
    credits: Sequence[str]
    tone3000: bool


def strip_cells(
    segments: Sequence[Segment], total: int, width: int, chain_index: dict[str, int]
) -> list[StripCell]:
    return [
        StripCell(s.start * width // total, s.end * width // total, chain_index[s.chain])
        for s in segments
    ]


class FrameMaker:
    """Makes frame i of a DI's video, drawing each scene once and compositing the playheads."""

    def __init__(self, scenery: Scenery, plan: FramePlan) -> None:
        self.scenery = scenery
        self.plan = plan
        self._chain_index = {card.name: card.index for card in scenery.cards}
        self._cells = strip_cells(
            scenery.segments, max(1, plan.samples), scenery.layout.strip.w, self._chain_index
        )
        self._scene_key: tuple[int, Phase] | None = None
        self._scene: Planes | None = None

    def picture(self, segment: int, phase: Phase) -> Image.Image:
        """The still picture of one scene, in RGB (also what tests compare frames against)."""
        sc, layout = self.scenery, self.scenery.layout
        seg = sc.segments[segment]
        card = sc.cards[self._chain_index[seg.chain]]
        image = blank(layout)
        draw_header(image, layout, sc.title, f"DI: {sc.di}", sc.rule)
        draw_card(image, layout, card, len(sc.cards))
        if phase == "title":
            order = "   ".join(f"{c.letter}  {c.name}" for c in sc.cards)
            draw_panel_text(
                image,
                layout,
                sc.title,
                [f"DI: {sc.di}", f"In turn: {order}", sc.rule],
            )
        elif phase == "end":
            footer = "Powered by TONE3000" if sc.tone3000 else None
            lines = list(sc.credits) or ["Made with Tone Shootout: same DI, same level, aligned."]
            draw_panel_text(image, layout, "Credits", lines, footer)
        else:
            box = layout.panel
            lo = seg.source_start * box.w // max(1, sc.source_length)
            hi = max(lo + 1, seg.source_end * box.w // max(1, sc.source_length))
            draw_waveform(image, box, sc.di_envelope, (lo, hi), chain_colour(card.index))
        total = max(1, self.plan.samples)
        draw_strip_caption(
            image,
            layout,
            f"Segment {segment + 1} of {len(sc.segments)}  ·  "
            f"{clock(seg.start / self.plan.rate)}–{clock(seg.end / self.plan.rate)} "
            f"of {clock(total / self.plan.rate)}",
        )
        draw_strip(image, layout, self._cells, segment)
        return image

    def poster(self) -> Image.Image:
        """The title card as a still: the shootout, the DI, every chain in its colour, the rule."""
        sc = self.scenery
        image = blank(sc.layout)
        draw_header(image, sc.layout, sc.title, f"DI: {sc.di}", sc.rule)
        draw_lineup(image, sc.layout, sc.cards)
        return image

    def _planes(self, segment: int, phase: Phase) -> Planes:
        key = (segment, phase)
        if self._scene_key != key or self._scene is None:
            rgb = np.asarray(self.picture(segment, phase))
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            yuv = frame.reformat(format="yuv420p", dst_colorspace="ITU709")
            planes: Planes = np.asarray(yuv.to_ndarray(), dtype=np.uint8)
            self._scene, self._scene_key = planes, key
            return planes
        return self._scene

    def frame(self, index: int) -> Planes:
        """Frame `index` as yuv420p planes."""
        plan, layout = self.plan, self.scenery.layout
        segment, phase = plan.segment_at(index), plan.phase_at(index)
        planes = self._planes(segment, phase).copy()
        sample = index * plan.rate // plan.fps
        strip = strip_cells_box(layout)
        _playhead(planes, layout, strip, sample * strip.w // max(1, plan.samples))
        if phase == "main":
            seg = self.scenery.segments[segment]
            source = min(
                max(seg.source_start + sample - seg.start, seg.source_start), seg.source_end
            )
            panel = layout.panel
            _playhead(planes, layout, panel, source * panel.w // max(1, self.scenery.source_length))
        return planes


def _playhead(planes: Planes, layout: Layout, box: Box, offset: int) -> None:
    """A white vertical bar at `offset` px into `box` (even-aligned so chroma matches)."""
    width = layout.playhead
    x = box.x + min(max(0, offset), box.w - width)
    x -= x % 2
    planes[box.y : box.bottom, x : x + width] = PLAYHEAD_Y
    height = layout.height
    for plane in (0, 1):  # U, then V: quarter-size planes packed after Y
        base = height + plane * height // 4
        rows = planes[base : base + height // 4].reshape(height // 2, layout.width // 2)
        rows[box.y // 2 : box.bottom // 2, x // 2 : (x + width) // 2] = NEUTRAL_CHROMA

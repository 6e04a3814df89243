"""A DI's video outputs: the MP4, its poster PNG and a YouTube-ready description."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from toneshootout.engine.compose import Segment
from toneshootout.engine.loudness import as_mono_float64
from toneshootout.engine.outputs import OutputFolder
from toneshootout.engine.progress import CancelToken
from toneshootout.engine.spec import Settings
from toneshootout.engine.types import Signal
from toneshootout.engine.video.credits import EndCredit
from toneshootout.engine.video.drawing import envelope
from toneshootout.engine.video.encode import Chapter, audio_for_video, encode_mp4
from toneshootout.engine.video.frames import FrameMaker, FramePlan, Scenery
from toneshootout.engine.video.labels import (
    ChainCard,
    chapter_title,
    description,
    level_rule,
)
from toneshootout.engine.video.layout import FPS, layout_for


@dataclass(frozen=True)
class VideoSource:
    """What one DI's video is made of."""

    title: str
    di: str
    settings: Settings
    cards: Sequence[ChainCard]
    segments: Sequence[Segment]
    montage: Signal
    rate: int
    di_samples: Signal  # the dry DI at the render rate, for the waveform
    source_length: int  # samples of each render the segments' windows index into
    credits: Sequence[EndCredit]


def frame_maker(source: VideoSource) -> FrameMaker:
    layout = layout_for(source.settings.video_size)
    dry = as_mono_float64(source.di_samples, source.di)
    length = max(source.source_length, dry.shape[0], 1)
    padded = np.pad(dry, (0, length - dry.shape[0]))
    scenery = Scenery(
        layout=layout,
        title=source.title,
        di=source.di,
        rule=level_rule(source.settings),
        cards=source.cards,
        segments=source.segments,
        di_envelope=envelope(padded, layout.panel.w),
        source_length=length,
        credits=[c.line for c in source.credits],
        tone3000=any(c.tone3000 for c in source.credits),
    )
    plan = FramePlan.of(source.segments, source.montage.shape[0], source.rate, FPS)
    return FrameMaker(scenery, plan)


def chapters_of(maker: FrameMaker) -> list[Chapter]:
    """A chapter per segment, from its first frame to the next segment's (the last to the end)."""
    plan, cards = maker.plan, {c.name: c for c in maker.scenery.cards}
    ends = [*plan.starts[1:], plan.frames]
    return [
        Chapter(start, end, chapter_title(cards[segment.chain]))
        for start, end, segment in zip(plan.starts, ends, maker.scenery.segments, strict=True)
    ]


def write_video(
    folder: OutputFolder,
    slug: str,
    source: VideoSource,
    *,
    cancel: CancelToken | None = None,
    progress: Callable[[float], None] = lambda fraction: None,
) -> None:
    """Write and record `video/{slug}.mp4`, `.poster.png` and `.description.txt`."""
    maker = frame_maker(source)
    chapters = chapters_of(maker)
    poster = folder.path(f"video/{slug}.poster.png")
    maker.poster().save(poster, format="PNG", optimize=False)
    folder.record("video_poster", poster, di=source.di, format="png")
    text = description(
        source.title,
        source.di,
        maker.scenery.rule,
        [(c.start_frame / maker.plan.fps, c.title) for c in chapters],
        cards=source.cards,
        credits=maker.scenery.credits,
        tone3000=maker.scenery.tone3000,
    )
    notes = folder.path(f"video/{slug}.description.txt")
    notes.write_text(text, encoding="utf-8")
    folder.record("video_description", notes, di=source.di, format="txt")
    audio, rate = audio_for_video(source.montage, source.rate)
    target = folder.path(f"video/{slug}.mp4")
    encode_mp4(
        target,
        maker,
        audio,
        rate,
        chapters,
        title=f"{source.title} — {source.di}",
        cancel=cancel,
        progress=progress,
    )
    folder.record("video", target, di=source.di, format="mp4")

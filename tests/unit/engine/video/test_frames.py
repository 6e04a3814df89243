"""Which frame shows what, and where the playheads go."""

from __future__ import annotations

import numpy as np
import pytest

from toneshootout.engine.compose import Segment
from toneshootout.engine.video.drawing import envelope, fit, font, wrap
from toneshootout.engine.video.frames import FrameMaker, FramePlan, Scenery, frame_of
from toneshootout.engine.video.labels import ChainCard
from toneshootout.engine.video.layout import VIDEO_SIZES, layout_for

RATE = 48000


def _segments(
    starts: list[int], length: int, chains: tuple[str, ...] = ("A", "B")
) -> list[Segment]:
    out = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else length
        out.append(Segment(i, chains[i % len(chains)], "DI", start, end, start, end, 0.0, 0.0))
    return out


@pytest.mark.parametrize(
    ("sample", "frame"), [(0, 0), (799, 0), (800, 1), (1599, 1), (1600, 1), (2400, 2), (48000, 30)]
)
def test_frames_round_to_the_nearest_with_halves_up(sample: int, frame: int) -> None:
    assert frame_of(sample, RATE, 30) == frame


def test_the_plan_maps_frames_to_segments_and_phases() -> None:
    segments = _segments([0, 4 * RATE, 8 * RATE, 12 * RATE], 16 * RATE)
    plan = FramePlan.of(segments, 16 * RATE, RATE, 30)
    assert plan.frames == 480
    assert plan.starts == (0, 120, 240, 360)
    assert [plan.segment_at(f) for f in (0, 119, 120, 479)] == [0, 0, 1, 3]
    assert plan.phase_at(0) == "title"
    assert plan.phase_at(89) == "title"
    assert plan.phase_at(90) == "main"
    assert plan.phase_at(359) == "main"
    assert plan.phase_at(360) == "end"
    assert plan.chapter_times() == [0.0, 4.0, 8.0, 12.0]


def test_a_short_video_keeps_most_of_its_frames_for_the_waveform() -> None:
    plan = FramePlan.of(_segments([0, RATE], 2 * RATE), 2 * RATE, RATE, 30)
    phases = [plan.phase_at(f) for f in range(plan.frames)]
    assert phases.count("main") >= plan.frames // 3


def test_gaps_belong_to_the_segment_before_them() -> None:
    seg = [
        Segment(0, "A", "DI", 0, RATE, 0, RATE, 0.0, 0.0),
        Segment(1, "B", "DI", 0, RATE, RATE + RATE // 2, 2 * RATE + RATE // 2, 0.0, 0.0),
    ]
    plan = FramePlan.of(seg, 5 * RATE // 2, RATE, 30)
    assert plan.segment_at(40) == 0  # in the gap
    assert plan.segment_at(45) == 1


@pytest.mark.parametrize("size", VIDEO_SIZES)
def test_layouts_fit_the_frame_on_even_pixels(size: str) -> None:
    layout = layout_for(size)  # type: ignore[arg-type]
    for box in (layout.header, layout.card, layout.panel, layout.strip):
        assert box.x % 2 == box.y % 2 == box.w % 2 == box.h % 2 == 0
        assert box.x >= 0
        assert box.y >= 0
        assert box.right <= layout.width
        assert box.bottom <= layout.height
    assert layout.header.bottom <= layout.card.y < layout.card.bottom <= layout.panel.y
    assert layout.panel.bottom <= layout.strip.y


def test_fit_cuts_long_text_with_an_ellipsis() -> None:
    face = font(20)
    assert fit("short", face, 500) == "short"
    cut = fit("a very long chain name " * 10, face, 200)
    assert cut.endswith("…")
    assert face.getlength(cut) <= 200


def test_wrap_breaks_between_words_and_cuts_only_the_last_line() -> None:
    face = font(20)
    lines = wrap("Loudness before matching −19.7 LUFS  ·  gain applied +1.7 dB", face, 260, 2)
    assert len(lines) == 2
    assert all(face.getlength(line) <= 260 for line in lines)
    assert lines[0].startswith("Loudness before")
    assert not lines[0].endswith("·")
    many = wrap("word " * 200, face, 100, 2)
    assert len(many) == 2
    assert many[-1].endswith("…")


def test_the_envelope_is_scaled_to_its_peak() -> None:
    samples = np.concatenate([np.zeros(100), np.array([0.5, -0.25]), np.zeros(98)])
    env = envelope(samples, 10)
    assert env.shape == (2, 10)
    assert env.max() == pytest.approx(1.0)
    assert env.min() == pytest.approx(-0.5)


def test_frames_differ_only_by_the_playheads_within_a_scene() -> None:
    layout = layout_for("1280x720")
    segments = _segments([0, 8 * RATE], 16 * RATE)
    cards = [ChainCard(i, name, ("Capture: x",), -20.0, 2.0, -18.0) for i, name in enumerate("AB")]
    scenery = Scenery(
        layout=layout,
        title="T",
        di="DI",
        rule="rule",
        cards=cards,
        segments=segments,
        di_envelope=envelope(np.sin(np.arange(16 * RATE) / 50.0), layout.panel.w),
        source_length=16 * RATE,
        credits=[],
        tone3000=False,
    )
    maker = FrameMaker(scenery, FramePlan.of(segments, 16 * RATE, RATE, 30))
    a, b = maker.frame(100), maker.frame(130)
    assert a.shape == (720 * 3 // 2, 1280)
    rows, cols = np.nonzero(a[:720] != b[:720])
    inside_panel = (layout.panel.y <= rows) & (rows < layout.panel.bottom)
    inside_strip = (layout.strip.y <= rows) & (rows < layout.strip.bottom)
    assert np.all(inside_panel | inside_strip)
    assert cols.size > 0

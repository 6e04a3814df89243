"""The montage as an MP4, decoded back: streams, length, chapters, audio, and the cards shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from tests.integration.conftest import Kit
from toneshootout.engine.errors import RenderCancelled
from toneshootout.engine.hashing import sha256_file
from toneshootout.engine.inputs import load_inputs
from toneshootout.engine.levels import ChainLevel
from toneshootout.engine.progress import CancelToken, ProgressEvent
from toneshootout.engine.render import render_shootout
from toneshootout.engine.spec import load_spec
from toneshootout.engine.video.credits import EndCredit
from toneshootout.engine.video.drawing import blank, draw_card
from toneshootout.engine.video.frames import frame_of
from toneshootout.engine.video.labels import chain_cards
from toneshootout.engine.video.layout import FPS, layout_for

SETTINGS = 'segment_seconds = 1.0\noutputs = ["montage", "video"]\nvideo_size = "1280x720"'


def _spec(kit: Kit, settings: str = SETTINGS, chains: int = 3) -> Path:
    return kit.spec(chains=chains, extra_settings=settings)


@pytest.fixture(scope="module")
def rendered(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("video") / "out"
    credits = [EndCredit("Plexi — amp by cab_lab (CC BY 4.0)", tone3000=True)]
    render_shootout(load_spec(_spec(kit)), out, workers=2, end_credits=credits)
    return out


def _manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    return data


def _output(out: Path, role: str, di: str) -> Path:
    (entry,) = [o for o in _manifest(out)["outputs"] if o["role"] == role and o["di"] == di]
    return out / str(entry["path"])


def _montage(out: Path, di: str) -> tuple[np.ndarray[Any, Any], int]:
    audio, rate = sf.read(_output(out, "montage", di), dtype="float64")
    return audio, rate


def test_each_di_gets_a_video_a_poster_and_a_description(rendered: Path) -> None:
    outputs = _manifest(rendered)["outputs"]
    for di in ("DI 0", "DI 1"):
        for role, fmt in (("video", "mp4"), ("video_poster", "png"), ("video_description", "txt")):
            (entry,) = [o for o in outputs if o["role"] == role and o["di"] == di]
            assert entry["format"] == fmt
            assert sha256_file(rendered / entry["path"]) == entry["sha256"]
    poster = Image.open(_output(rendered, "video_poster", "DI 0"))
    assert poster.size == (1280, 720)


def test_streams_are_h264_and_aac_at_the_chosen_size_and_rate(rendered: Path) -> None:
    with av.open(str(_output(rendered, "video", "DI 0"))) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == (1280, 720)
        assert video.average_rate == FPS
        assert audio.codec_context.name == "aac"
        assert audio.codec_context.sample_rate == 48000
        assert (audio.codec_context.bit_rate or 0) > 96_000  # VBR at the top quality: what it needs


def test_duration_equals_the_montage_within_one_frame(rendered: Path) -> None:
    for di in ("DI 0", "DI 1"):
        samples, rate = _montage(rendered, di)
        with av.open(str(_output(rendered, "video", di))) as container:
            frames = sum(1 for _ in container.decode(video=0))
        assert abs(frames / FPS - samples.shape[0] / rate) <= 1 / FPS


def test_chapters_are_the_timeline_rounded_to_the_frame(rendered: Path) -> None:
    manifest = _manifest(rendered)
    letters = {"Chain 0": "A", "Chain 1": "B", "Chain 2": "C"}
    for di in ("DI 0", "DI 1"):
        timeline = manifest["timeline"][di]
        with av.open(str(_output(rendered, "video", di))) as container:
            chapters = container.chapters()
        assert [c["metadata"]["title"] for c in chapters] == [
            f"{letters[s['chain']]} · {s['chain']}" for s in timeline
        ]
        starts = [float(c["start"] * (c["time_base"] or 0)) for c in chapters]
        expected = [frame_of(s["start"], 48000, FPS) / FPS for s in timeline]
        assert starts == pytest.approx(expected, abs=0.001)
        assert abs(starts[0]) < 1e-9


def _decoded_audio(path: Path) -> tuple[np.ndarray[Any, Any], int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        parts = [frame.to_ndarray()[0] for frame in container.decode(stream)]
        return np.concatenate(parts).astype(np.float64), stream.codec_context.sample_rate


def test_audio_is_the_montage_at_lag_zero_and_the_same_level(rendered: Path) -> None:
    for di in ("DI 0", "DI 1"):
        montage, rate = _montage(rendered, di)
        decoded, decoded_rate = _decoded_audio(_output(rendered, "video", di))
        assert decoded_rate == rate
        n = montage.shape[0]
        assert abs(decoded.shape[0] - n) < 1024  # the encoder's priming is trimmed off
        decoded = np.pad(decoded, (0, max(0, n - decoded.shape[0])))[:n]
        lags = range(-64, 65)
        core = slice(64, n - 64)
        scores = [float(np.dot(montage[core], np.roll(decoded, -lag)[core])) for lag in lags]
        assert list(lags)[int(np.argmax(scores))] == 0
        level = 10 * np.log10(np.mean(decoded**2) / np.mean(montage**2))
        assert abs(level) < 0.1
        error = 10 * np.log10(np.mean((decoded - montage) ** 2) / np.mean(montage**2))
        assert error < -24.0  # about -30 dB measured: AAC's waveform error at top quality


def _cards(kit: Kit, out: Path, di: str) -> dict[str, np.ndarray[Any, Any]]:
    """The card region as the engine draws it for each chain, from the manifest's levels."""
    inputs = load_inputs(load_spec(_spec(kit)))
    levels = [
        ChainLevel(
            e["loudness_before_lufs"],
            e["gain_db"],
            e["loudness_after_lufs"],
            e["true_peak_dbtp"],
            e["lra_lu"],
        )
        for e in _manifest(out)["levels"]
        if e["di"] == di
    ]
    layout = layout_for("1280x720")
    box = layout.card
    crops = {}
    for card in chain_cards(inputs.chains, levels):
        image = blank(layout)
        draw_card(image, layout, card, len(inputs.chains))
        pixels = np.asarray(image, dtype=np.float64)
        crops[card.name] = pixels[box.y : box.bottom, box.x : box.right]
    return crops


def test_the_card_at_each_segment_midpoint_is_that_segments(kit: Kit, rendered: Path) -> None:
    box = layout_for("1280x720").card
    for di in ("DI 0", "DI 1"):
        cards = _cards(kit, rendered, di)
        timeline = _manifest(rendered)["timeline"][di]
        middles = {frame_of((s["start"] + s["end"]) // 2, 48000, FPS): s["chain"] for s in timeline}
        with av.open(str(_output(rendered, "video", di))) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index not in middles:
                    continue
                pixels = frame.to_ndarray(format="rgb24").astype(np.float64)
                crop = pixels[box.y : box.bottom, box.x : box.right]
                errors = {name: float(np.mean(np.abs(crop - card))) for name, card in cards.items()}
                assert min(errors, key=lambda name: errors[name]) == middles[index]
                assert errors[middles[index]] < 3.0  # H.264 and colour conversion aside


def test_description_has_timestamps_and_credits(rendered: Path) -> None:
    text = _output(rendered, "video_description", "DI 0").read_text(encoding="utf-8")
    assert "0:00 A · Chain 0" in text
    assert "0:01 B · Chain 1" in text
    assert "Plexi — amp by cab_lab (CC BY 4.0)" in text
    assert "Powered by TONE3000" in text


def test_the_same_inputs_give_the_same_video_bytes(
    kit: Kit, rendered: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    credits = [EndCredit("Plexi — amp by cab_lab (CC BY 4.0)", tone3000=True)]
    render_shootout(load_spec(_spec(kit)), again, workers=1, end_credits=credits)
    for role in ("video", "video_poster", "video_description"):
        first = _output(rendered, role, "DI 1").read_bytes()
        assert _output(again, role, "DI 1").read_bytes() == first


@pytest.mark.parametrize("size", ["1920x1080", "1080x1080"])
def test_other_sizes(kit: Kit, tmp_path: Path, size: str) -> None:
    settings = f'segment_seconds = 1.0\noutputs = ["video"]\nvideo_size = "{size}"'
    out = tmp_path / "out"
    render_shootout(load_spec(_spec(kit, settings, chains=2)), out, workers=1)
    with av.open(str(_output(out, "video", "DI 1"))) as container:
        context = container.streams.video[0].codec_context
        assert f"{context.width}x{context.height}" == size
    assert not list(out.glob("montage/*"))  # the montage audio was not asked for


def test_cancelling_during_the_encode_leaves_nothing(kit: Kit, tmp_path: Path) -> None:
    token = CancelToken()
    seen: list[ProgressEvent] = []

    def sink(event: ProgressEvent) -> None:
        seen.append(event)
        if event.step == "video" and 0.0 < event.fraction < 1.0:
            token.cancel()

    out = tmp_path / "out"
    settings = 'segment_seconds = 1.0\noutputs = ["video"]\nvideo_size = "1280x720"'
    with pytest.raises(RenderCancelled):
        render_shootout(
            load_spec(_spec(kit, settings)), out, workers=1, progress=sink, cancel=token
        )
    assert any(e.step == "video" for e in seen)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_video_progress_is_reported_per_di(rendered: Path, kit: Kit, tmp_path: Path) -> None:
    seen: list[ProgressEvent] = []
    settings = 'segment_seconds = 1.0\noutputs = ["video"]\nvideo_size = "1280x720"'
    render_shootout(
        load_spec(_spec(kit, settings, chains=2)), tmp_path / "o", workers=1, progress=seen.append
    )
    video = [e for e in seen if e.step == "video"]
    assert {e.di for e in video} == {"DI 0", "DI 1"}
    overall = [e.overall for e in seen]
    assert overall == sorted(overall)


def test_every_chapter_starts_on_a_keyframe(rendered: Path) -> None:
    with av.open(str(_output(rendered, "video", "DI 0"))) as container:
        stream = container.streams.video[0]
        keyframes = {
            round(float((packet.pts or 0) * (stream.time_base or 0)) * FPS)
            for packet in container.demux(stream)
            if packet.is_keyframe and packet.pts is not None
        }
        chapters = container.chapters()
    starts = {round(float(c["start"] * (c["time_base"] or 0)) * FPS) for c in chapters}
    assert starts <= keyframes


def test_blocks_are_named_by_their_labels_where_given(kit: Kit, tmp_path: Path) -> None:
    ir = f'{{ type = "ir", path = "{kit.irs[0]}", label = "Greenback 4x12" }}'
    settings = 'segment_seconds = 1.0\noutputs = ["video"]\nvideo_size = "1280x720"'
    spec = kit.spec(chains=1, extra_settings=settings, ir_block=ir)
    out = tmp_path / "out"
    render_shootout(load_spec(spec), out, workers=1)
    text = _output(out, "video_description", "DI 1").read_text(encoding="utf-8")
    assert "  IR: Greenback 4x12  ·  " in text
    assert kit.irs[0].stem not in text

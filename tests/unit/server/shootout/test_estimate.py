"""The render-time estimate: positive, and growing with audio, chains, slow captures, plots."""

from __future__ import annotations

import uuid
from typing import Any

from toneshootout.engine.video.layout import VIDEO_SIZES
from toneshootout.server.shootout.checks import ItemFacts
from toneshootout.server.shootout.estimate import (
    VIDEO_ENCODE_SPEED,
    VIDEO_PER_DI_S,
    capture_speed,
    estimated_render_seconds,
    montage_seconds,
)
from toneshootout.server.shootout.schemas import ShootoutIn

DI = uuid.uuid4()
STANDARD = uuid.uuid4()
NANO = uuid.uuid4()
A2 = uuid.uuid4()


def _items(di_seconds: float) -> dict[uuid.UUID, ItemFacts]:
    return {
        DI: ItemFacts("di_track", "di.wav", 48000, di_seconds),
        STANDARD: ItemFacts(
            "capture", "s.nam", 48000, architecture="WaveNet", size_label="standard"
        ),
        NANO: ItemFacts("capture", "n.nam", 48000, architecture="WaveNet", size_label="nano"),
        A2: ItemFacts("capture", "a2.nam", 48000, architecture="WaveNet"),
    }


def _estimate(
    *,
    di_seconds: float = 30.0,
    chains: int = 2,
    capture: uuid.UUID = STANDARD,
    di: Any = None,
    outputs: list[str] | None = None,
    settings: dict[str, Any] | None = None,
) -> float:
    body = ShootoutIn.model_validate(
        {
            "title": "Estimate",
            "di_tracks": [di or str(DI)],
            "chains": [
                {"name": f"c{i}", "blocks": [{"type": "capture", "capture_id": str(capture)}]}
                for i in range(chains)
            ],
            "settings": ({} if outputs is None else {"outputs": outputs}) | (settings or {}),
        }
    )
    return estimated_render_seconds(body, _items(di_seconds))


def test_estimate_is_positive_even_for_the_shortest_render() -> None:
    assert _estimate(di_seconds=0.4, chains=1, outputs=["wav"]) > 0.0


def test_estimate_grows_with_di_length_and_chain_count() -> None:
    assert _estimate(di_seconds=10.0) < _estimate(di_seconds=20.0) < _estimate(di_seconds=600.0)
    assert _estimate(chains=1) < _estimate(chains=2) < _estimate(chains=8)


def test_estimate_counts_only_the_region() -> None:
    region = {"di_id": str(DI), "region": {"start_s": 10.0, "end_s": 20.0}}
    assert _estimate(di_seconds=300.0, di=region) == _estimate(di_seconds=10.0)


def test_estimate_follows_the_measured_capture_speed() -> None:
    assert _estimate(capture=NANO) < _estimate(capture=STANDARD) < _estimate(capture=A2)
    double_rate = ItemFacts("capture", "x.nam", 96000, architecture="LSTM")
    assert (
        capture_speed(double_rate)
        == capture_speed(ItemFacts("capture", "y", architecture="LSTM")) / 2
    )


def test_estimate_counts_plots_only_when_asked_for() -> None:
    assert _estimate(outputs=["wav"]) < _estimate(outputs=["wav", "plots"])


def test_a_video_costs_its_montage_over_the_encoders_speed_at_its_size() -> None:
    assert set(VIDEO_ENCODE_SPEED) == set(VIDEO_SIZES)  # a speed for every size a render takes
    without = _estimate(outputs=["wav", "montage"])
    with_video = {
        size: _estimate(outputs=["wav", "montage", "video"], settings={"video_size": size})
        for size in VIDEO_SIZES
    }
    # 30 s of DI through 2 chains: a 60 s montage, encoded at the measured speed at 1080p.
    added = with_video["1920x1080"] - without
    expected = VIDEO_PER_DI_S + 60.0 / VIDEO_ENCODE_SPEED["1920x1080"]
    assert abs(added - expected) < 0.11  # each estimate is rounded
    assert with_video["1280x720"] < with_video["1080x1080"] < with_video["1920x1080"]
    # The size alone changes nothing without the video.
    assert _estimate(outputs=["wav"], settings={"video_size": "1280x720"}) == _estimate(
        outputs=["wav"]
    )


def test_the_montage_lasts_every_chain_over_the_di_plus_its_gaps() -> None:
    body = ShootoutIn.model_validate(
        {
            "title": "Montage",
            "di_tracks": [str(DI)],
            "chains": [{"name": "c", "blocks": [{"type": "gain"}]}],
            "settings": {"segment_seconds": 4.0, "gap_seconds": 0.5},
        }
    )
    # 10 s in 4 s windows: 3 windows × 2 chains = 6 segments, 5 gaps between them.
    assert montage_seconds(10.0, 2, body.settings) == 10.0 * 2 + 0.5 * 5
    assert montage_seconds(10.0, 2, body.settings.model_copy(update={"gap_seconds": 0.0})) == 20.0
    assert montage_seconds(0.0, 2, body.settings) == 0.0

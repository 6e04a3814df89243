"""The render-time estimate: positive, and growing with audio, chains, slow captures, plots."""

from __future__ import annotations

import uuid
from typing import Any

from toneshootout.server.shootout.checks import ItemFacts
from toneshootout.server.shootout.estimate import capture_speed, estimated_render_seconds
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
) -> float:
    body = ShootoutIn.model_validate(
        {
            "title": "Estimate",
            "di_tracks": [di or str(DI)],
            "chains": [
                {"name": f"c{i}", "blocks": [{"type": "capture", "capture_id": str(capture)}]}
                for i in range(chains)
            ],
            "settings": {} if outputs is None else {"outputs": outputs},
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

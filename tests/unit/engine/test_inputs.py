"""Input loading refuses DIs and regions too short for the loudness the levels are set from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.inputs import MIN_DI_SECONDS, check_di_length, load_inputs
from toneshootout.engine.loudness import MOMENTARY_S
from toneshootout.engine.spec import parse_spec


def test_min_di_seconds_is_one_loudness_block() -> None:
    assert MIN_DI_SECONDS == MOMENTARY_S == 0.4


@pytest.mark.parametrize("seconds", [0.0, 0.01, 0.39999])
def test_check_di_length_refuses_short_audio(seconds: float) -> None:
    with pytest.raises(InvalidInput, match="needs at least 400 ms of audio"):
        check_di_length(seconds, "di.wav")


def test_check_di_length_accepts_the_minimum() -> None:
    check_di_length(MIN_DI_SECONDS, "di.wav")


@pytest.mark.parametrize(
    ("region", "accepted"),
    [((0.0, 0.399), False), ((0.6, 1.0), True), ((0.8, 5.0), False), ((0.0, 0.4), True)],
)
def test_load_inputs_checks_region_length(
    tmp_path: Path, region: tuple[float, float], accepted: bool
) -> None:
    di = tmp_path / "di.wav"
    sf.write(di, 0.25 * np.sin(np.arange(48_000) / 10.0), 48_000, "PCM_16")
    spec = parse_spec(
        {
            "di": [
                {"name": "d", "path": str(di), "region": {"start_s": region[0], "end_s": region[1]}}
            ],
            "chain": [{"name": "c", "blocks": [{"type": "gain", "gain_db": 0.0}]}],
        },
        "test",
    )
    if accepted:
        assert load_inputs(spec).dis[0].samples.shape[0] == round(
            48_000 * min(region[1] - region[0], 1.0 - region[0])
        )
    else:
        with pytest.raises(InvalidInput, match=r"the region is .* ms long"):
            load_inputs(spec)

"""Stereo-to-mono policies."""

import numpy as np
import pytest

from toneshootout.engine.channels import ChannelPolicy, to_mono
from toneshootout.engine.errors import InvalidInput

STEREO = np.array([[0.5, -0.25], [1.0, 1.0], [-1.0, 0.0]], dtype=np.float32)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("left", [0.5, 1.0, -1.0]), ("right", [-0.25, 1.0, 0.0]), ("mid", [0.125, 1.0, -0.5])],
)
def test_to_mono_picks_or_averages_stereo(policy: ChannelPolicy, expected: list[float]) -> None:
    mono = to_mono(STEREO, policy, "di.wav")
    assert mono.dtype == np.float32
    assert mono.tolist() == expected


@pytest.mark.parametrize("policy", ["left", "mid"])
@pytest.mark.parametrize("shape", [(3,), (3, 1)])
def test_to_mono_passes_mono_through(policy: ChannelPolicy, shape: tuple[int, ...]) -> None:
    x = np.array([0.1, -0.2, 0.3], dtype=np.float32).reshape(shape)
    assert to_mono(x, policy, "di.wav").tolist() == pytest.approx([0.1, -0.2, 0.3])


def test_to_mono_refuses_right_on_mono_naming_source() -> None:
    with pytest.raises(InvalidInput, match="'right'") as caught:
        to_mono(np.zeros(4, np.float32), "right", "di.wav")
    assert caught.value.source == "di.wav"


def test_to_mono_refuses_more_than_two_channels() -> None:
    with pytest.raises(InvalidInput, match="expected mono or stereo"):
        to_mono(np.zeros((4, 3), np.float32), "mid", "di.wav")


def test_to_mono_refuses_unknown_policy() -> None:
    with pytest.raises(InvalidInput, match="unknown channel policy"):
        to_mono(STEREO, "side", "di.wav")  # type: ignore[arg-type]

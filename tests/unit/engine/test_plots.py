"""Plots: PNG and SVG written, non-empty, byte-identical on a second call."""

from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.plots import (
    plot_difference,
    plot_ltas,
    plot_spectrogram,
    plot_waveform,
    smoothed_ltas,
)
from toneshootout.engine.types import Signal

RATE = 16000


def _renders() -> dict[str, Signal]:
    rng = np.random.default_rng(5)
    t = np.arange(RATE) / RATE
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)
    return {
        "Plexi": (tone + 0.01 * rng.standard_normal(RATE)).astype(np.float32),
        "JCM800": (0.8 * tone + 0.02 * rng.standard_normal(RATE)).astype(np.float32),
    }


PLOTTERS: dict[str, Callable[[Path], list[Path]]] = {
    "ltas": lambda stem: plot_ltas(_renders(), RATE, stem),
    "difference": lambda stem: plot_difference(
        _renders()["Plexi"], _renders()["JCM800"], ("Plexi", "JCM800"), RATE, stem
    ),
    "spectrogram": lambda stem: plot_spectrogram(_renders()["Plexi"], RATE, "Plexi", stem),
    "waveform": lambda stem: plot_waveform(_renders(), RATE, stem),
}


@pytest.mark.parametrize("kind", sorted(PLOTTERS))
def test_plot_writes_identical_png_and_svg_twice(kind: str, tmp_path: Path) -> None:
    salt = matplotlib.rcParams["svg.hashsalt"]
    first = PLOTTERS[kind](tmp_path / "a" / kind)
    assert [p.name for p in first] == [f"{kind}.png", f"{kind}.svg"]
    first_bytes = [p.read_bytes() for p in first]
    assert first_bytes[0].startswith(b"\x89PNG")
    assert b"<svg" in first_bytes[1]
    assert b"<dc:date>" not in first_bytes[1]
    assert b"Matplotlib v" not in first_bytes[1]
    second = PLOTTERS[kind](tmp_path / "b" / kind)
    assert [p.read_bytes() for p in second] == first_bytes
    assert matplotlib.rcParams["svg.hashsalt"] == salt


def test_smoothed_ltas_peaks_at_the_tone() -> None:
    freqs, level = smoothed_ltas(_renders()["Plexi"], RATE)
    assert freqs[0] == pytest.approx(20.0)
    assert freqs[-1] == pytest.approx(RATE / 2)
    assert freqs[int(np.argmax(level))] == pytest.approx(220.0, rel=0.1)


def test_plot_difference_needs_two_names(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="two chain names"):
        plot_difference(_renders()["Plexi"], _renders()["Plexi"], ("Plexi",), RATE, tmp_path / "d")


def test_plot_ltas_refuses_empty_mapping(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="nothing to plot"):
        plot_ltas({}, RATE, tmp_path / "x")

"""Plots: PNG and SVG written, non-empty, byte-identical on a second call."""

import math
from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.image
import numpy as np
import pytest
from scipy.signal import welch

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.plots import (
    LTAS_SEGMENT,
    SPECTROGRAM_COLUMNS,
    SPECTROGRAM_ROWS,
    SPECTROGRAM_WINDOW,
    log_frequency_rows,
    plot_difference,
    plot_ltas,
    plot_spectrogram,
    plot_waveform,
    smoothed_ltas,
    stft_power,
    waveform_envelope,
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


def test_plot_png_has_figure_size_and_labels_in_svg(tmp_path: Path) -> None:
    png, svg = plot_ltas(_renders(), RATE, tmp_path / "ltas")
    assert matplotlib.image.imread(png).shape[:2] == (750, 1500)
    text = svg.read_text(encoding="utf-8")
    for label in ("Frequency (Hz)", "Level (dBFS/Hz)", "Plexi", "JCM800", "1k"):
        assert f"<!-- {label} -->" in text


def test_waveform_envelope_holds_every_columns_extremes() -> None:
    data = np.random.default_rng(2).standard_normal(10_007)
    starts, lows, highs = waveform_envelope(data, columns=100)
    assert starts.size == lows.size == highs.size == 100
    edges = [*starts.astype(int), data.size]
    for i in range(100):
        column = data[edges[i] : edges[i + 1]]
        assert lows[i] == column.min()
        assert highs[i] == column.max()


def test_waveform_svg_does_not_grow_with_the_take(tmp_path: Path) -> None:
    def svg_size(seconds: int) -> int:
        x = np.random.default_rng(3).uniform(-0.5, 0.5, seconds * RATE).astype(np.float32)
        return plot_waveform({"A": x}, RATE, tmp_path / f"w{seconds}")[1].stat().st_size

    assert svg_size(60) < 1.2 * svg_size(4)


@pytest.mark.parametrize(("seconds", "rate"), [(60, RATE), (900, 8000)])
def test_stft_power_has_a_bounded_number_of_columns(seconds: int, rate: int) -> None:
    data = np.random.default_rng(4).standard_normal(seconds * rate).astype(np.float32)
    freqs, power = stft_power(data.astype(np.float64), rate)
    assert power.shape[1] == freqs.size == SPECTROGRAM_WINDOW // 2 + 1
    assert SPECTROGRAM_COLUMNS // 2 < power.shape[0] <= SPECTROGRAM_COLUMNS


def test_stft_power_columns_average_every_frame_of_a_long_take() -> None:
    # A burst too short to fill a column must still show, diluted, in the column holding it.
    rate = 8000
    data = np.zeros(900 * rate)
    data[450 * rate : 450 * rate + 2000] = np.sin(2 * np.pi * 1000 * np.arange(2000) / rate)
    freqs, power = stft_power(data, rate)
    loud_column = int(np.argmax(power.sum(axis=1)))
    assert abs(loud_column / power.shape[0] - 0.5) < 0.01
    assert freqs[int(np.argmax(power[loud_column]))] == pytest.approx(1000.0, abs=rate / 4096)


def test_log_frequency_rows_keep_a_tone_between_row_centres() -> None:
    rate = 48000
    rows = np.linspace(math.log2(20.0), math.log2(rate / 2), SPECTROGRAM_ROWS)
    # A tone half-way between two high rows, where rows are many bins wide.
    tone = 2.0 ** ((rows[-40] + rows[-39]) / 2)
    t = np.arange(rate) / rate
    freqs, power = stft_power(np.sin(2 * np.pi * tone * t), rate)
    centres, image = log_frequency_rows(freqs, power, rate)
    assert image.shape == (SPECTROGRAM_ROWS, power.shape[0])
    assert np.array_equal(centres, rows)
    loudest_row = int(np.argmax(image.mean(axis=1)))
    assert loudest_row in (SPECTROGRAM_ROWS - 40, SPECTROGRAM_ROWS - 39)
    assert image[loudest_row].mean() > 1e3 * np.median(image)


def test_spectrogram_svg_embeds_raster_images_not_cells(tmp_path: Path) -> None:
    png, svg = plot_spectrogram(_renders()["Plexi"], RATE, "Plexi", tmp_path / "s")
    text = svg.read_text(encoding="utf-8")
    assert text.count("<image ") == 2  # the spectrogram and its colour bar
    assert text.count("<path ") < 200  # axes, ticks and glyphs only
    for label in ("Time (s)", "Frequency (Hz)", "dB (re loudest)", "Plexi"):
        assert f"<!-- {label} -->" in text
    assert matplotlib.image.imread(png).shape[:2] == (750, 1500)


def test_smoothed_ltas_matches_scipy_welch_smoothed_the_same_way() -> None:
    x = _renders()["JCM800"]
    freqs, level = smoothed_ltas(x, RATE)
    bins, power = welch(
        x.astype(np.float64), fs=RATE, nperseg=min(LTAS_SEGMENT, x.size), detrend=False
    )
    half_band = 2.0 ** (1 / 12)
    reference = []
    for f in freqs:
        band = power[(bins >= f / half_band) & (bins <= f * half_band)]
        reference.append(band.mean() if band.size else np.interp(f, bins, power))
    assert np.allclose(level, 10 * np.log10(reference), atol=1e-3)

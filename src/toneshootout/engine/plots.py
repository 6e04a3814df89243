"""Comparison plots (PNG and SVG, byte-for-byte reproducible): LTAS, difference, spectrogram, wave.

Figures are built on an explicit Agg canvas, never through pyplot, so importing this module
selects no backend and leaves matplotlib's global state alone. Colours are the Okabe–Ito
palette (distinguishable with every common colour-vision deficiency), with line styles varied too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.signal import spectrogram, welch

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.loudness import as_mono_float64
from toneshootout.engine.types import Float64Array, Signal

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
LINE_STYLES = ("-", "--", "-.", ":")
DPI = 150
FIGSIZE = (10.0, 5.0)
# A fixed salt makes the SVG element ids (clip paths, images) the same on every run.
SVG_HASH_SALT = "toneshootout"
LTAS_SEGMENT = 16384
SMOOTHING_OCTAVES = 1.0 / 6.0
GRID_POINTS_PER_OCTAVE = 48
LOWEST_HZ = 20.0
HIGHEST_HZ = 20000.0
SPECTROGRAM_WINDOW = 4096
SPECTROGRAM_COLUMNS = 1200
SPECTROGRAM_ROWS = 320
SPECTROGRAM_RANGE_DB = 90.0
WAVEFORM_COLUMNS = 2000
FREQ_TICKS_HZ = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)
_FLOOR = 1e-20


def _colour(i: int) -> str:
    return OKABE_ITO[i % len(OKABE_ITO)]


def _line_style(i: int) -> str:
    # Past eight chains the colours repeat, so the line style tells them apart.
    return LINE_STYLES[i // len(OKABE_ITO) % len(LINE_STYLES)]


def _figure(rows: int = 1) -> tuple[Figure, list[Axes]]:
    height = FIGSIZE[1] if rows == 1 else max(FIGSIZE[1], 1.6 * rows)
    fig = Figure(figsize=(FIGSIZE[0], height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, 1, i + 1) for i in range(rows)]
    return fig, axes


def _save(fig: Figure, path_stem: Path) -> list[Path]:
    """Write `<stem>.png` and `<stem>.svg` with no dates, versions or random ids inside."""
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    png = path_stem.parent / f"{path_stem.name}.png"
    svg = path_stem.parent / f"{path_stem.name}.svg"
    fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "path"}):
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return [png, svg]


def _checked(renders: Mapping[str, Signal]) -> dict[str, Float64Array]:
    if not renders:
        raise InvalidInput("renders", "nothing to plot: no renders given")
    return {name: as_mono_float64(x, f"render {name!r}") for name, x in renders.items()}


def _top_hz(rate: int) -> float:
    return min(HIGHEST_HZ, rate / 2.0)


def smoothed_ltas(x: Signal, rate: int) -> tuple[Float64Array, Float64Array]:
    """Long-term average spectrum (dBFS/Hz, Welch) averaged over 1/6 octave around log-spaced
    frequencies from 20 Hz to 20 kHz (or Nyquist)."""
    data = as_mono_float64(x, "signal")
    freqs, power = welch(data, fs=rate, nperseg=min(LTAS_SEGMENT, data.size), detrend=False)
    octaves = math.log2(_top_hz(rate) / LOWEST_HZ)
    grid = LOWEST_HZ * 2.0 ** np.linspace(0.0, octaves, int(octaves * GRID_POINTS_PER_OCTAVE) + 1)
    half_band = 2.0 ** (SMOOTHING_OCTAVES / 2.0)
    lo = np.searchsorted(freqs, grid / half_band, side="left")
    hi = np.searchsorted(freqs, grid * half_band, side="right")
    cumulative = np.concatenate([[0.0], np.cumsum(power)])
    count = hi - lo
    averaged = (cumulative[hi] - cumulative[lo]) / np.maximum(count, 1)
    # Where the band is narrower than one analysis bin (the lowest notes), read the curve instead.
    smoothed = np.where(count > 0, averaged, np.interp(grid, freqs, power))
    return grid, 10.0 * np.log10(np.maximum(smoothed, _FLOOR))


def _frequency_axis(ax: Axes, rate: int) -> None:
    ax.set_xscale("log")
    ax.set_xlim(LOWEST_HZ, _top_hz(rate))
    ticks = [f for f in FREQ_TICKS_HZ if f <= _top_hz(rate)]
    ax.set_xticks(ticks, [f"{f // 1000}k" if f >= 1000 else str(f) for f in ticks])
    ax.set_xlabel("Frequency (Hz)")
    ax.grid(True, which="major", alpha=0.3)


def plot_ltas(renders: Mapping[str, Signal], rate: int, path_stem: Path) -> list[Path]:
    """Overlaid 1/6-octave-smoothed long-term average spectra, one curve per chain."""
    checked = _checked(renders)
    fig, (ax,) = _figure()
    for i, (name, data) in enumerate(checked.items()):
        freqs, level = smoothed_ltas(data.astype(np.float32), rate)
        ax.plot(freqs, level, label=name, linewidth=1.4, color=_colour(i), linestyle=_line_style(i))
    _frequency_axis(ax, rate)
    ax.set_ylabel("Level (dBFS/Hz)")
    ax.set_title("Long-term average spectrum (1/6-octave smoothing)")
    ax.legend(loc="lower left")
    return _save(fig, path_stem)


def plot_difference(
    a: Signal, b: Signal, names: Sequence[str], rate: int, path_stem: Path
) -> list[Path]:
    """How much louder a is than b per frequency: LTAS(a) − LTAS(b), 1/6-octave smoothed."""
    if len(names) != 2:
        raise InvalidInput("names", f"need exactly two chain names, got {len(names)}")
    freqs, level_a = smoothed_ltas(a, rate)
    _, level_b = smoothed_ltas(b, rate)
    fig, (ax,) = _figure()
    ax.axhline(0.0, color="#000000", linewidth=0.8)
    ax.plot(freqs, level_a - level_b, linewidth=1.6, color=_colour(0))
    _frequency_axis(ax, rate)
    ax.set_ylabel("Difference (dB)")
    ax.set_title(f"{names[0]} minus {names[1]} (long-term spectrum, 1/6 octave)")
    return _save(fig, path_stem)


def _log_frequency_rows(
    freqs: Float64Array, power: Float64Array, rate: int
) -> tuple[Float64Array, Float64Array]:
    rows = np.linspace(math.log2(LOWEST_HZ), math.log2(rate / 2.0), SPECTROGRAM_ROWS)
    index = np.interp(2.0**rows, freqs, np.arange(freqs.size, dtype=np.float64))
    below = np.floor(index).astype(np.intp)
    above = np.minimum(below + 1, freqs.size - 1)
    weight = (index - below)[:, None]
    return rows, (1.0 - weight) * power[below] + weight * power[above]


def plot_spectrogram(x: Signal, rate: int, title: str, path_stem: Path) -> list[Path]:
    """Spectrogram on a log-frequency axis, dB relative to its loudest cell (90 dB shown)."""
    data = as_mono_float64(x, "signal")
    window = min(SPECTROGRAM_WINDOW, data.size)
    hop = min(window, max(window // 4, math.ceil(data.size / SPECTROGRAM_COLUMNS)))
    freqs, _, power = spectrogram(data, fs=rate, nperseg=window, noverlap=window - hop)
    rows, image = _log_frequency_rows(freqs, power, rate)
    level = 10.0 * np.log10(np.maximum(image, _FLOOR))
    level -= float(level.max())
    fig, (ax,) = _figure()
    shown = ax.imshow(
        level,
        origin="lower",
        aspect="auto",
        cmap="magma",
        vmin=-SPECTROGRAM_RANGE_DB,
        vmax=0.0,
        extent=(0.0, data.size / rate, float(rows[0]), float(rows[-1])),
        interpolation="nearest",
    )
    ticks = [f for f in FREQ_TICKS_HZ if f <= rate / 2]
    ax.set_yticks(
        [math.log2(f) for f in ticks], [f"{f // 1000}k" if f >= 1000 else str(f) for f in ticks]
    )
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Frequency (Hz)")
    ax.set_title(title)
    fig.colorbar(shown, ax=ax, label="dB (re loudest)")
    return _save(fig, path_stem)


def _envelope(data: Float64Array) -> tuple[Float64Array, Float64Array, Float64Array]:
    """Per-column min and max, so a long take draws as a few thousand points, not millions."""
    columns = min(WAVEFORM_COLUMNS, data.size)
    edges = np.linspace(0, data.size, columns + 1).astype(np.intp)
    lows = np.minimum.reduceat(data, edges[:-1])
    highs = np.maximum.reduceat(data, edges[:-1])
    return edges[:-1].astype(np.float64), lows, highs


def plot_waveform(renders: Mapping[str, Signal], rate: int, path_stem: Path) -> list[Path]:
    """Waveforms of the renders, one lane per chain on a shared time axis and full-scale range."""
    checked = _checked(renders)
    fig, axes = _figure(rows=len(checked))
    for i, ((name, data), ax) in enumerate(zip(checked.items(), axes, strict=True)):
        starts, lows, highs = _envelope(data)
        ax.fill_between(starts / rate, lows, highs, color=_colour(i), linewidth=0.0)
        ax.set_ylim(-1.0, 1.0)
        ax.set_xlim(0.0, data.size / rate)
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
    axes[-1].set_xlabel("Time (s)")
    axes[0].set_title("Waveform (full scale = ±1)")
    return _save(fig, path_stem)

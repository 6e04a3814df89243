"""Comparison plots (PNG and SVG, byte-for-byte reproducible): LTAS, difference, spectrogram, wave.

Figures are built on an explicit Agg canvas, never through pyplot, so importing this module
selects no backend and leaves matplotlib's global state alone. Colours are the Okabe–Ito
palette (distinguishable with every common colour-vision deficiency), with line styles varied too.

Every figure draws only what its pixels can show, so a long take costs no more than a short one:
spectra are curves of a few hundred log-spaced points, the waveform is a per-column min/max
envelope, and the spectrogram is one bounded image (a raster inside the SVG too). Margins are
fixed rather than solved by a layout engine, which re-measured every label on every save.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
import numpy.typing as npt
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft
from scipy.signal import get_window

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.loudness import as_mono_float64
from toneshootout.engine.metrics import long_term_spectrum
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
# Fixed margins (inches): room for the tick labels, axis labels, title and colour bar.
MARGINS_IN = {"left": 0.95, "right": 0.3, "top": 0.45, "bottom": 0.6}
COLORBAR_IN = (0.2, 1.05)  # colour bar width, and the space it takes with its labels
COLORBAR_LABEL_IN = 0.55  # from the bar's left edge to its label
LANE_GAP_IN = 0.3
LABEL_OFFSET_IN = (0.3, 0.55)  # x label below, y label left of the axes
# A fixed salt makes the SVG element ids (clip paths, images) the same on every run.
SVG_HASH_SALT = "toneshootout"
# zlib level 1: plots compress well anyway; level 6 takes three times as long for ~15 % less.
PNG_COMPRESS_LEVEL = 1
LTAS_SEGMENT = 16384
SMOOTHING_OCTAVES = 1.0 / 6.0
GRID_POINTS_PER_OCTAVE = 48
LOWEST_HZ = 20.0
HIGHEST_HZ = 20000.0
SPECTROGRAM_WINDOW = 4096
# About two PNG pixels per frame; frames still overlap (the window is 85 ms at 48 kHz).
SPECTROGRAM_COLUMNS = 600
SPECTROGRAM_FRAMES_PER_BATCH = 256
SPECTROGRAM_ROWS = 256  # 25 rows an octave: two a semitone
SPECTROGRAM_RANGE_DB = 90.0
SPECTROGRAM_CMAP = "magma"  # perceptually uniform, readable in grey and by colour-blind eyes
COLORBAR_STEP_DB = 15.0
WAVEFORM_COLUMNS = 2000
FREQ_TICKS_HZ = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)
_FLOOR = 1e-20
LTAS_RANGE_DB = 90.0  # spectra are drawn and differenced within this range of their peak


def _colour(i: int) -> str:
    return OKABE_ITO[i % len(OKABE_ITO)]


def _line_style(i: int) -> str:
    # Past eight chains the colours repeat, so the line style tells them apart.
    return LINE_STYLES[i // len(OKABE_ITO) % len(LINE_STYLES)]


def _figure(rows: int = 1, colorbar: bool = False) -> tuple[Figure, list[Axes]]:
    width, height = FIGSIZE[0], FIGSIZE[1] if rows == 1 else max(FIGSIZE[1], 1.6 * rows)
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    right = MARGINS_IN["right"] + (COLORBAR_IN[1] if colorbar else 0.0)
    lanes = height - MARGINS_IN["top"] - MARGINS_IN["bottom"] - (rows - 1) * LANE_GAP_IN
    fig.subplots_adjust(
        left=MARGINS_IN["left"] / width,
        right=1.0 - right / width,
        bottom=MARGINS_IN["bottom"] / height,
        top=1.0 - MARGINS_IN["top"] / height,
        hspace=LANE_GAP_IN / (lanes / rows),  # matplotlib counts the gap in lane heights
    )
    axes = [fig.add_subplot(rows, 1, i + 1) for i in range(rows)]
    return fig, axes


def _label(
    fig: Figure, ax: Axes, xlabel: str | None, ylabel: str, title: str | None = None
) -> None:
    """Axis labels and title at fixed offsets (inches) from the axes.

    Left to matplotlib, each save would first measure every tick label to place them.
    """
    width_in, height_in = fig.get_size_inches()
    box = ax.get_position()
    if xlabel is not None:
        ax.set_xlabel(xlabel)
        ax.xaxis.set_label_coords(0.5, -LABEL_OFFSET_IN[0] / (box.height * height_in))
    ax.set_ylabel(ylabel)
    ax.yaxis.set_label_coords(-LABEL_OFFSET_IN[1] / (box.width * width_in), 0.5)
    if title is not None:
        ax.set_title(title, y=1.0)  # an explicit y: no search for tick labels above the axes


def _save(fig: Figure, path_stem: Path) -> list[Path]:
    """Write `<stem>.png` and `<stem>.svg` with no dates, versions or random ids inside."""
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    png = path_stem.parent / f"{path_stem.name}.png"
    svg = path_stem.parent / f"{path_stem.name}.svg"
    # Pillow's fastest deflate level: plots are long runs of flat colour, so the file is
    # barely larger and the encode several times faster than the default level.
    fig.savefig(
        png,
        format="png",
        dpi=DPI,
        metadata={"Software": None},
        pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL},
    )
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
    # Single precision is ample for a curve drawn in dB, and halves the FFTs' cost.
    data = as_mono_float64(x, "signal").astype(np.float32)
    freqs, power = long_term_spectrum(data, rate, LTAS_SEGMENT)
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
    # The labelled 1-2-5 ticks are dense enough to read; minor log ticks cost a draw each.
    ax.xaxis.set_minor_locator(NullLocator())
    ax.grid(True, which="major", alpha=0.3)


def plot_ltas(renders: Mapping[str, Signal], rate: int, path_stem: Path) -> list[Path]:
    """Overlaid 1/6-octave-smoothed long-term average spectra, one curve per chain."""
    checked = _checked(renders)
    fig, (ax,) = _figure()
    top = -np.inf
    for i, (name, data) in enumerate(checked.items()):
        freqs, level = smoothed_ltas(data.astype(np.float32), rate)
        top = max(top, float(np.max(level)))
        ax.plot(freqs, level, label=name, linewidth=1.4, color=_colour(i), linestyle=_line_style(i))
    # Show the range a listener can hear differences in, not the numerical floor.
    ax.set_ylim(top - LTAS_RANGE_DB, top + 5.0)
    _frequency_axis(ax, rate)
    _label(
        fig,
        ax,
        "Frequency (Hz)",
        "Level (dBFS/Hz)",
        "Long-term average spectrum (1/6-octave smoothing)",
    )
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
    # Where both spectra are far below their peak the difference is noise: leave a gap.
    top = max(float(np.max(level_a)), float(np.max(level_b)))
    audible = np.maximum(level_a, level_b) > top - LTAS_RANGE_DB
    difference = np.where(audible, level_a - level_b, np.nan)
    fig, (ax,) = _figure()
    ax.axhline(0.0, color="#000000", linewidth=0.8)
    ax.plot(freqs, difference, linewidth=1.6, color=_colour(0))
    _frequency_axis(ax, rate)
    title = f"{names[0]} minus {names[1]} (long-term spectrum, 1/6 octave)"
    _label(fig, ax, "Frequency (Hz)", "Difference (dB)", title)
    return _save(fig, path_stem)


def _column_means(power: npt.NDArray[np.float32], group: int) -> npt.NDArray[np.float32]:
    """Mean of every run of `group` frames (the last run may be shorter)."""
    whole = power.shape[0] // group * group
    means = [power[:whole].reshape(-1, group, power.shape[1]).mean(axis=1)]
    if whole < power.shape[0]:
        means.append(power[whole:].mean(axis=0, keepdims=True))
    return np.concatenate(means)


def stft_power(data: Float64Array, rate: int) -> tuple[Float64Array, Float64Array]:
    """Hann-window power spectra in at most SPECTROGRAM_COLUMNS columns: (bin Hz, columns × bins).

    Frames overlap (hop <= window) so no moment is skipped; on a take long enough to need more
    frames than columns, each column is the mean of a run of frames.
    """
    window = min(SPECTROGRAM_WINDOW, data.size)
    hop = min(window, max(window // 4, math.ceil(data.size / SPECTROGRAM_COLUMNS)))
    frames = sliding_window_view(data.astype(np.float32), window)[::hop]
    group = math.ceil(frames.shape[0] / SPECTROGRAM_COLUMNS)
    batch = group * max(1, SPECTROGRAM_FRAMES_PER_BATCH // group)  # whole runs, bounded memory
    # Single precision is ample for a picture spanning 90 dB and halves the FFT's cost. No
    # per-frame detrending: removing a frame's mean injects a bright 11 Hz (bin 1) stripe.
    taper = get_window("hann", window).astype(np.float32)
    columns = []
    for first in range(0, frames.shape[0], batch):
        spectra = fft.rfft(frames[first : first + batch] * taper, axis=1)
        columns.append(_column_means(np.square(spectra.real) + np.square(spectra.imag), group))
    freqs = np.asarray(np.fft.rfftfreq(window, 1.0 / rate), dtype=np.float64)
    return freqs, np.concatenate(columns).astype(np.float64)


def log_frequency_rows(
    freqs: Float64Array, power: Float64Array, rate: int
) -> tuple[Float64Array, Float64Array]:
    """(frames × bins) power on SPECTROGRAM_ROWS log-spaced rows: (log2 Hz, rows × frames).

    Each row averages the bins inside its own slice of the log axis, so a harmonic between two
    row centres still shows; rows narrower than a bin (the lowest notes) interpolate instead.
    """
    rows = np.linspace(math.log2(LOWEST_HZ), math.log2(rate / 2.0), SPECTROGRAM_ROWS)
    step = rows[1] - rows[0]
    edges = np.searchsorted(freqs, 2.0 ** np.append(rows - step / 2, rows[-1] + step / 2))
    cumulative = np.concatenate([np.zeros((power.shape[0], 1)), np.cumsum(power, axis=1)], axis=1)
    count = np.diff(edges)
    averaged = (cumulative[:, edges[1:]] - cumulative[:, edges[:-1]]) / np.maximum(count, 1)
    index = np.interp(2.0**rows, freqs, np.arange(freqs.size, dtype=np.float64))
    below = np.floor(index).astype(np.intp)
    above = np.minimum(below + 1, freqs.size - 1)
    weight = index - below
    interpolated = (1.0 - weight) * power[:, below] + weight * power[:, above]
    image = np.where(count > 0, np.maximum(averaged, 0.0), interpolated)
    return rows, np.ascontiguousarray(image.T)


def _log_frequency_ticks(ax: Axes, rate: int) -> None:
    ticks = [f for f in FREQ_TICKS_HZ if f <= rate / 2]
    ax.set_yticks(
        [math.log2(f) for f in ticks], [f"{f // 1000}k" if f >= 1000 else str(f) for f in ticks]
    )


def plot_spectrogram(x: Signal, rate: int, title: str, path_stem: Path) -> list[Path]:
    """Spectrogram on a log-frequency axis, dB relative to its loudest cell (90 dB shown)."""
    data = as_mono_float64(x, "signal")
    rows, image = log_frequency_rows(*stft_power(data, rate), rate)
    level = 10.0 * np.log10(np.maximum(image, _FLOOR))
    level -= float(level.max())
    fig, (ax,) = _figure(colorbar=True)
    # Coloured here, once, at the image's own size: Agg would colour every output pixel twice.
    norm = Normalize(vmin=-SPECTROGRAM_RANGE_DB, vmax=0.0)
    cmap = colormaps[SPECTROGRAM_CMAP]
    half_row = float(rows[1] - rows[0]) / 2.0
    ax.imshow(
        cmap(norm(level), bytes=True),
        origin="lower",
        aspect="auto",
        extent=(0.0, data.size / rate, float(rows[0]) - half_row, float(rows[-1]) + half_row),
        # Drawn as nearest-neighbour in the PNG; the SVG embeds the image's own cells.
        interpolation="none",
    )
    ax.set_ylim(float(rows[0]), float(rows[-1]))
    _log_frequency_ticks(ax, rate)
    _label(fig, ax, "Time (s)", "Frequency (Hz)", title)
    box = ax.get_position()
    width = FIGSIZE[0]
    bar = fig.add_axes((box.x1 + 0.25 / width, box.y0, COLORBAR_IN[0] / width, box.height))
    ticks = np.arange(-SPECTROGRAM_RANGE_DB, 1.0, COLORBAR_STEP_DB)
    fig.colorbar(ScalarMappable(norm, cmap), cax=bar, ticks=ticks, label="dB (re loudest)")
    bar.yaxis.set_label_coords(1.0 + COLORBAR_LABEL_IN / COLORBAR_IN[0], 0.5)
    return _save(fig, path_stem)


def waveform_envelope(
    data: Float64Array, columns: int = WAVEFORM_COLUMNS
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """Per-column (start sample, min, max): a long take draws as a few thousand points."""
    columns = min(columns, data.size)
    edges = np.linspace(0, data.size, columns + 1).astype(np.intp)
    lows = np.minimum.reduceat(data, edges[:-1])
    highs = np.maximum.reduceat(data, edges[:-1])
    return edges[:-1].astype(np.float64), lows, highs


def plot_waveform(renders: Mapping[str, Signal], rate: int, path_stem: Path) -> list[Path]:
    """Waveforms of the renders, one lane per chain on a shared time axis and full-scale range."""
    checked = _checked(renders)
    fig, axes = _figure(rows=len(checked))
    for i, ((name, data), ax) in enumerate(zip(checked.items(), axes, strict=True)):
        starts, lows, highs = waveform_envelope(data)
        ax.fill_between(starts / rate, lows, highs, color=_colour(i), linewidth=0.0)
        ax.set_ylim(-1.0, 1.0)
        ax.set_yticks([-1.0, 0.0, 1.0])
        ax.set_xlim(0.0, data.size / rate)
        ax.grid(True, alpha=0.3)
        last = ax is axes[-1]
        # Lanes share one time axis: its numbers are written once, under the last lane.
        ax.tick_params(labelbottom=last)
        _label(
            fig, ax, "Time (s)" if last else None, name, None if i else "Waveform (full scale = ±1)"
        )
    return _save(fig, path_stem)

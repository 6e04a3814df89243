"""`toneshootout render`: render a TOML shootout spec with progress bars and a summary."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from toneshootout.cli.errors import printable

if TYPE_CHECKING:
    from toneshootout.engine.cache import ChainCache
    from toneshootout.engine.progress import ProgressEvent
    from toneshootout.engine.render import RenderSummary

DEFAULT_CACHE_MAX_MB = 2048


class _Bars:
    """One bar for the whole render and one per DI × chain, created as they start."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._overall = progress.add_task("total", total=1.0)
        self._pairs: dict[tuple[str, str], TaskID] = {}

    def __call__(self, event: ProgressEvent) -> None:
        self._progress.update(self._overall, completed=event.overall)
        if event.step == "render" and event.di is not None and event.chain is not None:
            key = (event.di, event.chain)
            if key not in self._pairs:
                self._pairs[key] = self._progress.add_task(f"{event.di} × {event.chain}", total=1.0)
            self._progress.update(self._pairs[key], completed=event.fraction)


def summary_table(summary: RenderSummary) -> Table:
    """Loudness before/after, gain, true peak and latency for every DI × chain."""
    table = Table(
        title=f"Rendered at {summary.render_rate} Hz → {summary.out_dir}",
        caption=(
            "In dB: DI gain into the chain · Gain: output gain to the target · "
            "Lat.: latency removed (samples)"
        ),
    )
    for column in ("DI", "Chain", "In dB", "LUFS in", "Gain", "LUFS out", "dBTP", "Lat.", "Pol"):
        table.add_column(column, justify="left" if column in ("DI", "Chain") else "right")
    for p in summary.pairs:
        table.add_row(
            p.di,
            p.chain,
            f"{p.input_gain_db:+.1f}",
            f"{p.level.loudness_before_lufs:.1f}",
            f"{p.level.gain_db:+.1f}",
            f"{p.level.loudness_after_lufs:.1f}",
            f"{p.level.true_peak_dbtp:.1f}",
            str(p.latency_samples),
            "+" if p.polarity > 0 else "−",
        )
    return table


def summary_json(summary: RenderSummary) -> str:
    """The summary for scripts: one JSON object on stdout."""
    return json.dumps(
        {
            "out_dir": str(summary.out_dir),
            "render_rate": summary.render_rate,
            "warnings": summary.warnings,
            "pairs": [
                {
                    "di": p.di,
                    "chain": p.chain,
                    "input_gain_db": round(p.input_gain_db, 3),
                    "loudness_before_lufs": round(p.level.loudness_before_lufs, 3),
                    "gain_db": round(p.level.gain_db, 3),
                    "loudness_after_lufs": round(p.level.loudness_after_lufs, 3),
                    "true_peak_dbtp": round(p.level.true_peak_dbtp, 3),
                    "latency_samples": p.latency_samples,
                    "polarity": p.polarity,
                    "from_cache": p.from_cache,
                }
                for p in summary.pairs
            ],
            "cache": None if summary.cache is None else asdict(summary.cache),
        },
        indent=2,
    )


def _open_cache(cache_dir: Path | None, max_mb: int) -> ChainCache | None:
    from toneshootout.engine.cache import ChainCache

    return None if cache_dir is None else ChainCache(cache_dir, max_mb * 2**20)


def run_and_report(
    spec_path: Path,
    out: Path,
    *,
    as_json: bool,
    overwrite: bool,
    cache_dir: Path | None = None,
    cache_max_mb: int = DEFAULT_CACHE_MAX_MB,
) -> RenderSummary:
    """Render a spec file, showing bars (or nothing, for --json), then the summary."""
    # The engine is imported here so `--help` and `process` do not pay for it.
    from toneshootout.cli.tone3000.resolve import load_spec_with_tone3000, write_attribution
    from toneshootout.engine.progress import ignore_progress
    from toneshootout.engine.render import render_shootout
    from toneshootout.engine.video.credits import EndCredit
    from toneshootout.tone3000.attribution import credit_lines

    console = Console(stderr=True)
    # TONE3000 blocks become downloaded, checked files here, before the engine sees the spec.
    spec, credits = load_spec_with_tone3000(
        spec_path, say=lambda text: console.print(printable(text), markup=False, highlight=False)
    )
    cache = _open_cache(cache_dir, cache_max_mb)
    # A video's end card credits the TONE3000 models (the engine credits files by their metadata).
    ends = [EndCredit(line, tone3000=True) for line in credit_lines(credits)]
    if as_json:
        summary = render_shootout(
            spec,
            out,
            progress=ignore_progress,
            overwrite=overwrite,
            cache=cache,
            end_credits=ends,
        )
        if credits:
            write_attribution(summary.out_dir, credits)
        print(summary_json(summary))
        return summary
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bars:
        summary = render_shootout(
            spec, out, progress=_Bars(bars), overwrite=overwrite, cache=cache, end_credits=ends
        )
    if credits:
        written = write_attribution(summary.out_dir, credits)
        console.print(f"credits for the {len(credits)} TONE3000 models: {written}", markup=False)
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if summary.cache is not None:
        stats = summary.cache
        console.print(
            f"cache: {sum(p.from_cache for p in summary.pairs)} of {len(summary.pairs)} "
            f"DI × chain renders reused ({stats.hits} hits, {stats.misses} misses, "
            f"{stats.corrupt} damaged, {stats.evicted} evicted, {stats.write_errors} not stored)"
        )
    Console().print(summary_table(summary))
    return summary


def render(
    spec: Annotated[Path, typer.Argument(help="Shootout spec (TOML).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the render into.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary, no progress bars.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace a non-empty output folder.")] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            help="Reuse unchanged DI × chain renders from this folder (created if missing).",
        ),
    ] = None,
    cache_max_mb: Annotated[
        int, typer.Option("--cache-max-mb", min=1, help="Evict least recently used above this.")
    ] = DEFAULT_CACHE_MAX_MB,
) -> None:
    """Render every DI through every chain: aligned, level-matched, with montage, metrics, plots.

    The spec's settings.outputs choose what is written: wav, flac, mp3, montage, metrics, \
null_tests, plots, and video (an MP4 of each DI's montage with the chains named on screen, \
chapters, a poster PNG and a description for YouTube; settings.video_size 1920x1080, 1280x720 \
or 1080x1080).

    A capture or ir block may name a TONE3000 model instead of a file:

    { type = "capture", tone3000 = { tone_id = 4201, model_id = 90002 } }

    Sign in first (toneshootout login --tone3000). Each model is downloaded with your sign-in, \
checked like an upload, and credited in an ATTRIBUTION file beside the renders (and on the \
end card and in the description of a video).
    """
    run_and_report(
        spec,
        out,
        as_json=as_json,
        overwrite=overwrite,
        cache_dir=cache_dir,
        cache_max_mb=cache_max_mb,
    )

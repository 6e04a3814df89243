"""Write the per-DI outputs of a render: chain audio, montage, metrics, null tests, plots."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from toneshootout.engine.audio_io import write_audio
from toneshootout.engine.background import BackgroundPool
from toneshootout.engine.compose import Segment, build_montage
from toneshootout.engine.metrics import null_test, render_metrics
from toneshootout.engine.outputs import OutputFolder
from toneshootout.engine.plots import plot_difference, plot_ltas, plot_spectrogram, plot_waveform
from toneshootout.engine.progress import CancelToken
from toneshootout.engine.spec import Settings
from toneshootout.engine.tracker import Tracker
from toneshootout.engine.types import Signal
from toneshootout.engine.video.credits import EndCredit
from toneshootout.engine.video.labels import ChainCard
from toneshootout.engine.video.write import VideoSource, write_video

EXTENSIONS = {"wav": ".wav", "flac": ".flac", "mp3": ".mp3"}


@dataclass
class DiReport:
    """What one DI's outputs say, for the manifest and the metrics tables."""

    timeline: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    null_tests: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class VideoContext:
    """What a DI's video needs beyond the renders: names, level decisions, the dry DI, credits."""

    title: str
    cards: Sequence[ChainCard]
    di_samples: Signal
    credits: Sequence[EndCredit]
    cancel: CancelToken | None = None


@dataclass(frozen=True)
class DiOutputs:
    """Everything needed to write one DI's outputs: where, what, and under which names."""

    folder: OutputFolder
    settings: Settings
    di: str
    di_slug: str
    chain_slugs: Mapping[str, str]
    renders: Mapping[str, Signal]  # chain name → aligned, level-matched render
    rate: int
    video: VideoContext | None = None

    @property
    def audio_formats(self) -> list[str]:
        formats: list[str] = [f for f in self.settings.outputs if f in EXTENSIONS]
        return formats or ["wav"]

    def write_audio(self, relative_stem: str, y: Signal, role: str, **labels: Any) -> None:
        for fmt in self.audio_formats:
            target = self.folder.path(f"{relative_stem}{EXTENSIONS[fmt]}")
            write_audio(target, y, self.rate, fmt)
            self.folder.record(role, target, di=self.di, format=fmt, **labels)


def _write_chain_audio(out: DiOutputs) -> None:
    for chain, y in out.renders.items():
        stem = f"renders/{out.di_slug}/{out.chain_slugs[chain]}"
        out.write_audio(stem, y, "chain_render", chain=chain)


def _write_montage(out: DiOutputs) -> tuple[Signal, list[Segment]]:
    settings = out.settings
    montage, segments = build_montage(
        dict(out.renders),
        di=out.di,
        rate=out.rate,
        segment_s=settings.segment_seconds,
        crossfade_ms=settings.crossfade_ms,
        gap_s=settings.gap_seconds,
    )
    if "montage" in settings.outputs:
        out.write_audio(f"montage/{out.di_slug}", montage, "montage")
        out.folder.write_json(
            f"montage/{out.di_slug}.timeline.json",
            [asdict(s) for s in segments],
            role="timeline",
            di=out.di,
        )
    return montage, segments


def _write_video(
    out: DiOutputs, montage: Signal, segments: list[Segment], tracker: Tracker
) -> None:
    """The montage as a labelled, chaptered MP4; encoded here, so progress and cancel reach it."""
    context = out.video
    if context is None:
        raise ValueError("a video was asked for without its context")
    source = VideoSource(
        title=context.title,
        di=out.di,
        settings=out.settings,
        cards=context.cards,
        segments=segments,
        montage=montage,
        rate=out.rate,
        di_samples=context.di_samples,
        source_length=max((y.shape[0] for y in out.renders.values()), default=0),
        credits=context.credits,
    )

    def report(fraction: float) -> None:
        tracker.advance("video", fraction, di=out.di)

    write_video(out.folder, out.di_slug, source, cancel=context.cancel, progress=report)


def null_task(
    a: Signal, b: Signal, rate: int, residual_path: Path | None
) -> tuple[dict[str, Any], list[Path]]:
    """One pair's null test (and its residual WAV when asked); runs in a pool process."""
    result = null_test(a, b, rate)
    if residual_path is None:
        return result.as_dict(), []
    write_audio(residual_path, result.residual, rate, "wav")
    return result.as_dict(), [residual_path]


def metrics_task(renders: Mapping[str, Signal], rate: int) -> dict[str, dict[str, Any]]:
    """Per-chain render metrics; runs in a pool process."""
    return {chain: render_metrics(y, rate).as_dict() for chain, y in renders.items()}


def _submit_analysis(out: DiOutputs, report: DiReport, pool: BackgroundPool) -> None:
    def keep_metrics(metrics: dict[str, dict[str, Any]]) -> None:
        report.metrics = metrics

    pool.submit(metrics_task, dict(out.renders), out.rate, on_done=keep_metrics)
    for a, b in combinations(out.renders, 2):
        residual = None
        if "null_tests" in out.settings.outputs:
            slugs = out.chain_slugs
            residual = out.folder.path(f"null/{out.di_slug}/{slugs[a]}--{slugs[b]}.wav")

        def keep_null(result: tuple[dict[str, Any], list[Path]], a: str = a, b: str = b) -> None:
            entry, written = result
            report.null_tests.append({"di": out.di, "a": a, "b": b, **entry})
            for path in written:
                out.folder.record("null_residual", path, di=out.di, chains=(a, b), format="wav")

        pool.submit(
            null_task, out.renders[a], out.renders[b], out.rate, residual, on_done=keep_null
        )


def _write_plots(out: DiOutputs, pool: BackgroundPool) -> None:
    base = f"plots/{out.di_slug}"
    renders, rate, path = dict(out.renders), out.rate, out.folder.path

    def record(owner: str | None) -> Callable[[list[Path]], None]:
        def done(pictures: list[Path]) -> None:
            for picture in pictures:
                out.folder.record(
                    "plot", picture, di=out.di, chain=owner, format=picture.suffix.lstrip(".")
                )

        return done

    pool.submit(plot_ltas, renders, rate, path(f"{base}/ltas"), on_done=record(None))
    pool.submit(plot_waveform, renders, rate, path(f"{base}/waveform"), on_done=record(None))
    first, *others = list(renders)
    for other in others:
        stem = path(f"{base}/difference-{out.chain_slugs[other]}")
        pool.submit(
            plot_difference,
            renders[first],
            renders[other],
            (first, other),
            rate,
            stem,
            on_done=record(other),
        )
    for chain, y in renders.items():
        stem = path(f"{base}/spectrogram-{out.chain_slugs[chain]}")
        pool.submit(plot_spectrogram, y, rate, chain, stem, on_done=record(chain))


def write_di_outputs(out: DiOutputs, tracker: Tracker, pool: BackgroundPool) -> DiReport:
    """Write one DI's outputs and return what the manifest records about it.

    Audio and the montage are written at once; metrics, null tests and plots go to `pool`,
    and the report is complete once the caller has drained it. The video is encoded last, here,
    while the pool works through the analysis.
    """
    _write_chain_audio(out)
    tracker.advance("audio", 1.0, di=out.di)
    montage, segments = _write_montage(out)
    report = DiReport(timeline=[asdict(s) for s in segments])
    tracker.advance("montage", 1.0, di=out.di)
    _submit_analysis(out, report, pool)
    tracker.advance("metrics", 1.0, di=out.di)
    if "plots" in out.settings.outputs:
        _write_plots(out, pool)
    tracker.advance("plots", 1.0, di=out.di)
    if "video" in out.settings.outputs:
        _write_video(out, montage, segments, tracker)
    tracker.advance("video", 1.0, di=out.di)
    return report


def metrics_csv(rows: list[dict[str, Any]]) -> str:
    """The per DI × chain metrics table as CSV (columns in a fixed order)."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()

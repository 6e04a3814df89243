"""Render a whole shootout: every DI through every chain, aligned, level-matched, reported.

The render is built in a staging folder beside the output folder and moved into place only
when complete, so a failed or cancelled render leaves nothing half-written behind.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from toneshootout import __version__
from toneshootout.engine.align import Alignment, apply_alignment, make_probe, measure_alignment
from toneshootout.engine.background import BackgroundPool
from toneshootout.engine.cache import CacheStats, ChainCache, alignment_key, pair_key
from toneshootout.engine.chain import run_chain, tail_samples
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.inputs import LoadedChain, LoadedDi, LoadedInputs, load_inputs
from toneshootout.engine.levels import (
    ChainLevel,
    LoudnessMatch,
    apply_gain,
    input_gain_db,
    match_loudness,
)
from toneshootout.engine.manifest import build_manifest, level_dict
from toneshootout.engine.outputs import OutputFolder, unique_slugs
from toneshootout.engine.progress import CancelToken, ProgressSink, ignore_progress
from toneshootout.engine.report import (
    DiOutputs,
    DiReport,
    VideoContext,
    metrics_csv,
    write_di_outputs,
)
from toneshootout.engine.spec import Spec
from toneshootout.engine.tracker import Tracker
from toneshootout.engine.types import Signal
from toneshootout.engine.video.credits import EndCredit, all_credits
from toneshootout.engine.video.labels import chain_cards

ALIGN_MARGIN_S = 0.010  # room for the largest latency the alignment search accepts
TAIL_FLOOR_DB = -90.0  # tails are kept until they fall below this, relative to the peak


@dataclass(frozen=True)
class PairSummary:
    di: str
    chain: str
    input_gain_db: float
    level: ChainLevel
    latency_samples: int
    polarity: int
    from_cache: bool = False  # the chain's processing was reused, not re-run


@dataclass(frozen=True)
class RenderSummary:
    out_dir: Path
    render_rate: int
    pairs: list[PairSummary]
    warnings: list[str]
    cache: CacheStats | None = None  # None when the render used no cache


def _measure_alignment(chain: LoadedChain, rate: int, cancel: CancelToken | None) -> Alignment:
    probe = make_probe(rate)
    padded = np.pad(probe, (0, tail_samples(chain, rate)))
    response = run_chain(chain, padded, rate, workers=1, cancel=cancel)
    return measure_alignment(probe, response[: probe.shape[0]], rate)


def _alignment(
    chain: LoadedChain, rate: int, cancel: CancelToken | None, cache: ChainCache | None
) -> Alignment:
    if cache is None:
        return _measure_alignment(chain, rate, cancel)
    key = alignment_key(chain, rate)
    found = cache.get_alignment(key)
    if found is None:
        found = _measure_alignment(chain, rate, cancel)
        cache.put_alignment(key, found)
    return found


def _measure_alignments(
    inputs: LoadedInputs, tracker: Tracker, cancel: CancelToken | None, cache: ChainCache | None
) -> dict[str, Alignment]:
    alignments = {}
    for i, chain in enumerate(inputs.chains):
        alignments[chain.name] = _alignment(chain, inputs.render_rate, cancel, cache)
        tracker.advance("align", (i + 1) / len(inputs.chains), chain=chain.name)
    return alignments


def _chain_input_gain(spec: Spec, di: LoadedDi, chain: LoadedChain) -> float:
    """The DI gain for one chain; identical for every chain except under `calibrated`.

    `calibrated` emulates plugging the same physical signal into each capture: the digital
    gain is the interface's dBu at 0 dBFS minus the level the first capture was trained at,
    so chains see the same voltage, not the same number. A chain with no capture has no
    trained level, so it gets the DI as recorded.
    """
    settings = spec.settings
    captures = chain.captures
    model_level = captures[0].capture.info.metadata.input_level_dbu if captures else None
    policy = settings.input_level
    if policy == "calibrated" and not captures:
        policy = "as_recorded"
    return input_gain_db(
        di.samples,
        policy=policy,
        target_rms_dbfs=settings.input_rms_dbfs,
        interface_dbu_at_0dbfs=settings.interface_dbu_at_0dbfs,
        model_input_level_dbu=model_level,
    )


def _pad_samples(chain: LoadedChain, rate: int) -> int:
    """Silence after the DI: this chain's own tail plus room for the alignment shift.

    Per chain, not the longest over all chains, so a DI × chain render depends on that chain
    alone and can be reused when another chain changes.
    """
    return tail_samples(chain, rate) + int(ALIGN_MARGIN_S * rate)


def _fit(y: Signal, length: int) -> Signal:
    """`y` cut or extended with silence to `length` samples."""
    return y[:length] if y.shape[0] >= length else np.pad(y, (0, length - y.shape[0]))


def _trim_length(renders: list[Signal], minimum: int) -> int:
    last = minimum
    for y in renders:
        peak = float(np.max(np.abs(y))) if y.size else 0.0
        if peak > 0.0:
            loud = np.flatnonzero(np.abs(y) > peak * 10.0 ** (TAIL_FLOOR_DB / 20.0))
            last = max(last, int(loud[-1]) + 1)
    return last


@dataclass
class _Job:
    """One render in progress: what it reads, where it writes, how it reports."""

    spec: Spec
    inputs: LoadedInputs
    folder: OutputFolder
    tracker: Tracker
    workers: int
    cancel: CancelToken | None
    cache: ChainCache | None = None
    cache_before: CacheStats = field(default_factory=CacheStats)  # a shared cache's counts
    end_credits: Sequence[EndCredit] = ()  # the caller's attribution lines for the video
    alignments: dict[str, Alignment] = field(default_factory=dict)
    reused: set[tuple[str, str]] = field(default_factory=set)  # (DI, chain) taken from cache

    def check(self) -> None:
        if self.cancel is not None:
            self.cancel.check()

    def process(self, di: LoadedDi, chain: LoadedChain, gain_db: float) -> Signal:
        """One DI through one chain at `gain_db`, padded for its tail; from cache if stored."""
        rate = self.inputs.render_rate
        pad = _pad_samples(chain, rate)
        if self.cache is None:
            return self.run(di, chain, gain_db, pad)
        key = pair_key(di, chain, rate, gain_db, pad)
        stored = self.cache.get_signal(key, di.samples.shape[0] + pad)
        if stored is not None:
            self.reused.add((di.track.name, chain.name))
            self.tracker.advance("render", 1.0, di=di.track.name, chain=chain.name)
            return stored
        y = self.run(di, chain, gain_db, pad)
        self.cache.put_signal(key, y)
        return y

    def run(self, di: LoadedDi, chain: LoadedChain, gain_db: float, pad: int) -> Signal:
        """Really run the chain over the DI at `gain_db`, followed by `pad` samples of silence."""
        x = np.pad(apply_gain(di.samples, gain_db), (0, pad))

        def report(f: float) -> None:
            self.tracker.advance("render", f, di=di.track.name, chain=chain.name)

        rate = self.inputs.render_rate
        return run_chain(chain, x, rate, workers=self.workers, cancel=self.cancel, progress=report)

    def render_di(self, di: LoadedDi) -> tuple[dict[str, Signal], dict[str, float]]:
        """Every chain over one DI: same drive, aligned, trimmed to one common length."""
        renders: dict[str, Signal] = {}
        gains: dict[str, float] = {}
        for chain in self.inputs.chains:
            gains[chain.name] = _chain_input_gain(self.spec, di, chain)
            y = self.process(di, chain, gains[chain.name])
            renders[chain.name] = apply_alignment(y, self.alignments[chain.name])
        length = _trim_length(list(renders.values()), di.samples.shape[0])
        return {name: _fit(y, length) for name, y in renders.items()}, gains

    def match(self, renders: dict[str, Signal]) -> tuple[LoudnessMatch, dict[str, Signal]]:
        settings = self.spec.settings
        match = match_loudness(
            list(renders.values()),
            self.inputs.render_rate,
            target_lufs=settings.loudness_target_lufs,
            ceiling_dbtp=settings.true_peak_ceiling_dbtp,
        )
        matched = {
            name: apply_gain(y, level.gain_db)
            for (name, y), level in zip(renders.items(), match.levels, strict=True)
        }
        return match, matched

    def video_context(self, di: LoadedDi, match: LoudnessMatch) -> VideoContext | None:
        if "video" not in self.spec.settings.outputs:
            return None
        return VideoContext(
            title=self.spec.title,
            cards=chain_cards(self.inputs.chains, match.levels),
            di_samples=di.samples,
            credits=all_credits(self.inputs, self.end_credits),
            cancel=self.cancel,
        )

    def pairs(self, di: str, match: LoudnessMatch, gains: dict[str, float]) -> list[PairSummary]:
        return [
            PairSummary(
                di=di,
                chain=chain.name,
                input_gain_db=gains[chain.name],
                level=level,
                latency_samples=self.alignments[chain.name].latency_samples,
                polarity=self.alignments[chain.name].polarity,
                from_cache=(di, chain.name) in self.reused,
            )
            for chain, level in zip(self.inputs.chains, match.levels, strict=True)
        ]


def _ambiguity_warnings(alignments: dict[str, Alignment]) -> list[str]:
    return [
        f"{name}: latency measurement is ambiguous (two similar correlation peaks); "
        f"using {a.latency_samples} samples"
        for name, a in alignments.items()
        if a.ambiguous
    ]


def _render_into(job: _Job) -> RenderSummary:
    inputs, folder = job.inputs, job.folder
    job.tracker.plan(
        [d.track.name for d in inputs.dis],
        [d.samples.shape[0] for d in inputs.dis],
        [c.name for c in inputs.chains],
        video="video" in job.spec.settings.outputs,
    )
    job.tracker.advance("load", 1.0)
    job.alignments = _measure_alignments(inputs, job.tracker, job.cancel, job.cache)
    inputs.warnings.extend(_ambiguity_warnings(job.alignments))
    di_slugs = unique_slugs([d.track.name for d in inputs.dis])
    chain_slugs = unique_slugs([c.name for c in inputs.chains])
    pairs: list[PairSummary] = []
    levels_by_di: dict[str, tuple[LoudnessMatch, dict[str, float]]] = {}
    reports: dict[str, DiReport] = {}
    with BackgroundPool(job.workers) as pool:
        for di in inputs.dis:
            name = di.track.name
            renders, gains = job.render_di(di)
            match, matched = job.match(renders)
            job.check()
            outputs = DiOutputs(
                folder,
                job.spec.settings,
                name,
                di_slugs[name],
                chain_slugs,
                matched,
                inputs.render_rate,
                video=job.video_context(di, match),
            )
            reports[name] = write_di_outputs(outputs, job.tracker, pool)
            levels_by_di[name] = (match, gains)
            pairs += job.pairs(name, match, gains)
        pool.drain()
    if "metrics" in job.spec.settings.outputs:
        _write_metrics(folder, pairs, reports)
    manifest = build_manifest(
        job.spec,
        inputs,
        alignments=job.alignments,
        levels_by_di=levels_by_di,
        reports=reports,
        records=folder.records,
        engine_version=__version__,
    )
    folder.write_json("manifest.json", manifest, role="manifest")
    cache_stats = job.cache.stats.since(job.cache_before) if job.cache is not None else None
    return RenderSummary(folder.root, inputs.render_rate, pairs, inputs.warnings, cache_stats)


def _write_metrics(
    folder: OutputFolder, pairs: list[PairSummary], reports: dict[str, DiReport]
) -> None:
    rows = [
        {
            "di": p.di,
            "chain": p.chain,
            "input_gain_db": round(p.input_gain_db, 3),
            **level_dict(p.level),
            "latency_samples": p.latency_samples,
            "polarity": p.polarity,
            **reports[p.di].metrics[p.chain],
        }
        for p in pairs
    ]
    nulls = [entry for report in reports.values() for entry in report.null_tests]
    folder.write_json(
        "metrics/metrics.json", {"renders": rows, "null_tests": nulls}, role="metrics"
    )
    target = folder.path("metrics/metrics.csv")
    target.write_text(metrics_csv(rows), encoding="utf-8")
    folder.record("metrics", target, format="csv")


def _check_out_dir(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(str(out_dir), "output path exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise InvalidInput(
            str(out_dir), "output folder is not empty (use --overwrite to replace it)"
        )


def _publish(staging: Path, out_dir: Path) -> None:
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def render_shootout(
    spec: Spec,
    out_dir: Path,
    *,
    progress: ProgressSink = ignore_progress,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    overwrite: bool = False,
    cache: ChainCache | None = None,
    end_credits: Sequence[EndCredit] = (),
) -> RenderSummary:
    """Render `spec` into `out_dir`, which appears only once the whole render succeeded.

    With a `cache`, unchanged DI × chain results are reused; the outputs are byte-identical.
    `end_credits` are attribution lines the video's end card shows before the files' own.
    """
    out_dir = out_dir.resolve()
    _check_out_dir(out_dir, overwrite)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        tracker = Tracker(progress)
        job = _Job(
            spec=spec,
            inputs=load_inputs(spec),
            folder=OutputFolder(staging),
            tracker=tracker,
            workers=workers or os.cpu_count() or 1,
            cancel=cancel,
            cache=cache,
            cache_before=replace(cache.stats) if cache is not None else CacheStats(),
            end_credits=end_credits,
        )
        summary = _render_into(job)
        _publish(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    tracker.finish()
    return RenderSummary(
        out_dir, summary.render_rate, summary.pairs, summary.warnings, summary.cache
    )

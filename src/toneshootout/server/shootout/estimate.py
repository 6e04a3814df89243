"""How much audio a shootout renders, and about how long that takes on the machine we measured.

The estimate adds up the parts a render is made of: each DI (its region, if any) through each
chain's captures at the speed measured for that kind of capture, plus per-render, per-chain and
per-DI costs of the analysis outputs. The figures come from `docs/BENCHMARKS.md`, measured with
`bench/` on an x86_64 machine with 2 cores (kernel built with avx2+fma): "NAM kernel" for the
capture speeds (the 2-core column), "Analysis outputs: one DI × 3 chains × 30 s" (2-core
column) for metrics, null tests and plots. Other machines are faster or slower by a roughly
constant factor, so the number is a guide for "seconds or minutes?", not a promise. Checked
against "Whole shootout: 3 chains × 2 DI × 30 s" (11.1 s measured): this model says about 14 s,
erring long on purpose, since a render that ends early disappoints nobody. A video (issue 11)
costs its length, the DI's montage, over the encoder's speed at the chosen size.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from typing import Final

from toneshootout.engine.spec import Settings as RenderSettings
from toneshootout.server.shootout.checks import ItemFacts
from toneshootout.server.shootout.schemas import CaptureBlockIn, DiTrackIn, ShootoutIn

# Capture speed in seconds of 48 kHz audio per second of wall time ("NAM kernel", 2 cores).
A1_SPEED: Final = {"standard": 30.1, "lite": 29.6, "feather": 92.5, "nano": 113.1}
LSTM_SPEED: Final = 99.5
# Not in the kernel table: a Linear model is one short FIR, far faster than any WaveNet.
LINEAR_SPEED: Final = 200.0
# Captures the native kernel does not run (A2 and other WaveNet layouts, ConvNets, slimmable
# containers) go through the numpy reference path; the kernel table's reference column has a
# standard A1 at 4.4× on one thread, so 4× stands for "much slower".
REFERENCE_SPEED: Final = 4.0
# A capture whose facts are unknown (deleted since, or on TONE3000) is counted as a standard A1.
UNKNOWN_SPEED: Final = A1_SPEED["standard"]
MEASURED_RATE: Final = 48_000

# Fixed costs: sandbox fork, manifest and bundle (whole render); loading a capture and its
# alignment probe (per chain). Rough: the sandbox start is 0.11 s ("Sandbox start-up").
RENDER_FIXED_S: Final = 0.5
CHAIN_FIXED_S: Final = 0.1
# Per second of audio of each DI × chain: levels, IR convolution, effects, WAV writing, and the
# render metrics (3 × render_metrics took 0.47 s over 3 × 30 s).
PAIR_PER_AUDIO_S: Final = 0.0052
# Null tests run for every pair of chains of a DI: 3 took 0.354 s over 30 s.
NULL_TEST_PER_AUDIO_S: Final = 0.354 / 3 / 30
# Plots (PNG+SVG), when asked for: LTAS overlay and waveform once per DI, a spectrogram and a
# difference plot per chain (0.393 + 0.340 + 3 × 0.446 + 2 × 0.315 s for 3 chains).
PLOTS_PER_DI_S: Final = 0.42
PLOTS_PER_CHAIN_S: Final = 0.76
# The video: seconds of montage drawn and encoded (H.264 + AAC, poster and description
# included) per second of wall time, by picture size: docs/BENCHMARKS.md "Video" (2 cores,
# AVX-512 Zen 4; an AVX2 Zen 1 is slower, which the render's own ETA then corrects). A fixed
# cost per video covers opening the encoder and drawing the still scenes.
VIDEO_ENCODE_SPEED: Final = {"1280x720": 13.4, "1920x1080": 6.9, "1080x1080": 11.1}
VIDEO_PER_DI_S: Final = 0.5


def rendered_seconds(di: DiTrackIn, facts: ItemFacts | None) -> float:
    """Seconds of `di` a render processes: its region, else its whole length (0 if unknown)."""
    if facts is None or facts.duration_s is None:
        return 0.0
    if di.region is None:
        return facts.duration_s
    # Regions are checked to end within the DI at save time; clip anyway for older saves.
    return max(0.0, min(di.region.end_s, facts.duration_s) - di.region.start_s)


def capture_speed(facts: ItemFacts | None) -> float:
    """×RT of one capture, at its own sample rate (a 96 kHz capture has twice the samples)."""
    if facts is None or facts.architecture is None:
        return UNKNOWN_SPEED
    if facts.architecture == "WaveNet" and facts.size_label in A1_SPEED:
        speed = A1_SPEED[facts.size_label]
    elif facts.architecture == "LSTM":
        speed = LSTM_SPEED
    elif facts.architecture == "Linear":
        speed = LINEAR_SPEED
    else:
        speed = REFERENCE_SPEED
    return speed * MEASURED_RATE / (facts.sample_rate or MEASURED_RATE)


def montage_seconds(audio_s: float, chains: int, settings: RenderSettings) -> float:
    """How long one DI's montage plays: every window through every chain in turn, plus the
    silence between segments when there is a gap (compose.py)."""
    if audio_s <= 0.0 or chains <= 0:
        return 0.0
    windows = max(1, math.ceil(audio_s / settings.segment_seconds))
    return audio_s * chains + settings.gap_seconds * (windows * chains - 1)


def video_seconds(audio: list[float], chains: int, settings: RenderSettings) -> float:
    """About how long making the videos takes: each DI's montage at the encoder's speed."""
    if "video" not in settings.outputs:
        return 0.0
    speed = VIDEO_ENCODE_SPEED[settings.video_size]
    return sum(VIDEO_PER_DI_S + montage_seconds(a, chains, settings) / speed for a in audio)


def estimated_render_seconds(body: ShootoutIn, items: Mapping[uuid.UUID, ItemFacts]) -> float:
    """About how long rendering `body` takes, in seconds (see the module docstring)."""
    chains = len(body.chains)
    # Seconds of work per second of DI through each chain: its captures, then the rest.
    per_audio_s = [
        sum(
            1.0 / capture_speed(items.get(block.capture_id) if block.capture_id else None)
            for block in chain.blocks
            if isinstance(block, CaptureBlockIn)
        )
        + PAIR_PER_AUDIO_S
        for chain in body.chains
    ]
    audio = [rendered_seconds(di, items.get(di.di_id)) for di in body.di_tracks]
    total = RENDER_FIXED_S + CHAIN_FIXED_S * chains
    total += sum(audio) * sum(per_audio_s)
    total += sum(audio) * NULL_TEST_PER_AUDIO_S * chains * (chains - 1) / 2
    if "plots" in body.settings.outputs:
        total += len(body.di_tracks) * (PLOTS_PER_DI_S + PLOTS_PER_CHAIN_S * chains)
    total += video_seconds(audio, chains, body.settings)
    return round(total, 1)

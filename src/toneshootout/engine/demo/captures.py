"""Demo amp captures: A1 WaveNet `.nam` files whose weights are constructed by hand.

Each capture realises a small amp: input gain -> pre-clipping tone shaping -> one or two tanh
clipping stages -> post-clipping tone shaping -> DC blocking -> a power-amp soft clip -> output
level. Two layer arrays, like an A1 "standard" file:

- preamp array (4 residual channels): ch0 holds the input after the input gain (rechannel);
  ch1 a triangular moving average of it (binomial sections at dilations 1, 2, 4, ...), so
  `ch0 - cut * ch1` is a low-shelf bass cut in front of the clipper ("tight" high gain);
  the first clipper reads that, plus a first-difference tilt `(1 + b) - b z^-1` for brightness,
  and writes ch2; a second clipper (high gain) reads ch2 after a binomial low-pass and writes ch3.
  Its head projection is all zeros: the preamp's activations must not reach the output directly.
- power-amp array (2 residual channels): ch0 takes the preamp's last stage; binomial sections
  low-pass it (treble roll-off) and a symmetric 3-tap `[-p/2, 1+p, -p/2]` at dilation d adds a
  presence peak at fs / (2 d); ch1 is again a triangular moving average (over ~1000 samples), so
  `ch0 - ch1` is a high-pass near 15 Hz that removes the DC the asymmetric clipper rectifies.
  The last layer's slot 1 is the power amp, a = tanh(drive * (ch0 - ch1)); it is the only slot
  with a head weight, level / (drive * head_scale).

All linear stages run in tanh's linear range (see `wiring.LINEAR_SCALE`). The symmetric tone
filters delay the signal by their group delay, 7-13 samples in all: the baked-in latency real
captures have too, which the renderer's alignment measures and removes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toneshootout.engine.demo.wiring import (
    BINOMIAL,
    CURRENT,
    Array,
    Layer,
    Taps,
    Unit,
    clip,
    filter_in_place,
    linear,
    smoothing_layers,
    wavenet_model,
)
from toneshootout.engine.errors import InvalidInput

SAMPLE_RATE = 48000
NAM_VERSION = "0.5.4"
HEAD_SCALE = 0.02  # as in trained A1 files; the head weights absorb it
_PREAMP_CHANNELS = 4
_POWER_CHANNELS = 2
_DC_BLOCK_OCTAVES = 9  # triangular average over 2 * 2^9 samples: high-pass corner ~15 Hz


@dataclass(frozen=True)
class ClipStage:
    """One tanh gain stage: a = tanh(drive * u + bias), contributing level * a."""

    drive: float
    bias: float
    level: float


@dataclass(frozen=True)
class AmpDesign:
    """The knobs of one demo amp, in signal order."""

    name: str
    gear_model: str
    tone_type: str
    gain_knob: float  # metadata `gain`, 0-1
    input_level_dbu: float
    input_gain: float
    bass_cut: float  # 0 = none, 1 = no bass at all reaches the clipper
    bass_cut_octaves: int  # the cut's average spans 2^octaves samples: corner ~ fs / 2^(octaves+1)
    bright: float
    stages: tuple[ClipStage, ...]
    treble_dilations: tuple[int, ...]  # one binomial low-pass section per entry
    presence: float
    presence_dilation: int
    power_drive: float
    output_level: float


CLEAN = AmpDesign(
    name="Demo Clean",
    gear_model="Clean 1",
    tone_type="clean",
    gain_knob=0.2,
    input_level_dbu=12.0,
    input_gain=1.0,
    bass_cut=0.0,
    bass_cut_octaves=0,
    bright=0.15,
    stages=(ClipStage(drive=0.5, bias=0.0, level=2.0),),
    treble_dilations=(1,),
    presence=0.1,
    presence_dilation=6,
    power_drive=0.3,
    output_level=1.0,
)

CRUNCH = AmpDesign(
    name="Demo Crunch",
    gear_model="Crunch 2",
    tone_type="crunch",
    gain_knob=0.5,
    input_level_dbu=12.0,
    input_gain=1.0,
    bass_cut=0.5,
    bass_cut_octaves=5,
    bright=0.3,
    stages=(ClipStage(drive=5.0, bias=0.4, level=0.5),),
    treble_dilations=(1, 1),
    presence=0.2,
    presence_dilation=7,
    power_drive=0.8,
    output_level=0.6,
)

HIGH_GAIN = AmpDesign(
    name="Demo High Gain",
    gear_model="High Gain 3",
    tone_type="hi_gain",
    gain_knob=0.85,
    input_level_dbu=10.0,
    input_gain=1.0,
    bass_cut=0.85,
    bass_cut_octaves=6,
    bright=0.5,
    stages=(
        ClipStage(drive=12.0, bias=0.15, level=0.6),
        ClipStage(drive=3.0, bias=0.1, level=0.5),
    ),
    treble_dilations=(1, 1, 2),
    presence=0.3,
    presence_dilation=8,
    power_drive=1.0,
    output_level=0.5,
)

DEMO_AMPS: dict[str, AmpDesign] = {
    "demo-clean": CLEAN,
    "demo-crunch": CRUNCH,
    "demo-high-gain": HIGH_GAIN,
}


def _preamp_array(design: AmpDesign, next_channels: int) -> Array:
    layers: list[Layer] = []
    first_reads: list[tuple[int, Taps]] = [(0, (0.0, -design.bright, 1.0 + design.bright))]
    if design.bass_cut > 0.0:
        layers.append(Layer(1, (linear([(0, BINOMIAL)], dst=1),)))
        layers += smoothing_layers(1, first_dilation=2, octaves=design.bass_cut_octaves - 1)
        first_reads.append((1, (0.0, 0.0, -design.bass_cut)))
    reads: list[tuple[int, Taps]] = first_reads
    for index, stage in enumerate(design.stages):
        dst = 2 + index
        if index > 0:
            # Smooth the previous stage's fizz before it drives the next one.
            layers.append(Layer(1, (filter_in_place(dst - 1, BINOMIAL),)))
            reads = [(dst - 1, CURRENT)]
        layers.append(
            Layer(1, (clip(reads, dst, drive=stage.drive, bias=stage.bias, level=stage.level),))
        )
    return Array(
        channels=_PREAMP_CHANNELS,
        input_size=1,
        head_size=next_channels,
        rechannel=((0, 0, design.input_gain),),
        layers=tuple(layers),
    )


def _presence_taps(amount: float) -> Taps:
    return (-amount / 2.0, 1.0 + amount, -amount / 2.0)


def _power_amp_array(design: AmpDesign) -> Array:
    preamp_out = 1 + len(design.stages)
    layers = [Layer(d, (filter_in_place(0, BINOMIAL),)) for d in design.treble_dilations]
    layers.append(
        Layer(design.presence_dilation, (filter_in_place(0, _presence_taps(design.presence)),))
    )
    layers.append(Layer(1, (linear([(0, BINOMIAL)], dst=1),)))
    layers += smoothing_layers(1, first_dilation=2, octaves=_DC_BLOCK_OCTAVES - 1)
    drive = design.power_drive
    power_amp = Unit(slot=1, reads=((0, (0.0, 0.0, drive)), (1, (0.0, 0.0, -drive))), writes=())
    layers.append(Layer(1, (power_amp,)))
    return Array(
        channels=_POWER_CHANNELS,
        input_size=_PREAMP_CHANNELS,
        head_size=1,
        rechannel=((0, preamp_out, 1.0),),
        layers=tuple(layers),
        head=((0, 1, design.output_level / (drive * HEAD_SCALE)),),
        head_bias=True,
    )


def _check(design: AmpDesign) -> None:
    # Channels 2 and 3 hold the clipper outputs, so the preamp has room for two stages.
    if not 1 <= len(design.stages) <= _PREAMP_CHANNELS - 2:
        raise InvalidInput(design.name, f"needs 1-2 clipping stages, got {len(design.stages)}")
    if design.bass_cut > 0.0 and design.bass_cut_octaves < 1:
        raise InvalidInput(design.name, "a bass cut needs bass_cut_octaves >= 1")
    if design.power_drive <= 0.0:
        raise InvalidInput(design.name, f"power_drive must be positive, got {design.power_drive}")


def build_capture(design: AmpDesign) -> dict[str, Any]:
    """A complete `.nam` dict (A1 WaveNet, version 0.5.4) realising `design`."""
    _check(design)
    arrays = (_preamp_array(design, _POWER_CHANNELS), _power_amp_array(design))
    config, weights = wavenet_model(arrays, HEAD_SCALE)
    return {
        "version": NAM_VERSION,
        "architecture": "WaveNet",
        "config": config,
        "weights": weights,
        "sample_rate": SAMPLE_RATE,
        "metadata": {
            "name": design.name,
            "modeled_by": "Tone Shootout demo",
            "gear_type": "amp",
            "gear_make": "Tone Shootout",
            "gear_model": design.gear_model,
            "tone_type": design.tone_type,
            "gain": design.gain_knob,
            "input_level_dbu": design.input_level_dbu,
        },
    }


def demo_captures() -> dict[str, dict[str, Any]]:
    """Every demo capture, keyed by its file stem ("demo-clean", "demo-crunch", ...)."""
    return {stem: build_capture(design) for stem, design in DEMO_AMPS.items()}


def write_capture(capture: dict[str, Any], path: Path) -> None:
    """Write a `.nam` dict as compact JSON; the same dict always gives the same bytes."""
    text = json.dumps(capture, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")

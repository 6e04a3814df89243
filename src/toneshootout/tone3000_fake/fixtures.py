"""Tiny, deterministic model files: `.nam` captures our engine loads, IR WAVs and a PNG.

Nothing here comes from TONE3000. The captures are built by hand so they sound like a gain
stage (tanh of a filtered input), not noise, and stay a few hundred bytes: an A1 WaveNet with
one channel, an A2 `SlimmableContainer` holding two such WaveNets, and a `Linear` model for the
"custom" architecture. The metadata mimics TONE3000's trainer, placeholders included.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from typing import Any

import numpy as np
import soundfile as sf

SAMPLE_RATE = 48_000
HEAD_SCALE = 0.02
_LOWPASS = (0.25, 0.5, 0.25)  # a 3-tap smoother in front of each clipper


def _trainer_metadata(name: str, modeled_by: str, gain: float) -> dict[str, Any]:
    """What TONE3000's trainer writes: real name and gain, placeholder gear (section 1.10)."""
    return {
        "date": {"year": 2026, "month": 3, "day": 1, "hour": 10, "minute": 0, "second": 0},
        "name": name,
        "modeled_by": modeled_by,
        "gear_type": "amp",
        "gear_make": "tz-make",
        "gear_model": "tz-model",
        "tone_type": "crunch" if gain < 0.7 else "hi_gain",
        "loudness": -18.0 - 6.0 * (1.0 - gain),
        "gain": round(gain, 3),
        "input_level_dbu": 12.0,
        "output_level_dbu": 12.0,
        "training": {"validation_esr": 0.01},
    }


def _clipper_wavenet(layers: int, drive: float, level: float) -> tuple[dict[str, Any], list[float]]:
    """A one-channel A1 WaveNet: each layer adds tanh(drive * smoothed input) to the head.

    Weight order follows the A1 layout: rechannel, then per layer the dilated conv (taps, bias),
    the condition mix-in and the 1x1 (weight, bias), then the head rechannel and head_scale.
    The 1x1 weights are zero, so every layer reads the input itself and the clippers add up.
    """
    array = {
        "input_size": 1,
        "condition_size": 1,
        "head_size": 1,
        "channels": 1,
        "kernel_size": 3,
        "dilations": [1 << i for i in range(layers)],
        "activation": "Tanh",
        "gated": False,
        "head_bias": True,
    }
    weights: list[float] = [1.0]  # rechannel: the residual stream is the input
    per_layer_drive = drive / layers
    for _ in range(layers):
        weights += [per_layer_drive * tap for tap in _LOWPASS]
        weights += [0.0, 0.0, 0.0, 0.0]  # conv bias, mix-in, 1x1 weight, 1x1 bias
    weights += [level / (layers * HEAD_SCALE), 0.0, HEAD_SCALE]
    config = {"layers": [array], "head": None, "head_scale": HEAD_SCALE}
    return config, weights


def _nam_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def a1_wavenet(name: str, modeled_by: str, gain: float) -> bytes:
    """An A1 (0.5.x) WaveNet capture whose drive follows `gain` (0-1)."""
    config, weights = _clipper_wavenet(2, 1.0 + 9.0 * gain, 0.5)
    return _nam_json(
        {
            "version": "0.5.4",
            "architecture": "WaveNet",
            "config": config,
            "weights": weights,
            "sample_rate": SAMPLE_RATE,
            "metadata": _trainer_metadata(name, modeled_by, gain),
        }
    )


def a2_container(name: str, modeled_by: str, gain: float) -> bytes:
    """An A2 (0.7.x) `SlimmableContainer`: a one-layer model below slim 0.5, two layers above."""
    submodels = []
    for max_value, layers in ((0.5, 1), (1.0, 2)):
        config, weights = _clipper_wavenet(layers, 1.0 + 9.0 * gain, 0.5)
        model = {
            "version": "0.7.0",
            "architecture": "WaveNet",
            "config": config,
            "weights": weights,
            "sample_rate": SAMPLE_RATE,
        }
        submodels.append({"max_value": max_value, "model": model})
    return _nam_json(
        {
            "version": "0.7.0",
            "architecture": "SlimmableContainer",
            "config": {"submodels": submodels},
            "weights": [],
            "sample_rate": SAMPLE_RATE,
            "metadata": _trainer_metadata(name, modeled_by, gain),
        }
    )


def linear(name: str, modeled_by: str, seed: int) -> bytes:
    """A "custom" architecture capture: an 8-tap linear filter (a pedal's tone stack, say)."""
    taps = np.random.default_rng(seed).normal(0.0, 0.05, 8)
    taps[0] = 0.8  # a dominant direct tap keeps it close to unity gain
    return _nam_json(
        {
            "version": "0.5.4",
            "architecture": "Linear",
            "config": {"receptive_field": 8, "bias": True},
            "weights": [*(round(float(t), 6) for t in taps), 0.0],
            "sample_rate": SAMPLE_RATE,
            "metadata": _trainer_metadata(name, modeled_by, 0.0),
        }
    )


def impulse_response(seed: int, seconds: float) -> bytes:
    """A 48 kHz mono 24-bit WAV: decaying noise after a direct spike (cab short, room long)."""
    rng = np.random.default_rng(seed)
    frames = max(16, round(seconds * SAMPLE_RATE))
    t = np.arange(frames) / SAMPLE_RATE
    decay = np.exp(-t * (6.9 / seconds))  # -60 dB at the end
    samples = 0.3 * rng.standard_normal(frames) * decay
    samples[0] = 0.9
    buffer = io.BytesIO()
    sf.write(buffer, samples.astype(np.float32), SAMPLE_RATE, format="WAV", subtype="PCM_24")
    return buffer.getvalue()


def png(seed: int, size: int = 8) -> bytes:
    """A small solid-colour PNG for tone images, built with zlib alone."""
    colour = bytes((seed * 71 % 256, seed * 131 % 256, seed * 37 % 256))
    rows = b"".join(b"\x00" + colour * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", zlib.compress(rows)),
            chunk(b"IEND", b""),
        )
    )

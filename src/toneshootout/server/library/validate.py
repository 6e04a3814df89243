"""Identify and validate an uploaded file with the engine's own validators (REQ-14, 16).

Blocking and CPU-bound: the service runs `inspect_file` in a worker thread. The detected type,
never the client's file name or Content-Type, decides the extension and the media type.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from toneshootout.engine.audio_io import audio_blocks, probe_audio
from toneshootout.engine.channels import to_mono
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.inputs import check_di_length
from toneshootout.engine.ir import MAX_IR_SECONDS, load_ir
from toneshootout.engine.loudness import IntegratedLoudnessMeter, amplitude_db
from toneshootout.engine.nam.capture import load_capture
from toneshootout.server.library.errors import InvalidUpload
from toneshootout.server.library.kinds import ItemKind
from toneshootout.server.library.names import clean_text

MAX_DI_SECONDS = 600.0
MAX_METADATA_CHARS = 200
# Detected container → (extension, media type). DIs are lossless only (PRODUCT.md vocabulary).
_DI_FORMATS = {
    "WAV": ("wav", "audio/wav"),
    "FLAC": ("flac", "audio/flac"),
    "AIFF": ("aiff", "audio/aiff"),
}
NAM_MEDIA_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Inspection:
    """What the validators established about a file."""

    extension: str
    media_type: str
    metadata: dict[str, Any]


def _finite_or_none(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def _inspect_di(path: Path) -> Inspection:
    info = probe_audio(path, max_seconds=MAX_DI_SECONDS)
    if info.format not in _DI_FORMATS:
        raise InvalidInput(path.name, f"DI tracks must be WAV, FLAC or AIFF, not {info.format}")
    # Refused here rather than at its first render (which would fail measuring its loudness).
    check_di_length(info.duration_s, path.name)
    # Block by block: a 10-minute stereo DI decoded whole is ~460 MB of float64 while measured,
    # and several uploads validate at once; the meter holds a few kilobytes.
    rate, count, peak = info.sample_rate, 0, 0.0
    meter = IntegratedLoudnessMeter(rate)
    for block in audio_blocks(path, info, max_seconds=MAX_DI_SECONDS):
        count += block.shape[0]
        peak = max(peak, float(np.max(np.abs(block))))
        # Measured on the mid downmix: the mono signal the engine feeds an amp by default.
        meter.add(to_mono(block, "mid", path.name))
    check_di_length(count / rate, path.name)  # what decoded, not what the header said
    lufs = _finite_or_none(meter.result())
    extension, media_type = _DI_FORMATS[info.format]
    metadata = {
        "duration_s": round(count / rate, 4),
        "sample_rate": rate,
        "channels": info.channels,
        "peak_dbfs": _finite_or_none(amplitude_db(peak)),
        "integrated_lufs": lufs,
    }
    return Inspection(extension, media_type, metadata)


def _plain_text(value: Any) -> Any:
    return clean_text(value, max_chars=MAX_METADATA_CHARS) if isinstance(value, str) else value


def _inspect_capture(path: Path) -> Inspection:
    info = load_capture(path).info
    metadata = {
        "architecture": info.architecture,
        "version": info.version,
        "size_label": info.size_label,
        "sample_rate": info.sample_rate,
        "weight_count": info.weight_count,
        "receptive_field": info.receptive_field,
        "slim_values": list(info.slim_values),
        # Text from the file is the uploader's: stored as cleaned plain text, shown as text.
        "file_metadata": {k: _plain_text(v) for k, v in asdict(info.metadata).items()},
    }
    return Inspection("nam", NAM_MEDIA_TYPE, metadata)


def _inspect_ir(path: Path) -> Inspection:
    info = probe_audio(path, max_seconds=MAX_IR_SECONDS)
    ir = load_ir(path, info.sample_rate)  # at its own rate: no resampling, just validation
    metadata = {
        "length_ms": round(ir.length_ms, 3),
        "sample_rate": ir.source_rate,
        "channels": ir.channels_in_file,
    }
    return Inspection("wav", "audio/wav", metadata)


def inspect_file(kind: ItemKind, path: Path) -> Inspection:
    """Validate `path` as a `kind` and describe it; InvalidUpload carries the engine's reason."""
    inspectors = {
        ItemKind.DI_TRACK: _inspect_di,
        ItemKind.CAPTURE: _inspect_capture,
        ItemKind.IR: _inspect_ir,
    }
    try:
        return inspectors[kind](path)
    except InvalidInput as error:
        raise InvalidUpload(f"not a valid {kind.label}: {error.reason}") from None

"""Sample-rate conversion with soxr, the one resampler the engine uses (AUDIO.md §3)."""

import numpy as np
import soxr

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

# "VHQ" is soxr's very-high-quality preset (steep, linear-phase, ≥ 140 dB stop band).
QUALITY = "VHQ"


def resample(x: Signal, from_rate: int, to_rate: int) -> Signal:
    """Resample 1-D or (frames, channels) float32 audio; identity when the rates match."""
    if from_rate <= 0 or to_rate <= 0:
        raise InvalidInput("resample", f"rates must be positive, got {from_rate} → {to_rate} Hz")
    if x.ndim not in (1, 2):
        raise InvalidInput("resample", f"audio of shape {x.shape}: expected 1-D or 2-D")
    if from_rate == to_rate:
        return x
    if x.shape[0] == 0:
        return np.zeros((0, *x.shape[1:]), dtype=np.float32)
    source = np.ascontiguousarray(x, dtype=np.float32)
    out = soxr.resample(source, from_rate, to_rate, quality=QUALITY)
    return np.ascontiguousarray(out, dtype=np.float32)

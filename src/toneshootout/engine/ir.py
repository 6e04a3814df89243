"""Cabinet and room impulse responses: loading (AUDIO.md §5) and convolution."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import oaconvolve

from toneshootout.engine.audio_io import MAX_RATE, MIN_RATE, probe_audio, read_audio
from toneshootout.engine.channels import ChannelPolicy, to_mono
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.resample import resample
from toneshootout.engine.types import Signal

MAX_IR_SECONDS = 10.0


@dataclass(frozen=True)
class ImpulseResponse:
    """A mono IR at the render rate, with where it came from; its level is the file's own."""

    samples: Signal
    sample_rate: int
    source_rate: int
    channels_in_file: int
    policy: ChannelPolicy
    length_ms: float


def load_ir(path: Path, render_rate: int, policy: ChannelPolicy = "mid") -> ImpulseResponse:
    """Load a PCM or float WAV IR, pick/downmix its channel and resample it to the render rate."""
    source = path.name
    if not MIN_RATE <= render_rate <= MAX_RATE:
        raise InvalidInput(source, f"render rate {render_rate} Hz outside {MIN_RATE}–{MAX_RATE} Hz")
    info = probe_audio(path, max_seconds=MAX_IR_SECONDS)
    if info.format != "WAV":
        raise InvalidInput(source, f"impulse responses must be WAV files, not {info.format}")
    frames, file_rate = read_audio(path, max_seconds=MAX_IR_SECONDS)
    mono = to_mono(frames, policy, source)
    if not np.any(mono):
        raise InvalidInput(source, f"impulse response is silent (all zeros on policy {policy!r})")
    # No normalisation: an IR's level is part of the sound, and output matching evens it out.
    samples = resample(mono, file_rate, render_rate)
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    samples.setflags(write=False)  # shared between chains: nobody may edit it in place
    return ImpulseResponse(
        samples=samples,
        sample_rate=render_rate,
        source_rate=file_rate,
        channels_in_file=frames.shape[1],
        policy=policy,
        length_ms=1000.0 * samples.shape[0] / render_rate,
    )


def convolve(x: Signal, ir: ImpulseResponse) -> Signal:
    """Convolve 1-D audio with the IR in float32; the result keeps the whole tail."""
    if x.ndim != 1:
        raise InvalidInput("convolve", f"audio of shape {x.shape}: expected 1-D")
    if x.shape[0] == 0:
        raise InvalidInput("convolve", "audio is empty")
    out = oaconvolve(x.astype(np.float32, copy=False), ir.samples)
    return np.ascontiguousarray(out, dtype=np.float32)

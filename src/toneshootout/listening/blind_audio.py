"""The audio a blind or ABX listener gets: one length, one level, one header, fresh dither.

Before reveal, nothing but the sound may tell the chains apart — not the size of the response,
not a header field, not a byte-for-byte match with a named file someone else downloaded. So each
handle's WAV is made here: the chain's render at one common level (`gain_db`), upmixed to the
DI's common channel count, padded with silence or trimmed to the DI's common frame count, and
requantised to 24 bit with ±1 LSB TPDF dither from the handle's own seed. The file is a plain
44-byte-header PCM WAV with no other chunk (no LIST/INFO, no PEAK, no timestamps), so its
header depends only on (frames, channels, rate) and its length only on (frames, channels).

Dither rather than plain rounding: without it, two handles of the same chain would be
byte-identical (a listener could match them up), and so would a handle and the public render.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Final

import numpy as np
import soundfile as sf
from numpy.typing import NDArray

_HEADER_BYTES: Final = 44
_SAMPLE_BYTES: Final = 3  # 24-bit PCM
_FULL_SCALE: Final = float(2**23)
_BLOCK_FRAMES: Final = 65536
_MAX_CHANNELS: Final = 2
_MAX_RIFF_BYTES: Final = 2**32 - 1
_WAVE_FORMAT_PCM: Final = 1


def blind_wav_size(frames: int, channels: int) -> int:
    """Length in bytes of every `blind_wav` with this frame and channel count."""
    _require_layout(frames, channels)
    data = frames * channels * _SAMPLE_BYTES
    return _HEADER_BYTES + data + data % 2  # RIFF pads an odd-sized chunk to an even length


def blind_wav(source: Path, *, frames: int, channels: int, gain_db: float, seed: int) -> bytes:
    """A 24-bit PCM WAV of `source` at `gain_db`, `frames` long, `channels` wide, seeded dither.

    `source` is any file libsndfile reads (the engine's WAV and FLAC renders); it is decoded in
    blocks. A mono source is copied to both channels when `channels` is 2; a source with more
    channels than `channels` is refused. Samples past the source's end are silence (plus
    dither); samples past `frames` are dropped. Output = round(source × gain × 2**23 + d),
    saturated to 24 bit, where d is the difference of two uniform draws (TPDF, ±1 LSB) from
    `Generator(PCG64(seed))` — the same seed gives the same bytes. Raises ValueError for an
    unreadable source or bad arguments.
    """
    size = blind_wav_size(frames, channels)
    if not math.isfinite(gain_db):
        raise ValueError(f"gain_db must be a finite number, got {gain_db!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    output = bytearray(size)
    writer = _DitheredWriter(output, channels, 10.0 ** (gain_db / 20.0), seed)
    try:
        with sf.SoundFile(str(source)) as audio:
            if audio.channels > channels:
                raise ValueError(
                    f"{source.name}: {audio.channels} channels do not fit in {channels}"
                )
            output[:_HEADER_BYTES] = _header(frames, channels, int(audio.samplerate))
            while writer.frames_written < frames:
                wanted = min(_BLOCK_FRAMES, frames - writer.frames_written)
                block = audio.read(wanted, dtype="float64", always_2d=True)
                if block.shape[0] == 0:
                    break
                writer.write(block)
    except sf.LibsndfileError as error:
        raise ValueError(f"{source.name}: unreadable audio ({error})") from error
    while writer.frames_written < frames:
        wanted = min(_BLOCK_FRAMES, frames - writer.frames_written)
        writer.write(np.zeros((wanted, 1)))
    return bytes(output)


class _DitheredWriter:
    """Quantises float blocks into `output` after the header, one dither stream for the file."""

    def __init__(self, output: bytearray, channels: int, gain: float, seed: int) -> None:
        self._output = output
        self._channels = channels
        self._scale = gain * _FULL_SCALE
        self._rng = np.random.Generator(np.random.PCG64(seed))
        self.frames_written = 0

    def write(self, block: NDArray[np.float64]) -> None:
        if block.shape[1] < self._channels:
            block = np.repeat(block, self._channels, axis=1)  # mono → stereo
        # Drawn as (frame, channel, 2) in C order, the stream does not depend on block size.
        uniforms = self._rng.random((block.shape[0], self._channels, 2))
        dither = uniforms[..., 0] - uniforms[..., 1]
        codes = np.rint(block * self._scale + dither)
        codes = np.clip(codes, -_FULL_SCALE, _FULL_SCALE - 1.0).astype("<i4")
        # The low three bytes of a little-endian int32 are its 24-bit two's complement.
        packed = codes.reshape(-1, 1).view(np.uint8)[:, :_SAMPLE_BYTES].tobytes()
        start = _HEADER_BYTES + self.frames_written * self._channels * _SAMPLE_BYTES
        self._output[start : start + len(packed)] = packed
        self.frames_written += block.shape[0]


def _header(frames: int, channels: int, rate: int) -> bytes:
    data = frames * channels * _SAMPLE_BYTES
    block_align = channels * _SAMPLE_BYTES
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        _HEADER_BYTES - 8 + data + data % 2,
        b"WAVE",
        b"fmt ",
        16,
        _WAVE_FORMAT_PCM,
        channels,
        rate,
        rate * block_align,
        block_align,
        _SAMPLE_BYTES * 8,
        b"data",
        data,
    )


def _require_layout(frames: int, channels: int) -> None:
    if frames < 1:
        raise ValueError(f"frames must be at least 1, got {frames}")
    if not 1 <= channels <= _MAX_CHANNELS:
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    if _HEADER_BYTES + frames * channels * _SAMPLE_BYTES + 1 > _MAX_RIFF_BYTES:
        raise ValueError(f"{frames} frames × {channels} channels exceed a WAV file's 4 GiB")

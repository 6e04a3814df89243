"""Reading and writing audio files: sniffed by content, validated, bounded, atomic, deterministic.

Reading accepts WAV, FLAC, AIFF, OGG and MP3, identified by their magic bytes (never the file
name); WAVs pass `wav_check` before libsndfile opens them. Decoding runs in bounded blocks and
stops as soon as the duration cap is passed, whatever the header claimed.

Writing rule for integer formats (24-bit WAV and FLAC): samples are clipped to [-1, 1], scaled by
2**23, rounded to the nearest integer and saturated to [-2**23, 2**23 - 1] here, not by
libsndfile, so the rule is ours and the bytes are reproducible; no dither. Float WAV and MP3 keep
samples above full scale untouched (MP3 decoders clip on their own).
"""

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import soundfile as sf

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.resample import resample
from toneshootout.engine.types import Signal
from toneshootout.engine.wav_check import check_wav, is_riff_family

MIN_RATE: Final = 8000
MAX_RATE: Final = 192000
MAX_CHANNELS: Final = 2
BLOCK_FRAMES: Final = 65536
WRITE_FORMATS: Final = frozenset({"wav", "wav-float", "flac", "mp3"})
MP3_MAX_RATE: Final = 48000

# Uncompressed or well-known lossy subtypes per container; compressed AIFC/ADPCM variants are out.
_ACCEPTED_SUBTYPES: Final = {
    "WAV": {"PCM_16", "PCM_24", "PCM_32", "FLOAT"},
    "FLAC": {"PCM_S8", "PCM_16", "PCM_24"},
    "AIFF": {"PCM_S8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"},
    "OGG": {"VORBIS", "OPUS"},
    "MP3": {"MPEG_LAYER_I", "MPEG_LAYER_II", "MPEG_LAYER_III"},
}
_INT24_SCALE: Final = float(2**23)


@dataclass(frozen=True)
class AudioInfo:
    """What an audio file holds, as established by `probe_audio`."""

    format: str
    subtype: str
    sample_rate: int
    channels: int
    frames: int
    duration_s: float


def probe_audio(path: Path, *, max_seconds: float = 600.0) -> AudioInfo:
    """Identify and structurally validate an audio file without decoding its samples."""
    source = path.name
    sniffed = _sniff_format(path)
    layout = check_wav(path, max_seconds=max_seconds) if sniffed == "WAV" else None
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as error:
        raise InvalidInput(source, f"unreadable {sniffed} file ({error})") from error
    if layout is not None and (info.frames, info.channels) != (layout.frames, layout.channels):
        # The decoder must see exactly the audio the structural check approved.
        raise InvalidInput(source, "decoder and header check disagree on the audio layout")
    if info.format != sniffed:
        raise InvalidInput(source, f"content looks like {sniffed} but decodes as {info.format}")
    if info.subtype not in _ACCEPTED_SUBTYPES[sniffed]:
        raise InvalidInput(source, f"{sniffed} with unsupported encoding {info.subtype}")
    audio = AudioInfo(
        format=info.format,
        subtype=info.subtype,
        sample_rate=int(info.samplerate),
        channels=int(info.channels),
        frames=int(info.frames),
        duration_s=info.frames / info.samplerate if info.samplerate else 0.0,
    )
    _check_info(audio, max_seconds, source)
    return audio


def read_audio(path: Path, *, max_seconds: float = 600.0) -> tuple[Signal, int]:
    """Decode a validated audio file to float32 of shape (frames, channels) and its rate."""
    info = probe_audio(path, max_seconds=max_seconds)
    blocks = list(audio_blocks(path, info, max_seconds=max_seconds))
    samples = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=0)
    return np.ascontiguousarray(samples, dtype=np.float32), info.sample_rate


def audio_blocks(path: Path, info: AudioInfo, *, max_seconds: float = 600.0) -> Iterator[Signal]:
    """Decode a probed file block by block (float32, frames × channels), checking as it goes.

    For measuring a long file without holding it whole (upload validation). The header's frame
    count is only a hint (MP3 counts are estimates), so the cap is enforced on what decodes.
    """
    source = path.name
    max_frames = int(max_seconds * info.sample_rate)
    total = 0
    for block in _decode_blocks(path, source):
        total += block.shape[0]
        if total > max_frames:
            raise InvalidInput(source, f"audio runs past the {max_seconds:g} s cap")
        if not np.isfinite(block).all():
            raise InvalidInput(source, "audio contains NaN or infinite samples")
        yield block
    if total == 0:
        raise InvalidInput(source, "file holds no audio samples")


def write_audio(path: Path, x: Signal, rate: int, fmt: str) -> None:
    """Write float audio atomically as "wav" (24-bit), "wav-float", "flac" (24-bit) or "mp3"."""
    source = path.name
    frames = _as_frames(x, source)
    if fmt not in WRITE_FORMATS:
        raise InvalidInput(source, f"unknown output format {fmt!r} (use {sorted(WRITE_FORMATS)})")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InvalidInput(source, f"sample rate {rate} Hz outside {MIN_RATE}–{MAX_RATE} Hz")
    if fmt == "mp3" and rate > MP3_MAX_RATE:
        # MPEG audio stops at 48 kHz; previews of high-rate renders are resampled, not refused.
        frames, rate = resample(frames, rate, MP3_MAX_RATE), MP3_MAX_RATE
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    temp = Path(temp_name)
    try:
        _write_file(temp, frames, rate, fmt)
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        temp.chmod(0o644)
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


def _sniff_format(path: Path) -> str:
    source = path.name
    if not path.is_file():
        raise InvalidInput(source, "not found or not a regular file")
    with path.open("rb") as stream:
        head = stream.read(12)
    if is_riff_family(head):
        return "WAV"  # RF64/RIFX and malformed RIFF are refused by wav_check with a reason
    if head[:4] == b"fLaC":
        return "FLAC"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    if head[:4] == b"OggS":
        return "OGG"
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "MP3"
    if not head:
        raise InvalidInput(source, "file is empty")
    raise InvalidInput(source, "not a recognised audio file (WAV, FLAC, AIFF, OGG or MP3)")


def _check_info(info: AudioInfo, max_seconds: float, source: str) -> None:
    if not MIN_RATE <= info.sample_rate <= MAX_RATE:
        raise InvalidInput(
            source, f"sample rate {info.sample_rate} Hz outside {MIN_RATE}–{MAX_RATE} Hz"
        )
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise InvalidInput(source, f"{info.channels} channels (only mono or stereo accepted)")
    if info.frames <= 0:
        raise InvalidInput(source, "file holds no audio samples")
    if info.duration_s > max_seconds:
        raise InvalidInput(
            source, f"audio lasts {info.duration_s:.1f} s, longer than the {max_seconds:g} s cap"
        )


def _decode_blocks(path: Path, source: str) -> Iterator[Signal]:
    try:
        with sf.SoundFile(str(path)) as handle:
            while True:
                block = handle.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
                if block.shape[0] == 0:
                    return
                yield block
    except (sf.LibsndfileError, RuntimeError) as error:
        raise InvalidInput(source, f"decoding failed ({error})") from error


def _as_frames(x: Signal, source: str) -> Signal:
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2 or not 1 <= x.shape[1] <= MAX_CHANNELS:
        raise InvalidInput(source, f"audio of shape {x.shape}: expected mono or stereo frames")
    if x.shape[0] == 0:
        raise InvalidInput(source, "nothing to write: the audio is empty")
    if not np.isfinite(x).all():
        raise InvalidInput(source, "audio to write contains NaN or infinite samples")
    return np.ascontiguousarray(x, dtype=np.float32)


def _write_file(temp: Path, frames: Signal, rate: int, fmt: str) -> None:
    container, subtype, options = _SF_TARGETS[fmt]
    channels = frames.shape[1]
    with sf.SoundFile(
        str(temp), "w", rate, channels, subtype, format=container, **options
    ) as handle:
        if fmt == "wav-float":
            # libsndfile's PEAK chunk stamps the wall-clock time: drop it so bytes are reproducible.
            sf._snd.sf_command(handle._file, _SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, 0)
        # Written in blocks: one huge write is known to crash libvorbis and costs a big copy.
        for start in range(0, frames.shape[0], BLOCK_FRAMES):
            block = frames[start : start + BLOCK_FRAMES]
            handle.write(_quantise_int24(block) if subtype == "PCM_24" else block)


def _quantise_int24(block: Signal) -> np.ndarray[Any, np.dtype[np.int32]]:
    """Apply the module's documented integer rule; libsndfile keeps the top 24 bits of int32."""
    scaled = np.rint(np.clip(block, -1.0, 1.0).astype(np.float64) * _INT24_SCALE)
    codes = np.clip(scaled, -_INT24_SCALE, _INT24_SCALE - 1).astype(np.int32)
    return np.left_shift(codes, 8)


_SFC_SET_ADD_PEAK_CHUNK: Final = 0x1050
_SF_TARGETS: Final[dict[str, tuple[str, str, dict[str, Any]]]] = {
    "wav": ("WAV", "PCM_24", {}),
    "wav-float": ("WAV", "FLOAT", {}),
    "flac": ("FLAC", "PCM_24", {}),
    # Level 0.4 is constant 192 kbit/s with libsndfile 1.2's LAME mapping; explicit so a library
    # default change can't drift the preview quality.
    "mp3": ("MP3", "MPEG_LAYER_III", {"bitrate_mode": "CONSTANT", "compression_level": 0.4}),
}

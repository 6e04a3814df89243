"""Structural WAV check run before any decoder sees the file (RELIABILITY §3.3).

Every size is checked against the real file length, never trusted from the header, and only
headers are read (a bounded walk over at most `MAX_CHUNKS` chunk headers), so a 60-byte file that
claims a 4 GiB data chunk costs nothing. The rules are a positive allowlist: plain PCM or IEEE
float (optionally wrapped in WAVE_FORMAT_EXTENSIBLE), 1–2 channels, standard rates, 16/24/32 bits.
Compressed codecs (ADPCM, GSM, MP3-in-WAV, …) and RF64/BW64 are refused: they only widen the
native decoder surface a crafted file can reach.
"""

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from toneshootout.engine.errors import InvalidInput, UnsupportedFeature

MAX_CHUNKS = 64
STANDARD_RATES = frozenset(
    {8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000}
)
ALLOWED_BITS = frozenset({16, 24, 32})
MAX_CHANNELS = 2

_TAG_PCM = 0x0001
_TAG_FLOAT = 0x0003
_TAG_EXTENSIBLE = 0xFFFE
# The KSDATAFORMAT_SUBTYPE GUIDs share this tail; the first two bytes carry the format tag.
_GUID_TAIL = bytes.fromhex("000000001000800000aa00389b71")
_FMT_SIZES = frozenset({16, 18, 40})
_KNOWN_CODECS = {0x0002: "MS ADPCM", 0x0011: "IMA ADPCM", 0x0031: "GSM 6.10", 0x0055: "MP3"}


@dataclass(frozen=True)
class WavLayout:
    """What a WAV file really holds, with sizes derived from the file length."""

    is_float: bool
    channels: int
    sample_rate: int
    bits: int
    block_align: int
    data_offset: int
    data_bytes: int

    @property
    def frames(self) -> int:
        """Number of sample frames in the data chunk."""
        return self.data_bytes // self.block_align

    @property
    def duration_s(self) -> float:
        """Length of the audio in seconds."""
        return self.frames / self.sample_rate


@dataclass(frozen=True)
class _Format:
    is_float: bool
    channels: int
    sample_rate: int
    bits: int
    block_align: int


def is_riff_family(head: bytes) -> bool:
    """True when the first bytes look like any RIFF-style container (WAV, RF64, BW64, RIFX)."""
    return head[:4] in (b"RIFF", b"RIFX", b"RF64", b"BW64")


def check_wav(path: Path, *, max_seconds: float) -> WavLayout:
    """Validate a WAV file's structure and return its layout; raise InvalidInput otherwise."""
    source = path.name
    file_length = path.stat().st_size
    with path.open("rb") as stream:
        _check_riff_header(stream, file_length, source)
        layout = _walk_chunks(stream, file_length, source)
    if layout.duration_s > max_seconds:
        raise InvalidInput(
            source, f"audio lasts {layout.duration_s:.1f} s, longer than the {max_seconds:g} s cap"
        )
    return layout


def _check_riff_header(stream: BinaryIO, file_length: int, source: str) -> None:
    head = stream.read(12)
    if len(head) < 12:
        raise InvalidInput(source, f"only {len(head)} bytes: too short to be a WAV file")
    magic, riff_size, form = head[:4], _u32(head, 4), head[8:12]
    if magic in (b"RF64", b"BW64"):
        raise UnsupportedFeature(source, f"{magic.decode()} (64-bit WAV) is not supported")
    if magic == b"RIFX":
        raise UnsupportedFeature(source, "big-endian RIFX WAV is not supported")
    if magic != b"RIFF" or form != b"WAVE":
        raise InvalidInput(source, "not a WAV file (expected 'RIFF' … 'WAVE')")
    # Tolerate one byte: some writers count the pad byte of an odd final chunk they never wrote.
    if riff_size > file_length - 8 + 1:
        raise InvalidInput(
            source, f"RIFF size claims {riff_size} bytes but only {file_length - 8} follow it"
        )


def _walk_chunks(stream: BinaryIO, file_length: int, source: str) -> WavLayout:
    fmt: _Format | None = None
    position = 12
    for _ in range(MAX_CHUNKS):
        if position + 8 > file_length:
            break
        stream.seek(position)
        header = stream.read(8)
        chunk_id, size = header[:4], _u32(header, 4)
        body = position + 8
        if chunk_id == b"fmt ":
            if fmt is not None:
                raise InvalidInput(source, "more than one 'fmt ' chunk")
            fmt = _parse_fmt(stream, size, file_length - body, source)
        elif chunk_id == b"data":
            if fmt is None:
                raise InvalidInput(source, "'data' chunk comes before the 'fmt ' chunk")
            return _data_layout(fmt, body, size, file_length, source)
        elif body + size > file_length:
            name = chunk_id.decode("latin-1")
            raise InvalidInput(source, f"chunk {name!r} at byte {position} runs past the end")
        position = body + size + (size & 1)  # chunks are word-aligned: odd sizes carry a pad
    else:
        raise InvalidInput(source, f"no 'data' chunk within the first {MAX_CHUNKS} chunks")
    missing = "'fmt ' and 'data' chunks" if fmt is None else "'data' chunk"
    raise InvalidInput(source, f"no {missing} (file truncated or not a WAV)")


def _parse_fmt(stream: BinaryIO, size: int, bytes_left: int, source: str) -> _Format:
    if size not in _FMT_SIZES:
        raise InvalidInput(source, f"'fmt ' chunk of {size} bytes (expected 16, 18 or 40)")
    if size > bytes_left:
        raise InvalidInput(source, "'fmt ' chunk runs past the end of the file")
    raw = stream.read(size)
    tag, channels, rate, byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", raw)
    is_float = _resolve_sample_kind(tag, raw, size, source)
    if not 1 <= channels <= MAX_CHANNELS:
        raise InvalidInput(source, f"{channels} channels (only mono or stereo accepted)")
    if rate not in STANDARD_RATES:
        raise InvalidInput(source, f"sample rate {rate} Hz is not a standard rate")
    if bits not in ALLOWED_BITS or (is_float and bits != 32):
        kind = "float" if is_float else "PCM"
        raise InvalidInput(source, f"{bits}-bit {kind} (accepted: 16/24/32-bit PCM, 32-bit float)")
    if block_align != channels * bits // 8:
        raise InvalidInput(source, f"block_align {block_align} ≠ channels × bytes per sample")
    if byte_rate != rate * block_align:
        raise InvalidInput(source, f"byte_rate {byte_rate} ≠ sample rate × block_align")
    return _Format(is_float, channels, rate, bits, block_align)


def _resolve_sample_kind(tag: int, raw: bytes, size: int, source: str) -> bool:
    """Return True for float samples, False for PCM; refuse every other codec."""
    if tag == _TAG_EXTENSIBLE:
        if size != 40:
            raise InvalidInput(source, "WAVE_FORMAT_EXTENSIBLE with a short 'fmt ' chunk")
        guid = raw[24:40]
        if guid[2:] != _GUID_TAIL:
            raise UnsupportedFeature(source, "extensible WAV with an unknown sub-format GUID")
        tag = struct.unpack_from("<H", guid)[0]
    if tag == _TAG_PCM:
        return False
    if tag == _TAG_FLOAT:
        return True
    codec = _KNOWN_CODECS.get(tag, f"format tag 0x{tag:04X}")
    raise UnsupportedFeature(source, f"compressed WAV ({codec}); only PCM or float accepted")


def _data_layout(fmt: _Format, body: int, size: int, file_length: int, source: str) -> WavLayout:
    bytes_left = file_length - body
    if size > bytes_left:
        raise InvalidInput(
            source, f"'data' chunk claims {size} bytes but only {bytes_left} remain in the file"
        )
    if size == 0:
        raise InvalidInput(source, "'data' chunk is empty: no audio")
    if size % fmt.block_align:
        raise InvalidInput(
            source, f"'data' size {size} is not a multiple of block_align {fmt.block_align}"
        )
    return WavLayout(
        is_float=fmt.is_float,
        channels=fmt.channels,
        sample_rate=fmt.sample_rate,
        bits=fmt.bits,
        block_align=fmt.block_align,
        data_offset=body,
        data_bytes=size,
    )


def _u32(buffer: bytes, offset: int) -> int:
    value: int = struct.unpack_from("<I", buffer, offset)[0]
    return value

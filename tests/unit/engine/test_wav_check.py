"""Structural WAV checks: hand-built headers, header bombs and a byte-mutation fuzz."""

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.paths import REAL
from toneshootout.engine.errors import InvalidInput, UnsupportedFeature
from toneshootout.engine.wav_check import MAX_CHUNKS, check_wav

PCM_GUID = bytes.fromhex("0100000000001000800000aa00389b71")
FLOAT_GUID = bytes.fromhex("0300000000001000800000aa00389b71")


def fmt_body(
    tag: int = 1,
    *,
    channels: int = 1,
    rate: int = 48000,
    bits: int = 16,
    block_align: int | None = None,
    byte_rate: int | None = None,
) -> bytes:
    """A 16-byte 'fmt ' body, consistent unless a field is overridden."""
    align = channels * bits // 8 if block_align is None else block_align
    rate_bytes = rate * align if byte_rate is None else byte_rate
    return struct.pack("<HHIIHH", tag, channels, rate, rate_bytes, align, bits)


def extensible_body(guid: bytes, channels: int = 2, bits: int = 24) -> bytes:
    """A 40-byte WAVE_FORMAT_EXTENSIBLE 'fmt ' body."""
    return (
        fmt_body(0xFFFE, channels=channels, rate=48000, bits=bits)
        + struct.pack("<HHI", 22, bits, 3)
        + guid
    )


def chunk(chunk_id: bytes, body: bytes, size: int | None = None, pad: bool = True) -> bytes:
    """One RIFF chunk; `size` may lie about the body; odd bodies get a pad byte if `pad`."""
    claimed = len(body) if size is None else size
    padding = b"\0" if pad and len(body) % 2 else b""
    return chunk_id + struct.pack("<I", claimed) + body + padding


def riff(*chunks: bytes, riff_size: int | None = None, magic: bytes = b"RIFF") -> bytes:
    """A RIFF/WAVE file made of `chunks`, with an honest size unless told otherwise."""
    body = b"WAVE" + b"".join(chunks)
    size = len(body) if riff_size is None else riff_size
    return magic + struct.pack("<I", size) + body


def write(tmp_path: Path, content: bytes, name: str = "take.wav") -> Path:
    """Write `content` to a file in tmp_path and return its path."""
    path = tmp_path / name
    path.write_bytes(content)
    return path


def refusal(tmp_path: Path, content: bytes, max_seconds: float = 600.0) -> InvalidInput:
    """The InvalidInput check_wav raises for `content`; fails the test when it accepts it."""
    path = write(tmp_path, content)
    with pytest.raises(InvalidInput) as caught:
        check_wav(path, max_seconds=max_seconds)
    assert caught.value.source == "take.wav"
    return caught.value


def test_check_wav_accepts_real_fixtures() -> None:
    di = check_wav(REAL / "di-gojira-48k-stereo.wav", max_seconds=600)
    ir = check_wav(REAL / "ir-mesa-fav-500ms.wav", max_seconds=10)
    assert (di.channels, di.bits, di.is_float, di.frames) == (2, 24, False, 168334)
    assert (ir.channels, ir.bits, ir.is_float, ir.frames) == (1, 32, True, 24000)


@pytest.mark.parametrize(
    ("body", "is_float", "bits"),
    [
        (fmt_body(1, channels=1, rate=48000, bits=16), False, 16),
        (fmt_body(1, channels=2, rate=44100, bits=24), False, 24),
        (fmt_body(1, channels=1, rate=96000, bits=32), False, 32),
        (fmt_body(3, channels=2, rate=88200, bits=32), True, 32),
        (fmt_body(3, channels=1, rate=48000, bits=32) + b"\0\0", True, 32),
        (extensible_body(PCM_GUID), False, 24),
        (extensible_body(FLOAT_GUID, bits=32), True, 32),
    ],
)
def test_check_wav_accepts_allowed_formats(
    tmp_path: Path, body: bytes, is_float: bool, bits: int
) -> None:
    block_align = struct.unpack_from("<H", body, 12)[0]
    data = bytes(block_align * 10)
    path = write(tmp_path, riff(chunk(b"fmt ", body), chunk(b"data", data)))
    layout = check_wav(path, max_seconds=1)
    assert (layout.is_float, layout.bits, layout.frames) == (is_float, bits, 10)


def test_check_wav_walks_odd_chunks_with_padding(tmp_path: Path) -> None:
    content = riff(
        chunk(b"LIST", b"abc"),
        chunk(b"fmt ", fmt_body()),
        chunk(b"junk", b"x"),
        chunk(b"data", bytes(8)),
    )
    layout = check_wav(write(tmp_path, content), max_seconds=1)
    assert layout.frames == 4
    assert layout.data_offset == len(content) - 8


def test_check_wav_refuses_header_bomb_claiming_4_gib(tmp_path: Path) -> None:
    content = riff(chunk(b"fmt ", fmt_body()), chunk(b"data", bytes(16), size=0xFFFFFFF0))
    content = content[:60]
    error = refusal(tmp_path, content)
    assert "claims 4294967280 bytes" in error.reason


def test_check_wav_refuses_riff_size_larger_than_file(tmp_path: Path) -> None:
    good = riff(chunk(b"fmt ", fmt_body()), chunk(b"data", bytes(8)))
    error = refusal(
        tmp_path,
        riff(chunk(b"fmt ", fmt_body()), chunk(b"data", bytes(8)), riff_size=len(good) + 100),
    )
    assert "RIFF size" in error.reason


def test_check_wav_refuses_fmt_after_data(tmp_path: Path) -> None:
    error = refusal(tmp_path, riff(chunk(b"data", bytes(8)), chunk(b"fmt ", fmt_body())))
    assert "before the 'fmt '" in error.reason


@pytest.mark.parametrize(
    ("tag", "name"), [(2, "MS ADPCM"), (0x11, "IMA ADPCM"), (0x55, "MP3"), (6, "0x0006")]
)
def test_check_wav_refuses_compressed_codecs(tmp_path: Path, tag: int, name: str) -> None:
    body = fmt_body(tag, channels=1, rate=48000, bits=16)
    error = refusal(tmp_path, riff(chunk(b"fmt ", body), chunk(b"data", bytes(8))))
    assert isinstance(error, UnsupportedFeature)
    assert name in error.reason


@pytest.mark.parametrize("channels", [0, 3, 8])
def test_check_wav_refuses_channel_counts_outside_mono_stereo(
    tmp_path: Path, channels: int
) -> None:
    body = fmt_body(1, channels=channels, rate=48000, bits=16)
    error = refusal(tmp_path, riff(chunk(b"fmt ", body), chunk(b"data", bytes(48))))
    assert f"{channels} channels" in error.reason


@pytest.mark.parametrize(("tag", "bits"), [(1, 8), (1, 12), (1, 20), (3, 64), (3, 16)])
def test_check_wav_refuses_unsupported_bit_depths(tmp_path: Path, tag: int, bits: int) -> None:
    body = fmt_body(tag, channels=1, rate=48000, bits=bits, block_align=max(1, bits // 8))
    error = refusal(tmp_path, riff(chunk(b"fmt ", body), chunk(b"data", bytes(64))))
    assert f"{bits}-bit" in error.reason


def test_check_wav_refuses_odd_chunk_without_pad_byte(tmp_path: Path) -> None:
    content = riff(
        chunk(b"LIST", b"abc", pad=False), chunk(b"fmt ", fmt_body()), chunk(b"data", bytes(8))
    )
    error = refusal(tmp_path, content)
    assert "runs past the end" in error.reason or "no " in error.reason


def test_check_wav_refuses_truncated_file(tmp_path: Path) -> None:
    content = riff(chunk(b"fmt ", fmt_body()), chunk(b"data", bytes(4000)))
    error = refusal(tmp_path, content[:2000])
    assert "RIFF size" in error.reason


def test_check_wav_refuses_truncated_data_with_patched_riff_size(tmp_path: Path) -> None:
    content = riff(chunk(b"fmt ", fmt_body()), chunk(b"data", bytes(4000)))[:2000]
    content = content[:4] + struct.pack("<I", len(content) - 8) + content[8:]
    error = refusal(tmp_path, content)
    assert "'data' chunk claims 4000 bytes" in error.reason


@pytest.mark.parametrize("magic", [b"RF64", b"BW64"])
def test_check_wav_refuses_rf64(tmp_path: Path, magic: bytes) -> None:
    error = refusal(
        tmp_path, riff(chunk(b"fmt ", fmt_body()), chunk(b"data", bytes(8)), magic=magic)
    )
    assert isinstance(error, UnsupportedFeature)
    assert "64-bit WAV" in error.reason


def test_check_wav_refuses_riff_that_is_not_wave(tmp_path: Path) -> None:
    content = bytearray(riff(chunk(b"fmt ", fmt_body()), chunk(b"data", bytes(8))))
    content[8:12] = b"AVI "
    assert "not a WAV" in refusal(tmp_path, bytes(content)).reason


def test_check_wav_refuses_empty_data_chunk(tmp_path: Path) -> None:
    error = refusal(tmp_path, riff(chunk(b"fmt ", fmt_body()), chunk(b"data", b"")))
    assert "no audio" in error.reason


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (fmt_body(block_align=3), "block_align"),
        (fmt_body(byte_rate=12345), "byte_rate"),
        (fmt_body(rate=12345), "not a standard rate"),
        (fmt_body()[:14], "'fmt ' chunk of 14 bytes"),
        (extensible_body(bytes(16)), "unknown sub-format"),
    ],
)
def test_check_wav_refuses_inconsistent_fmt(tmp_path: Path, body: bytes, words: str) -> None:
    error = refusal(tmp_path, riff(chunk(b"fmt ", body), chunk(b"data", bytes(12))))
    assert words in error.reason


def test_check_wav_refuses_data_not_multiple_of_block_align(tmp_path: Path) -> None:
    body = fmt_body(1, channels=2, rate=48000, bits=24)
    error = refusal(tmp_path, riff(chunk(b"fmt ", body), chunk(b"data", bytes(13))))
    assert "multiple of block_align" in error.reason


def test_check_wav_refuses_endless_chunk_walk(tmp_path: Path) -> None:
    junk = [chunk(b"junk", b"") for _ in range(MAX_CHUNKS + 1)]
    error = refusal(tmp_path, riff(chunk(b"fmt ", fmt_body()), *junk, chunk(b"data", bytes(8))))
    assert f"first {MAX_CHUNKS} chunks" in error.reason


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"RIFF", "too short"), (riff(chunk(b"junk", b"ab")), "no 'fmt ' and 'data'")],
)
def test_check_wav_refuses_files_missing_parts(tmp_path: Path, content: bytes, words: str) -> None:
    assert words in refusal(tmp_path, content).reason


def test_check_wav_refuses_audio_longer_than_cap(tmp_path: Path) -> None:
    content = riff(chunk(b"fmt ", fmt_body(rate=8000)), chunk(b"data", bytes(2 * 8000 * 3)))
    assert "longer than the 2 s cap" in refusal(tmp_path, content, max_seconds=2).reason


_VALID = riff(
    chunk(b"LIST", b"abc"),
    chunk(b"fmt ", fmt_body(1, channels=2, rate=48000, bits=24)),
    chunk(b"data", bytes(60)),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(_VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6
    ),
    cut=st.integers(0, len(_VALID)),
)
def test_check_wav_mutated_headers_accept_consistently_or_refuse(
    tmp_path: Path, edits: list[tuple[int, int]], cut: int
) -> None:
    content = bytearray(_VALID)
    for offset, value in edits:
        content[offset] = value
    path = write(tmp_path, bytes(content[: max(cut, 12)]), name="fuzz.wav")
    refusal: InvalidInput | None
    try:
        layout = check_wav(path, max_seconds=600)
    except InvalidInput as error:
        refusal = error
    else:
        refusal = None
    if refusal is not None:
        assert (refusal.source, bool(refusal.reason)) == ("fuzz.wav", True)
        return
    # Whatever was accepted must describe bytes that really exist in the file.
    assert layout.data_offset + layout.data_bytes <= path.stat().st_size
    assert layout.data_bytes % layout.block_align == 0
    assert layout.channels in (1, 2)

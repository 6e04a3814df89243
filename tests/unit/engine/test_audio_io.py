"""Reading, probing and writing audio: formats, refusals, round trips and reproducible bytes."""

import hashlib
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tests.paths import REAL
from toneshootout.engine import audio_io
from toneshootout.engine.audio_io import probe_audio, read_audio, write_audio
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

RATE = 48000
LSB_24 = 2.0**-23


def sine(seconds: float = 0.5, freq: float = 440.0, channels: int = 1, rate: int = RATE) -> Signal:
    """A −6 dBFS sine of shape (frames, channels)."""
    t = np.arange(round(seconds * rate)) / rate
    mono = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.repeat(mono[:, np.newaxis], channels, axis=1).astype(np.float32)


def refusal(path: Path, **kwargs: float) -> InvalidInput:
    """The InvalidInput read_audio raises for `path`, which must name the file."""
    with pytest.raises(InvalidInput) as caught:
        read_audio(path, **kwargs)
    assert caught.value.source == path.name
    return caught.value


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_audio_returns_stereo_di_as_float32_frames() -> None:
    x, rate = read_audio(REAL / "di-gojira-48k-stereo.wav")
    assert (x.shape, rate) == ((168334, 2), 48000)
    assert x.dtype == np.float32
    assert np.array_equal(x[:, 0], x[:, 1])  # the fixture's two channels are identical


def test_read_audio_returns_mono_flac_as_two_dimensional() -> None:
    x, rate = read_audio(REAL / "di-synth-60s-48k.flac")
    assert (x.shape, rate) == ((60 * 48000, 1), 48000)
    assert 0.45 < float(np.abs(x).max()) <= 0.5


def test_probe_audio_reports_format_without_decoding() -> None:
    info = probe_audio(REAL / "ir-mesa-os-4x12-189ms.wav")
    assert info == audio_io.AudioInfo("WAV", "FLOAT", 48000, 1, 9056, 9056 / 48000)


def test_read_audio_refuses_takes_longer_than_cap() -> None:
    error = refusal(REAL / "di-synth-60s-48k.flac", max_seconds=10.0)
    assert "longer than the 10 s cap" in error.reason


@pytest.mark.parametrize(
    ("container", "subtype", "suffix"),
    [("AIFF", "PCM_24", "aiff"), ("OGG", "VORBIS", "ogg"), ("MP3", "MPEG_LAYER_III", "mp3")],
)
def test_read_audio_accepts_other_containers(
    tmp_path: Path, container: str, subtype: str, suffix: str
) -> None:
    path = tmp_path / f"take.{suffix}"
    sf.write(str(path), sine(channels=2), RATE, subtype=subtype, format=container)
    x, rate = read_audio(path)
    assert (x.shape[1], rate) == (2, RATE)
    assert abs(x.shape[0] - RATE // 2) <= 2304  # lossy codecs may pad by up to two frames


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"hello, this is not audio at all", "not a recognised audio file"),
        (b"fLaC" + bytes(40), "unreadable FLAC"),
    ],
)
def test_read_audio_refuses_non_audio(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "take.wav"
    path.write_bytes(content)
    assert words in refusal(path).reason


def test_read_audio_refuses_missing_file(tmp_path: Path) -> None:
    assert "not found" in refusal(tmp_path / "gone.wav").reason


def test_read_audio_refuses_compressed_aiff(tmp_path: Path) -> None:
    path = tmp_path / "take.aifc"
    sf.write(str(path), sine(), RATE, subtype="ULAW", format="AIFF")
    assert "unsupported encoding ULAW" in refusal(path).reason


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_read_audio_refuses_non_finite_samples(tmp_path: Path, bad: float) -> None:
    x = sine()
    x[1234, 0] = bad
    path = tmp_path / "take.wav"
    sf.write(str(path), x, RATE, subtype="FLOAT")
    assert "NaN or infinite" in refusal(path).reason


def test_read_audio_refuses_more_than_two_channels(tmp_path: Path) -> None:
    path = tmp_path / "take.flac"
    sf.write(str(path), sine(channels=3), RATE, subtype="PCM_16")
    assert "3 channels" in refusal(path).reason


@pytest.mark.parametrize("rate", [4000, 384000])
def test_read_audio_refuses_rates_outside_sane_range(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "take.flac"
    sf.write(str(path), sine(rate=rate, seconds=0.1), rate, subtype="PCM_16")
    assert f"{rate} Hz outside" in refusal(path).reason


def test_read_audio_refuses_header_bomb_without_allocating(tmp_path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, 48000, 96000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 2**32 - 2)
    path = tmp_path / "bomb.wav"
    path.write_bytes((b"RIFF" + struct.pack("<I", len(body)) + body).ljust(60, b"\0"))
    tracemalloc.start()
    try:
        error = refusal(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "'data' chunk claims" in error.reason
    assert peak < 1_000_000


def test_read_audio_sniffs_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "actually-flac.wav"
    sf.write(str(path), sine(), RATE, format="FLAC", subtype="PCM_16")
    x, _ = read_audio(path)
    assert x.shape == (RATE // 2, 1)
    assert probe_audio(path).format == "FLAC"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    x=arrays(
        np.float32,
        st.tuples(st.integers(1, 3000), st.integers(1, 2)),
        elements=st.floats(-1.5, 1.5, width=32),
    ),
    fmt=st.sampled_from(["wav", "flac"]),
)
def test_write_audio_integer_formats_round_trip_within_one_lsb(
    tmp_path: Path, x: Signal, fmt: str
) -> None:
    path = tmp_path / f"out.{fmt}"
    write_audio(path, x, RATE, fmt)
    y, rate = read_audio(path)
    assert (y.shape, rate) == (x.shape, RATE)
    assert np.abs(y - np.clip(x, -1.0, 1.0)).max() <= LSB_24


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    x=arrays(
        np.float32,
        st.tuples(st.integers(1, 3000), st.integers(1, 2)),
        elements=st.floats(-4.0, 4.0, width=32),
    )
)
def test_write_audio_float_wav_round_trips_exactly(tmp_path: Path, x: Signal) -> None:
    path = tmp_path / "out.wav"
    write_audio(path, x, RATE, "wav-float")
    y, _ = read_audio(path)
    assert np.array_equal(y, x)


def test_write_audio_clips_integer_formats_by_the_documented_rule(tmp_path: Path) -> None:
    x = np.array([1.5, 1.0, -1.0, -1.5, 0.5, 3 * LSB_24 / 2], dtype=np.float32)
    path = tmp_path / "out.wav"
    write_audio(path, x, RATE, "wav")
    codes = sf.read(str(path), dtype="int32")[0] >> 8
    assert codes.tolist() == [2**23 - 1, 2**23 - 1, -(2**23), -(2**23), 2**22, 2]


def test_write_audio_mp3_round_trips_a_sine(tmp_path: Path) -> None:
    x = sine(seconds=1.0, freq=1000.0)
    path = tmp_path / "out.mp3"
    write_audio(path, x, RATE, "mp3")
    y, rate = read_audio(path)
    spectrum = np.abs(np.fft.rfft(y[:RATE, 0]))
    assert rate == RATE
    assert int(np.argmax(spectrum)) == 1000
    assert abs(float(np.sqrt(np.mean(y**2))) - float(np.sqrt(np.mean(x**2)))) < 0.02


def test_write_audio_mp3_resamples_high_rates_to_48k(tmp_path: Path) -> None:
    path = tmp_path / "out.mp3"
    write_audio(path, sine(rate=96000), 96000, "mp3")
    assert probe_audio(path).sample_rate == 48000


@pytest.mark.parametrize("fmt", ["wav", "wav-float", "flac", "mp3"])
def test_write_audio_same_samples_give_same_bytes(tmp_path: Path, fmt: str) -> None:
    rng = np.random.default_rng(7)
    x = (0.3 * rng.standard_normal((RATE, 2))).astype(np.float32)
    first, second = tmp_path / "a.out", tmp_path / "b.out"
    write_audio(first, x, RATE, fmt)
    write_audio(second, x.copy(), RATE, fmt)
    assert digest(first) == digest(second)
    assert b"PEAK" not in first.read_bytes()[:200]  # the PEAK chunk would carry a timestamp


def test_write_audio_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    path.write_bytes(b"old")
    write_audio(path, sine(), RATE, "wav")
    assert read_audio(path)[0].shape == (RATE // 2, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]


def test_write_audio_failure_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_: object) -> None:
        raise OSError("disk full")

    path = tmp_path / "out.wav"
    path.write_bytes(b"old")
    monkeypatch.setattr(audio_io, "_write_file", fail)
    with pytest.raises(OSError, match="disk full"):
        write_audio(path, sine(), RATE, "wav")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]


@pytest.mark.parametrize(
    ("x", "rate", "fmt", "words"),
    [
        (np.zeros(10, np.float32), RATE, "ogg", "unknown output format"),
        (np.zeros(10, np.float32), 1000, "wav", "outside"),
        (np.zeros((10, 3), np.float32), RATE, "wav", "expected mono or stereo"),
        (np.zeros(0, np.float32), RATE, "wav", "empty"),
        (np.full(10, np.nan, np.float32), RATE, "flac", "NaN"),
    ],
)
def test_write_audio_refuses_bad_requests(
    tmp_path: Path, x: Signal, rate: int, fmt: str, words: str
) -> None:
    with pytest.raises(InvalidInput, match=words) as caught:
        write_audio(tmp_path / "out.wav", x, rate, fmt)
    assert caught.value.source == "out.wav"
    assert list(tmp_path.iterdir()) == []

"""Blind WAVs: one size and header per DI, fresh dither per seed, the source at one level."""

import io
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from numpy.typing import NDArray

from toneshootout.listening import blind_audio
from toneshootout.listening.blind_audio import blind_wav, blind_wav_size

RATE = 48000
LSB = 2.0**-23
Samples = NDArray[np.float64]


def tone(frames: int, channels: int, freq: float, level: float = 0.5) -> Samples:
    """A sine of shape (frames, channels); the right channel (if any) a little quieter."""
    t = np.arange(frames) / RATE
    mono = level * np.sin(2 * np.pi * freq * t)
    return np.stack([mono * (1.0 - 0.1 * ch) for ch in range(channels)], axis=1)


def write(path: Path, samples: Samples, fmt: str, subtype: str) -> Path:
    sf.write(str(path), samples, RATE, format=fmt, subtype=subtype)
    return path


@pytest.fixture
def renders(tmp_path: Path) -> dict[str, Path]:
    """Chain renders of one DI in the engine's formats, lengths a few frames apart."""
    return {
        "wav24-mono": write(tmp_path / "a.wav", tone(4801, 1, 220.0), "WAV", "PCM_24"),
        "flac-stereo": write(tmp_path / "b.flac", tone(4790, 2, 330.0), "FLAC", "PCM_24"),
        "wav24-stereo": write(tmp_path / "c.wav", tone(4800, 2, 440.0), "WAV", "PCM_24"),
        "float-stereo": write(tmp_path / "d.wav", tone(4812, 2, 550.0), "WAV", "FLOAT"),
    }


@dataclass(frozen=True)
class Layout:
    rate: int
    channels: int
    frames: int
    format: str
    subtype: str


def decode(data: bytes) -> tuple[Samples, Layout]:
    """Samples (frames, channels) as float64 and the layout of a WAV held in memory."""
    info = sf.info(io.BytesIO(data))
    samples, _ = sf.read(io.BytesIO(data), dtype="float64", always_2d=True)
    layout = Layout(info.samplerate, info.channels, info.frames, info.format, info.subtype)
    return np.asarray(samples, dtype=np.float64), layout


def source_samples(path: Path) -> Samples:
    samples, _ = sf.read(str(path), dtype="float64", always_2d=True)
    return np.asarray(samples, dtype=np.float64)


def chunk_ids(data: bytes) -> list[bytes]:
    """The RIFF chunk ids after the WAVE tag, walked by their sizes."""
    ids, offset = [], 12
    while offset < len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        ids.append(chunk_id)
        offset += 8 + size + size % 2
    return ids


def test_blind_wav_of_every_chain_has_one_size_and_header(renders: dict[str, Path]) -> None:
    made = [
        blind_wav(path, frames=4805, channels=2, gain_db=-1.5 * number, seed=number)
        for number, path in enumerate(renders.values())
    ]
    assert {len(data) for data in made} == {blind_wav_size(4805, 2)}
    assert len({data[:44] for data in made}) == 1
    assert decode(made[0])[1] == Layout(RATE, 2, 4805, "WAV", "PCM_24")
    assert chunk_ids(made[0]) == [b"fmt ", b"data"]  # no LIST/INFO, PEAK or other chunk


def test_blind_wav_size_is_header_plus_24_bit_frames_padded_even() -> None:
    assert blind_wav_size(1000, 2) == 44 + 6000
    assert blind_wav_size(1001, 1) == 44 + 3003 + 1


def test_blind_wav_with_odd_data_size_is_padded_and_readable(renders: dict[str, Path]) -> None:
    data = blind_wav(renders["wav24-mono"], frames=4801, channels=1, gain_db=0.0, seed=1)
    assert len(data) == blind_wav_size(4801, 1)
    assert len(data) % 2 == 0
    assert decode(data)[1].frames == 4801
    assert chunk_ids(data) == [b"fmt ", b"data"]


def test_blind_wav_is_the_same_for_a_seed_and_different_across_seeds(
    renders: dict[str, Path],
) -> None:
    path = renders["wav24-stereo"]
    first, again, other = (
        blind_wav(path, frames=4800, channels=2, gain_db=-2.0, seed=seed) for seed in (7, 7, 8)
    )
    assert first == again
    assert first != other


def test_blind_wav_never_repeats_the_source_bytes(renders: dict[str, Path]) -> None:
    # Same length, channels, rate and level: only the dither makes the bytes differ.
    path = renders["wav24-stereo"]
    source_data = path.read_bytes()
    source_data = source_data[source_data.index(b"data") + 8 :]
    for seed in range(5):
        data = blind_wav(path, frames=4800, channels=2, gain_db=0.0, seed=seed)
        assert data[44:] != source_data
        assert np.abs(decode(data)[0] - source_samples(path)).max() <= LSB


@pytest.mark.parametrize("name", ["wav24-mono", "flac-stereo", "wav24-stereo"])
@pytest.mark.parametrize("gain_db", [0.0, -3.7, -12.0])
def test_blind_wav_samples_are_source_times_gain_within_2_lsb(
    renders: dict[str, Path], name: str, gain_db: float
) -> None:
    source = source_samples(renders[name])
    frames = source.shape[0]
    data = blind_wav(
        renders[name], frames=frames, channels=source.shape[1], gain_db=gain_db, seed=3
    )
    samples, _ = decode(data)
    expected = source * 10 ** (gain_db / 20)
    assert np.abs(samples - expected).max() <= 2 * LSB


def test_blind_wav_pads_a_short_render_with_dithered_silence(renders: dict[str, Path]) -> None:
    source = source_samples(renders["flac-stereo"])  # 4790 frames
    samples, _ = decode(
        blind_wav(renders["flac-stereo"], frames=6000, channels=2, gain_db=0.0, seed=4)
    )
    assert samples.shape == (6000, 2)
    assert np.abs(samples[:4790] - source).max() <= 2 * LSB
    assert np.abs(samples[4790:]).max() <= LSB  # ±1 LSB of dither, nothing else


def test_blind_wav_trims_a_long_render(renders: dict[str, Path]) -> None:
    source = source_samples(renders["float-stereo"])  # 4812 frames
    samples, _ = decode(
        blind_wav(renders["float-stereo"], frames=1000, channels=2, gain_db=-6.0, seed=5)
    )
    assert samples.shape == (1000, 2)
    assert np.abs(samples - source[:1000] * 10 ** (-6 / 20)).max() <= 2 * LSB


def test_blind_wav_copies_a_mono_render_to_both_channels(renders: dict[str, Path]) -> None:
    source = source_samples(renders["wav24-mono"])[:, 0]
    samples, _ = decode(
        blind_wav(renders["wav24-mono"], frames=4801, channels=2, gain_db=-1.0, seed=6)
    )
    expected = source * 10 ** (-1 / 20)
    for channel in (0, 1):
        assert np.abs(samples[:, channel] - expected).max() <= 2 * LSB
    assert not np.array_equal(samples[:, 0], samples[:, 1])  # each channel dithered on its own


def test_blind_wav_saturates_rather_than_wrapping(tmp_path: Path) -> None:
    loud = write(tmp_path / "loud.wav", tone(2000, 1, 100.0, level=0.9), "WAV", "PCM_24")
    samples, _ = decode(blind_wav(loud, frames=2000, channels=1, gain_db=12.0, seed=1))
    assert samples.max() == pytest.approx(1.0 - LSB)
    assert samples.min() == pytest.approx(-1.0)
    positive_half = samples[:240, 0]  # the first half-period of 100 Hz is all positive
    assert (positive_half >= -LSB).all()


def test_blind_wav_bytes_do_not_depend_on_the_block_size(
    renders: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = renders["flac-stereo"]
    whole = blind_wav(path, frames=6000, channels=2, gain_db=-2.0, seed=9)
    monkeypatch.setattr(blind_audio, "_BLOCK_FRAMES", 333)
    assert blind_wav(path, frames=6000, channels=2, gain_db=-2.0, seed=9) == whole


def test_blind_wav_refuses_more_channels_than_asked(renders: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="2 channels do not fit in 1"):
        blind_wav(renders["wav24-stereo"], frames=100, channels=1, gain_db=0.0, seed=1)


def test_blind_wav_refuses_an_unreadable_source(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all")
    with pytest.raises(ValueError, match=r"junk\.wav: unreadable audio"):
        blind_wav(junk, frames=100, channels=1, gain_db=0.0, seed=1)
    with pytest.raises(ValueError, match=r"missing\.wav: unreadable audio"):
        blind_wav(tmp_path / "missing.wav", frames=100, channels=1, gain_db=0.0, seed=1)


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ({"frames": 0}, "frames"),
        ({"channels": 3}, "channels"),
        ({"channels": 0}, "channels"),
        ({"gain_db": float("nan")}, "gain_db"),
        ({"seed": -1}, "seed"),
        ({"frames": 2**31, "channels": 2}, "4 GiB"),
    ],
)
def test_blind_wav_refuses_bad_arguments(
    renders: dict[str, Path], arguments: dict[str, float], reason: str
) -> None:
    valid: dict[str, float] = {"frames": 10, "channels": 1, "gain_db": 0.0, "seed": 1}
    call = valid | arguments
    with pytest.raises(ValueError, match=reason):
        blind_wav(
            renders["wav24-mono"],
            frames=int(call["frames"]),
            channels=int(call["channels"]),
            gain_db=call["gain_db"],
            seed=int(call["seed"]),
        )

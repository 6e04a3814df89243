"""Upload validation through the engine's validators: real fixtures pass, crafted ones fail."""

from __future__ import annotations

import shutil
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.paths import REAL
from toneshootout.engine.audio_io import read_audio
from toneshootout.engine.channels import to_mono
from toneshootout.engine.loudness import amplitude_db, integrated_loudness
from toneshootout.server.library.errors import InvalidUpload
from toneshootout.server.library.kinds import ItemKind
from toneshootout.server.library.validate import inspect_file

DI = REAL / "di-gojira-48k-stereo.wav"
IR = REAL / "ir-mesa-os-4x12-189ms.wav"
CAPTURE = REAL / "jcm800-standard.nam"


def copy_as(source: Path, tmp_path: Path, name: str = "upload.part") -> Path:
    target = tmp_path / name
    shutil.copyfile(source, target)
    return target


def header_bomb_wav(path: Path) -> Path:
    """A 60-byte WAV whose data chunk claims almost 4 GiB."""
    fmt = struct.pack("<HHIIHH", 1, 2, 48000, 48000 * 6, 6, 24)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    body += b"data" + struct.pack("<I", 0xFFFFFFF0) + b"\0" * 16
    path.write_bytes(b"RIFF" + struct.pack("<I", 0xFFFFFFF8) + body)
    return path


def nan_capture(path: Path) -> Path:
    text = CAPTURE.read_text()
    path.write_text(text.replace('"weights":[-0.003630096325650811', '"weights":[NaN', 1))
    return path


def test_inspect_di_reports_audio_metadata(tmp_path: Path) -> None:
    inspection = inspect_file(ItemKind.DI_TRACK, copy_as(DI, tmp_path))
    assert (inspection.extension, inspection.media_type) == ("wav", "audio/wav")
    meta = inspection.metadata
    assert meta["sample_rate"] == 48000
    assert meta["channels"] == 2
    assert 3.0 < meta["duration_s"] < 4.0
    assert meta["peak_dbfs"] <= 0.0
    assert -60.0 < meta["integrated_lufs"] < 0.0


def test_inspect_di_measures_what_the_engine_measures_of_the_whole_file(tmp_path: Path) -> None:
    meta = inspect_file(ItemKind.DI_TRACK, copy_as(DI, tmp_path)).metadata
    frames, rate = read_audio(DI)
    assert meta["integrated_lufs"] == round(
        integrated_loudness(to_mono(frames, "mid", "di"), rate), 2
    )
    assert meta["peak_dbfs"] == round(amplitude_db(float(np.max(np.abs(frames)))), 2)
    assert meta["duration_s"] == round(frames.shape[0] / rate, 4)


def test_inspect_di_holds_a_long_file_in_blocks_not_whole(tmp_path: Path) -> None:
    """Two minutes of 48 kHz stereo are 46 MB as float32; validation must stay far below."""
    path = tmp_path / "long.wav"
    rate, seconds = 48_000, 120
    with sf.SoundFile(path, "w", rate, 2, subtype="PCM_24", format="WAV") as out:
        for start in range(0, seconds, 10):
            t = np.arange(start * rate, (start + 10) * rate) / rate
            tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
            out.write(np.column_stack([tone, tone]))
    tracemalloc.start()
    try:
        meta = inspect_file(ItemKind.DI_TRACK, path).metadata
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert meta["duration_s"] == seconds
    assert peak < 16 * 1024 * 1024, f"validation peaked at {peak / 2**20:.1f} MiB"


def test_inspect_di_accepts_flac(tmp_path: Path) -> None:
    inspection = inspect_file(ItemKind.DI_TRACK, copy_as(REAL / "di-synth-60s-48k.flac", tmp_path))
    assert (inspection.extension, inspection.media_type) == ("flac", "audio/flac")


def test_inspect_capture_reports_model_metadata(tmp_path: Path) -> None:
    inspection = inspect_file(ItemKind.CAPTURE, copy_as(CAPTURE, tmp_path))
    assert (inspection.extension, inspection.media_type) == ("nam", "application/octet-stream")
    meta = inspection.metadata
    assert meta["architecture"] == "WaveNet"
    assert meta["size_label"] == "standard"
    assert meta["weight_count"] == 13802
    assert meta["sample_rate"] == 48000
    assert meta["file_metadata"]["name"] == "JCM800 capture 3"


def test_inspect_ir_reports_length(tmp_path: Path) -> None:
    inspection = inspect_file(ItemKind.IR, copy_as(IR, tmp_path))
    assert inspection.extension == "wav"
    assert inspection.metadata["sample_rate"] == 48000
    assert inspection.metadata["length_ms"] == pytest.approx(9056 / 48, abs=0.01)


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        (ItemKind.DI_TRACK, lambda tmp: header_bomb_wav(tmp / "bomb.part")),
        (ItemKind.IR, lambda tmp: header_bomb_wav(tmp / "bomb.part")),
        (ItemKind.CAPTURE, lambda tmp: nan_capture(tmp / "nan.part")),
        (ItemKind.IR, lambda tmp: copy_as(CAPTURE, tmp)),
        (ItemKind.CAPTURE, lambda tmp: copy_as(IR, tmp)),
        (ItemKind.DI_TRACK, lambda tmp: copy_as(CAPTURE, tmp)),
        (ItemKind.IR, lambda tmp: copy_as(REAL / "di-synth-60s-48k.flac", tmp)),
    ],
    ids=[
        "di-header-bomb",
        "ir-header-bomb",
        "nan-weights",
        "nam-as-ir",
        "wav-as-nam",
        "nam-as-di",
        "flac-as-ir",
    ],
)
def test_inspect_refuses_invalid_files(kind: ItemKind, make: object, tmp_path: Path) -> None:
    assert callable(make)
    with pytest.raises(InvalidUpload, match=f"not a valid {kind.label}"):
        inspect_file(kind, make(tmp_path))


def _sine(path: Path, frames: int, rate: int = 48000) -> Path:
    sf.write(path, 0.25 * np.sin(np.arange(frames) / 10.0), rate, "PCM_16", format="WAV")
    return path


@pytest.mark.parametrize(("frames", "shown"), [(480, "10.0 ms"), (19199, "399.9 ms")])
def test_inspect_di_refuses_audio_shorter_than_render_minimum(
    tmp_path: Path, frames: int, shown: str
) -> None:
    # 19199 frames is 399.98 ms: one frame short is short.
    path = _sine(tmp_path / "short.part", frames)
    with pytest.raises(InvalidUpload, match=f"{shown} long: a render needs at least 400 ms"):
        inspect_file(ItemKind.DI_TRACK, path)


def test_inspect_di_accepts_exactly_the_render_minimum(tmp_path: Path) -> None:
    inspection = inspect_file(ItemKind.DI_TRACK, _sine(tmp_path / "ok.part", 17640, 44100))
    assert inspection.metadata["duration_s"] == 0.4
    assert inspection.metadata["integrated_lufs"] is not None

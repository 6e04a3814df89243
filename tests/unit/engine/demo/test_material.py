"""Writing the demo material and its spec: complete, loadable, byte-for-byte reproducible."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import soundfile as sf

from toneshootout.engine.demo.material import DemoMaterial, demo_spec_toml, write_demo_material
from toneshootout.engine.nam.capture import load_capture
from toneshootout.engine.spec import load_spec


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> DemoMaterial:
    return write_demo_material(tmp_path_factory.mktemp("demo"))


def test_write_demo_material_twice_gives_identical_bytes(tmp_path: Path) -> None:
    write_demo_material(tmp_path / "a")
    write_demo_material(tmp_path / "b")
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(first) == [
        "captures/demo-clean.nam",
        "captures/demo-crunch.nam",
        "captures/demo-high-gain.nam",
        "di/arpeggio.wav",
        "di/riff.wav",
        "irs/demo-1x12.wav",
        "irs/demo-4x12.wav",
    ]
    assert first == second


def test_demo_files_load_as_engine_inputs(material: DemoMaterial) -> None:
    for wav in (material.riff, material.arpeggio, material.cab_4x12, material.cab_1x12):
        info = sf.info(wav)
        assert (info.format, info.subtype, info.samplerate, info.channels) == (
            "WAV",
            "PCM_24",
            48000,
            1,
        )
    names = [
        load_capture(p).info.metadata.name
        for p in (material.clean, material.crunch, material.high_gain)
    ]
    assert names == ["Demo Clean", "Demo Crunch", "Demo High Gain"]


def test_demo_spec_toml_loads_as_a_shootout_spec(material: DemoMaterial) -> None:
    text = demo_spec_toml(material)
    raw = tomllib.loads(text)
    assert raw["title"] == "Tone Shootout demo"
    assert raw["settings"] == {"loudness_target_lufs": -18.0, "segment_seconds": 4.0}
    assert raw["di"][0] == {"name": "Riff", "path": "di/riff.wav"}
    assert raw["chain"][0]["blocks"] == [
        {"type": "capture", "path": "captures/demo-clean.nam"},
        {"type": "ir", "path": "irs/demo-4x12.wav"},
    ]
    spec_path = material.root / "demo.toml"
    spec_path.write_text(text, encoding="utf-8")
    spec = load_spec(spec_path)
    assert [d.name for d in spec.di] == ["Riff", "Arpeggio"]
    assert [c.name for c in spec.chain][:3] == ["Clean → 4x12", "Crunch → 4x12", "High Gain → 4x12"]
    for chain in spec.chain:
        assert all(Path(block.path).is_file() for block in chain.blocks if hasattr(block, "path"))

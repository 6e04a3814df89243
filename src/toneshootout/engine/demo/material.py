"""Writing the demo material to disk and the shootout spec that uses it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from toneshootout.engine.demo.cabinets import DEMO_1X12, DEMO_4X12, synthesize_cabinet_ir
from toneshootout.engine.demo.captures import SAMPLE_RATE, demo_captures, write_capture
from toneshootout.engine.demo.di import synthesize_di_arpeggio, synthesize_di_riff
from toneshootout.engine.types import Signal

DEMO_TITLE = "Tone Shootout demo"
LOUDNESS_TARGET_LUFS = -18.0
SEGMENT_SECONDS = 4.0


@dataclass(frozen=True)
class DemoMaterial:
    """Where the demo files were written; every path is absolute, inside `root`."""

    root: Path
    riff: Path
    arpeggio: Path
    clean: Path
    crunch: Path
    high_gain: Path
    cab_4x12: Path
    cab_1x12: Path


def _write_wav(path: Path, audio: Signal) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, SAMPLE_RATE, subtype="PCM_24", format="WAV")


def write_demo_material(out_dir: Path) -> DemoMaterial:
    """Synthesize the demo DIs, captures and cabinet IRs into `out_dir`; same bytes every time."""
    root = out_dir.resolve()
    material = DemoMaterial(
        root=root,
        riff=root / "di" / "riff.wav",
        arpeggio=root / "di" / "arpeggio.wav",
        clean=root / "captures" / "demo-clean.nam",
        crunch=root / "captures" / "demo-crunch.nam",
        high_gain=root / "captures" / "demo-high-gain.nam",
        cab_4x12=root / "irs" / "demo-4x12.wav",
        cab_1x12=root / "irs" / "demo-1x12.wav",
    )
    _write_wav(material.riff, synthesize_di_riff(SAMPLE_RATE))
    _write_wav(material.arpeggio, synthesize_di_arpeggio(SAMPLE_RATE))
    material.clean.parent.mkdir(parents=True, exist_ok=True)
    for stem, capture in demo_captures().items():
        write_capture(capture, material.clean.parent / f"{stem}.nam")
    _write_wav(material.cab_4x12, synthesize_cabinet_ir(DEMO_4X12, SAMPLE_RATE))
    _write_wav(material.cab_1x12, synthesize_cabinet_ir(DEMO_1X12, SAMPLE_RATE))
    return material


def _quoted(text: str) -> str:
    # A JSON string literal is a valid TOML basic string for the characters used here.
    return json.dumps(text, ensure_ascii=False)


def _relative(material: DemoMaterial, path: Path) -> str:
    return _quoted(path.relative_to(material.root).as_posix())


def demo_spec_toml(material: DemoMaterial) -> str:
    """The demo shootout spec (TOML); its paths are relative to `material.root`, save it there."""
    chains = [
        ("Clean → 4x12", material.clean, material.cab_4x12),
        ("Crunch → 4x12", material.crunch, material.cab_4x12),
        ("High Gain → 4x12", material.high_gain, material.cab_4x12),
        ("High Gain → 1x12", material.high_gain, material.cab_1x12),
    ]
    lines = [
        f"title = {_quoted(DEMO_TITLE)}",
        "",
        "[settings]",
        f"loudness_target_lufs = {LOUDNESS_TARGET_LUFS}",
        f"segment_seconds = {SEGMENT_SECONDS}",
    ]
    for name, path in (("Riff", material.riff), ("Arpeggio", material.arpeggio)):
        lines += ["", "[[di]]", f"name = {_quoted(name)}", f"path = {_relative(material, path)}"]
    for name, capture, cab in chains:
        lines += [
            "",
            "[[chain]]",
            f"name = {_quoted(name)}",
            "blocks = [",
            f'  {{ type = "capture", path = {_relative(material, capture)} }},',
            f'  {{ type = "ir", path = {_relative(material, cab)} }},',
            "]",
        ]
    return "\n".join(lines) + "\n"

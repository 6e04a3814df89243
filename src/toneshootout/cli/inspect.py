"""`toneshootout inspect`: what is inside a `.nam`, IR or DI file, or why it is refused."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

IR_MAX_SECONDS = 10.0


def _db(value: float) -> float | None:
    return round(20.0 * float(np.log10(value)), 2) if value > 0 else None


def describe_capture(path: Path) -> dict[str, Any]:
    """A capture's architecture, size, rate and (untrusted, display-only) metadata."""
    from toneshootout.engine.nam.capture import load_capture

    info = load_capture(path).info
    described = asdict(info)
    described["kind"] = "capture"
    described["file"] = path.name
    return described


def describe_audio(path: Path) -> dict[str, Any]:
    """An audio file's format, duration, levels; its length as an IR when it is short enough."""
    from toneshootout.engine.audio_io import probe_audio, read_audio
    from toneshootout.engine.channels import to_mono
    from toneshootout.engine.loudness import integrated_loudness

    info = probe_audio(path)
    audio, rate = read_audio(path)
    mono = to_mono(audio, "mid", str(path))
    described: dict[str, Any] = {"kind": "audio", "file": path.name, **asdict(info)}
    described["peak_dbfs"] = _db(float(np.max(np.abs(audio))))
    described["rms_dbfs"] = _db(float(np.sqrt(np.mean(np.square(mono, dtype=np.float64)))))
    if info.duration_s >= 0.4:
        loudness = integrated_loudness(mono, rate)
        described["integrated_lufs"] = round(loudness, 2) if np.isfinite(loudness) else None
    described["usable_as_ir"] = info.duration_s <= IR_MAX_SECONDS
    if described["usable_as_ir"]:
        described["ir_length_ms"] = round(1000.0 * info.frames / info.sample_rate, 2)
    return described


def _table(described: dict[str, Any]) -> Table:
    table = Table(title=described["file"], show_header=False)
    table.add_column("field")
    table.add_column("value")
    for key, value in described.items():
        if isinstance(value, dict):
            for sub_key, sub_value in value.items():
                if sub_value is not None:
                    table.add_row(f"{key}.{sub_key}", str(sub_value))
        elif value is not None:
            table.add_row(key, str(value))
    return table


def inspect(
    path: Annotated[Path, typer.Argument(help="A .nam capture, or an IR or DI audio file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show what is inside a capture, IR or DI file, or why it is refused."""
    described = describe_capture(path) if path.suffix.lower() == ".nam" else describe_audio(path)
    if as_json:
        print(json.dumps(described, indent=2, default=str))
    else:
        Console().print(_table(described))

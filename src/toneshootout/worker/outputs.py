"""From a published render folder to the `RenderOutput` records of its success."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from toneshootout.engine.hashing import sha256_file
from toneshootout.server.render.job_repository import OutputRecord

MEDIA_TYPES: Final = {
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
    ".json": "application/json",
    ".csv": "text/csv",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".mp4": "video/mp4",
}


def _label(value: Any) -> str | None:
    return None if value is None else str(value)[:80]


def _record(
    folder: Path, relative: str, role: str, sha256: str, entry: dict[str, Any]
) -> OutputRecord:
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ValueError(f"manifest output escapes the render folder: {relative!r}")
    return OutputRecord(
        path=relative,
        role=role[:32],
        di=_label(entry.get("di")),
        chain=_label(entry.get("chain")),
        size_bytes=target.stat().st_size,
        sha256=sha256,
        media_type=MEDIA_TYPES.get(target.suffix.lower(), "application/octet-stream"),
    )


def read_outputs(folder: Path) -> list[OutputRecord]:
    """Every file `manifest.json` lists, plus the manifest itself (it does not list itself)."""
    manifest = folder / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    records = [
        _record(folder, str(entry["path"]), str(entry["role"]), str(entry["sha256"]), entry)
        for entry in data.get("outputs", [])
    ]
    records.append(_record(folder, "manifest.json", "manifest", sha256_file(manifest), {}))
    return records

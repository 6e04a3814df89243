"""The demo material is generated once per process and data folder, and again only if lost."""

from __future__ import annotations

import hashlib
from pathlib import Path

from toneshootout.server.demo.material import demo_files
from toneshootout.server.library.kinds import ItemKind


def test_demo_files_are_generated_once_and_described(tmp_path: Path) -> None:
    folder = tmp_path / "demo-material"
    first = demo_files(folder)
    stamps = {role: f.path.stat().st_mtime_ns for role, f in first.items()}
    second = demo_files(folder)
    assert second == first
    assert {role: f.path.stat().st_mtime_ns for role, f in second.items()} == stamps
    kinds = [f.kind for f in first.values()]
    assert kinds.count(ItemKind.DI_TRACK) == 2
    assert kinds.count(ItemKind.CAPTURE) == 3
    assert kinds.count(ItemKind.IR) == 2
    for file in first.values():
        assert file.path.is_relative_to(folder)
        assert file.size == file.path.stat().st_size
        assert file.sha256 == hashlib.sha256(file.path.read_bytes()).hexdigest()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".demo-")]


def test_demo_files_lost_on_disk_are_generated_again_with_the_same_bytes(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "demo-material"
    first = demo_files(folder)
    first["riff"].path.unlink()
    again = demo_files(folder)
    assert again["riff"].path.is_file()
    assert {r: f.sha256 for r, f in again.items()} == {r: f.sha256 for r, f in first.items()}

"""Small real inputs for end-to-end renders: generated demo captures and IRs, short DIs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import soundfile as sf

from toneshootout.engine.demo.di import synthesize_di_riff
from toneshootout.engine.demo.material import write_demo_material


@dataclass(frozen=True)
class Kit:
    root: Path
    dis: list[Path]
    captures: list[Path]
    irs: list[Path]

    def spec(self, chains: int = 2, extra_settings: str = "", ir_block: str = "") -> Path:
        lines = ['title = "Test shootout"', "[settings]", extra_settings]
        for i, di in enumerate(self.dis):
            lines += ["[[di]]", f'name = "DI {i}"', f'path = "{di.name}"']
        for i, capture in enumerate(self.captures[:chains]):
            ir = ir_block or f'{{ type = "ir", path = "{self.irs[0]}" }}'
            lines += [
                "[[chain]]",
                f'name = "Chain {i}"',
                f'blocks = [{{ type = "capture", path = "{capture}" }}, {ir}]',
            ]
        path = self.root / "spec.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    root = tmp_path_factory.mktemp("kit")
    write_demo_material(root / "material")
    dis = []
    for seed, seconds in ((3, 3.0), (5, 2.0)):
        path = root / f"di-{seed}.wav"
        sf.write(path, synthesize_di_riff(48000, seconds, seed), 48000, subtype="PCM_24")
        dis.append(path)
    return Kit(
        root=root,
        dis=dis,
        captures=sorted((root / "material" / "captures").glob("*.nam")),
        irs=sorted((root / "material" / "irs").glob("*.wav")),
    )

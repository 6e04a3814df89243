"""Cache keys: content decides them, names and paths never do."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from toneshootout.engine.cache import alignment_key, pair_key
from toneshootout.engine.demo.material import write_demo_material
from toneshootout.engine.inputs import load_inputs
from toneshootout.engine.spec import Spec, parse_spec

RATE = 48000


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("keys")
    write_demo_material(root / "material")
    di = root / "di.wav"
    tone = 0.2 * np.sin(2 * np.pi * 110 * np.arange(2 * RATE) / RATE)
    sf.write(di, tone.astype(np.float32), RATE, subtype="FLOAT")
    return {
        "di": di,
        "clean": root / "material" / "captures" / "demo-clean.nam",
        "crunch": root / "material" / "captures" / "demo-crunch.nam",
        "ir": root / "material" / "irs" / "demo-1x12.wav",
        "ir2": root / "material" / "irs" / "demo-4x12.wav",
    }


def _spec(files: dict[str, Path], **change: Any) -> Spec:
    di: dict[str, Any] = {"name": "DI", "path": str(change.get("di", files["di"]))}
    if "region" in change:
        di["region"] = change["region"]
    blocks: list[dict[str, Any]] = [
        {"type": "capture", "path": str(change.get("capture", files["clean"]))},
        {"type": "ir", "path": str(change.get("ir", files["ir"]))},
        {"type": "gain", "gain_db": change.get("gain_db", -3.0)},
    ]
    if "slim" in change:
        blocks[0]["slim"] = change["slim"]
    data = {
        "settings": change.get("settings", {}),
        "di": [di],
        "chain": [{"name": change.get("chain_name", "Chain"), "blocks": blocks}],
    }
    return parse_spec(data, "test")


def _keys(spec: Spec, gain_db: float = 0.0) -> tuple[str, str]:
    inputs = load_inputs(spec)
    di, chain = inputs.dis[0], inputs.chains[0]
    rate = inputs.render_rate
    return alignment_key(chain, rate), pair_key(di, chain, rate, gain_db, 100)


def test_keys_ignore_names_and_paths(files: dict[str, Path], tmp_path: Path) -> None:
    moved = {k: tmp_path / f"renamed-{k}{v.suffix}" for k, v in files.items()}
    for k, v in files.items():
        shutil.copyfile(v, moved[k])
    assert _keys(_spec(files)) == _keys(_spec(moved, chain_name="Another name"))


@pytest.mark.parametrize(
    "change",
    [
        {"capture": "crunch"},
        {"ir": "ir2"},
        {"gain_db": -4.0},
        {"settings": {"render_rate": 44100}},
    ],
)
def test_chain_edit_changes_both_keys(files: dict[str, Path], change: dict[str, Any]) -> None:
    resolved = {k: files.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    base_alignment, base_pair = _keys(_spec(files))
    alignment, pair = _keys(_spec(files, **resolved))
    assert alignment != base_alignment
    assert pair != base_pair


@pytest.mark.parametrize(
    "change",
    [{"region": {"start_s": 0.0, "end_s": 1.5}}, {"region": {"start_s": 0.25, "end_s": 2.0}}],
)
def test_di_region_changes_only_the_pair_key(
    files: dict[str, Path], change: dict[str, Any]
) -> None:
    base_alignment, base_pair = _keys(_spec(files))
    alignment, pair = _keys(_spec(files, **change))
    assert alignment == base_alignment
    assert pair != base_pair


def test_file_content_change_at_same_path_changes_keys(
    files: dict[str, Path], tmp_path: Path
) -> None:
    capture = tmp_path / "capture.nam"
    shutil.copyfile(files["clean"], capture)
    before = _keys(_spec(files, capture=capture))
    shutil.copyfile(files["crunch"], capture)
    after = _keys(_spec(files, capture=capture))
    assert before[0] != after[0]
    assert before[1] != after[1]


def test_pair_key_changes_with_gain_and_pad(files: dict[str, Path]) -> None:
    inputs = load_inputs(_spec(files))
    di, chain, rate = inputs.dis[0], inputs.chains[0], inputs.render_rate
    base = pair_key(di, chain, rate, -6.0, 100)
    assert pair_key(di, chain, rate, -6.0, 100) == base
    assert pair_key(di, chain, rate, np.nextafter(-6.0, 0.0), 100) != base
    assert pair_key(di, chain, rate, -6.0, 101) != base

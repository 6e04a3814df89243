"""End-to-end renders through the real engine: files, levels, alignment, atomicity."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.integration.conftest import Kit
from toneshootout.engine.errors import InvalidInput, RenderCancelled
from toneshootout.engine.hashing import sha256_file
from toneshootout.engine.loudness import integrated_loudness
from toneshootout.engine.progress import CancelToken, ProgressEvent
from toneshootout.engine.render import render_shootout
from toneshootout.engine.spec import load_spec


@pytest.fixture(scope="module")
def rendered(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("render") / "out"
    render_shootout(load_spec(kit.spec(chains=3)), out, workers=2)
    return out


def _manifest(out: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((out / "manifest.json").read_text())
    return data


def test_render_lists_every_output_with_role_and_hash(rendered: Path) -> None:
    manifest = _manifest(rendered)
    outputs = manifest["outputs"]
    assert isinstance(outputs, list)
    roles = {o["role"] for o in outputs}
    assert {"chain_render", "montage", "timeline", "plot", "metrics", "null_residual"} <= roles
    for entry in outputs:
        path = rendered / entry["path"]
        assert path.is_file()
        assert sha256_file(path) == entry["sha256"]
    chain_renders = [o for o in outputs if o["role"] == "chain_render"]
    assert {(o["di"], o["chain"]) for o in chain_renders} == {
        (f"DI {i}", f"Chain {j}") for i in range(2) for j in range(3)
    }
    settings = manifest["settings"]
    assert isinstance(settings, dict)
    assert settings["loudness_target_lufs"] == -18.0
    assert settings["true_peak_ceiling_dbtp"] == -1.0


def test_render_matches_loudness_and_length_per_di(rendered: Path) -> None:
    manifest = _manifest(rendered)
    outputs = manifest["outputs"]
    assert isinstance(outputs, list)
    for di in ("DI 0", "DI 1"):
        files = [
            rendered / o["path"] for o in outputs if o["role"] == "chain_render" and o["di"] == di
        ]
        audio = [sf.read(f, dtype="float32")[0] for f in files]
        assert len({a.shape[0] for a in audio}) == 1
        loudness = [integrated_loudness(a, 48000) for a in audio]
        assert max(loudness) - min(loudness) < 0.1
        assert all(np.max(np.abs(a)) < 10 ** (-1.0 / 20) for a in audio)


def test_render_is_deterministic(kit: Kit, rendered: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    render_shootout(load_spec(kit.spec(chains=3)), again, workers=1)
    first = {p.relative_to(rendered): p.read_bytes() for p in rendered.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    different = [str(k) for k in first if first[k] != second[k]]
    assert different == []


def test_render_with_bad_ir_leaves_nothing(kit: Kit, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    spec = load_spec(kit.spec(ir_block=f'{{ type = "ir", path = "{bad}" }}'))
    out = tmp_path / "out"
    with pytest.raises(InvalidInput) as caught:
        render_shootout(spec, out)
    assert "bad.wav" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.wav"]


def test_render_refuses_non_empty_output_without_overwrite(kit: Kit, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInput, match="not empty"):
        render_shootout(load_spec(kit.spec()), out)
    assert (out / "keep.txt").read_text() == "mine"


def test_render_cancelled_midway_leaves_nothing(kit: Kit, tmp_path: Path) -> None:
    cancel = CancelToken()
    events: list[ProgressEvent] = []

    def sink(event: ProgressEvent) -> None:
        events.append(event)
        if event.step == "render" and event.fraction > 0.0 and not cancel.cancelled:
            # Cancelled from another thread, but waited for: the render cannot outrun the
            # cancel on a fast machine (it would finish and the test would see no cancel).
            canceller = threading.Thread(target=cancel.cancel)
            canceller.start()
            canceller.join()

    with pytest.raises(RenderCancelled):
        render_shootout(load_spec(kit.spec()), tmp_path / "out", progress=sink, cancel=cancel)
    assert list(tmp_path.iterdir()) == []
    assert any(e.step == "render" for e in events)


def test_render_reports_progress_per_pair(kit: Kit, tmp_path: Path) -> None:
    events: list[ProgressEvent] = []
    render_shootout(load_spec(kit.spec()), tmp_path / "out", progress=events.append, workers=1)
    pairs = {(e.di, e.chain) for e in events if e.step == "render"}
    assert pairs == {(f"DI {i}", f"Chain {j}") for i in range(2) for j in range(2)}
    overall = [e.overall for e in events]
    assert overall == sorted(overall)
    assert events[-1].overall == 1.0


def _linear_capture(path: Path, delay: int, polarity: float) -> Path:
    taps = [0.0] * 32
    taps[31 - delay] = polarity
    model = {
        "version": "0.5.4",
        "architecture": "Linear",
        "sample_rate": 48000,
        "config": {"receptive_field": 32, "bias": False},
        "weights": taps,
    }
    path.write_text(json.dumps(model))
    return path


def test_render_removes_capture_latency_and_polarity(kit: Kit, tmp_path: Path) -> None:
    straight = _linear_capture(tmp_path / "straight.nam", 0, 1.0)
    late = _linear_capture(tmp_path / "late.nam", 17, -1.0)
    spec_text = (
        f'[settings]\noutputs = ["wav", "metrics"]\n[[di]]\nname = "DI"\npath = "{kit.dis[0]}"\n'
        f'[[chain]]\nname = "Straight"\nblocks = [{{ type = "capture", path = "{straight}" }}]\n'
        f'[[chain]]\nname = "Late"\nblocks = [{{ type = "capture", path = "{late}" }}]\n'
    )
    (tmp_path / "spec.toml").write_text(spec_text)
    out = tmp_path / "out"
    render_shootout(load_spec(tmp_path / "spec.toml"), out, workers=1)
    manifest = _manifest(out)
    inputs = manifest["inputs"]
    assert isinstance(inputs, dict)
    alignment = {c["name"]: c["alignment"] for c in inputs["chains"]}
    assert alignment["Straight"]["latency_samples"] == 0
    assert alignment["Straight"]["polarity"] == 1
    assert alignment["Late"]["latency_samples"] == 17
    assert alignment["Late"]["polarity"] == -1
    a = sf.read(out / "renders/di/straight.wav", dtype="float64")[0]
    b = sf.read(out / "renders/di/late.wav", dtype="float64")[0]
    residual = float(np.sum((a - b) ** 2) / np.sum(a**2))
    assert residual < 1e-6

"""The command line end to end: process, render, demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.integration.conftest import Kit
from tests.paths import GOLDEN, REAL
from toneshootout.cli import main
from toneshootout.engine.resample import resample


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["toneshootout", *args])
    code: object = 0
    try:
        main()
    except SystemExit as done:
        code = done.code
    assert code in (0, None)


def test_process_matches_the_reference_player(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.wav"
    _run(
        [
            "process",
            str(REAL / "jcm800-standard.nam"),
            str(REAL / "di-gojira-48k-stereo.wav"),
            str(out),
            "--workers",
            "2",
        ],
        monkeypatch,
    )
    y, rate = sf.read(out, dtype="float64")
    info = sf.info(str(out))
    assert info.subtype == "FLOAT"
    assert rate == 48000
    expected, _ = sf.read(GOLDEN / "a1_standard_real_jcm800.expected.wav", dtype="float64")
    assert y.shape == expected.shape
    err = y - expected
    assert np.sum(err**2) / np.sum(expected**2) <= 1e-8
    assert np.max(np.abs(err)) <= 1e-4 * max(1.0, float(np.max(np.abs(expected))))


def test_process_resamples_to_the_capture_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    di, rate = sf.read(REAL / "di-gojira-48k-stereo.wav", dtype="float32")
    src = tmp_path / "di-44k.wav"
    sf.write(src, resample(di, rate, 44100), 44100, subtype="PCM_24")
    out = tmp_path / "out.wav"
    _run(["process", str(REAL / "jcm800-standard.nam"), str(src), str(out)], monkeypatch)
    y, out_rate = sf.read(out, dtype="float32")
    assert out_rate == 48000
    assert abs(y.shape[0] - round(sf.info(str(src)).frames * 48000 / 44100)) <= 1


def test_render_json_summary(
    kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(["render", str(kit.spec()), "--out", str(tmp_path / "out"), "--json"], monkeypatch)
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["pairs"]) == 4
    for di in {p["di"] for p in summary["pairs"]}:
        afters = [p["loudness_after_lufs"] for p in summary["pairs"] if p["di"] == di]
        assert max(afters) - min(afters) < 0.1
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_demo_writes_material_spec_and_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(["demo", "--out", str(tmp_path), "--json"], monkeypatch)
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["pairs"]) >= 6
    assert (tmp_path / "material" / "demo.toml").is_file()
    assert (tmp_path / "render" / "manifest.json").is_file()


def test_render_with_video_writes_the_mp4_and_lists_it(
    kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = 'segment_seconds = 1.0\noutputs = ["video"]\nvideo_size = "1280x720"'
    out = tmp_path / "out"
    _run(
        ["render", str(kit.spec(extra_settings=settings)), "--out", str(out), "--json"], monkeypatch
    )
    capsys.readouterr()
    manifest = json.loads((out / "manifest.json").read_text())
    videos = sorted(o["path"] for o in manifest["outputs"] if o["role"] == "video")
    assert videos == ["video/di-0.mp4", "video/di-1.mp4"]
    assert all((out / path).stat().st_size > 10_000 for path in videos)


def test_render_refuses_an_unknown_video_size_in_one_line(
    kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = kit.spec(extra_settings='outputs = ["video"]\nvideo_size = "4k"')
    monkeypatch.setattr(
        sys, "argv", ["toneshootout", "render", str(spec), "--out", str(tmp_path / "o")]
    )
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code not in (0, None)
    err = capsys.readouterr().err.strip()
    assert "settings.video_size" in err
    assert "1920x1080" in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()

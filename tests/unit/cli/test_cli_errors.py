"""Bad input on the command line: one readable line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.paths import REAL
from toneshootout.cli import main


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "argv", ["toneshootout", *args])
    with pytest.raises(SystemExit) as caught:
        main()
    code = caught.value.code
    return code if isinstance(code, int) else 1


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_process_missing_capture_fails_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _run(
        [
            "process",
            str(tmp_path / "nope.nam"),
            str(REAL / "di-gojira-48k-stereo.wav"),
            str(tmp_path / "out.wav"),
        ],
        monkeypatch,
    )
    assert code != 0
    assert "nope.nam" in _error_line(capsys)
    assert not (tmp_path / "out.wav").exists()


def test_process_nan_weights_fails_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "nan.nam"
    model.write_text(
        '{"version": "0.5.4", "architecture": "Linear", "config": '
        '{"receptive_field": 2, "bias": false}, "weights": [NaN, 1.0]}'
    )
    code = _run(
        ["process", str(model), str(REAL / "di-gojira-48k-stereo.wav"), str(tmp_path / "out.wav")],
        monkeypatch,
    )
    assert code != 0
    line = _error_line(capsys)
    assert "nan.nam" in line
    assert not (tmp_path / "out.wav").exists()


def test_process_header_bomb_fails_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "bomb.wav"
    fmt = (
        b"fmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + (48000).to_bytes(4, "little")
        + (96000).to_bytes(4, "little")
        + (2).to_bytes(2, "little")
        + (16).to_bytes(2, "little")
    )
    bomb.write_bytes(
        b"RIFF"
        + (0xFFFFFFF0).to_bytes(4, "little")
        + b"WAVE"
        + fmt
        + b"data"
        + (0xFFFFFFF0).to_bytes(4, "little")
        + b"\x00" * 8
    )
    code = _run(
        ["process", str(REAL / "jcm800-standard.nam"), str(bomb), str(tmp_path / "out.wav")],
        monkeypatch,
    )
    assert code != 0
    assert "bomb.wav" in _error_line(capsys)
    assert not (tmp_path / "out.wav").exists()


def test_render_spec_typo_names_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[[di]]\nname = "x"\npath = "x.wav"\n[[chain]]\nname = "c"\n'
        'blocks = [{ type = "capture", path = "a.nam", slimm = 1 }]\n'
    )
    code = _run(["render", str(spec), "--out", str(tmp_path / "out")], monkeypatch)
    assert code != 0
    assert "chain.0.blocks.0.capture.slimm" in _error_line(capsys)
    assert not (tmp_path / "out").exists()


def test_inspect_refuses_unknown_architecture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "odd.nam"
    model.write_text(
        json.dumps({"version": "0.5.4", "architecture": "Transformer", "config": {}, "weights": []})
    )
    code = _run(["inspect", str(model)], monkeypatch)
    assert code != 0
    assert "odd.nam" in _error_line(capsys)


def test_inspect_capture_prints_metadata(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys, "argv", ["toneshootout", "inspect", "--json", str(REAL / "jcm800-standard.nam")]
    )
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code in (0, None)
    described = json.loads(capsys.readouterr().out)
    assert described["architecture"] == "WaveNet"
    assert described["weight_count"] == 13802
    assert described["receptive_field"] == 4093
    assert described["size_label"] == "standard"

from pathlib import Path

import pytest

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.spec import CaptureBlock, IrBlock, load_spec, parse_spec

GOOD = """
title = "Test"
[settings]
loudness_target_lufs = -20.0
[[di]]
name = "Riff"
path = "di/riff.wav"
channel = "left"
[[chain]]
name = "A"
blocks = [
  { type = "capture", path = "a.nam", slim = 0.5 },
  { type = "ir", path = "/abs/cab.wav" },
  { type = "gain", gain_db = -3.0 },
]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_spec_resolves_relative_paths(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, GOOD))
    assert spec.di[0].path == tmp_path / "di/riff.wav"
    capture, ir, _ = spec.chain[0].blocks
    assert isinstance(capture, CaptureBlock)
    assert capture.path == tmp_path / "a.nam"
    assert capture.slim == 0.5
    assert isinstance(ir, IrBlock)
    assert ir.path == Path("/abs/cab.wav")
    assert spec.settings.loudness_target_lufs == -20.0
    assert spec.settings.true_peak_ceiling_dbtp == -1.0


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD.replace('type = "gain"', 'type = "fuzzbox"'), "chain.0.blocks.2"),
        (GOOD.replace("gain_db = -3.0", "gain_dbb = -3.0"), "chain.0.blocks.2.gain.gain_dbb"),
        (GOOD.replace("slim = 0.5", "slim = 2.0"), "chain.0.blocks.0.capture.slim"),
        (GOOD.replace("loudness_target_lufs", "loudness_target"), "settings.loudness_target"),
        (GOOD.replace('channel = "left"', 'channel = "centre"'), "di.0.channel"),
        (GOOD.replace('name = "Riff"', 'name = ""'), "di.0.name"),
        (GOOD.replace("-20.0", "nan"), "settings.loudness_target_lufs"),
    ],
)
def test_load_spec_names_the_wrong_field(tmp_path: Path, text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_spec(_write(tmp_path, text))
    assert field in caught.value.reason
    assert caught.value.source.endswith("spec.toml")


def test_load_spec_reports_every_problem_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("slim = 0.5", "slim = 2.0").replace('channel = "left"', 'channel = "x"')
    with pytest.raises(InvalidInput) as caught:
        load_spec(_write(tmp_path, text))
    assert "slim" in caught.value.reason
    assert "di.0.channel" in caught.value.reason


def test_load_spec_refuses_duplicate_chain_names(tmp_path: Path) -> None:
    text = GOOD + '\n[[chain]]\nname = "A"\nblocks = [{ type = "gain" }]\n'
    with pytest.raises(InvalidInput, match="used twice"):
        load_spec(_write(tmp_path, text))


def test_load_spec_refuses_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not valid TOML"):
        load_spec(_write(tmp_path, "title = \n"))


def test_load_spec_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read spec"):
        load_spec(tmp_path / "nope.toml")


def test_parse_spec_needs_a_di_and_a_chain() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_spec({"title": "x"}, "inline")
    assert "di" in caught.value.reason
    assert "chain" in caught.value.reason

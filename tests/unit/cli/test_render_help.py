"""`toneshootout render --help` names what a spec's outputs can ask for, the video included."""

from __future__ import annotations

import sys

import pytest

from toneshootout.cli import main


def test_render_help_names_every_output_and_the_video_size(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["toneshootout", "render", "--help"])
    monkeypatch.setenv("COLUMNS", "200")  # one line per sentence, whatever the terminal
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code in (0, None)
    text = " ".join(capsys.readouterr().out.split())
    for output in ("wav", "flac", "mp3", "montage", "metrics", "null_tests", "plots", "video"):
        assert output in text
    assert "settings.video_size 1920x1080, 1280x720 or 1080x1080" in text

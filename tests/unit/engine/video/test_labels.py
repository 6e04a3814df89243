"""What the video says in words."""

from __future__ import annotations

import pytest

from toneshootout.engine.effects import Compressor, Highpass
from toneshootout.engine.spec import Settings
from toneshootout.engine.video.labels import (
    ChainCard,
    chain_letter,
    clock,
    description,
    effect_line,
    level_rule,
    signed,
)


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ")]
)
def test_chain_letters_run_like_spreadsheet_columns(index: int, letter: str) -> None:
    assert chain_letter(index) == letter


@pytest.mark.parametrize(
    ("value", "text"), [(-18.04, "−18.0"), (0.5, "+0.5"), (-0.04, "0.0"), (0.0, "0.0")]
)
def test_signed_numbers_use_a_real_minus_and_never_say_minus_zero(value: float, text: str) -> None:
    assert signed(value) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.0, "0:00"), (3.999, "0:03"), (61.0, "1:01"), (3725.0, "1:02:05")]
)
def test_clock_truncates_like_a_player(seconds: float, text: str) -> None:
    assert clock(seconds) == text


def test_the_level_line_says_before_gain_and_after() -> None:
    card = ChainCard(0, "Plexi", ("Capture: Plexi",), -12.34, -5.66, -18.0)
    assert card.level_line == (
        "Loudness before matching −12.3 LUFS  ·  gain applied −5.7 dB  →  −18.0 LUFS"
    )


def test_the_level_rule_follows_the_settings() -> None:
    rule = level_rule(Settings(loudness_target_lufs=-14.0, true_peak_ceiling_dbtp=-2.0))
    assert "−14.0 LUFS integrated" in rule
    assert "−2.0 dBTP" in rule


def test_effects_are_described_with_their_form_labels_and_units() -> None:
    line = effect_line(Compressor(threshold_db=-20.0, ratio=4.0))
    assert line.startswith("Compressor: Threshold −20 dB, Ratio 4")
    assert effect_line(Highpass(cutoff_hz=80.0)).startswith("High-pass")


def test_description_lists_chapters_credits_and_tone3000() -> None:
    text = description(
        "Shootout",
        "Riff",
        "Rule",
        [(0.0, "A · Clean"), (4.0, "B · Crunch"), (64.5, "A · Clean")],
        cards=[ChainCard(0, "Clean", ("Capture: Twin", "IR: 2x12"), -20.0, 2.0, -18.0)],
        credits=["Plexi — amp by cab_lab"],
        tone3000=True,
    )
    assert "0:00 A · Clean\n0:04 B · Crunch\n1:04 A · Clean\n" in text
    assert "Plexi — amp by cab_lab" in text
    assert "Chains:\nA · Clean\n  Capture: Twin\n  IR: 2x12\n  Loudness before" in text
    assert "Powered by TONE3000" in text
    plain = description("S", "D", "R", [(0.0, "A · X")], credits=[], tone3000=False)
    assert "Credits" not in plain
    assert "TONE3000" not in plain

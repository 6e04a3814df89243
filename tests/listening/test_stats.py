"""Listening-test statistics: known values, plain words, Bradley–Terry recovery and properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toneshootout.listening.stats import (
    BradleyTerry,
    abx_p_value,
    binomial_tail,
    bradley_terry,
    chance_words,
    sign_test,
)

TRUE_STRENGTHS = np.array([-1.0, -0.3, 0.4, 0.9])


def tournament(seed: int, comparisons: int) -> list[tuple[int, int]]:
    """Random pairs of the TRUE_STRENGTHS items, each vote drawn from the Bradley–Terry model."""
    rng = np.random.default_rng(seed)
    outcomes: list[tuple[int, int]] = []
    for _ in range(comparisons):
        first, second = (int(item) for item in rng.choice(len(TRUE_STRENGTHS), 2, replace=False))
        margin = TRUE_STRENGTHS[first] - TRUE_STRENGTHS[second]
        first_wins = rng.random() < 1.0 / (1.0 + math.exp(-margin))
        outcomes.append((first, second) if first_wins else (second, first))
    return outcomes


def ci_widths(result: BradleyTerry) -> list[float]:
    return [item.ci_high - item.ci_low for item in result.strengths]


# --- binomial tail, ABX, sign test ------------------------------------------------------------


def test_abx_p_value_of_12_of_16_is_0_0384() -> None:
    assert abx_p_value(12, 16) == pytest.approx(0.0384, abs=5e-5)
    assert abx_p_value(12, 16) == pytest.approx(2517 / 65536)  # C(16, 12..16) / 2**16


def test_binomial_tail_edges_are_exact() -> None:
    assert binomial_tail(0, 16) == 1.0
    assert binomial_tail(16, 16) == pytest.approx(2.0**-16)
    assert binomial_tail(0, 0) == 1.0
    assert binomial_tail(3, 4, p=0.25) == pytest.approx(4 * 0.25**3 * 0.75 + 0.25**4)


def test_sign_test_known_values() -> None:
    assert sign_test(9, 1) == pytest.approx(22 / 1024)  # 0.021484375
    assert sign_test(1, 9) == pytest.approx(22 / 1024)
    assert sign_test(5, 5) == 1.0
    assert sign_test(0, 0) == 1.0
    assert sign_test(10, 0) == pytest.approx(2 / 1024)


@pytest.mark.parametrize(
    ("successes", "trials", "p"), [(-1, 4, 0.5), (5, 4, 0.5), (1, -1, 0.5), (1, 4, 1.5)]
)
def test_binomial_tail_refuses_impossible_arguments(successes: int, trials: int, p: float) -> None:
    with pytest.raises(ValueError, match=r"successes|trials|p must"):
        binomial_tail(successes, trials, p)


def test_sign_test_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="wins_b"):
        sign_test(3, -1)


@given(trials=st.integers(0, 300), data=st.data(), p=st.floats(0.0, 1.0))
def test_binomial_tail_is_a_probability_falling_with_successes(
    trials: int, data: st.DataObject, p: float
) -> None:
    successes = data.draw(st.integers(0, trials))
    tail = binomial_tail(successes, trials, p)
    assert 0.0 <= tail <= 1.0
    if successes < trials:
        assert binomial_tail(successes + 1, trials, p) <= tail


@given(wins_a=st.integers(0, 500), wins_b=st.integers(0, 500))
def test_sign_test_is_a_symmetric_probability(wins_a: int, wins_b: int) -> None:
    p_value = sign_test(wins_a, wins_b)
    assert 0.0 <= p_value <= 1.0
    assert sign_test(wins_b, wins_a) == pytest.approx(p_value)


# --- plain words ------------------------------------------------------------------------------


def test_chance_words_of_12_of_16_reads_about_4_percent() -> None:
    assert (
        chance_words(12, 16, abx_p_value(12, 16))
        == "12 of 16: about 4 % chance of doing this well by guessing."
    )


@pytest.mark.parametrize(
    ("correct", "trials", "expected"),
    [
        (15, 16, "15 of 16: less than 1 in 1,000 chance of doing this well by guessing."),
        (14, 16, "14 of 16: about 1 in 480 chance of doing this well by guessing."),
        (
            11,
            16,
            "11 of 16: about 11 % chance of doing this well by guessing"
            " — not enough to be sure you heard a difference.",
        ),
        (
            8,
            16,
            "8 of 16: about 60 % chance of doing this well by guessing"
            " — no sign you heard a difference.",
        ),
        (
            0,
            16,
            "0 of 16: guessing would do at least this well every time"
            " — no sign you heard a difference.",
        ),
    ],
)
def test_chance_words_reads_plainly_across_the_range(
    correct: int, trials: int, expected: str
) -> None:
    assert chance_words(correct, trials, abx_p_value(correct, trials)) == expected


def test_chance_words_rounds_half_percent_up() -> None:
    assert "about 5 % chance" in chance_words(10, 16, 0.045)


def test_chance_words_refuses_an_empty_run_or_a_non_probability() -> None:
    with pytest.raises(ValueError, match="no trials"):
        chance_words(0, 0, 1.0)
    with pytest.raises(ValueError, match="p_value"):
        chance_words(3, 4, 1.2)
    with pytest.raises(ValueError, match="correct"):
        chance_words(5, 4, 0.1)


@given(trials=st.integers(1, 64), data=st.data())
def test_chance_words_always_names_the_count_and_ends_a_sentence(
    trials: int, data: st.DataObject
) -> None:
    correct = data.draw(st.integers(0, trials))
    words = chance_words(correct, trials, abx_p_value(correct, trials))
    assert words.startswith(f"{correct} of {trials}: ")
    assert words.endswith(".")
    assert "p-value" not in words
    assert "significan" not in words


# --- Bradley–Terry ----------------------------------------------------------------------------


def test_bradley_terry_recovers_known_strengths_within_their_intervals() -> None:
    result = bradley_terry(4, tournament(seed=7, comparisons=6000))
    centred = TRUE_STRENGTHS - TRUE_STRENGTHS.mean()
    assert result.comparisons == 6000
    assert [item.index for item in result.strengths] == [0, 1, 2, 3]
    assert sum(item.strength for item in result.strengths) == pytest.approx(0.0, abs=1e-9)
    for item, truth in zip(result.strengths, centred, strict=True):
        assert item.ci_low < truth < item.ci_high
        assert item.strength == pytest.approx(truth, abs=0.15)
        assert item.win_probability_vs_average == pytest.approx(1 / (1 + math.exp(-item.strength)))


def test_bradley_terry_intervals_are_wider_with_fewer_votes() -> None:
    few = bradley_terry(4, tournament(seed=3, comparisons=60))
    many = bradley_terry(4, tournament(seed=3, comparisons=6000))
    for narrow, wide in zip(ci_widths(many), ci_widths(few), strict=True):
        assert wide > 3 * narrow


def test_bradley_terry_keeps_an_always_winning_item_finite() -> None:
    result = bradley_terry(3, [(0, 1)] * 10 + [(0, 2)] * 10 + [(1, 2)] * 5 + [(2, 1)] * 5)
    best = result.strengths[0]
    assert math.isfinite(best.strength)
    assert best.bounded
    assert best.strength > result.strengths[1].strength
    assert result.prior_wins == 0.5


def test_bradley_terry_prior_pulls_less_as_votes_accumulate() -> None:
    assert bradley_terry(2, [(0, 1)] * 3).strengths[0].strength < (
        bradley_terry(2, [(0, 1)] * 30).strengths[0].strength
    )


def test_bradley_terry_with_one_sided_pair_matches_the_closed_form() -> None:
    # Two items, 3 wins to 1 plus 0.5 pseudo-wins each way: s0 - s1 = log(3.5 / 1.5).
    result = bradley_terry(2, [(0, 1), (0, 1), (1, 0), (0, 1)])
    gap = math.log(3.5 / 1.5)
    assert result.strengths[0].strength == pytest.approx(gap / 2)
    assert result.strengths[1].strength == pytest.approx(-gap / 2)
    # Observed information of the gap: n p (1 - p) with n = 5 (real + pseudo), p = 0.7.
    half_width = 1.959964 * math.sqrt(1 / (5 * 0.7 * 0.3)) / 2
    assert result.strengths[0].ci_high - result.strengths[0].strength == pytest.approx(
        half_width, rel=1e-5
    )


def test_bradley_terry_leaves_a_never_compared_item_unbounded() -> None:
    result = bradley_terry(3, [(0, 1)] * 4 + [(1, 0)] * 2)
    lone = result.strengths[2]
    assert (lone.strength, lone.ci_low, lone.ci_high) == (0.0, -math.inf, math.inf)
    assert lone.win_probability_vs_average == 0.5
    assert not lone.bounded
    assert result.strengths[0].bounded
    assert result.strengths[1].bounded


def test_bradley_terry_places_nobody_when_two_equal_groups_never_met() -> None:
    result = bradley_terry(4, [(0, 1), (2, 3)])
    assert not any(item.bounded for item in result.strengths)


def test_bradley_terry_with_no_votes_places_nobody() -> None:
    result = bradley_terry(3, [])
    assert result.comparisons == 0
    assert all(item.strength == 0.0 and not item.bounded for item in result.strengths)


@pytest.mark.parametrize(
    ("n_items", "outcomes", "prior", "reason"),
    [
        (1, [], 0.5, "at least 2 items"),
        (3, [(0, 3)], 0.5, "loser 3 is not an item"),
        (3, [(-1, 0)], 0.5, "winner -1 is not an item"),
        (3, [(1, 1)], 0.5, "cannot beat itself"),
        (3, [(0, 1)], 0.0, "prior_wins"),
        (3, [(0, 1)], math.nan, "prior_wins"),
    ],
)
def test_bradley_terry_refuses_bad_input(
    n_items: int, outcomes: list[tuple[int, int]], prior: float, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        bradley_terry(n_items, outcomes, prior_wins=prior)


@st.composite
def tournaments(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    n_items = draw(st.integers(2, 5))
    item = st.integers(0, n_items - 1)
    pairs = st.tuples(item, item).filter(lambda pair: pair[0] != pair[1])
    return n_items, draw(st.lists(pairs, max_size=40))


def assert_same_strengths(left: BradleyTerry, right: BradleyTerry) -> None:
    for a, b in zip(left.strengths, right.strengths, strict=True):
        assert a.index == b.index
        assert a.strength == pytest.approx(b.strength, abs=1e-7)
        assert a.ci_low == pytest.approx(b.ci_low, abs=1e-6)
        assert a.ci_high == pytest.approx(b.ci_high, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(tournament=tournaments(), data=st.data())
def test_bradley_terry_ignores_the_order_of_votes(
    tournament: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    n_items, outcomes = tournament
    shuffled = data.draw(st.permutations(outcomes))
    assert_same_strengths(bradley_terry(n_items, outcomes), bradley_terry(n_items, shuffled))


@settings(max_examples=60, deadline=None)
@given(tournament=tournaments(), data=st.data())
def test_bradley_terry_relabelling_items_permutes_strengths(
    tournament: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    n_items, outcomes = tournament
    label = data.draw(st.permutations(range(n_items)))
    original = bradley_terry(n_items, outcomes)
    relabelled = bradley_terry(
        n_items, [(label[winner], label[loser]) for winner, loser in outcomes]
    )
    for item in original.strengths:
        moved = relabelled.strengths[label[item.index]]
        assert moved.strength == pytest.approx(item.strength, abs=1e-7)
        assert moved.ci_low == pytest.approx(item.ci_low, abs=1e-6)
        assert moved.ci_high == pytest.approx(item.ci_high, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(tournament=tournaments())
def test_bradley_terry_strengths_are_centred_and_inside_their_intervals(
    tournament: tuple[int, list[tuple[int, int]]],
) -> None:
    n_items, outcomes = tournament
    result = bradley_terry(n_items, outcomes)
    assert sum(item.strength for item in result.strengths) == pytest.approx(0.0, abs=1e-9)
    for item in result.strengths:
        assert item.ci_low <= item.strength <= item.ci_high
        assert 0.0 < item.win_probability_vs_average < 1.0

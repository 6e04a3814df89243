"""Blind and ABX designs: reproducible from the seed, covering, bounded and balanced."""

from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toneshootout.listening.design import (
    LETTERS,
    MAX_BLIND_ROUNDS,
    BlindDesign,
    abx_design,
    blind_design,
    new_seed,
)

seeds = st.integers(0, 2**63 - 1)


def pair_counts(design: BlindDesign) -> Counter[tuple[int, int]]:
    return Counter(
        (min(round_.left, round_.right), max(round_.left, round_.right)) for round_ in design.rounds
    )


def test_blind_design_is_reproducible_from_its_seed() -> None:
    assert blind_design(42, n_chains=4, n_dis=3) == blind_design(42, n_chains=4, n_dis=3)
    others = {str(blind_design(seed, n_chains=4, n_dis=3)) for seed in range(20)}
    assert len(others) == 20


@settings(max_examples=80)
@given(seed=seeds, n_chains=st.integers(2, len(LETTERS)))
def test_blind_design_letters_are_a_permutation(seed: int, n_chains: int) -> None:
    design = blind_design(seed, n_chains=n_chains, n_dis=1)
    assert sorted(design.letters) == list(range(n_chains))


@pytest.mark.parametrize(("n_chains", "n_dis"), [(2, 1), (2, 5), (3, 2), (4, 2), (5, 1)])
def test_blind_design_plays_every_pair_on_every_di_once_when_rounds_allow(
    n_chains: int, n_dis: int
) -> None:
    design = blind_design(9, n_chains=n_chains, n_dis=n_dis)
    played = Counter(
        (round_.di, min(round_.left, round_.right), max(round_.left, round_.right))
        for round_ in design.rounds
    )
    expected = {(di, a, b) for di in range(n_dis) for a, b in combinations(range(n_chains), 2)}
    assert len(expected) <= MAX_BLIND_ROUNDS
    assert set(played) == expected
    assert set(played.values()) == {1}


def test_blind_design_caps_rounds_and_spreads_them_over_pairs_and_dis() -> None:
    design = blind_design(5, n_chains=4, n_dis=3)  # 6 pairs × 3 DIs = 18 candidates
    assert len(design.rounds) == MAX_BLIND_ROUNDS
    assert set(pair_counts(design).values()) == {2}
    assert set(Counter(round_.di for round_ in design.rounds).values()) == {4}
    for pair in pair_counts(design):
        dis = [r.di for r in design.rounds if (min(r.left, r.right), max(r.left, r.right)) == pair]
        assert len(set(dis)) == 2  # a pair heard twice is heard on two different DIs


def test_blind_design_with_more_pairs_than_rounds_plays_distinct_pairs() -> None:
    design = blind_design(5, n_chains=7, n_dis=2)  # 21 pairs
    assert len(design.rounds) == MAX_BLIND_ROUNDS
    assert set(pair_counts(design).values()) == {1}


@settings(max_examples=150)
@given(
    seed=seeds,
    n_chains=st.integers(2, 8),
    n_dis=st.integers(1, 4),
    max_rounds=st.integers(1, 40),
)
def test_blind_design_respects_bounds_with_even_coverage(
    seed: int, n_chains: int, n_dis: int, max_rounds: int
) -> None:
    design = blind_design(seed, n_chains=n_chains, n_dis=n_dis, max_rounds=max_rounds)
    n_pairs = n_chains * (n_chains - 1) // 2
    assert len(design.rounds) == min(max_rounds, n_pairs * n_dis)
    keys = {(r.di, min(r.left, r.right), max(r.left, r.right)) for r in design.rounds}
    assert len(keys) == len(design.rounds)  # no (pair, DI) twice
    for round_ in design.rounds:
        assert 0 <= round_.di < n_dis
        assert round_.left != round_.right
        assert 0 <= round_.left < n_chains
        assert 0 <= round_.right < n_chains
    # Every prefix is even too: a listener who stops early has heard the pairs evenly.
    for stop in range(1, len(design.rounds) + 1):
        partial = BlindDesign(letters=design.letters, rounds=design.rounds[:stop])
        counts = pair_counts(partial)
        fewest = min(counts.values()) if len(counts) == n_pairs else 0
        assert max(counts.values()) - fewest <= 1


def test_blind_design_balances_sides_and_letters_over_seeds() -> None:
    designs = [blind_design(seed, n_chains=3, n_dis=2) for seed in range(500)]
    rounds = [round_ for design in designs for round_ in design.rounds]
    lower_on_left = sum(round_.left < round_.right for round_ in rounds) / len(rounds)
    assert 0.45 < lower_on_left < 0.55  # 3000 fair coins: sd ≈ 0.009
    first_is_a = sum(design.letters[0] == 0 for design in designs) / len(designs)
    assert 0.25 < first_is_a < 0.42  # 1/3 expected, sd ≈ 0.021


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"n_chains": 1, "n_dis": 1}, "2 to 26 chains"),
        ({"n_chains": 27, "n_dis": 1}, "2 to 26 chains"),
        ({"n_chains": 3, "n_dis": 0}, "at least one DI"),
        ({"n_chains": 3, "n_dis": 1, "max_rounds": 0}, "max_rounds"),
    ],
)
def test_blind_design_refuses_impossible_tests(kwargs: dict[str, int], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        blind_design(1, **kwargs)


def test_designs_refuse_a_negative_seed() -> None:
    with pytest.raises(ValueError, match="seed"):
        blind_design(-1, n_chains=2, n_dis=1)
    with pytest.raises(ValueError, match="seed"):
        abx_design(-1, 16)


def test_abx_design_is_reproducible_and_one_answer_per_trial() -> None:
    assert abx_design(11, 16) == abx_design(11, 16)
    assert len(abx_design(11, 64)) == 64
    assert set(abx_design(11, 64)) == {0, 1}
    assert len({tuple(abx_design(seed, 16)) for seed in range(20)}) == 20


def test_abx_design_draws_fair_coins_over_seeds() -> None:
    answers = [x for seed in range(200) for x in abx_design(seed, 16)]
    assert 0.45 < sum(answers) / len(answers) < 0.55  # 3200 fair coins: sd ≈ 0.009


def test_abx_design_refuses_an_empty_run() -> None:
    with pytest.raises(ValueError, match="at least one trial"):
        abx_design(1, 0)


def test_new_seed_fits_a_signed_bigint() -> None:
    drawn = {new_seed() for _ in range(10)}
    assert all(0 <= seed < 2**63 for seed in drawn)
    assert len(drawn) == 10

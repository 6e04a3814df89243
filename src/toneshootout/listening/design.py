"""Blind test designs drawn from a stored seed: a listener's letters, rounds and ABX answer key.

Every draw comes from `numpy.random.Generator(PCG64(seed))`, so storing the seed is enough to
reproduce exactly what a listener was shown.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from itertools import combinations
from typing import Final

import numpy as np

LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_BLIND_ROUNDS: Final = 12


@dataclass(frozen=True)
class BlindRound:
    """One vote: a DI and the two chains played, `left` shown (and labelled) first."""

    di: int
    left: int
    right: int


@dataclass(frozen=True)
class BlindDesign:
    """`letters[chain_index]` = letter index (0 = "A"), a random permutation; rounds in order."""

    letters: list[int]
    rounds: list[BlindRound]


def blind_design(
    seed: int, *, n_chains: int, n_dis: int, max_rounds: int = MAX_BLIND_ROUNDS
) -> BlindDesign:
    """A listener's letters and rounds, reproducible from `seed`.

    The candidate rounds are every unordered chain pair on every DI. They are dealt in cycles:
    each cycle holds every chain pair once, in a fresh random order, and each pair moves to
    another DI from one cycle to the next (rotating through a shuffled DI order, so the DIs are
    used evenly within a cycle too). With at most `max_rounds` candidates that is all of them,
    each exactly once; with more, the first `max_rounds` — so every pair is heard once before
    any pair is heard twice, the coverage stays even, and a listener who stops early has still
    spread their votes over the pairs. Each round's left/right order is a fair coin.
    """
    _require_seed(seed)
    if not 2 <= n_chains <= len(LETTERS):
        raise ValueError(f"a blind test needs 2 to {len(LETTERS)} chains, got {n_chains}")
    if n_dis < 1:
        raise ValueError(f"a blind test needs at least one DI, got {n_dis}")
    if max_rounds < 1:
        raise ValueError(f"max_rounds must be at least 1, got {max_rounds}")
    rng = np.random.Generator(np.random.PCG64(seed))
    letters = [int(letter) for letter in rng.permutation(n_chains)]
    pairs = list(combinations(range(n_chains), 2))
    di_order = [int(di) for di in rng.permutation(n_dis)]
    total = min(max_rounds, len(pairs) * n_dis)
    rounds: list[BlindRound] = []
    for cycle in range(n_dis):
        for slot in (int(slot) for slot in rng.permutation(len(pairs))):
            if len(rounds) == total:
                return BlindDesign(letters=letters, rounds=rounds)
            first, second = pairs[slot]
            if rng.integers(2):
                first, second = second, first
            rounds.append(BlindRound(di=di_order[(slot + cycle) % n_dis], left=first, right=second))
    return BlindDesign(letters=letters, rounds=rounds)


def abx_design(seed: int, trials: int) -> list[int]:
    """The hidden answer of each ABX trial, reproducible from `seed`: 0 → X is A, 1 → X is B.

    Independent fair coins, not a balanced deck: with a deck, a listener who counts could
    predict the last trials, and the one-sided binomial p-value assumes independent trials.
    """
    _require_seed(seed)
    if trials < 1:
        raise ValueError(f"an ABX run needs at least one trial, got {trials}")
    rng = np.random.Generator(np.random.PCG64(seed))
    return [int(answer) for answer in rng.integers(0, 2, size=trials)]


def new_seed() -> int:
    """A fresh random seed for a design or a dither stream (63 bits: fits a signed BIGINT)."""
    return secrets.randbits(63)


def _require_seed(seed: int) -> None:
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")

"""Statistics of listening tests: ABX p-values, sign tests, plain words and Bradley–Terry.

ABX (AUDIO.md §10): the number of trials is fixed before the run, so under pure guessing the
correct count is Binomial(trials, 1/2) and the p-value is its upper tail. Blind preference: per
pair of chains, a two-sided exact sign test; for more than two chains, Bradley–Terry strengths
with 95 % confidence intervals. Bad input raises ValueError with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit
from scipy.stats import binom, binomtest, norm

FloatMatrix = NDArray[np.float64]

# Two-sided 95 % normal quantile, 1.959964…
_Z95: Final = float(norm.ppf(0.975))
_NEWTON_TOLERANCE: Final = 1e-10
_NEWTON_MAX_STEPS: Final = 200
# Plain-words thresholds: below 5 % the result speaks for itself; up to 20 % it is a hint at most.
_CLEAR_RESULT: Final = 0.05
_WEAK_HINT: Final = 0.2


def binomial_tail(successes: int, trials: int, p: float = 0.5) -> float:
    """P[X >= successes] for X ~ Binomial(trials, p)."""
    _require_count("trials", trials)
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be between 0 and trials ({trials}), got {successes}")
    if not (math.isfinite(p) and 0.0 <= p <= 1.0):
        raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
    # sf(k - 1) = P[X > k - 1] = P[X >= k]; clamped because the tail sum may round past 1.
    return _as_probability(binom.sf(successes - 1, trials, p))


def abx_p_value(correct: int, trials: int) -> float:
    """One-sided p-value of an ABX run: the chance of `correct` or more right by guessing."""
    return binomial_tail(correct, trials)


def sign_test(wins_a: int, wins_b: int) -> float:
    """Two-sided exact sign test of a pair's votes against 50/50; 1.0 when nobody voted."""
    _require_count("wins_a", wins_a)
    _require_count("wins_b", wins_b)
    votes = wins_a + wins_b
    if votes == 0:
        return 1.0
    return _as_probability(binomtest(wins_a, votes, 0.5, alternative="two-sided").pvalue)


def chance_words(correct: int, trials: int, p_value: float) -> str:
    """The result of an ABX run in words a non-statistician understands.

    "12 of 16: about 4 % chance of doing this well by guessing." Chances under 1 % read as
    "about 1 in 210", under 0.1 % as "less than 1 in 1,000". From 5 % on the sentence says the
    run does not show a difference: up to 20 % "not enough to be sure", above "no sign".
    """
    _require_count("trials", trials)
    if trials == 0:
        raise ValueError("a run with no trials has no result to put in words")
    if not 0 <= correct <= trials:
        raise ValueError(f"correct must be between 0 and trials ({trials}), got {correct}")
    if not (math.isfinite(p_value) and 0.0 <= p_value <= 1.0):
        raise ValueError(f"p_value must be a probability in [0, 1], got {p_value!r}")
    return f"{correct} of {trials}: {_chance_phrase(p_value)}{_verdict(p_value)}"


def _chance_phrase(p_value: float) -> str:
    if p_value < 0.001:
        return "less than 1 in 1,000 chance of doing this well by guessing"
    if p_value < 0.01:
        # Percent would round to 0 or 1 here; "1 in N" keeps the size of the chance visible.
        odds = _two_significant(1.0 / p_value)
        return f"about 1 in {odds:,} chance of doing this well by guessing"
    percent = math.floor(p_value * 100 + 0.5)  # half up: 4.5 % reads "5 %", not banker's "4 %"
    if percent < 100:
        return f"about {percent} % chance of doing this well by guessing"
    if p_value < 1.0:
        return "guessing would do at least this well nearly every time"
    return "guessing would do at least this well every time"


def _verdict(p_value: float) -> str:
    if p_value < _CLEAR_RESULT:
        return "."
    if p_value < _WEAK_HINT:
        return " — not enough to be sure you heard a difference."
    return " — no sign you heard a difference."


def _two_significant(value: float) -> int:
    digits = max(0, math.floor(math.log10(value)) - 1)
    return int(round(value / 10**digits) * 10**digits)


@dataclass(frozen=True)
class Strength:
    """One item's Bradley–Terry strength on the log-odds scale (the mean over items is 0).

    `ci_low`/`ci_high` are a 95 % Wald interval from the observed information; both are
    infinite (-inf, inf) when the votes do not place the item on the common scale.
    `win_probability_vs_average` is the chance of beating an item of strength 0.
    """

    index: int
    strength: float
    ci_low: float
    ci_high: float
    win_probability_vs_average: float

    @property
    def bounded(self) -> bool:
        """Whether the votes place this item on the common scale (finite CI)."""
        return math.isfinite(self.ci_low) and math.isfinite(self.ci_high)


@dataclass(frozen=True)
class BradleyTerry:
    """Strengths of every item (in item order), the number of real votes and the prior used."""

    strengths: list[Strength]
    comparisons: int
    prior_wins: float


def bradley_terry(
    n_items: int, outcomes: Sequence[tuple[int, int]], *, prior_wins: float = 0.5
) -> BradleyTerry:
    """Regularised Bradley–Terry strengths with 95 % confidence intervals.

    Model: P(i beats j) = 1 / (1 + exp(-(s_i - s_j))); `outcomes` are (winner, loser) pairs
    and their order does not matter. The plain maximum-likelihood estimate does not exist when
    an item wins (or loses) every vote it took part in: its strength runs off to infinity. So
    every pair of items compared at least once gets `prior_wins` pseudo-wins each way — a mild
    pull towards "equal", worth one half-vote per direction by default, which keeps every
    estimate finite and fades as real votes accumulate. Pairs never compared get no pseudo-votes:
    the prior adds no comparison that did not happen.

    The penalised log-likelihood is concave; it is maximised by Newton's method (with step
    halving) under the constraint that the strengths sum to zero, to a step below 1e-10. The
    covariance is the Moore–Penrose inverse of the observed information (a weighted graph
    Laplacian) at the optimum — the covariance of the sum-to-zero parametrisation — and each
    interval is strength ± 1.96 standard errors.

    Only items linked by a chain of comparisons share a scale. The reference group is the
    largest connected group of compared items (more items, then more votes); its strengths have
    mean 0. Every other item — never compared, or only within a separate group — has strength 0
    and the interval (-inf, inf). If no single group is largest, no item is placed.

    Raises ValueError for n_items < 2, an index out of range, a self-comparison or a
    non-positive prior.
    """
    if n_items < 2:
        raise ValueError(f"Bradley–Terry needs at least 2 items, got {n_items}")
    if not (math.isfinite(prior_wins) and prior_wins > 0.0):
        raise ValueError(f"prior_wins must be a positive number, got {prior_wins!r}")
    wins = _win_matrix(n_items, outcomes)
    compared = (wins + wins.T) > 0
    strengths = np.zeros(n_items)
    variances = np.full(n_items, math.inf)
    group = _reference_group(_groups(compared), wins)
    if group is not None:
        index = np.ix_(group, group)
        fitted, variance = _fit(wins[index] + prior_wins * compared[index])
        strengths[group] = fitted
        variances[group] = variance
    return BradleyTerry(
        strengths=[
            _strength(item, float(strengths[item]), float(variances[item]))
            for item in range(n_items)
        ],
        comparisons=len(outcomes),
        prior_wins=prior_wins,
    )


def _strength(item: int, strength: float, variance: float) -> Strength:
    half_width = _Z95 * math.sqrt(variance)
    return Strength(
        index=item,
        strength=strength,
        ci_low=strength - half_width,
        ci_high=strength + half_width,
        win_probability_vs_average=float(expit(strength)),
    )


def _win_matrix(n_items: int, outcomes: Sequence[tuple[int, int]]) -> FloatMatrix:
    """wins[i, j] = how often item i beat item j."""
    wins = np.zeros((n_items, n_items))
    for number, (winner, loser) in enumerate(outcomes):
        for role, item in (("winner", winner), ("loser", loser)):
            if not 0 <= item < n_items:
                raise ValueError(
                    f"outcome {number}: {role} {item} is not an item index in 0..{n_items - 1}"
                )
        if winner == loser:
            raise ValueError(f"outcome {number}: item {winner} cannot beat itself")
        wins[winner, loser] += 1.0
    return wins


def _groups(compared: NDArray[np.bool_]) -> list[list[int]]:
    """Connected groups of the comparison graph, each sorted; single items included."""
    unseen = set(range(compared.shape[0]))
    groups: list[list[int]] = []
    while unseen:
        frontier = [min(unseen)]
        group: set[int] = set(frontier)
        while frontier:
            item = frontier.pop()
            linked = {int(other) for other in np.flatnonzero(compared[item])}
            frontier.extend(linked - group)
            group |= linked
        unseen -= group
        groups.append(sorted(group))
    return groups


def _reference_group(groups: list[list[int]], wins: FloatMatrix) -> list[int] | None:
    """The single largest group by (items, votes); None when there is no unique one."""

    def size(group: list[int]) -> tuple[int, float]:
        return len(group), float(wins[np.ix_(group, group)].sum())

    ranked = sorted((group for group in groups if len(group) >= 2), key=size, reverse=True)
    if not ranked or (len(ranked) > 1 and size(ranked[0]) == size(ranked[1])):
        return None  # a tie would be broken by labels: relabelling must not change the answer
    return ranked[0]


def _fit(wins: FloatMatrix) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Constrained maximum and variances for one connected group's (regularised) win matrix."""
    size = wins.shape[0]
    # Adding the all-ones/size matrix makes the Laplacian invertible while leaving its action on
    # sum-to-zero vectors unchanged; the gradient always sums to zero, so the steps do too.
    centring = np.full((size, size), 1.0 / size)
    strengths = np.zeros(size)
    for _ in range(_NEWTON_MAX_STEPS):
        gradient, information = _derivatives(wins, strengths)
        step = np.linalg.solve(information + centring, gradient)
        current = _log_likelihood(wins, strengths)
        while _log_likelihood(wins, strengths + step) < current and np.abs(step).max() > 1e-12:
            step = step / 2.0
        strengths = strengths + step
        strengths -= strengths.mean()
        if np.abs(step).max() < _NEWTON_TOLERANCE:
            break
    else:
        raise ArithmeticError("Bradley–Terry fit did not converge")  # concave: never expected
    _, information = _derivatives(wins, strengths)
    covariance = np.linalg.inv(information + centring) - centring
    return strengths, np.clip(np.diag(covariance), 0.0, None)


def _derivatives(wins: FloatMatrix, strengths: FloatMatrix) -> tuple[FloatMatrix, FloatMatrix]:
    """Gradient of the log-likelihood and the observed information (a weighted Laplacian)."""
    totals = wins + wins.T
    beats = expit(strengths[:, np.newaxis] - strengths[np.newaxis, :])
    gradient = (wins - totals * beats).sum(axis=1)
    weights = totals * beats * (1.0 - beats)
    information = np.diag(weights.sum(axis=1)) - weights
    return gradient, information


def _log_likelihood(wins: FloatMatrix, strengths: FloatMatrix) -> float:
    margins = strengths[:, np.newaxis] - strengths[np.newaxis, :]
    return float(-(wins * np.logaddexp(0.0, -margins)).sum())


def _require_count(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name} must be a count (0 or more), got {value}")


def _as_probability(value: float) -> float:
    return min(1.0, max(0.0, float(value)))

"""The activation functions `.nam` files name, as parsed specs and numpy implementations.

Names and parameters follow NeuralAmpModelerCore's `ActivationConfig` (a string, or an object
with `type` and optional parameters); anything else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from toneshootout.engine.errors import InvalidInput, UnsupportedFeature

Array = npt.NDArray[np.floating[Any]]

_SIMPLE = frozenset({"Tanh", "Hardtanh", "ReLU", "Sigmoid", "SiLU", "Hardswish", "Softsign"})
_ALIASES = {"Fasttanh": "Tanh", "LeakyHardTanh": "LeakyHardtanh"}
_PARAMETERS = {
    "LeakyReLU": frozenset({"negative_slope"}),
    "PReLU": frozenset({"negative_slope", "negative_slopes"}),
    "LeakyHardtanh": frozenset({"min_val", "max_val", "min_slope", "max_slope"}),
    "Softsign": frozenset({"alpha"}),
}
NAMES = _SIMPLE | frozenset(_PARAMETERS) | frozenset(_ALIASES)
_MAX_PARAM = 1e6


@dataclass(frozen=True)
class Activation:
    """One activation: its canonical name and parameters (slopes are per channel for PReLU)."""

    name: str
    params: tuple[float, ...] = ()

    def apply(self, x: Array) -> Array:
        """Apply to a (channels, frames) array, returning a new array of the same dtype."""
        return _apply(self, x)

    def check_channels(self, channels: int, source: str, where: str) -> None:
        if self.name == "PReLU" and len(self.params) not in (1, channels):
            raise InvalidInput(
                source, f"'{where}' PReLU has {len(self.params)} slopes for {channels} channels"
            )

    def sliced(self, channels: int) -> Activation:
        """The activation for the first `channels` channels (slimmable models)."""
        if self.name == "PReLU" and len(self.params) > 1:
            return Activation(self.name, self.params[:channels])
        return self


IDENTITY = Activation("Identity")
SIGMOID = Activation("Sigmoid")


def _number(value: Any, source: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(source, f"'{where}' must be a number, got {value!r}")
    if not abs(value) <= _MAX_PARAM:  # also refuses NaN
        raise InvalidInput(source, f"'{where}' must be a finite number within ±{_MAX_PARAM:g}")
    return float(value)


def _params_of(name: str, obj: dict[str, Any], source: str, where: str) -> tuple[float, ...]:
    extra = sorted(set(obj) - {"type"} - _PARAMETERS.get(name, frozenset()))
    if extra:
        raise UnsupportedFeature(source, f"'{where}.{extra[0]}' is not a {name} parameter")
    get = obj.get
    if name == "LeakyReLU":
        return (_number(get("negative_slope", 0.01), source, where),)
    if name == "PReLU":
        slopes = get("negative_slopes")
        if slopes is None:
            return (_number(get("negative_slope", 0.01), source, where),)
        if not isinstance(slopes, list) or not 1 <= len(slopes) <= 1024:
            raise InvalidInput(source, f"'{where}.negative_slopes' must be a list of numbers")
        return tuple(_number(s, source, f"{where}.negative_slopes") for s in slopes)
    if name == "LeakyHardtanh":
        keys = (("min_val", -1.0), ("max_val", 1.0), ("min_slope", 0.01), ("max_slope", 0.01))
        return tuple(_number(get(key, default), source, f"{where}.{key}") for key, default in keys)
    if name == "Softsign" and _number(get("alpha", 1.0), source, where) != 1.0:
        # The core reads `alpha` but its meaning is not published; refuse rather than guess.
        raise UnsupportedFeature(source, f"'{where}.alpha' other than 1 is not supported")
    return ()


def parse_activation(value: Any, source: str, where: str) -> Activation:
    """Parse an activation given as a name or as an object with `type` and parameters."""
    if isinstance(value, str):
        obj: dict[str, Any] = {"type": value}
    elif isinstance(value, dict):
        obj = value
    else:
        raise InvalidInput(source, f"'{where}' must be an activation name or object")
    name = obj.get("type")
    if not isinstance(name, str) or name not in NAMES:
        raise UnsupportedFeature(source, f"'{where}' activation {name!r} is not supported")
    # Fasttanh is the players' approximation of tanh; we always compute the exact function.
    name = _ALIASES.get(name, name)
    return Activation(name, _params_of(name, obj, source, where))


def _sigmoid(x: Array) -> Array:
    # exp of a large negative argument overflows harmlessly to inf -> 0; silence the warning.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _leaky_hardtanh(x: Array, params: tuple[float, ...]) -> Array:
    low, high, low_slope, high_slope = (x.dtype.type(p) for p in params)
    out = np.where(x < low, (x - low) * low_slope + low, x)
    return np.where(x > high, (x - high) * high_slope + high, out)


def _apply(act: Activation, x: Array) -> Array:
    name = act.name
    if name == "Identity":
        return x.copy()
    if name == "Tanh":
        return np.tanh(x)
    if name == "Hardtanh":
        return np.clip(x, -1.0, 1.0)
    if name == "ReLU":
        return np.maximum(x, 0.0)
    if name == "Sigmoid":
        return _sigmoid(x)
    if name == "SiLU":
        return x * _sigmoid(x)
    if name == "Hardswish":
        return np.where(x <= -3.0, 0.0, np.where(x >= 3.0, x, x * (x + 3.0) / 6.0)).astype(x.dtype)
    if name == "Softsign":
        return x / (1.0 + np.abs(x))
    if name in ("LeakyReLU", "PReLU"):
        slopes = np.asarray(act.params, dtype=x.dtype)
        slope = slopes[:, None] if slopes.size > 1 else slopes[0]
        return np.where(x > 0.0, x, x * slope)
    if name == "LeakyHardtanh":
        return _leaky_hardtanh(x, act.params)
    raise AssertionError(f"unhandled activation {name}")

"""Typed, bounded reads of `.nam` config fields; every refusal names the field's path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from toneshootout.engine.errors import InvalidInput, UnsupportedFeature
from toneshootout.engine.nam.format import is_finite_number

_MISSING = object()


@dataclass(frozen=True)
class Fields:
    """A config object plus where it sits in the file, for error messages."""

    data: Mapping[str, Any]
    source: str
    path: str

    @classmethod
    def of(cls, value: Any, source: str, path: str) -> Fields:
        if not isinstance(value, Mapping):
            raise InvalidInput(source, f"'{path}' must be a JSON object")
        return cls(value, source, path)

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, reason: str) -> InvalidInput:
        return InvalidInput(self.source, f"'{self.where(key)}' {reason}")

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        if key not in self.data:
            if default is _MISSING:
                raise self.fail(key, "is missing")
            return default
        return self.data[key]

    def only(self, allowed: frozenset[str], what: str) -> None:
        """Refuse keys this engine does not know: they could change what the model computes."""
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise UnsupportedFeature(
                self.source, f"{what} key '{self.where(unknown[0])}' is not supported"
            )

    def integer(self, key: str, low: int, high: int, default: Any = _MISSING) -> int:
        return check_int(self.raw(key, default), self, key, low, high)

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def number(self, key: str, low: float, high: float, default: Any = _MISSING) -> float:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, got {value!r}")
        if not is_finite_number(value) or not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, got {value!r}")
        return float(value)

    def int_list(self, key: str, low: int, high: int, max_len: int) -> tuple[int, ...]:
        value = self.raw(key)
        if not isinstance(value, list) or not 1 <= len(value) <= max_len:
            raise self.fail(key, f"must be a list of 1 to {max_len} integers")
        return tuple(
            check_int(item, self, f"{key}[{i}]", low, high) for i, item in enumerate(value)
        )

    def child(self, key: str) -> Fields:
        return Fields.of(self.raw(key), self.source, self.where(key))


def check_int(value: Any, fields: Fields, key: str, low: int, high: int) -> int:
    """An integer within [low, high]; floats like 3.0 are refused (the trainer writes ints)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fields.fail(key, f"must be an integer, got {value!r}")
    if not low <= value <= high:
        raise fields.fail(key, f"must be between {low} and {high}, got {value}")
    return value

"""Strict reading of `.nam` files: untrusted JSON in, a validated `NamModel` out.

Everything here refuses rather than guesses (RELIABILITY.md §3.4): the stdlib JSON parser
accepts NaN, Infinity and duplicate keys by default, and recurses without bound, so each of
those is closed off explicitly before any architecture code sees the data.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_JSON_DEPTH = 40
MAX_WEIGHTS = 1_000_000
MAX_METADATA_STRING = 1_000
MAX_NESTED_MODELS = 2  # condition_dsp / container submodels may nest this deep
DEFAULT_SAMPLE_RATE = 48_000
SAMPLE_RATES = frozenset({22_050, 32_000, 44_100, 48_000, 88_200, 96_000, 176_400, 192_000})
ARCHITECTURES = frozenset({"WaveNet", "LSTM", "Linear", "ConvNet", "SlimmableContainer"})
SUPPORTED_MINORS = frozenset({5, 6, 7})
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_SEMVER = re.compile(r"^(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})$")
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_TOP_LEVEL_KEYS = frozenset(
    {"version", "architecture", "config", "weights", "sample_rate", "metadata", "notes"}
)


def is_finite_number(value: Any) -> bool:
    """A JSON number that is finite as a float; huge integers would overflow math.isfinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value) <= sys.float_info.max and not math.isnan(value)


@dataclass(frozen=True)
class NamModel:
    """One validated model document; `config` is plain JSON, `weights` a read-only float32 array."""

    version: str
    architecture: str
    config: Mapping[str, Any]
    weights: Signal
    sample_rate: int
    metadata: Mapping[str, Any] = field(default_factory=dict)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _depth_ok(data: str) -> bool:
    """Bracket depth outside strings, so deep nesting is refused before the parser recurses."""
    depth = 0
    # Strings are matched whole (escapes included) so brackets inside them are skipped in C.
    for match in _TOKENS.finditer(data):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif token in "]}":
            depth -= 1
    return True


def parse_json_strict(data: bytes, source: str) -> Any:
    """Decode UTF-8 JSON, refusing oversize input, NaN/Infinity, duplicate keys and deep nesting."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(source, f"file is {len(data)} bytes; the limit is {MAX_FILE_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(source, f"not UTF-8 text (byte {exc.start})") from None
    if not _depth_ok(text):
        raise InvalidInput(source, f"JSON nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(
            text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates
        )
    except RecursionError:
        raise InvalidInput(source, "JSON nests too deeply") from None
    except ValueError as exc:  # JSONDecodeError is a ValueError, so are our hooks' refusals
        raise InvalidInput(source, f"not valid JSON: {exc}") from None


def _check_version(value: Any, source: str) -> str:
    if not isinstance(value, str) or not _SEMVER.match(value):
        raise InvalidInput(source, f"'version' must be a semver string like 0.5.4, got {value!r}")
    major, minor, _ = (int(part) for part in value.split("."))
    if major != 0 or minor not in SUPPORTED_MINORS:
        raise InvalidInput(source, f"unsupported version {value}: only 0.5.x, 0.6.x and 0.7.x")
    return value


def _check_sample_rate(value: Any, source: str) -> int:
    if value is None:
        return DEFAULT_SAMPLE_RATE
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(source, f"'sample_rate' must be a number, got {value!r}")
    if not is_finite_number(value) or value != int(value) or int(value) not in SAMPLE_RATES:
        allowed = ", ".join(str(rate) for rate in sorted(SAMPLE_RATES))
        raise InvalidInput(source, f"'sample_rate' {value!r} is not one of {allowed}")
    return int(value)


def _check_weights(value: Any, source: str, required: bool) -> Signal:
    if value is None and not required:
        return np.zeros(0, dtype=np.float32)
    if not isinstance(value, list):
        raise InvalidInput(source, "'weights' must be a list of numbers")
    if len(value) > MAX_WEIGHTS:
        raise InvalidInput(source, f"{len(value)} weights; the limit is {MAX_WEIGHTS}")
    for index, number in enumerate(value):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise InvalidInput(source, f"weight {index} is not a number: {number!r}")
        # Finite in float64 is not enough: 1e300 becomes inf once stored as float32.
        if not is_finite_number(number) or abs(number) > _FLOAT32_MAX:
            raise InvalidInput(source, f"weight {index} is not a finite float32: {number!r}")
    weights = np.asarray(value, dtype=np.float32)
    weights.setflags(write=False)
    return weights


def _check_metadata(value: Any, source: str, path: str = "metadata", depth: int = 0) -> None:
    if depth > 8:
        raise InvalidInput(source, f"'{path}' nests too deeply")
    if isinstance(value, str):
        if len(value) > MAX_METADATA_STRING:
            raise InvalidInput(
                source, f"'{path}' is {len(value)} characters; limit {MAX_METADATA_STRING}"
            )
    elif isinstance(value, float) and not is_finite_number(value):
        raise InvalidInput(source, f"'{path}' is not finite")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_metadata(item, source, f"{path}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_metadata(item, source, f"{path}[{index}]", depth + 1)


def read_model(document: Any, source: str, depth: int = 0) -> NamModel:
    """Validate the top level of one model document (architecture configs are checked later)."""
    if depth > MAX_NESTED_MODELS:
        raise InvalidInput(source, f"models nest more than {MAX_NESTED_MODELS} levels deep")
    if not isinstance(document, dict):
        raise InvalidInput(source, "a .nam file must be a JSON object")
    unknown = sorted(set(document) - _TOP_LEVEL_KEYS)
    if unknown:
        raise InvalidInput(source, f"unknown top-level key {unknown[0]!r}")
    version = _check_version(document.get("version"), source)
    architecture = document.get("architecture")
    if architecture not in ARCHITECTURES:
        allowed = ", ".join(sorted(ARCHITECTURES))
        raise InvalidInput(source, f"architecture {architecture!r} is not one of {allowed}")
    config = document.get("config")
    if not isinstance(config, dict):
        raise InvalidInput(source, "'config' must be a JSON object")
    is_container = architecture == "SlimmableContainer"
    weights = _check_weights(document.get("weights"), source, required=not is_container)
    metadata = document.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise InvalidInput(source, "'metadata' must be a JSON object")
    _check_metadata(metadata, source)
    return NamModel(
        version=version,
        architecture=str(architecture),
        config=config,
        weights=weights,
        sample_rate=_check_sample_rate(document.get("sample_rate"), source),
        metadata=metadata,
    )

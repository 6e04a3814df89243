"""Compare a real TONE3000 answer with the fake's answer of the same kind, field by field.

A field the fake emits and our wire models read must be in the real answer (else the test
fails: our parsing or our fake is out of date); any other difference is a warning to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def read_fields(*models: type[BaseModel]) -> frozenset[str]:
    """The JSON field names our wire models read."""
    return frozenset(name for model in models for name in model.model_fields)


@dataclass
class Drift:
    missing: list[str] = field(default_factory=list)  # fields we read, absent on the real side
    notes: list[str] = field(default_factory=list)  # differences worth a warning

    def merge(self, other: Drift) -> None:
        self.missing += other.missing
        self.notes += other.notes


def compare(what: str, real: dict[str, Any], fake: dict[str, Any], reads: frozenset[str]) -> Drift:
    """Key sets and JSON types of one object; `what` names it in messages (`tone.user`)."""
    drift = Drift()
    for key in sorted(fake.keys() - real.keys()):
        (drift.missing if key in reads else drift.notes).append(f"{what}.{key}: missing")
    for key in sorted(real.keys() - fake.keys()):
        drift.notes.append(f"{what}.{key}: not in the fake ({json_type(real[key])})")
    for key in sorted(real.keys() & fake.keys()):
        seen, expected = json_type(real[key]), json_type(fake[key])
        if "null" not in (seen, expected) and seen != expected:
            drift.notes.append(f"{what}.{key}: {seen} here, {expected} in the fake")
    return drift


def compare_nested(
    what: str,
    real: dict[str, Any],
    fake: dict[str, Any],
    reads: frozenset[str],
    nested: dict[str, frozenset[str]],
) -> Drift:
    """`compare`, then the same for the named nested objects (or first items of arrays)."""
    drift = compare(what, real, fake, reads)
    for key, inner_reads in nested.items():
        inner_real, inner_fake = _first_object(real.get(key)), _first_object(fake.get(key))
        if inner_real is not None and inner_fake is not None:
            drift.merge(compare(f"{what}.{key}", inner_real, inner_fake, inner_reads))
    return drift


def _first_object(value: Any) -> dict[str, Any] | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, dict) else None

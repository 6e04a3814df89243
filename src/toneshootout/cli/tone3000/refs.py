"""TONE3000 references in a render spec: found, checked, then swapped for validated files.

A `capture` or `ir` block may name a TONE3000 model instead of a file:

    { type = "capture", tone3000 = { tone_id = 4201, model_id = 90002 } }

Each one becomes `path = "<cache>/tone4201-model90002.nam"` before the engine reads the
spec, so the engine never hears of TONE3000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toneshootout.engine.errors import InvalidInput

Kind = Literal["capture", "ir"]
KEY = "tone3000"
PENDING = "tone3000-pending"  # stands in for the path while the rest of the spec is checked


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    tone_id: int = Field(gt=0)
    model_id: int | None = Field(None, gt=0)


@dataclass(frozen=True)
class Ref:
    """One TONE3000 block: where it is, what it asks for, and the TOML table to rewrite."""

    where: str  # "chain.0.blocks.1", as the engine names spec fields
    chain: str
    kind: Kind
    tone_id: int
    model_id: int | None
    block: dict[str, Any]

    @property
    def label(self) -> str:
        """How messages name it: chain 'Plexi' block 2 (TONE3000 tone 4201)."""
        number = int(self.where.rsplit(".", 1)[-1]) + 1
        return f"chain {self.chain!r} block {number} (TONE3000 tone {self.tone_id})"


def _problem(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def _ref(block: dict[str, Any], where: str, chain: str, source: str) -> Ref:
    kind = block.get("type")
    if kind not in ("capture", "ir"):
        raise InvalidInput(source, f"{where}.{KEY}: only capture and ir blocks come from TONE3000")
    if "path" in block:
        raise InvalidInput(source, f"{where}: give either path or {KEY}, not both")
    table = block[KEY]
    if not isinstance(table, dict):
        raise InvalidInput(source, f"{where}.{KEY}: expected {{ tone_id = ..., model_id = ... }}")
    try:
        parsed = _Table.model_validate(table)
    except ValidationError as err:
        raise InvalidInput(source, f"{where}.{KEY}.{_problem(err)}") from None
    return Ref(where, chain, kind, parsed.tone_id, parsed.model_id, block)


def find_refs(data: dict[str, Any], source: str) -> list[Ref]:
    """Every TONE3000 block in a spec mapping; a badly shaped one is an InvalidInput.

    Anything else that is malformed is left for the engine's own validation to report.
    """
    chains = data.get("chain")
    if not isinstance(chains, list):
        return []
    refs = []
    for c, chain in enumerate(chains):
        blocks = chain.get("blocks") if isinstance(chain, dict) else None
        if not isinstance(blocks, list):
            continue
        name = str(chain.get("name", f"#{c + 1}"))
        for b, block in enumerate(blocks):
            if isinstance(block, dict) and KEY in block:
                refs.append(_ref(block, f"chain.{c}.blocks.{b}", name, source))
    return refs


def hold_places(refs: list[Ref]) -> None:
    """Give each TONE3000 block a placeholder path, so the spec validates before downloads."""
    for ref in refs:
        del ref.block[KEY]
        ref.block["path"] = PENDING

"""Who the video's end card thanks: capture makers from `.nam` metadata, plus lines the caller adds.

The engine knows only what the files say; a caller that fetched captures from TONE3000 knows
more (the creator's handle, the licence) and passes those lines in as `EndCredit`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toneshootout.engine.inputs import LoadedInputs


@dataclass(frozen=True)
class EndCredit:
    """One attribution line; `tone3000` makes the video say "Powered by TONE3000"."""

    line: str
    tone3000: bool = False


def capture_credits(inputs: LoadedInputs) -> list[EndCredit]:
    """One line per distinct capture whose file names its maker, in chain order."""
    lines: list[EndCredit] = []
    seen: set[str] = set()
    for chain in inputs.chains:
        for block in chain.captures:
            meta = block.capture.info.metadata
            if not meta.modeled_by or block.sha256 in seen:
                continue
            seen.add(block.sha256)
            name = meta.name or block.block.label or block.block.path.stem
            lines.append(EndCredit(f"{name} — captured by {meta.modeled_by}"))
    return lines


def all_credits(inputs: LoadedInputs, extra: Sequence[EndCredit]) -> list[EndCredit]:
    """The caller's lines first (they are the richer ones), then the files' own, no repeats."""
    out: list[EndCredit] = []
    for credit in [*extra, *capture_credits(inputs)]:
        if credit.line not in {c.line for c in out}:
            out.append(credit)
    return out

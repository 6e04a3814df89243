"""What the video says, in words: chain cards, the title and level lines, chapter titles.

Pure text from the render's decisions, so it is tested without drawing a pixel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from toneshootout.engine.inputs import LoadedBlock, LoadedCapture, LoadedChain, LoadedIr
from toneshootout.engine.levels import ChainLevel
from toneshootout.engine.spec import Settings


@dataclass(frozen=True)
class ChainCard:
    """Everything the card for one chain shows."""

    index: int  # position in the shootout, from 0; picks the colour and the letter
    name: str
    blocks: tuple[str, ...]
    loudness_before_lufs: float
    gain_db: float
    loudness_after_lufs: float

    @property
    def letter(self) -> str:
        return chain_letter(self.index)

    @property
    def level_line(self) -> str:
        return (
            f"Loudness before matching {signed(self.loudness_before_lufs)} LUFS  ·  "
            f"gain applied {signed(self.gain_db)} dB  →  {signed(self.loudness_after_lufs)} LUFS"
        )


def chain_letter(index: int) -> str:
    """A, B, … Z, then AA, AB …: short names a viewer can say out loud."""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def signed(value: float, digits: int = 1) -> str:
    """A number with its sign always shown, and a real minus sign (−), never "-0.0"."""
    text = f"{value:+.{digits}f}"
    if float(text) == 0.0:
        text = f"{0.0:.{digits}f}"
    return text.replace("-", "−")


def _capture_line(block: LoadedCapture) -> str:
    info = block.capture.info
    meta = info.metadata
    name = block.block.label or meta.name or block.block.path.stem
    gear = " ".join(part for part in (meta.gear_make, meta.gear_model) if part)
    arch = info.architecture
    if info.size_label:
        arch = f"{arch} {info.size_label}"
    parts = [f"Capture: {name}"]
    if gear and gear.casefold() != name.casefold():
        parts.append(gear)
    parts.append(arch)
    if block.block.slim is not None:
        parts.append(f"slim {block.block.slim:g}")
    return "  ·  ".join(parts)


def _ir_line(block: LoadedIr) -> str:
    text = f"IR: {block.block.label or block.block.path.stem}  ·  {block.ir.length_ms:.0f} ms"
    return f"{text}  ·  skipped (the capture includes a cab)" if block.skipped else text


def _value(value: Any, unit: str | None) -> str:
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    if not unit:
        return shown
    return f"{shown}{unit}" if unit.startswith(":") else f"{shown} {unit}"  # 4:1, not 4 :1


def effect_line(block: BaseModel) -> str:
    """An effect and its settings, in the words its form uses: "Compressor: Threshold −20 dB …"."""
    title = str(block.model_config.get("title") or type(block).__name__)
    params = []
    for name, field in type(block).model_fields.items():
        if name == "type":
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        unit = extra.get("unit")
        label = field.title or name
        text = _value(getattr(block, name), unit if isinstance(unit, str) else None)
        params.append(f"{label} {text.replace('-', '−')}")
    return f"{title}: {', '.join(params)}" if params else title


def block_line(block: LoadedBlock) -> str:
    if isinstance(block, LoadedCapture):
        return _capture_line(block)
    if isinstance(block, LoadedIr):
        return _ir_line(block)
    return effect_line(block)


def chain_cards(chains: Sequence[LoadedChain], levels: Sequence[ChainLevel]) -> list[ChainCard]:
    """A card per chain, in the shootout's order, with the level decision for this DI."""
    return [
        ChainCard(
            index=i,
            name=chain.name,
            blocks=tuple(block_line(b) for b in chain.blocks),
            loudness_before_lufs=level.loudness_before_lufs,
            gain_db=level.gain_db,
            loudness_after_lufs=level.loudness_after_lufs,
        )
        for i, (chain, level) in enumerate(zip(chains, levels, strict=True))
    ]


def level_rule(settings: Settings) -> str:
    """The level-matching rule in one line, as the render applied it."""
    return (
        f"Every chain matched to {signed(settings.loudness_target_lufs)} LUFS integrated "
        f"(ITU-R BS.1770), peaks held under {signed(settings.true_peak_ceiling_dbtp)} dBTP "
        f"by one common gain"
    )


def clock(seconds: float) -> str:
    """`m:ss` (or `h:mm:ss`), truncated to the second as video players show it."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def chapter_title(card: ChainCard) -> str:
    """A chapter names the chain by its letter and name, as its card does."""
    return f"{card.letter} · {card.name}"


def description(
    title: str,
    di: str,
    rule: str,
    chapters: Sequence[tuple[float, str]],
    *,
    cards: Sequence[ChainCard] = (),
    credits: Sequence[str],
    tone3000: bool,
) -> str:
    """A YouTube-ready description: what this is, the timestamps, every chain, the credits."""
    lines = [f"{title} — {di}", "", rule + ".", "", "Chapters:"]
    lines += [f"{clock(start)} {name}" for start, name in chapters]
    if cards:
        lines += ["", "Chains:"]
        for card in cards:
            lines += [f"{card.letter} · {card.name}", *(f"  {b}" for b in card.blocks)]
            lines.append(f"  {card.level_line}")
    if credits:
        lines += ["", "Credits:", *credits]
    if tone3000:
        lines += ["", "Powered by TONE3000 — https://www.tone3000.com"]
    lines += [
        "",
        "Rendered with Tone Shootout: level-matched, time-aligned, same DI for every chain.",
    ]
    return "\n".join(lines) + "\n"

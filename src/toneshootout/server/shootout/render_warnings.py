"""Warnings about a valid shootout: things that render, but probably not as the user meant.

Double cab (AUDIO.md §5: an IR after an amp+cab capture is skipped unless forced), sample-rate
oddities (§3: every capture runs at its own rate, DIs are resampled to it), very long renders,
and library items deleted since the shootout was saved. Blocks that name a TONE3000 model are
known only by their ids until a render looks them up, so they raise no warning here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from toneshootout.server.shootout.checks import ItemFacts
from toneshootout.server.shootout.estimate import rendered_seconds
from toneshootout.server.shootout.schemas import (
    CaptureBlockIn,
    ChainIn,
    IrBlockIn,
    ShootoutIn,
    WarningCode,
)

AMP_CAB_GEAR: Final = frozenset({"amp_cab", "amp_pedal_cab"})


@dataclass(frozen=True)
class RenderWarning:
    """One warning, at the JSON path it is about."""

    code: WarningCode
    path: str
    message: str


def _facts(items: Mapping[uuid.UUID, ItemFacts], item_id: uuid.UUID | None) -> ItemFacts | None:
    """A library block's facts; None for a TONE3000 block (or an item deleted since)."""
    return None if item_id is None else items.get(item_id)


def _double_cab(
    chain: ChainIn, c: int, items: Mapping[uuid.UUID, ItemFacts]
) -> list[RenderWarning]:
    found: list[RenderWarning] = []
    cab_capture: ItemFacts | None = None
    for b, block in enumerate(chain.blocks):
        if isinstance(block, CaptureBlockIn):
            facts = _facts(items, block.capture_id)
            cab_capture = facts if facts and facts.gear_type in AMP_CAB_GEAR else None
        elif isinstance(block, IrBlockIn) and cab_capture is not None and not block.force:
            message = (
                f"IR after {cab_capture.name!r}, a capture that already includes a cabinet: "
                "it will be skipped unless you set force"
            )
            found.append(RenderWarning("double_cab", f"chains.{c}.blocks.{b}", message))
    return found


def _capture_rates(body: ShootoutIn, items: Mapping[uuid.UUID, ItemFacts]) -> set[int]:
    rates = set()
    for chain in body.chains:
        for block in chain.blocks:
            if isinstance(block, CaptureBlockIn):
                facts = _facts(items, block.capture_id)
                if facts is not None and facts.sample_rate is not None:
                    rates.add(facts.sample_rate)
    return rates


def _rate_warnings(body: ShootoutIn, items: Mapping[uuid.UUID, ItemFacts]) -> list[RenderWarning]:
    rates = _capture_rates(body, items)
    found: list[RenderWarning] = []
    listed = ", ".join(f"{r} Hz" for r in sorted(rates))
    if len(rates) > 1:
        message = (
            f"captures run at different sample rates ({listed}): each DI is resampled per capture"
        )
        found.append(RenderWarning("capture_rates_differ", "chains", message))
    for i, di in enumerate(body.di_tracks):
        facts = items.get(di.di_id)
        if rates and facts is not None and facts.sample_rate not in (None, *rates):
            message = f"DI at {facts.sample_rate} Hz, captures at {listed}: it will be resampled"
            found.append(RenderWarning("di_rate_differs", f"di_tracks.{i}", message))
    return found


def _length_warning(
    body: ShootoutIn, items: Mapping[uuid.UUID, ItemFacts], threshold_s: float
) -> list[RenderWarning]:
    di_seconds = sum(rendered_seconds(di, items.get(di.di_id)) for di in body.di_tracks)
    total = di_seconds * len(body.chains)
    if total <= threshold_s:
        return []
    message = (
        f"{di_seconds:.0f} s of DI × {len(body.chains)} chains = {total / 60:.0f} minutes of "
        f"audio to render (over {threshold_s / 60:.0f}): expect a long render"
    )
    return [RenderWarning("long_render", "di_tracks", message)]


def _missing(body: ShootoutIn, items: Mapping[uuid.UUID, ItemFacts]) -> list[RenderWarning]:
    paths = [(f"di_tracks.{i}", di.di_id) for i, di in enumerate(body.di_tracks)]
    for c, chain in enumerate(body.chains):
        for b, block in enumerate(chain.blocks):
            if isinstance(block, CaptureBlockIn) and block.capture_id is not None:
                paths.append((f"chains.{c}.blocks.{b}.capture_id", block.capture_id))
            elif isinstance(block, IrBlockIn) and block.ir_id is not None:
                paths.append((f"chains.{c}.blocks.{b}.ir_id", block.ir_id))
    message = "this library item has been deleted: the shootout cannot render until replaced"
    return [
        RenderWarning("missing_item", path, message) for path, item in paths if item not in items
    ]


def find_warnings(
    body: ShootoutIn, items: Mapping[uuid.UUID, ItemFacts], *, long_render_s: float
) -> list[RenderWarning]:
    """Every warning for a valid body, given the facts of the library items it references."""
    found = _missing(body, items)
    for c, chain in enumerate(body.chains):
        found += _double_cab(chain, c, items)
    return found + _rate_warnings(body, items) + _length_warning(body, items, long_render_s)

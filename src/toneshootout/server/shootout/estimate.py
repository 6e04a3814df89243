"""How much audio a shootout renders, and (later) how long that takes."""

from __future__ import annotations

from toneshootout.server.shootout.checks import ItemFacts
from toneshootout.server.shootout.schemas import DiTrackIn


def rendered_seconds(di: DiTrackIn, facts: ItemFacts | None) -> float:
    """Seconds of `di` a render processes: its region, else its whole length (0 if unknown)."""
    if facts is None or facts.duration_s is None:
        return 0.0
    if di.region is None:
        return facts.duration_s
    # Regions are checked to end within the DI at save time; clip anyway for older saves.
    return max(0.0, min(di.region.end_s, facts.duration_s) - di.region.start_s)

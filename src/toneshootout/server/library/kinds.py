"""The three kinds of library item, and what differs between them."""

from __future__ import annotations

from enum import StrEnum

from toneshootout.settings import StorageSettings


class ItemKind(StrEnum):
    DI_TRACK = "di_track"
    CAPTURE = "capture"
    IR = "ir"

    @property
    def collection(self) -> str:
        """The URL segment of the kind's collection."""
        return _COLLECTIONS[self]

    @property
    def label(self) -> str:
        """How the kind is named in messages and API summaries."""
        return _LABELS[self]

    def max_bytes(self, limits: StorageSettings) -> int:
        """The largest file of this kind the settings accept."""
        caps = {
            ItemKind.DI_TRACK: limits.max_di_bytes,
            ItemKind.CAPTURE: limits.max_capture_bytes,
            ItemKind.IR: limits.max_ir_bytes,
        }
        return caps[self]


_COLLECTIONS = {ItemKind.DI_TRACK: "di-tracks", ItemKind.CAPTURE: "captures", ItemKind.IR: "irs"}
_LABELS = {ItemKind.DI_TRACK: "DI track", ItemKind.CAPTURE: "capture", ItemKind.IR: "IR"}


class ItemSource(StrEnum):
    """Where a library item's file came from."""

    UPLOAD = "upload"  # an HTTP upload by its owner
    DEMO = "demo"  # the engine's generated demo material ("Try the demo")
    TONE3000 = "tone3000"  # imported from TONE3000 (not yet offered)

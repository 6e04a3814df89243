"""What a library section shows about each file, in words (duration, rate, architecture, …)."""

from __future__ import annotations

from dataclasses import dataclass

from toneshootout.server.library.kinds import ItemKind
from toneshootout.server.library.schemas import (
    CaptureMetadata,
    DiTrackMetadata,
    IrMetadata,
    ItemOut,
)

LIBRARY_SECTIONS = (ItemKind.DI_TRACK, ItemKind.CAPTURE, ItemKind.IR)

_TITLES = {ItemKind.DI_TRACK: "DI tracks", ItemKind.CAPTURE: "Captures", ItemKind.IR: "IRs"}
_PLURALS = {ItemKind.DI_TRACK: "DI tracks", ItemKind.CAPTURE: "captures", ItemKind.IR: "IRs"}
_ACCEPT = {
    ItemKind.DI_TRACK: ".wav,.flac,.aif,.aiff,audio/*",
    ItemKind.CAPTURE: ".nam",
    ItemKind.IR: ".wav,.flac,.aif,.aiff,audio/*",
}
_HINTS = {
    ItemKind.DI_TRACK: "Dry guitar recordings (WAV, FLAC or AIFF).",
    ItemKind.CAPTURE: "Neural Amp Modeler captures (.nam).",
    ItemKind.IR: "Cabinet or room impulse responses (WAV, FLAC or AIFF).",
}
CHANNEL_WORDS = {1: "mono", 2: "stereo"}


def _duration(seconds: float) -> str:
    if seconds < 1.0:
        return f"{seconds * 1000:.0f} ms"
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes)}:{rest:04.1f}" if minutes else f"{rest:.1f} s"


def _size(size_bytes: int) -> str:
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / (1024 * 1024):.1f} MB"
    return f"{max(size_bytes / 1024, 0.1):.1f} kB"


def _rate(hz: int) -> str:
    return f"{hz / 1000:g} kHz"


def describe(item: ItemOut) -> list[str]:
    """Short facts about the file, as the library page lists them."""
    meta = item.metadata
    facts: list[str] = []
    if isinstance(meta, DiTrackMetadata):
        facts = [_duration(meta.duration_s), _rate(meta.sample_rate)]
        facts.append(CHANNEL_WORDS.get(meta.channels, f"{meta.channels} channels"))
        if meta.integrated_lufs is not None:
            facts.append(f"{meta.integrated_lufs:.1f} LUFS")
    elif isinstance(meta, CaptureMetadata):
        facts = [meta.architecture]
        info = meta.file_metadata
        gear = " ".join(part for part in (info.gear_make, info.gear_model) if part)
        if gear:
            facts.append(gear)
        if info.gear_type:
            facts.append(info.gear_type)
        if meta.size_label:
            facts.append(meta.size_label)
        facts.append(_rate(meta.sample_rate))
    elif isinstance(meta, IrMetadata):
        facts = [f"{meta.length_ms:.0f} ms", _rate(meta.sample_rate)]
        facts.append(CHANNEL_WORDS.get(meta.channels, f"{meta.channels} channels"))
    facts.append(_size(item.size_bytes))
    return facts


@dataclass(frozen=True)
class LibraryRow:
    item: ItemOut
    facts: list[str]


@dataclass(frozen=True)
class LibrarySection:
    kind: str
    collection: str
    title: str
    plural: str
    label: str
    accept: str
    hint: str
    rows: list[LibraryRow]
    total: int

    @classmethod
    def of(cls, kind: ItemKind, items: list[ItemOut], total: int) -> LibrarySection:
        return cls(
            kind=kind.value,
            collection=kind.collection,
            title=_TITLES[kind],
            plural=_PLURALS[kind],
            label=kind.label,
            accept=_ACCEPT[kind],
            hint=_HINTS[kind],
            rows=[LibraryRow(item=item, facts=describe(item)) for item in items],
            total=total,
        )

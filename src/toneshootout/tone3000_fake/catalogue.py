"""The catalogue's types and wire enumerations (TONE3000.md §1.7); `seed.py` fills it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

GEARS = ("amp", "amp-cab", "pedal", "outboard", "cab", "space", "experimental")
FORMATS = ("nam", "ir", "aida-x", "aa-snapshot", "proteus")
LICENSES = ("t3k", "cc-by", "cc-by-sa", "cc-by-nc", "cc-by-nc-sa", "cc-by-nd", "cc-by-nc-nd", "cco")
SIZES = ("standard", "lite", "feather", "nano", "custom")
ARCHITECTURES = ("1", "2", "custom")
DELETED_TONE_ID = 4299


@dataclass(frozen=True)
class Creator:
    id: str  # a UUID string, as on the wire
    username: str
    display_name: str | None
    bio: str | None
    is_verified: bool
    has_avatar: bool
    joined: datetime


@dataclass(frozen=True)
class Model:
    id: int
    tone_id: int
    name: str
    architecture: str | None  # "1", "2", "custom"; None for IRs
    size: str | None  # None for IRs
    kind: str  # what the file is: "a1", "a2", "linear", "ir-cab", "ir-space"
    gain: float
    calibrated: bool
    via_storage: bool  # the download answers 302 to the storage host
    slug: str  # the "<random>" part of model_url, fixed per model

    @property
    def extension(self) -> str:
        return "wav" if self.kind.startswith("ir") else "nam"


@dataclass(frozen=True)
class Label:
    """A make or a tag: an id, a name, and how many public tones carry it."""

    id: int
    name: str


@dataclass(frozen=True)
class Tone:
    id: int
    creator: Creator
    title: str
    description: str | None
    gear: str
    format: str
    license: str
    is_public: bool
    makes: tuple[Label, ...]
    tags: tuple[Label, ...]
    has_images: bool
    links: tuple[str, ...] | None
    published: datetime
    offset_timestamps: bool  # which of the two ISO formats this tone's dates use
    downloads_count: int
    favorites_count: int  # before anyone favourites it in this run
    trending_score: int
    models: tuple[Model, ...] = field(default=())

    def count(self, architecture: str) -> int:
        return sum(1 for m in self.models if m.architecture == architecture)

    @property
    def irs_count(self) -> int:
        return sum(1 for m in self.models if m.architecture is None)

    @property
    def sizes(self) -> tuple[str, ...] | None:
        """The distinct model sizes, or None for tones without sized models (IRs)."""
        found = [m.size for m in self.models if m.size is not None]
        return tuple(dict.fromkeys(found)) or None

    @property
    def slug(self) -> str:
        return "-".join("".join(c for c in self.title.lower() if c.isalnum() or c == " ").split())


@dataclass(frozen=True)
class Catalogue:
    creators: tuple[Creator, ...]
    tones: tuple[Tone, ...]
    makes: tuple[Label, ...]
    tags: tuple[Label, ...]
    deleted_tone_ids: frozenset[int]

    def tone(self, tone_id: int) -> Tone | None:
        return next((t for t in self.tones if t.id == tone_id), None)

    def model(self, model_id: int) -> tuple[Tone, Model] | None:
        for tone in self.tones:
            for model in tone.models:
                if model.id == model_id:
                    return tone, model
        return None

    def creator(self, username: str) -> Creator | None:
        return next((c for c in self.creators if c.username == username), None)

    def creator_by_id(self, user_id: str) -> Creator:
        return next(c for c in self.creators if c.id == user_id)

"""The fake's catalogue: creators, tones and models, generated the same way on every run.

Every name is invented; counts and dates are chosen so the quirks in TONE3000.md §1.10 show
up: amps with both A1 and A2 variants, an A2-only tone (hidden unless asked for), IR tones
with null `sizes`, a private tone, a deleted id, a creator whose username contains `_`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from toneshootout.tone3000_fake.clock import EPOCH

GEARS = ("amp", "amp-cab", "pedal", "outboard", "cab", "space", "experimental")
FORMATS = ("nam", "ir", "aida-x", "aa-snapshot", "proteus")
LICENSES = ("t3k", "cc-by", "cc-by-sa", "cc-by-nc", "cc-by-nc-sa", "cc-by-nd", "cc-by-nc-nd", "cco")
SIZES = ("standard", "lite", "feather", "nano", "custom")
ARCHITECTURES = ("1", "2", "custom")
DELETED_TONE_ID = 4299
_USER_NAMESPACE = uuid.UUID("6f1c2a57-3b7e-4c55-9d0e-2f4a8b1c9e01")


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


def _creator(username: str, display: str | None, verified: bool, day: int) -> Creator:
    return Creator(
        id=str(uuid.uuid5(_USER_NAMESPACE, username)),
        username=username,
        display_name=display,
        bio=None if display is None else f"{display} makes captures.",
        is_verified=verified,
        has_avatar=verified,
        joined=EPOCH - timedelta(days=400 - day),
    )


CREATORS = (
    _creator("ampwright", "Amp Wright", True, 1),
    _creator("cab_lab", "Cab Lab", False, 20),
    _creator("fuzzfactory", None, False, 45),
    _creator("roomtone", "Room Tone", True, 60),
    _creator("shootout-tester", "Shootout Tester", False, 90),
)
MAKES = tuple(
    Label(i + 1, name)
    for i, name in enumerate(
        (
            "Northfield Amplification",
            "Crater Audio",
            "Bramble Pedals",
            "Lantern Cabs",
            "Harbor Rooms",
        )
    )
)
TAGS = tuple(
    Label(i + 1, name)
    for i, name in enumerate(("clean", "crunch", "high-gain", "fuzz", "vintage", "room", "bass"))
)


@dataclass(frozen=True)
class _ToneSpec:
    id: int
    creator: str
    title: str
    description: str | None
    gear: str
    format: str
    license: str
    makes: tuple[str, ...]
    tags: tuple[str, ...]
    days_ago: int
    downloads: int
    favorites: int
    models: tuple[tuple[str, str | None, str | None, str, float, bool], ...]
    images: bool = True
    public: bool = True


# (name, architecture, size, kind, gain, calibrated)
_AMP_A1_A2 = (
    ("Gain 3 - SM57", "1", "standard", "a1", 0.3, False),
    ("Gain 7 - SM57", "1", "standard", "a1", 0.7, False),
    ("Gain 7 - SM57", "1", "lite", "a1", 0.7, False),
    ("Gain 3 - SM57", "2", "standard", "a2", 0.3, True),
    ("Gain 7 - SM57", "2", "standard", "a2", 0.7, True),
)
_SPECS = (
    _ToneSpec(
        4201,
        "ampwright",
        "Plexi Lead 100W",
        "Channel I, jumpered",
        "amp",
        "nam",
        "cc-by",
        ("Northfield Amplification",),
        ("crunch", "vintage"),
        30,
        1200,
        90,
        _AMP_A1_A2,
    ),
    _ToneSpec(
        4202,
        "ampwright",
        "Crater Hi-Gain Lead",
        "Lead channel, gate off",
        "amp",
        "nam",
        "t3k",
        ("Crater Audio",),
        ("high-gain",),
        12,
        3400,
        310,
        (
            ("Gain 5 - MD421", "1", "standard", "a1", 0.5, False),
            ("Gain 9 - MD421", "1", "nano", "a1", 0.9, False),
            ("Gain 5 - MD421", "2", "standard", "a2", 0.5, False),
            ("Gain 9 - MD421", "2", "standard", "a2", 0.9, False),
        ),
    ),
    _ToneSpec(
        4203,
        "cab_lab",
        "Lantern 4x12 V30",
        "Closed back, four mics",
        "cab",
        "ir",
        "cc-by-sa",
        ("Lantern Cabs",),
        ("vintage",),
        50,
        800,
        40,
        (
            ("SM57 - Cap Edge", None, None, "ir-cab", 0.0, False),
            ("SM57 - Center", None, None, "ir-cab", 0.0, False),
            ("Ribbon - 2in", None, None, "ir-cab", 0.0, False),
        ),
    ),
    _ToneSpec(
        4204,
        "roomtone",
        "Harbor Hall",
        "A small concert hall",
        "space",
        "ir",
        "cc-by-nc",
        ("Harbor Rooms",),
        ("room",),
        8,
        150,
        12,
        (
            ("Hall - Far", None, None, "ir-space", 0.0, False),
            ("Hall - Near", None, None, "ir-space", 0.0, False),
        ),
    ),
    _ToneSpec(
        4205,
        "fuzzfactory",
        "Bramble Fuzz",
        None,
        "pedal",
        "nam",
        "cc-by-nc-sa",
        ("Bramble Pedals",),
        ("fuzz",),
        70,
        95,
        7,
        (
            ("Fuzz 5", "1", "feather", "a1", 0.5, False),
            ("Fuzz 10", "1", "feather", "a1", 1.0, False),
        ),
        images=False,
    ),
    _ToneSpec(
        4206,
        "ampwright",
        "Northfield Clean Combo",
        "Clean channel through its speaker",
        "amp-cab",
        "nam",
        "cco",
        ("Northfield Amplification",),
        ("clean",),
        3,
        60,
        5,
        (
            ("Clean - Room Mic", "1", "standard", "a1", 0.1, True),
            ("Clean - Room Mic", "2", "standard", "a2", 0.1, True),
        ),
    ),
    _ToneSpec(
        4207,
        "cab_lab",
        "Lantern 2x12 Open Back",
        "Open back, one ribbon",
        "cab",
        "ir",
        "cc-by-nd",
        ("Lantern Cabs",),
        (),
        20,
        300,
        22,
        (
            ("Ribbon - Center", None, None, "ir-cab", 0.0, False),
            ("Ribbon - Back", None, None, "ir-cab", 0.0, False),
        ),
        images=False,
    ),
    _ToneSpec(
        4208,
        "shootout-tester",
        "Tester Bass Amp",
        "A bass amp for tests",
        "amp",
        "nam",
        "cc-by-nc-nd",
        (),
        ("bass",),
        15,
        10,
        1,
        (
            ("Bass - DI", "1", "standard", "a1", 0.2, False),
            ("Tone Stack", "custom", "custom", "linear", 0.0, False),
        ),
    ),
    _ToneSpec(
        4209,
        "roomtone",
        "Plate Space",
        "A plate reverb as an IR",
        "outboard",
        "ir",
        "t3k",
        (),
        ("room",),
        5,
        40,
        3,
        (("Plate - 1.2 s", None, None, "ir-space", 0.0, False),),
    ),
    _ToneSpec(
        4210,
        "ampwright",
        "Crater Modern A2 Only",
        "Only A2 captures",
        "amp",
        "nam",
        "t3k",
        ("Crater Audio",),
        ("high-gain",),
        1,
        20,
        2,
        (
            ("Gain 6 - SM57", "2", "standard", "a2", 0.6, True),
            ("Gain 8 - SM57", "2", "standard", "a2", 0.8, True),
        ),
    ),
    _ToneSpec(
        4211,
        "fuzzfactory",
        "Octave Fuzz Experiment",
        "Custom architecture",
        "experimental",
        "nam",
        "cc-by",
        ("Bramble Pedals",),
        ("fuzz",),
        40,
        33,
        4,
        (
            ("Octave Up", "custom", "custom", "linear", 0.0, False),
            ("Octave Down", "custom", "custom", "linear", 0.0, False),
        ),
    ),
    _ToneSpec(
        4212,
        "cab_lab",
        "Proteus Clean Pack",
        "For Proteus users",
        "amp",
        "proteus",
        "cc-by",
        (),
        ("clean",),
        100,
        500,
        30,
        (),
    ),
    _ToneSpec(
        4213,
        "ampwright",
        "AIDA-X Crunch",
        None,
        "amp",
        "aida-x",
        "cc-by-sa",
        (),
        ("crunch",),
        90,
        200,
        8,
        (),
    ),
    _ToneSpec(
        4290,
        "fuzzfactory",
        "Secret Fuzz Prototype",
        "Not for you",
        "pedal",
        "nam",
        "t3k",
        ("Bramble Pedals",),
        ("fuzz",),
        2,
        0,
        0,
        (("Proto", "1", "standard", "a1", 0.8, False),),
        public=False,
    ),
    _ToneSpec(
        4291,
        "shootout-tester",
        "My Private Amp",
        "Only its owner sees it",
        "amp",
        "nam",
        "t3k",
        (),
        (),
        4,
        0,
        0,
        (("Private - Gain 4", "1", "standard", "a1", 0.4, False),),
        public=False,
    ),
)


def _model_slug(model_id: int) -> str:
    # Stands in for the random file name in TONE3000's model_url; fixed so runs repeat.
    return uuid.uuid5(_USER_NAMESPACE, f"model-{model_id}").hex[:12]


def build_catalogue() -> Catalogue:
    """The whole catalogue; the same objects, ids and dates on every call."""
    creators = {c.username: c for c in CREATORS}
    makes = {m.name: m for m in MAKES}
    tags = {t.name: t for t in TAGS}
    tones: list[Tone] = []
    next_model = 90001
    for spec in _SPECS:
        models = []
        for index, (name, arch, size, kind, gain, calibrated) in enumerate(spec.models):
            models.append(
                Model(
                    next_model,
                    spec.id,
                    name,
                    arch,
                    size,
                    kind,
                    gain,
                    calibrated,
                    via_storage=index % 2 == 1,
                    slug=_model_slug(next_model),
                )
            )
            next_model += 1
        tones.append(
            Tone(
                id=spec.id,
                creator=creators[spec.creator],
                title=spec.title,
                description=spec.description,
                gear=spec.gear,
                format=spec.format,
                license=spec.license,
                is_public=spec.public,
                makes=tuple(makes[name] for name in spec.makes),
                tags=tuple(tags[name] for name in spec.tags),
                has_images=spec.images,
                links=("https://video.example/demo-" + str(spec.id),) if spec.images else None,
                published=EPOCH
                - timedelta(days=spec.days_ago, minutes=spec.id % 60, microseconds=spec.id * 137),
                offset_timestamps=spec.id % 2 == 0,
                downloads_count=spec.downloads,
                favorites_count=spec.favorites,
                trending_score=spec.favorites * 10 // max(1, spec.days_ago),
                models=tuple(models),
            )
        )
    return Catalogue(CREATORS, tuple(tones), MAKES, TAGS, frozenset({DELETED_TONE_ID}))

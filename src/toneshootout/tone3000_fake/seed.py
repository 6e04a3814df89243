"""The catalogue's contents, as two readable tables, and `build_catalogue()` that parses them.

Every name is invented. The rows are chosen so the quirks of TONE3000.md §1.10 show up: amps
with A1 and A2 variants, an A2-only tone (hidden unless asked for), a "custom" architecture,
IR tones with null `sizes`, tones without images or descriptions (kept out of trending),
formats without downloadable files, private tones, a deleted id, every licence, and a creator
whose username contains `_` (why `creators` is comma-separated).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from toneshootout.tone3000_fake.catalogue import (
    DELETED_TONE_ID,
    Catalogue,
    Creator,
    Label,
    Model,
    Tone,
)
from toneshootout.tone3000_fake.clock import EPOCH

_NAMESPACE = uuid.UUID("6f1c2a57-3b7e-4c55-9d0e-2f4a8b1c9e01")

# username | display name ("-": none) | verified | joined, days after the catalogue opened
_CREATORS = """
ampwright       | Amp Wright      | yes | 1
cab_lab         | Cab Lab         | no  | 20
fuzzfactory     | -               | no  | 45
roomtone        | Room Tone       | yes | 60
shootout-tester | Shootout Tester | no  | 90
"""
_MAKES = ("Northfield Amplification", "Crater Audio", "Bramble Pedals", "Lantern Cabs",
          "Harbor Rooms")  # fmt: skip
_TAGS = ("clean", "crunch", "high-gain", "fuzz", "vintage", "room", "bass")

# id | creator | title | description ("-": null) | gear | format | licence | makes | tags |
# days since published | downloads | favourites | flags (images, private)
_TONES = """
4201 | ampwright       | Plexi Lead 100W        | Channel I, jumpered     | amp          | nam     | cc-by       | Northfield Amplification | crunch,vintage | 30  | 1200 | 90  | images
4202 | ampwright       | Crater Hi-Gain Lead    | Lead channel, gate off  | amp          | nam     | t3k         | Crater Audio             | high-gain      | 12  | 3400 | 310 | images
4203 | cab_lab         | Lantern 4x12 V30       | Closed back, four mics  | cab          | ir      | cc-by-sa    | Lantern Cabs             | vintage        | 50  | 800  | 40  | images
4204 | roomtone        | Harbor Hall            | A small concert hall    | space        | ir      | cc-by-nc    | Harbor Rooms             | room           | 8   | 150  | 12  | images
4205 | fuzzfactory     | Bramble Fuzz           | -                       | pedal        | nam     | cc-by-nc-sa | Bramble Pedals           | fuzz           | 70  | 95   | 7   |
4206 | ampwright       | Northfield Clean Combo | Clean channel, speaker  | amp-cab      | nam     | cco         | Northfield Amplification | clean          | 3   | 60   | 5   | images
4207 | cab_lab         | Lantern 2x12 Open Back | Open back, one ribbon   | cab          | ir      | cc-by-nd    | Lantern Cabs             |                | 20  | 300  | 22  |
4208 | shootout-tester | Tester Bass Amp        | A bass amp for tests    | amp          | nam     | cc-by-nc-nd |                          | bass           | 15  | 10   | 1   | images
4209 | roomtone        | Plate Space            | A plate reverb as an IR | outboard     | ir      | t3k         |                          | room           | 5   | 40   | 3   | images
4210 | ampwright       | Crater Modern A2 Only  | Only A2 captures        | amp          | nam     | t3k         | Crater Audio             | high-gain      | 1   | 20   | 2   | images
4211 | fuzzfactory     | Octave Fuzz Experiment | Custom architecture     | experimental | nam     | cc-by       | Bramble Pedals           | fuzz           | 40  | 33   | 4   | images
4212 | cab_lab         | Proteus Clean Pack     | For Proteus users       | amp          | proteus | cc-by       |                          | clean          | 100 | 500  | 30  | images
4213 | ampwright       | AIDA-X Crunch          | -                       | amp          | aida-x  | cc-by-sa    |                          | crunch         | 90  | 200  | 8   | images
4290 | fuzzfactory     | Secret Fuzz Prototype  | Not for you             | pedal        | nam     | t3k         | Bramble Pedals           | fuzz           | 2   | 0    | 0   | images,private
4291 | shootout-tester | My Private Amp         | Only its owner sees it  | amp          | nam     | t3k         |                          |                | 4   | 0    | 0   | private
"""  # noqa: E501 - a table reads better than wrapped rows

# tone | name | architecture ("-": an IR) | size | file kind | gain | calibrated; ids follow
_MODELS = """
4201 | Gain 3 - SM57    | 1      | standard | a1       | 0.3 |
4201 | Gain 7 - SM57    | 1      | standard | a1       | 0.7 |
4201 | Gain 7 - SM57    | 1      | lite     | a1       | 0.7 |
4201 | Gain 3 - SM57    | 2      | standard | a2       | 0.3 | calibrated
4201 | Gain 7 - SM57    | 2      | standard | a2       | 0.7 | calibrated
4202 | Gain 5 - MD421   | 1      | standard | a1       | 0.5 |
4202 | Gain 9 - MD421   | 1      | nano     | a1       | 0.9 |
4202 | Gain 5 - MD421   | 2      | standard | a2       | 0.5 |
4202 | Gain 9 - MD421   | 2      | standard | a2       | 0.9 |
4203 | SM57 - Cap Edge  | -      | -        | ir-cab   | 0   |
4203 | SM57 - Center    | -      | -        | ir-cab   | 0   |
4203 | Ribbon - 2in     | -      | -        | ir-cab   | 0   |
4204 | Hall - Far       | -      | -        | ir-space | 0   |
4204 | Hall - Near      | -      | -        | ir-space | 0   |
4205 | Fuzz 5           | 1      | feather  | a1       | 0.5 |
4205 | Fuzz 10          | 1      | feather  | a1       | 1.0 |
4206 | Clean - Room Mic | 1      | standard | a1       | 0.1 | calibrated
4206 | Clean - Room Mic | 2      | standard | a2       | 0.1 | calibrated
4207 | Ribbon - Center  | -      | -        | ir-cab   | 0   |
4207 | Ribbon - Back    | -      | -        | ir-cab   | 0   |
4208 | Bass - DI        | 1      | standard | a1       | 0.2 |
4208 | Tone Stack       | custom | custom   | linear   | 0   |
4209 | Plate - 1.2 s    | -      | -        | ir-space | 0   |
4210 | Gain 6 - SM57    | 2      | standard | a2       | 0.6 | calibrated
4210 | Gain 8 - SM57    | 2      | standard | a2       | 0.8 | calibrated
4211 | Octave Up        | custom | custom   | linear   | 0   |
4211 | Octave Down      | custom | custom   | linear   | 0   |
4290 | Proto            | 1      | standard | a1       | 0.8 |
4291 | Private - Gain 4 | 1      | standard | a1       | 0.4 |
"""
FIRST_MODEL_ID = 90001


def _rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")] for line in table.strip().splitlines()]


def _optional(cell: str) -> str | None:
    return None if cell == "-" else cell


def _creators() -> dict[str, Creator]:
    creators = {}
    for username, display, verified, day in _rows(_CREATORS):
        creators[username] = Creator(
            id=str(uuid.uuid5(_NAMESPACE, username)),
            username=username,
            display_name=_optional(display),
            bio=None if display == "-" else f"{display} makes captures.",
            is_verified=verified == "yes",
            has_avatar=verified == "yes",
            joined=EPOCH - timedelta(days=400 - int(day)),
        )
    return creators


def _models() -> dict[int, list[Model]]:
    by_tone: dict[int, list[Model]] = {}
    for offset, (tone, name, arch, size, kind, gain, flag) in enumerate(_rows(_MODELS)):
        siblings = by_tone.setdefault(int(tone), [])
        model_id = FIRST_MODEL_ID + offset
        siblings.append(
            Model(
                id=model_id,
                tone_id=int(tone),
                name=name,
                architecture=_optional(arch),
                size=_optional(size),
                kind=kind,
                gain=float(gain),
                calibrated=flag == "calibrated",
                via_storage=len(siblings) % 2 == 1,  # every other file redirects to storage
                # Stands in for the random file name in model_url; fixed so runs repeat.
                slug=uuid.uuid5(_NAMESPACE, f"model-{model_id}").hex[:12],
            )
        )
    return by_tone


def build_catalogue() -> Catalogue:
    """The whole catalogue; equal objects, ids and dates on every call."""
    creators = _creators()
    makes = tuple(Label(i + 1, name) for i, name in enumerate(_MAKES))
    tags = tuple(Label(i + 1, name) for i, name in enumerate(_TAGS))
    by_name = {label.name: label for label in (*makes, *tags)}
    models = _models()
    tones = []
    for row in _rows(_TONES):
        tone_id, user, title, text, gear, fmt, licence, make, tag, days, loads, favs, flags = row
        tone_id_int, days_ago, favourites = int(tone_id), int(days), int(favs)
        images = "images" in flags.split(",")
        tones.append(
            Tone(
                id=tone_id_int,
                creator=creators[user],
                title=title,
                description=_optional(text),
                gear=gear,
                format=fmt,
                license=licence,
                is_public="private" not in flags.split(","),
                makes=tuple(by_name[name] for name in make.split(",") if name),
                tags=tuple(by_name[name] for name in tag.split(",") if name),
                has_images=images,
                links=(f"https://video.example/demo-{tone_id}",) if images else None,
                published=EPOCH
                - timedelta(
                    days=days_ago, minutes=tone_id_int % 60, microseconds=tone_id_int * 137
                ),
                offset_timestamps=tone_id_int % 2 == 0,
                downloads_count=int(loads),
                favorites_count=favourites,
                trending_score=favourites * 10 // max(1, days_ago),
                models=tuple(models.get(tone_id_int, ())),
            )
        )
    creator_list = tuple(creators.values())
    return Catalogue(creator_list, tuple(tones), makes, tags, frozenset({DELETED_TONE_ID}))

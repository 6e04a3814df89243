"""Query parameters of the tone lists: separators, aliases, defaults and their refusals (§1.5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from toneshootout.tone3000_fake.catalogue import FORMATS, GEARS, SIZES, Catalogue, Tone
from toneshootout.tone3000_fake.errors import ApiError

TONE_SORTS = ("best-match", "newest", "oldest", "trending", "downloads-all-time")
SEARCH_PAGE_CAP = 25
DEPRECATION_LINK = '<{base}/api/docs#deprecations>; rel="deprecation"'


def bad(message: str) -> ApiError:
    return ApiError(400, message)


def integer(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad(f"Invalid {name}: must be a positive integer") from None
    if value < 1:
        raise bad(f"Invalid {name}: must be a positive integer")
    return value


def paging(params: Mapping[str, str], default: int, cap: int) -> tuple[int, int]:
    """Page and page size; sizes over the cap are cut to it without a word, as on the service."""
    return integer(params, "page", 1), min(integer(params, "page_size", default), cap)


def split(raw: str | None, separator: str = "_") -> list[str]:
    return [part for part in (raw or "").split(separator) if part]


@dataclass
class ToneFilter:
    query: str = ""
    gears: set[str] | None = None
    format: str | None = None
    sizes: set[str] | None = None
    tags: set[str] | None = None
    makes: set[str] | None = None
    creators: set[str] | None = None
    architecture: str | None = None
    calibrated: bool = False
    verified: bool = False
    sort: str = "trending"
    title_only: bool = False  # the bounded lists match `query` against titles alone
    deprecations: list[str] = field(default_factory=list)


def gears_and_format(
    raw: str | None, explicit_format: str | None, deprecations: list[str]
) -> tuple[set[str] | None, str | None]:
    """Gear values with the old ones mapped: `full-rig` is `amp-cab`, `ir` means format=ir."""
    gears: set[str] = set()
    implied_format = None
    for value in split(raw):
        if value == "full-rig":
            deprecations.append("gear full-rig: use amp-cab")
            gears.add("amp-cab")
        elif value == "ir":
            deprecations.append("gear ir: use format=ir")
            implied_format = "ir"
        elif value in GEARS:
            gears.add(value)
        else:
            raise bad(f"Invalid gear value '{value}'. Valid gears: {', '.join(GEARS)}")
    chosen = explicit_format if explicit_format is not None else implied_format
    return gears or None, chosen


def _one_of(value: str | None, allowed: Iterable[str], name: str) -> str | None:
    allowed = tuple(allowed)
    if value is None or value == "":
        return None
    if value not in allowed:
        raise bad(f"Invalid {name}: must be one of: {', '.join(allowed)}")
    return value


def architecture(params: Mapping[str, str]) -> str | None:
    return _one_of(params.get("architecture"), ("1", "2", "custom"), "architecture")


def search_filter(params: Mapping[str, str]) -> ToneFilter:
    """GET /tones/search, deprecated aliases included."""
    deprecations: list[str] = []
    raw_format = params.get("format")
    if raw_format is None and "platform" in params:
        deprecations.append("platform: use format")
        raw_format = params["platform"]
    raw_gears = params.get("gears")
    if "gear" in params:
        deprecations.append("gear: use gears")
        raw_gears = raw_gears if raw_gears is not None else params["gear"]
    fmt = _one_of(raw_format, FORMATS, "format")
    gears, fmt = gears_and_format(raw_gears, fmt, deprecations)
    sizes = set(split(params.get("sizes"))) or None
    for size in sizes or ():
        _one_of(size, SIZES, "sizes")
    query = (params.get("query") or "").strip()
    sort = _one_of(params.get("sort"), TONE_SORTS, "sort") or (
        "best-match" if query else "trending"
    )
    return ToneFilter(
        query=query,
        gears=gears,
        format=fmt,
        sizes=sizes,
        tags=set(split(params.get("tags"))) or None,
        makes=set(split(params.get("makes"))) or None,
        # Usernames may contain "_", so creators are the one list joined with commas.
        creators=set(split(params.get("creators"), ",")) or None,
        architecture=architecture(params),
        calibrated=params.get("calibrated") == "true",
        verified=params.get("verified") == "true",
        sort=sort,
        deprecations=deprecations,
    )


def list_filter(params: Mapping[str, str]) -> ToneFilter:
    """favorited, downloaded and trending: `gear` (with the `ir` alias) and a title query."""
    deprecations: list[str] = []
    gears, fmt = gears_and_format(params.get("gear"), None, deprecations)
    return ToneFilter(
        query=(params.get("query") or "").strip(),
        gears=gears,
        format=fmt,
        title_only=True,
        deprecations=deprecations,
    )


def _score(tone: Tone, query: str, title_only: bool) -> int:
    q = query.lower()
    if q in tone.title.lower():
        return 3
    if title_only:
        return 0
    if any(q in label.name.lower() for label in (*tone.makes, *tone.tags)):
        return 2
    return 1 if q in (tone.description or "").lower() else 0


def _architecture_ok(tone: Tone, wanted: str | None) -> bool:
    if wanted is not None:
        return tone.count(wanted) > 0
    # The compatibility default: A1 and custom, never a tone whose captures are all A2.
    return not tone.models or any(m.architecture != "2" for m in tone.models)


def matches(tone: Tone, f: ToneFilter, catalogue: Catalogue) -> bool:
    checks = (
        not f.query or _score(tone, f.query, f.title_only) > 0,
        f.gears is None or tone.gear in f.gears,
        f.format is None or tone.format == f.format,
        f.sizes is None or bool(set(tone.sizes or ()) & f.sizes),
        f.tags is None or any(t.name in f.tags for t in tone.tags),
        f.makes is None or any(m.name in f.makes for m in tone.makes),
        f.creators is None or tone.creator.username in f.creators,
        f.title_only or _architecture_ok(tone, f.architecture),
        not f.calibrated or any(m.calibrated for m in tone.models),
        not f.verified or tone.creator.is_verified,
    )
    return all(checks)


def ordered(tones: list[Tone], f: ToneFilter) -> list[Tone]:
    if f.sort == "best-match":
        return sorted(tones, key=lambda t: (-_score(t, f.query, False), -t.downloads_count, t.id))
    if f.sort == "newest":
        return sorted(tones, key=lambda t: (t.published, t.id), reverse=True)
    if f.sort == "oldest":
        return sorted(tones, key=lambda t: (t.published, t.id))
    if f.sort == "downloads-all-time":
        return sorted(tones, key=lambda t: (-t.downloads_count, t.id))
    return sorted(tones, key=lambda t: (-t.trending_score, t.id))


def deprecation_headers(deprecations: list[str], base: str) -> dict[str, str]:
    if not deprecations:
        return {}
    return {
        "Deprecation": "true",
        "Link": DEPRECATION_LINK.format(base=base),
        "X-Tone3000-Deprecations": "; ".join(dict.fromkeys(deprecations)),
    }

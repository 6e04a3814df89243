"""Credit where it is due (§1.9): every TONE3000 capture or IR in a render is named with its
creator, licence and tone page, and the render says "Powered by TONE3000"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from toneshootout.tone3000.wire import Model, Tone

POWERED_BY: Final = "Powered by TONE3000"
HOME: Final = "https://www.tone3000.com"

LICENCES: Final = {
    "t3k": "TONE3000 licence (use and publish outputs; do not redistribute the file)",
    "cc-by": "CC BY 4.0",
    "cc-by-sa": "CC BY-SA 4.0",
    "cc-by-nc": "CC BY-NC 4.0",
    "cc-by-nc-sa": "CC BY-NC-SA 4.0",
    "cc-by-nd": "CC BY-ND 4.0",
    "cc-by-nc-nd": "CC BY-NC-ND 4.0",
    "cco": "CC0 1.0 (public domain)",
}


# A video's end card has room for a few words of licence, not TONE3000's sentence.
_SHORT_LICENCES: Final = {"t3k": "TONE3000 licence"}
# A credit line longer than this loses the end of its tone title (it must fit a video frame).
CREDIT_LINE_MAX: Final = 110


def licence_name(code: str | None) -> str:
    if not code:
        return "licence not stated"
    return LICENCES.get(code, code)  # an open enum: show a new value as it comes


class Credit(BaseModel):
    """One TONE3000 model used in a render: what we show and write, never the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str  # "capture" or "ir"
    tone_id: int
    model_id: int
    tone_title: str
    model_name: str
    creator: str
    creator_url: str | None = None
    licence: str | None = None
    tone_url: str | None = None
    architecture: str | None = None
    size: str | None = None
    gear: str | None = None  # what TONE3000 files it under; only cab and space name an IR's kind

    @property
    def kind_label(self) -> str:
        """ "NAM capture", "cabinet IR", "reverb IR" or "IR" (§1.7: IRs under other gears)."""
        if self.kind != "ir":
            return "NAM capture"
        return {"cab": "cabinet IR", "space": "reverb IR"}.get(self.gear or "", "IR")

    @property
    def licence_name(self) -> str:
        return licence_name(self.licence)

    @property
    def title(self) -> str:
        """The model as a chain block names it on screen: "Plexi Lead 100W — Gain 7 - SM57"
        (the tone title alone when the model is named after the tone)."""
        variant = self.model_name if self.model_name != self.tone_title else ""
        return f"{self.tone_title} — {variant}" if variant else self.tone_title

    @property
    def label(self) -> str:
        """How a chain block names it: "Plexi Lead 100W — Gain 7 (by capturer)"."""
        variant = f" — {self.model_name}" if self.model_name else ""
        return f"{self.tone_title}{variant} (by {self.creator})"


def credit(kind: str, tone: Tone, model: Model) -> Credit:
    creator = tone.user.username if tone.user is not None else "unknown creator"
    return Credit(
        kind=kind,
        tone_id=tone.id,
        model_id=model.id,
        tone_title=tone.title or f"tone {tone.id}",
        model_name=model.name,
        creator=creator,
        creator_url=tone.user.url if tone.user is not None else None,
        licence=tone.license,
        tone_url=tone.url,
        architecture=model.architecture_version,
        size=model.size,
        gear=tone.gear,
    )


def attribution_text(credits: Iterable[Credit]) -> str:
    """The ATTRIBUTION file of a bundle or a CLI render (plain text, one entry per model)."""
    lines = [
        f"{POWERED_BY} — {HOME}",
        "",
        "These renders use captures and impulse responses from TONE3000. The files themselves",
        "are not included: get them from TONE3000 under their creators' licences.",
        "",
    ]
    seen: set[int] = set()
    for c in credits:
        if c.model_id in seen:
            continue
        seen.add(c.model_id)
        lines += [
            f"{c.tone_title} — {c.model_name}" if c.model_name else c.tone_title,
            f"  kind:     {c.kind_label}",
            f"  creator:  {c.creator}" + (f" ({c.creator_url})" if c.creator_url else ""),
            f"  licence:  {c.licence_name}",
            f"  tone:     {c.tone_url or 'tone ' + str(c.tone_id)}",
            f"  ids:      tone {c.tone_id}, model {c.model_id}",
            "",
        ]
    # Titles and names are other people's text: no control character (an escape sequence
    # for whoever `cat`s the file, a newline forging an entry) gets into the file.
    return "\n".join(_plain(line) for line in lines)


def _plain(text: str) -> str:
    return "".join(
        " " if ch in "\t\r\n" else ch
        for ch in text
        if ch in "\t\r\n" or unicodedata.category(ch) not in ("Cc", "Cf")
    )


def short_link(url: str | None) -> str | None:
    """A web link as a person would type it: "tone3000.com/plexi-lead-100w-4201" (no scheme,
    no "www.", TONE3000's double slash collapsed, no query); None for anything not http(s)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    if parts.scheme not in ("http", "https") or not host:
        return None
    if port is not None:
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    return _plain(f"{host}{path}")


def credit_line(c: Credit) -> str:
    """One short line naming a model for a video's end card:
    "Plexi Lead 100W — NAM capture by ampwright (CC BY 4.0) · tone3000.com/plexi-lead-100w-4201".
    The tone title is shortened (…) when the whole line would not fit `CREDIT_LINE_MAX`."""
    licence = _SHORT_LICENCES.get(c.licence or "", licence_name(c.licence)) if c.licence else None
    tail = f" — {c.kind_label} by {c.creator}" + (f" ({licence})" if licence else "")
    link = short_link(c.tone_url)
    tail = _plain(tail + (f" · {link}" if link else ""))
    title = _plain(c.tone_title).strip() or f"tone {c.tone_id}"
    room = max(12, CREDIT_LINE_MAX - len(tail))
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return title + tail


def credit_lines(credits: Iterable[Credit]) -> list[str]:
    """`credit_line` of each model, once each (a model in two chains, or two variants of one
    tone that would read the same, is named once), in the order given."""
    lines: list[str] = []
    for c in credits:
        line = credit_line(c)
        if line not in lines:
            lines.append(line)
    return lines


def credits_json(credits: Iterable[Credit]) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in credits]

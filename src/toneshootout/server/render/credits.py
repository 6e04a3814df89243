"""Whom a render credits for its TONE3000 models (§1.9), as the render and share APIs show it.

The credits were frozen into the render's snapshot when it was submitted. Links are TONE3000's
(`url`s used as given, double slash and all), but only web links ever reach a page: anything
that is not `http(s)://host/...` is dropped rather than put in an `href`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from toneshootout.server.render.schemas import Tone3000CreditOut
from toneshootout.server.render.snapshot import tone3000_credits
from toneshootout.tone3000.attribution import Credit


def web_link(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def credit_out(credit: Credit) -> Tone3000CreditOut:
    return Tone3000CreditOut(
        kind=credit.kind,
        kind_label=credit.kind_label,
        tone_id=credit.tone_id,
        model_id=credit.model_id,
        tone_title=credit.tone_title,
        model_name=credit.model_name,
        creator=credit.creator,
        creator_url=web_link(credit.creator_url),
        licence=credit.licence,
        licence_name=credit.licence_name,
        tone_url=web_link(credit.tone_url),
    )


def tone3000_credits_out(snapshot: Mapping[str, Any]) -> list[Tone3000CreditOut]:
    """The render's TONE3000 credits ([] for a render without TONE3000 models)."""
    return [credit_out(credit) for credit in tone3000_credits(snapshot)]

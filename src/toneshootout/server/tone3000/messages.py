"""The calm words a page shows after a round trip to TONE3000, keyed by the `t3k` query value.

Pages look the value up here and show nothing for anything else: the text never comes from
the URL, so a crafted link cannot make our page say what it likes.
"""

from __future__ import annotations

LOGIN = {
    "canceled": "You left TONE3000 without signing in. Nothing changed; sign in whichever way "
    "you like.",
    "failed": "TONE3000 could not sign you in just now. Try again in a moment.",
}

ACCOUNT = {
    "linked": "Your TONE3000 account is linked.",
    "unlinked": "TONE3000 is unlinked, and the sign-in we kept for it is deleted.",
    "canceled": "You left TONE3000 without linking. Nothing changed.",
    "failed": "TONE3000 could not link your account just now. Try again in a moment.",
}


def message(table: dict[str, str], key: str | None) -> str | None:
    return table.get(key) if key else None

"""Per-user activity: favourites and download history, seeded so lists are never empty."""

from __future__ import annotations

from dataclasses import dataclass

from toneshootout.tone3000_fake.catalogue import Catalogue


@dataclass(frozen=True)
class Favorite:
    id: int
    tone_id: int
    user_id: str
    created_at: str


class Library:
    def __init__(self, catalogue: Catalogue) -> None:
        self._favorites: dict[str, dict[int, Favorite]] = {}
        self._downloads: dict[str, list[int]] = {}
        self._next_favorite = 700001
        tester = catalogue.creator("shootout-tester")
        if tester is not None:  # a signed-in tester sees lists with something in them
            for tone_id in (4203, 4201):
                self.favorite(tester.id, tone_id, "2026-08-20T09:00:00.000Z")
            for tone_id in (4204, 4202):
                self.record_download(tester.id, tone_id)

    def favorite(self, user_id: str, tone_id: int, now_iso: str) -> Favorite:
        """Idempotent: favouriting twice returns the first record."""
        mine = self._favorites.setdefault(user_id, {})
        if tone_id not in mine:
            mine[tone_id] = Favorite(self._next_favorite, tone_id, user_id, now_iso)
            self._next_favorite += 1
        return mine[tone_id]

    def unfavorite(self, user_id: str, tone_id: int) -> None:
        self._favorites.get(user_id, {}).pop(tone_id, None)

    def is_favorite(self, user_id: str, tone_id: int) -> bool:
        return tone_id in self._favorites.get(user_id, {})

    def favorites(self, user_id: str) -> list[int]:
        """Newest favourite first."""
        return list(reversed(self._favorites.get(user_id, {})))

    def favorites_of_tone(self, tone_id: int) -> int:
        return sum(1 for mine in self._favorites.values() if tone_id in mine)

    def record_download(self, user_id: str, tone_id: int) -> None:
        """De-duplicated history, newest first."""
        history = self._downloads.setdefault(user_id, [])
        if tone_id in history:
            history.remove(tone_id)
        history.insert(0, tone_id)

    def downloads(self, user_id: str) -> list[int]:
        return list(self._downloads.get(user_id, []))

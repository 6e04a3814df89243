"""Shootout domain errors: a missing shootout, and a body with problems listed by JSON path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toneshootout.server.errors import Invalid, NotFound


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a shootout body, at a dotted JSON path (`chains.1.blocks.0.ir_id`)."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class ShootoutNotFound(NotFound):
    code = "not_found"

    def __init__(self) -> None:
        super().__init__("shootout not found")


class ShootoutInvalid(Invalid):
    code = "invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = tuple(problems)
        # The body lists every problem with its path, the same shape request validation uses,
        # so a client shows pydantic's and the service's findings in one place.
        self.detail = [p.as_dict() for p in problems]  # type: ignore[assignment]

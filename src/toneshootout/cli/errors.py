"""A refusal the command line reports as one readable line and a non-zero exit."""

from __future__ import annotations


class CliError(Exception):
    """`str(err)` is the whole message; `code` the exit status."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code

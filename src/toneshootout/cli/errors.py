"""A refusal the command line reports as one readable line and a non-zero exit."""

from __future__ import annotations

import unicodedata


class CliError(Exception):
    """`str(err)` is the whole message; `code` the exit status."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def printable(text: str) -> str:
    """`text` safe for a terminal: no control or format characters, one line.

    Titles and names from TONE3000 are other people's text: an escape sequence in one must
    not reach the terminal, nor a newline split a one-line error.
    """
    return "".join(
        " " if ch in "\t\n\r" else ch
        for ch in text
        if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cf")
    )

"""Display names and other user text, made safe to show and to put in headers (REQ-17).

Display names are only ever shown or sent back in `Content-Disposition`; storage keys are built
elsewhere from UUIDs, so nothing here reaches the filesystem. Still, a name must not smuggle
path separators, control characters or bidi overrides (which can make `evil.exe.wav` read as
`evil.vaw.exe`) into a browser's "save as" box or a log line.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 255
# Extensions a client's file name may carry that we replace by the detected type's own.
_KNOWN_EXTENSIONS = frozenset(
    {"wav", "wave", "flac", "aif", "aiff", "aifc", "nam", "json", "mp3", "ogg", "bin", "txt"}
)
# Bidi embeddings, overrides and isolates, plus the marks: invisible, and able to reorder text.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SEPARATORS = frozenset("/\\")
_WHITESPACE_RUN = re.compile(r"\s+")
_DOT_RUN = re.compile(r"\.{2,}")


def _is_unsafe(char: str) -> bool:
    # Cc: C0/C1 controls including NUL; Cf: invisible format characters; Cs/Co: surrogates and
    # private use, which have no business in a file name.
    return char in _BIDI or char in _SEPARATORS or unicodedata.category(char) in {"Cc", "Cf", "Cs"}


def clean_text(value: str, *, max_chars: int) -> str:
    """NFC, without control/format/bidi characters or separators, whitespace collapsed."""
    spaced = "".join(" " if char.isspace() else char for char in value)  # tabs, newlines
    kept = "".join(char for char in spaced if not _is_unsafe(char))
    # NFC after the removals: dropping an invisible character can leave a composable pair.
    normalised = unicodedata.normalize("NFC", kept)
    return _WHITESPACE_RUN.sub(" ", normalised).strip()[:max_chars]


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    # Cut on a character boundary: drop the partial sequence rather than emit invalid UTF-8.
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def _stem(name: str) -> str:
    base, dot, extension = name.rpartition(".")
    if dot and base and extension.lower() in _KNOWN_EXTENSIONS:
        return base
    return name


def display_name(raw: str | None, *, extension: str, fallback: str) -> str:
    """A safe display name ending in `.extension` (the detected type), at most 255 UTF-8 bytes."""
    text = clean_text(raw or "", max_chars=4 * MAX_NAME_BYTES)
    text = _DOT_RUN.sub(".", text).strip(" .")
    stem = _stem(text).strip(" .") or fallback
    suffix = f".{extension}"
    stem = _truncate_utf8(stem, MAX_NAME_BYTES - len(suffix.encode())).rstrip(" .") or fallback
    return f"{stem}{suffix}"


def clean_tag(raw: str) -> str:
    """A tag as stored: cleaned text, lower-cased, at most 32 characters."""
    return clean_text(raw, max_chars=32).lower()

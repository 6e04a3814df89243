"""Display-name sanitising (REQ-17): the traversal and odd-name corpus, plus properties."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toneshootout.server.library.downloads import content_disposition
from toneshootout.server.library.names import MAX_NAME_BYTES, clean_tag, display_name

# (client file name, detected extension, expected display name)
CORPUS = [
    ("../../etc/passwd.wav", "wav", "etcpasswd.wav"),
    ("..\\..\\windows\\system32\\x.wav", "wav", "windowssystem32x.wav"),
    ("/absolute/path.flac", "flac", "absolutepath.flac"),
    ("riff\x00.wav", "wav", "riff.wav"),
    ("evil\u202egnp.wav", "wav", "evilgnp.wav"),
    ("a\u2066b\u2069c.nam", "nam", "abc.nam"),
    ("line\nbreak\r.wav", "wav", "line break.wav"),
    ("tab\there.wav", "wav", "tab here.wav"),
    ("...", "wav", "di_track.wav"),
    ("", "wav", "di_track.wav"),
    ("....hidden....wav", "wav", "hidden.wav"),
    ("take.final.wav", "wav", "take.final.wav"),
    ("renamed.mp3", "wav", "renamed.wav"),
    ("amp.WAV", "nam", "amp.nam"),
    ("no extension", "flac", "no extension.flac"),
    ("weird.ext", "wav", "weird.ext.wav"),
    ("Cafe\u0301.wav", "wav", "Café.wav"),
    ("zero\u200bwidth.wav", "wav", "zerowidth.wav"),
    ("C:\\temp\\file.wav", "wav", "C:tempfile.wav"),
    ("%2e%2e%2fescape.wav", "wav", "%2e%2e%2fescape.wav"),
]


@pytest.mark.parametrize(("raw", "extension", "expected"), CORPUS)
def test_display_name_sanitises_corpus(raw: str, extension: str, expected: str) -> None:
    assert display_name(raw, extension=extension, fallback="di_track") == expected


def test_display_name_truncates_to_255_utf8_bytes_on_a_character_boundary() -> None:
    name = display_name("é" * 400 + ".wav", extension="wav", fallback="x")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.endswith(".wav")
    assert set(name[:-4]) == {"é"}


@given(st.text(max_size=600), st.sampled_from(["wav", "flac", "aiff", "nam"]))
def test_display_name_is_always_safe(raw: str, extension: str) -> None:
    name = display_name(raw, extension=extension, fallback="item")
    assert name.endswith(f".{extension}")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert "/" not in name
    assert "\\" not in name
    assert ".." not in name
    assert not name.startswith(".")
    assert all(unicodedata.category(c) not in {"Cc", "Cf", "Cs"} for c in name)


def test_clean_tag_lowercases_and_strips_controls() -> None:
    assert clean_tag("  High\tGain\u202e ") == "high gain"


def test_content_disposition_plain_ascii_has_no_extended_form() -> None:
    assert content_disposition("riff.wav") == 'attachment; filename="riff.wav"'


def test_content_disposition_non_ascii_and_quotes_use_filename_star() -> None:
    header = content_disposition('Ça "sonne".wav')
    assert header == (
        "attachment; filename=\"_a _sonne_.wav\"; filename*=UTF-8''%C3%87a%20%22sonne%22.wav"
    )

"""The one-range parser of stored downloads (RFC 9110 §14): what is sent for each header."""

from __future__ import annotations

import pytest

from toneshootout.server.http.stored import MalformedRange, RangeNotSatisfiable, byte_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-0", (0, 1)),
        ("bytes=0-", (0, SIZE)),
        ("bytes=10-19", (10, 20)),
        ("bytes=990-5000", (990, SIZE)),  # clipped to the end
        ("bytes=-100", (900, SIZE)),
        ("bytes=-5000", (0, SIZE)),  # a suffix longer than the file: all of it
        ("bytes=0-1,5-9", None),  # several ranges: the whole file, with 200
        ("items=0-5", None),  # another unit: ignored
        ("bytes=20-10", None),  # last before first: not a valid range, ignored
        ("bytes=-", None),
    ],
)
def test_one_range_or_the_whole_file(header: str | None, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, SIZE) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_ranges_past_the_end_are_not_satisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, SIZE)


def test_any_range_of_an_empty_file_is_not_satisfiable() -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range("bytes=-10", 0)


@pytest.mark.parametrize("header", ["bytes=abc", "bytes=1-2-3", "bytes=0-1;", "bytes=,"])
def test_malformed_byte_ranges_are_refused(header: str) -> None:
    with pytest.raises(MalformedRange):
        byte_range(header, SIZE)

"""The log scrubber's fast path (a marker search before the substitutions) changes nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from toneshootout.server import logging as server_logging
from toneshootout.server.logging import REDACTED, scrub_text

_PIECES = st.sampled_from(
    [
        "Bearer ",
        "bEaReR ",
        "eyJ",
        "eyJhbGciOi.eyJzdWIiOi.c2ln",
        "://",
        "://u:p@",
        "@",
        ":",
        " ",
        "x",
    ]
)


def _full_scrub(text: str) -> str:
    text = server_logging._BEARER.sub(r"\1 " + REDACTED, text)
    text = server_logging._JWT.sub(REDACTED, text)
    return server_logging._URL_PASSWORD.sub(r"\1" + REDACTED + r"\2", text)


@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=12).map("".join))
def test_scrub_text_matches_full_substitution_for_any_text(text: str) -> None:
    assert scrub_text(text) == _full_scrub(text)


def test_scrub_text_redacts_each_secret_shape() -> None:
    assert scrub_text("authorization: BEARER abc.def") == f"authorization: BEARER {REDACTED}"
    assert REDACTED in scrub_text("token eyJhbGciOi.eyJzdWIiOi.sig")
    assert scrub_text("postgresql://app:hunter2@db/x") == f"postgresql://app:{REDACTED}@db/x"


def test_scrub_text_leaves_plain_values_alone() -> None:
    assert scrub_text("/api/v1/shootouts/{shootout_id}") == "/api/v1/shootouts/{shootout_id}"

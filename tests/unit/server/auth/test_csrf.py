"""The double-submit CSRF check used for cookie-authenticated requests."""

from __future__ import annotations

import pytest

from toneshootout.server.auth.csrf import check_double_submit, new_csrf_token
from toneshootout.server.auth.errors import CsrfFailed


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "get"])
def test_check_double_submit_lets_safe_methods_pass(method: str) -> None:
    # No cookie and no header: refused for a writing method, accepted for a safe one.
    with pytest.raises(CsrfFailed):
        check_double_submit("POST", cookie=None, header=None)
    check_double_submit(method, cookie=None, header=None)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "delete"])
@pytest.mark.parametrize(
    ("cookie", "header"), [(None, None), ("abc", None), (None, "abc"), ("abc", "abd"), ("", "")]
)
def test_check_double_submit_refuses_missing_or_mismatch(
    method: str, cookie: str | None, header: str | None
) -> None:
    with pytest.raises(CsrfFailed, match="X-CSRF-Token") as refused:
        check_double_submit(method, cookie=cookie, header=header)
    assert refused.value.code == "csrf_failed"


def test_check_double_submit_accepts_matching_values() -> None:
    token = new_csrf_token()
    check_double_submit("POST", cookie=token, header=token)
    # The acceptance is the match: the same cookie with any other header is refused.
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(CsrfFailed, match="does not match"):
        check_double_submit("POST", cookie=token, header=tampered)


def test_new_csrf_token_is_long_and_fresh() -> None:
    tokens = {new_csrf_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes, base64url

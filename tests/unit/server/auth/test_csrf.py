"""The double-submit CSRF check used for cookie-authenticated requests."""

from __future__ import annotations

import pytest

from toneshootout.server.auth.csrf import check_double_submit, new_csrf_token
from toneshootout.server.auth.errors import CsrfFailed


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_check_double_submit_lets_safe_methods_pass(method: str) -> None:
    check_double_submit(method, cookie=None, header=None)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "delete"])
@pytest.mark.parametrize(
    ("cookie", "header"), [(None, None), ("abc", None), (None, "abc"), ("abc", "abd"), ("", "")]
)
def test_check_double_submit_refuses_missing_or_mismatch(
    method: str, cookie: str | None, header: str | None
) -> None:
    with pytest.raises(CsrfFailed):
        check_double_submit(method, cookie=cookie, header=header)


def test_check_double_submit_accepts_matching_values() -> None:
    token = new_csrf_token()
    check_double_submit("POST", cookie=token, header=token)
    assert len(token) >= 43
    assert token != new_csrf_token()

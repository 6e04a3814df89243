"""Suite-wide ordering (browser tests run last in every process) and the S3 test server.

Playwright's sync API keeps an event loop running in the process for the rest of the session
once the browser fixtures start, after which `asyncio.run()` (the database fixtures) and
pytest-asyncio refuse to run. Sorting the browser tests to the end keeps them apart: under
xdist each worker receives tests in collection order, so once a worker has started a browser
test, every test it runs after that is a browser test too.

The S3 fixtures (`s3_server`, `s3_bucket`, `fault_proxy`) are here because storage, API and
worker tests all need them; the server itself is `tests/s3_server.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from tests.s3_server import (
    FaultProxy,
    S3Server,
    aws_test_credentials,
    create_bucket,
    drop_bucket,
    s3_or_skip,
)

E2E = Path(__file__).resolve().parent / "e2e"


def _is_browser_test(item: pytest.Item) -> bool:
    return E2E in Path(str(item.fspath)).resolve().parents


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_is_browser_test)  # stable: the order within each group is kept


# -- S3: one moto server per test process, a bucket per test (tests/s3_server.py) -------------


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with aws_test_credentials(), s3_or_skip() as server:
        yield server


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Iterator[str]:
    name = create_bucket(s3_server.url)
    yield name
    with suppress(Exception):  # the server may be gone already at the session's end
        drop_bucket(s3_server.url, name)


@pytest.fixture
def fault_proxy(s3_server: S3Server, tmp_path: Path) -> Iterator[FaultProxy]:
    """A proxy in front of the S3 server that the test can take down or slow down."""
    with FaultProxy(s3_server.url, tmp_path / "proxy-mode") as proxy:
        yield proxy

"""Suite-wide ordering: browser tests run last in every process.

Playwright's sync API keeps an event loop running in the process for the rest of the session
once the browser fixtures start, after which `asyncio.run()` (the database fixtures) and
pytest-asyncio refuse to run. Sorting the browser tests to the end keeps them apart: under
xdist each worker receives tests in collection order, so once a worker has started a browser
test, every test it runs after that is a browser test too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

E2E = Path(__file__).resolve().parent / "e2e"


def _is_browser_test(item: pytest.Item) -> bool:
    return E2E in Path(str(item.fspath)).resolve().parents


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_is_browser_test)  # stable: the order within each group is kept

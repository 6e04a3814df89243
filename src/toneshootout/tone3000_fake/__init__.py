"""A faithful fake of the TONE3000 API (docs/TONE3000-FAKE.md), for tests and local runs.

It stands alone: no server, worker, database or engine imports (an import-linter contract).
"""

from toneshootout.tone3000_fake.app import create_fake_app, fake_state
from toneshootout.tone3000_fake.clock import FakeClock
from toneshootout.tone3000_fake.config import DEFAULT_CLIENT_ID, FakeConfig
from toneshootout.tone3000_fake.state import FakeState, StorageHit
from toneshootout.tone3000_fake.switches import Switches

__all__ = [
    "DEFAULT_CLIENT_ID",
    "FakeClock",
    "FakeConfig",
    "FakeState",
    "StorageHit",
    "Switches",
    "create_fake_app",
    "fake_state",
]

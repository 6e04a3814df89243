"""The demo's request dependency: its material, ready before any transaction begins."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import Depends

from toneshootout.server.demo.material import DemoFile, demo_files
from toneshootout.server.deps import SettingsDep


async def get_demo_files(settings: SettingsDep) -> dict[str, DemoFile]:
    """The generated material (made on a process's first demo). Declared before the caller's
    user in the route, so generating it never holds the request's transaction (on SQLite: the
    write lock)."""
    return await anyio.to_thread.run_sync(demo_files, settings.data_dir / "demo-material")


DemoFilesDep = Annotated[dict[str, DemoFile], Depends(get_demo_files)]

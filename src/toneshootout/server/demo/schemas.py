"""'Try the demo' API shapes."""

from __future__ import annotations

import uuid

from pydantic import BaseModel


class DemoOut(BaseModel):
    shootout_id: uuid.UUID

"""Every ORM model, one module per table; importing this package registers them all.

Alembic's `env.py` and the app import `Base` from here, so a new model module is picked up
without editing a list.
"""

import importlib
import pkgutil

from toneshootout.server.db.base import Base

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["Base"]

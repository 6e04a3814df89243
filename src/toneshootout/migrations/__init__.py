"""Alembic migrations, shipped inside the package so `toneshootout db upgrade` finds them."""

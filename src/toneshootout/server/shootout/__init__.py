"""Shootouts: DI tracks × chains of typed blocks, plus render settings (the builder's API)."""

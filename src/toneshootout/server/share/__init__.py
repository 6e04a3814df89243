"""Sharing a render by link: owner API, the public read-only view, and token access (REQ-12)."""

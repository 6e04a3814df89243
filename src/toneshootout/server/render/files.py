"""Where a render's files live in storage, and the names they are downloaded under."""

from __future__ import annotations

import uuid

from toneshootout.engine.outputs import slugify


def render_folder_key(owner_id: uuid.UUID, render_id: uuid.UUID) -> str:
    """The storage prefix holding every attempt folder of one render (ends with `/`)."""
    return f"{owner_id}/renders/{render_id}/"


def attempt_folder_key(owner_id: uuid.UUID, render_id: uuid.UUID, attempt: int) -> str:
    """The storage key of the folder one attempt publishes its outputs into."""
    return f"{render_folder_key(owner_id, render_id)}a{attempt}"


def download_name(title: str, number: int, path: str) -> str:
    """A server-chosen, ASCII download filename: `<title>-v<number>-<path with dashes>`."""
    return f"{slugify(title)}-v{number}-{path.replace('/', '-')}"


def bundle_name(title: str, number: int) -> str:
    """The ZIP bundle's filename (and top folder, without `.zip`)."""
    return f"{slugify(title)}-v{number}"

"""The library: users' DI tracks, captures and IRs (upload, list, rename, tag, delete, download)."""

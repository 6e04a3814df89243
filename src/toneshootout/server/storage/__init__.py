"""Stored files behind a protocol: a local directory now, S3-compatible later."""

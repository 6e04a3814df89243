"""A client for TONE3000 (tone3000.com): OAuth with PKCE and the device grant, the catalogue
API read leniently, rate-limited calls with the documented retry and refresh rules, and model
downloads that never send a user's token to another host.

Used by the server, the worker and the CLI alike, so it imports none of them; who keeps the
tokens is the caller's business (a `TokenSource`).
"""

"""TONE3000 in the service: signing in and linking, the user's tokens, the picker API."""

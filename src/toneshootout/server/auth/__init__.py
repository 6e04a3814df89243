"""Accounts and authentication: register, log in, tokens, browser cookies with CSRF, sessions."""

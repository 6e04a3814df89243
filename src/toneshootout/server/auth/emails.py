"""Email addresses as account names: normalised (NFKC, trimmed, lower-case) and checked.

The check is structural, not RFC 5322 in full: one `@`, a dot-atom-like local part without
spaces or specials, and a domain of letter/digit/hyphen labels (Unicode letters allowed, as in
internationalised domains). Quoted local parts and IP-literal domains are refused.
"""

from __future__ import annotations

import re
import unicodedata

MAX_EMAIL = 254  # RFC 5321 forward-path limit
MAX_LOCAL = 64
_LOCAL = re.compile(r"[^\s\"(),:;<>@\[\\\]]+")
_LABEL = re.compile(r"[^\W_](?:[\w-]{0,61}[^\W_])?")


def normalize_email(raw: str) -> str:
    """The canonical form of `raw`, or `ValueError` saying why it is not an email address."""
    email = unicodedata.normalize("NFKC", raw).strip().lower()
    if len(email) > MAX_EMAIL:
        raise ValueError(f"email is longer than {MAX_EMAIL} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in email):
        raise ValueError("email contains control or invisible characters")
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        raise ValueError("email must look like name@example.com")
    _check_local(local)
    _check_domain(domain)
    return email


def _check_local(local: str) -> None:
    if len(local) > MAX_LOCAL:
        raise ValueError(f"the part before @ is longer than {MAX_LOCAL} characters")
    if not _LOCAL.fullmatch(local) or local.startswith(".") or local.endswith("."):
        raise ValueError("the part before @ has characters an address cannot use")
    if ".." in local:
        raise ValueError("the part before @ has two dots in a row")


def _check_domain(domain: str) -> None:
    labels = domain.split(".")
    if len(labels) < 2:
        raise ValueError("the domain needs a dot, e.g. example.com")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError("the domain has an empty or malformed part")
    if labels[-1].isdigit():
        raise ValueError("the domain cannot end in a number")

"""How the console's parts update without a reload: htmx polls, answered 204 when nothing changed.

Each polled part carries the key of what it shows (`hx-vals`, sent as `?shown=`). The key is made
of ids and states only, never personal data, since it travels in a URL. An unchanged part gets
204 No Content, which htmx leaves as it is: no redraw under the operator's cursor, no repeated
announcement to a screen reader.
"""

from __future__ import annotations

import hashlib

from flask import request


def from_htmx() -> bool:
    """Whether htmx made this request (it then wants a part of the page, not a whole one)."""
    return request.headers.get("HX-Request") == "true"


def key_of(*parts: object) -> str:
    """A short key for what a part shows, from ids, counts and states."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def unchanged(key: str) -> bool:
    """Whether the browser already shows the part this key names."""
    return request.args.get("shown") == key

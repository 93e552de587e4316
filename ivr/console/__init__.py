"""The operators' console: one module per screen or part; templates in templates/console/.

home (the one screen), me (my state), call (the caller being connected, its controls), disposition
(after the call), reveal (an A-number, audited), waiting (the line now), voicemails (their queue,
claim, listen, close), phone (the browser phone's token); context, words, polling, audit and
recordings serve them.
"""

from __future__ import annotations

from ivr.pages import page_blueprint

bp = page_blueprint("console", __name__, url_prefix="/console")

# The routes register on bp.
from ivr.console import call, disposition, home, me, phone, reveal, voicemails, waiting  # noqa: E402,F401

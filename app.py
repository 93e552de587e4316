"""The line's one module-level app, for `flask --app app` and gunicorn."""

import sys

from ivr import create_app
from ivr.config import ConfigError

try:
    app = create_app()
except (ConfigError, ValueError) as error:
    # Configuration and data-file errors name the file or setting and the fix: no traceback needed.
    # 3 is gunicorn's "worker failed to boot", which stops gunicorn rather than booting workers
    # that fail ten times a second forever (gunicorn.conf.py checks first, so this is seldom seen).
    print(f"dril-ivr cannot start: {error}", file=sys.stderr)
    raise SystemExit(3) from None

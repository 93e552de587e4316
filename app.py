"""The line's one module-level app, for `flask --app app` and gunicorn."""

import sys

from ivr import create_app
from ivr.config import ConfigError

try:
    app = create_app()
except (ConfigError, ValueError) as error:
    # Configuration and data-file errors name the file or setting and the fix: no traceback needed.
    print(f"dril-ivr cannot start: {error}", file=sys.stderr)
    raise SystemExit(2) from None

"""Before the web process serves: its settings, data files and database checked, or a clear refusal.

gunicorn's master runs this once before it opens its port (gunicorn.conf.py, `on_starting`): a
line that cannot work says why and exits, instead of booting workers that fail over and over, or
that answer every caller with the apology. The CLI is not checked: `flask ivr db upgrade` is how a
database gets migrated, and the test suite builds apps before it migrates.
"""

from __future__ import annotations

import sys

from ivr.config import ConfigError, Settings

# sysexits' EX_CONFIG: the systemd unit does not restart the line for it (RestartPreventExitStatus),
# since only an administrator can mend a setting. A database not ready (69, EX_UNAVAILABLE) may be
# one still starting: systemd tries again.
CONFIGURATION_ERROR = 78
DATABASE_NOT_READY = 69


def problems_before_serving() -> tuple[int, list[str], Settings | None]:
    """What stops the line from serving, with the exit status it calls for (0 and [] if nothing)."""
    from ivr import create_app, db
    from ivr.health import database_problems

    try:
        app = create_app()
    except (ConfigError, ValueError) as error:
        # Settings and the line's data files: their errors name the setting or file and the fix.
        return CONFIGURATION_ERROR, [str(error)], None
    try:
        problems = database_problems(app.extensions["ivr.engine"], driver_detail=True)
    finally:
        db.dispose(app)  # no connection is carried into the workers gunicorn forks from here
    return (DATABASE_NOT_READY if problems else 0), problems, app.config["IVR"]


def refuse_unless_ready() -> Settings:
    """Exit with the reasons on standard error if the line cannot serve; else the line's settings."""
    status, problems, settings = problems_before_serving()
    if problems or settings is None:
        print("dril-ivr will not serve: " + "; ".join(problems), file=sys.stderr, flush=True)
        raise SystemExit(status)
    return settings

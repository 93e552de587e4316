"""gunicorn's settings for the line, read from the project's directory (`gunicorn app:app`).

The address and the number of workers are given on the command line (docs/deploy.md). Here: what
the line needs whatever they are.
"""

import os
import shutil
import tempfile

# Twilio waits 15 s for a webhook's answer, then plays its own error or asks the Fallback URL. A
# worker stuck longer than this is killed and replaced well before that: gunicorn's default, 30 s,
# let a hung database hold every worker past the point where any caller could still be answered.
timeout = 10
graceful_timeout = 10


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn's hook
    # In the master, before the port is opened: /metrics adds up every worker's counts from files in
    # one folder, emptied at each start (prometheus_client's multiprocess mode). Set before anything
    # imports prometheus_client, so that every worker inherits it.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="dril-ivr-metrics-")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    # A setting, a data file or the database that cannot work: say so and exit now, rather than
    # booting workers that fail, or that answer every caller with the apology. Only the line:
    # other apps served with these settings (the benchmark's bare endpoint) are left as they are.
    if getattr(server.app, "app_uri", None) == "app:app":
        from ivr.logs import json_formatter
        from ivr.startup import refuse_unless_ready

        settings = refuse_unless_ready()
        if settings.log_format == "json":
            # gunicorn's own lines (workers booted, killed) as JSON too, in the same log as the
            # line's; a reload (HUP) sets gunicorn's text format again until the next start.
            for handler in server.log.error_log.handlers:
                handler.setFormatter(json_formatter())


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook
    # Each worker gets ready before it takes a call: the first caller would otherwise wait while it
    # reads the holiday calendar and the languages' CLDR data (ivr.line.get_ready). Other apps
    # served from here (the benchmark's bare endpoint) are left as they are.
    if "ivr.line" in getattr(worker.wsgi, "extensions", {}):
        from ivr.line import get_ready

        get_ready(worker.wsgi)


def child_exit(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook
    # A worker's live values leave /metrics with it; its counts stay, added up.
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

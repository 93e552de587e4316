"""gunicorn's settings for the line, read from the project's directory (`gunicorn app:app`).

Workers, the address and the rest are given on the command line (README, "Connecting a Twilio
number").
"""


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook
    # Each worker gets ready before it takes a call: the first caller would otherwise wait while it
    # reads the holiday calendar and the languages' CLDR data (ivr.line.get_ready). Other apps
    # served from here (the benchmark's bare endpoint) are left as they are.
    if "ivr.line" in getattr(worker.wsgi, "extensions", {}):
        from ivr.line import get_ready

        get_ready(worker.wsgi)

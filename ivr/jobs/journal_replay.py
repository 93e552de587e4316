"""Callbacks the journal kept while the database was away, delivered to the line again (ivr.journal).

Web workers replay it after a webhook that reached the database; this job does it when no call
comes in to do so, e.g. a voicemail left at night during an outage with no caller after it.
"""

from __future__ import annotations

from ivr.jobs.context import Context
from ivr.jobs.outcome import Done
from ivr.journal import replay
from ivr.models import RunResult


def run(context: Context) -> Done:
    replayed = replay(context.app)
    if replayed.skipped:
        return Done(RunResult.OK, "another process is replaying the journal")
    summary = f"{replayed.applied} callback(s) replayed, {replayed.rejected} put aside, {replayed.left} left"
    # Put aside means a kept callback its webhook refused: a message someone must fetch from Twilio.
    return Done(RunResult.FAILED if replayed.rejected or replayed.left else RunResult.OK, summary)

"""What the line must not lose when its database cannot take it: callbacks journalled, replayed later.

A caller's voicemail and the end of a call reach the line once, in a callback Twilio does not send
again. When the database cannot take one (down, hung, full), the callback is appended to a local
journal instead: one JSON line per callback, fsynced before the answer, in a file only the line's
user can read (0600), holding the SIDs and the recording's address, never a phone number.

When the database is back, `replay(app)` delivers each kept callback to its own webhook again, in
the order it arrived and at the time it arrived, as Twilio would have. The webhooks already take a
callback twice without doing anything twice (the RecordingSid makes one work item, an ended call
ends once), so a replay cut short and started again changes nothing twice: each callback is
applied exactly once. A callback its webhook refuses for another reason than the database is put
aside in `<journal>.rejected`, loudly, and replay goes on.

Replay starts on its own after a webhook that reached the database (at most every few seconds per
worker, `replay_soon`), from `flask ivr journal replay`, or from a job calling `replay(app)`.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, current_app, g

from ivr.db import database_unreachable

log = logging.getLogger(__name__)

# The callbacks whose loss loses something: a caller's message, and how their call ended.
JOURNALLED = frozenset({"/voice/voicemail/recording", "/voice/status"})
# What of Twilio's request replay needs: the SIDs and the recording, never From, To or Caller.
KEPT_FIELDS = (
    "CallSid",
    "AccountSid",
    "RecordingSid",
    "RecordingUrl",
    "RecordingDuration",
    "RecordingStatus",
    "CallStatus",
    "CallDuration",
)
REPLAYING, ARRIVED_AT = "ivr_journal_replaying", "ivr_journal_arrived_at"
CHECK_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class Entry:
    """One callback as it arrived: when, to which webhook, and the fields replay needs."""

    at: datetime
    path: str
    form: Mapping[str, str]

    def dumps(self) -> bytes:
        kept = {"at": self.at.isoformat(), "path": self.path, "form": dict(self.form)}
        return (json.dumps(kept, separators=(",", ":"), sort_keys=True) + "\n").encode()

    @classmethod
    def loads(cls, raw: bytes) -> Entry:
        kept = json.loads(raw)
        return cls(datetime.fromisoformat(kept["at"]), str(kept["path"]), dict(kept["form"]))

    @classmethod
    def of_request(cls, at: datetime, path: str, form: Mapping[str, str]) -> Entry:
        return cls(at, path, {name: form[name][:500] for name in KEPT_FIELDS if name in form})

    def names(self) -> str:
        """The SIDs for a log line (never a phone number)."""
        return f"CallSid={self.form.get('CallSid', '?')} RecordingSid={self.form.get('RecordingSid', '-')}"


@dataclass
class Replayed:
    """What one replay did."""

    applied: int = 0
    rejected: int = 0
    left: int = 0  # still in the journal: the database went away again, or another worker replays
    skipped: bool = False


@dataclass
class Journal:
    """The journal file, the offset replay has reached (`.done`), and what was refused (`.rejected`)."""

    path: Path
    _last_check: float = field(default=-CHECK_EVERY_SECONDS, repr=False)

    @property
    def done_path(self) -> Path:
        return self.path.with_name(self.path.name + ".done")

    @property
    def rejected_path(self) -> Path:
        return self.path.with_name(self.path.name + ".rejected")

    def keep(self, entry: Entry) -> None:
        """Append the entry and fsync it; raises OSError if it could not be kept (disk full...)."""
        self._append(self.path, entry.dumps())

    def _append(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        created = not path.exists()
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # workers append whole lines, one at a time
            written = os.write(descriptor, data)
            if written != len(data):
                # A partial line (the disk filled up): cut it off, so the next line starts clean.
                os.ftruncate(descriptor, os.fstat(descriptor).st_size - written)
                raise OSError(f"only {written} of {len(data)} bytes could be written")
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if created:
            _fsync_directory(path.parent)  # the new file's name must survive a power cut too

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def _done(self) -> int:
        try:
            return int(self.done_path.read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def mark_done(self, offset: int) -> None:
        scratch = self.done_path.with_name(self.done_path.name + ".new")
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(descriptor, str(offset).encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        scratch.replace(self.done_path)

    def pending(self) -> list[tuple[int, Entry | None]]:
        """The entries not yet replayed, each with the offset just after it (None: an unreadable line)."""
        if self.size() == 0:
            return []
        found = list[tuple[int, Entry | None]]()
        with open(self.path, "rb") as journal:
            fcntl.flock(journal, fcntl.LOCK_SH)
            offset = min(self._done(), os.fstat(journal.fileno()).st_size)
            journal.seek(offset)
            for raw in journal:
                offset += len(raw)
                if not raw.endswith(b"\n"):
                    break  # a line still being written
                try:
                    found.append((offset, Entry.loads(raw)))
                except (ValueError, KeyError, TypeError):
                    found.append((offset, None))
        return found

    def reject(self, entry: Entry | None, why: str) -> None:
        kept = json.loads(entry.dumps()) if entry is not None else None
        line = json.dumps({"why": why, "entry": kept}, separators=(",", ":"), sort_keys=True) + "\n"
        self._append(self.rejected_path, line.encode())

    def forget_replayed(self, offset: int) -> None:
        """Mark the journal replayed up to `offset`; empty it when nothing newer arrived meanwhile."""
        self.mark_done(offset)
        with open(self.path, "rb+") as journal:
            fcntl.flock(journal, fcntl.LOCK_EX)
            if os.fstat(journal.fileno()).st_size == offset:
                # Offset first: a stop between the two replays everything again, which changes nothing.
                self.mark_done(0)
                journal.truncate(0)
                os.fsync(journal.fileno())

    @contextmanager
    def replaying(self) -> Iterator[bool]:
        """One replay at a time across the line's workers: yields False if another one is running."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(descriptor)

    def status(self) -> tuple[int, int]:
        """Callbacks waiting to be replayed, and callbacks put aside as rejected."""
        rejected = 0
        if self.rejected_path.exists():
            with self.rejected_path.open("rb") as aside:
                rejected = sum(1 for _ in aside)
        return len(self.pending()), rejected

    def due_for_check(self) -> bool:
        """True at most every CHECK_EVERY_SECONDS: the cheap test after a webhook."""
        now = time.monotonic()
        if now - self._last_check < CHECK_EVERY_SECONDS:
            return False
        self._last_check = now
        return self.size() > 0


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def init_app(app: Flask) -> None:
    app.extensions["ivr.journal"] = Journal(app.config["IVR"].journal_path)


def journal_of(app: Flask) -> Journal:
    journal: Journal = app.extensions["ivr.journal"]
    return journal


def keep_request(at: datetime, path: str, form: Mapping[str, str]) -> bool:
    """Journal a callback the database could not take; False (and a loud log) if it could not be kept."""
    entry = Entry.of_request(at, path, form)
    try:
        journal_of(current_app).keep(entry)
    except OSError as error:
        log.critical(
            "LOST unless Twilio retries: %s %s could not be journalled either (%s, errno %s)",
            path,
            entry.names(),
            type(error).__name__,
            error.errno,
        )
        return False
    log.error("journalled %s %s: the database could not take it; replayed when it can", path, entry.names())
    return True


def replaying() -> bool:
    """Whether this request is a journalled callback delivered again (its errors must not be swallowed)."""
    return bool(g.get(REPLAYING))


def arrived_at() -> datetime | None:
    """When a replayed callback first arrived: the time its webhook takes as its own."""
    at: datetime | None = g.get(ARRIVED_AT)
    return at


def replay(app: Flask) -> Replayed:
    """Deliver each journalled callback to its webhook again, in order, once; stop if the database is away."""
    journal, done = journal_of(app), Replayed()
    with journal.replaying() as mine:
        if not mine:
            done.skipped = True
            return done
        pending = journal.pending()
        reached = None
        for index, (offset, entry) in enumerate(pending):
            if entry is None:
                journal.reject(None, "unreadable line")
                log.critical("journal: an unreadable line was put aside in %s", journal.rejected_path)
                done.rejected += 1
            else:
                try:
                    _deliver(app, entry)
                    done.applied += 1
                    log.info("journal: replayed %s %s", entry.path, entry.names())
                except Exception as error:  # noqa: BLE001 - each kept callback is applied or put aside
                    if database_unreachable(error):
                        done.left = len(pending) - index
                        log.warning("journal: the database is still away (%s)", type(error).__name__)
                        break
                    journal.reject(entry, type(error).__name__)
                    done.rejected += 1
                    log.critical(
                        "journal: %s %s refused by its webhook (%s); put aside in %s",
                        entry.path,
                        entry.names(),
                        type(error).__name__,
                        journal.rejected_path,
                    )
            reached = offset
            journal.mark_done(offset)  # kept after each callback: a stop replays the rest, not all
        if reached is not None and done.left == 0:
            journal.forget_replayed(reached)
    return done


def _deliver(app: Flask, entry: Entry) -> None:
    with app.test_request_context(entry.path, method="POST", data=dict(entry.form)) as context:
        g.setdefault(REPLAYING, True)
        g.setdefault(ARRIVED_AT, entry.at)
        rule = context.request.url_rule
        if rule is None or rule.endpoint is None:
            raise LookupError(f"no webhook at {entry.path}")
        answer = app.view_functions[rule.endpoint]()
        if isinstance(answer, Response) and answer.status_code >= 400:
            raise RuntimeError(f"answered {answer.status_code}")


def replay_soon(app: Flask, response: Response) -> Response:
    """After a webhook that reached the database: replay the journal once the answer has gone.

    The caller asks `Journal.due_for_check()` first: a webhook pays for a clock read, and for a
    look at the journal's size once every CHECK_EVERY_SECONDS."""

    def run() -> None:
        try:
            replayed = replay(app)
        except Exception as error:  # noqa: BLE001 - the answer has gone; the journal stays for later
            log.error("journal: replay failed with %s", type(error).__name__)
            return
        if replayed.applied or replayed.rejected:
            log.info(
                "journal: %d replayed, %d put aside, %d left",
                replayed.applied,
                replayed.rejected,
                replayed.left,
            )

    response.call_on_close(run)
    return response

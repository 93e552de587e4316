"""A call and its place in the queue as a webhook holds them: typed fields that know what changed."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Self

from sqlalchemy import Table

from ivr.models import Base, Call, CallEvent, QueueEntry, Voicemail


def table_of(model: type[Base]) -> Table:
    """The Core table a model is declared on (typed as any FromClause by the ORM)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


CALLS = table_of(Call)
EVENTS = table_of(CallEvent)
QUEUE = table_of(QueueEntry)
VOICEMAILS = table_of(Voicemail)

_MISSING = object()


# Not dataclass's repr: a record holds what callers said and their A-numbers, and a repr ends up in
# tracebacks and logs. Not its __eq__ either: a record is one row, compared by identity.
@dataclass(eq=False, repr=False, kw_only=True)
class Stored:
    """A row's columns as typed fields; it remembers what it read, so only changed fields are written."""

    table: ClassVar[Table]
    writable: ClassVar[frozenset[str]]  # the table's columns but its id
    _read: dict[str, Any] = field(default_factory=dict, init=False)

    @classmethod
    def read(cls, values: dict[str, Any]) -> Self:
        """The record as a row gave it; `values` is kept as what was read (no copy)."""
        record = cls(**values)
        record._read = values
        return record

    def changes(self) -> dict[str, Any]:
        # One pass over the instance's own dict: the cheapest way to visit every field (a webhook
        # asks this of its call and queue entry once per request).
        read = self._read
        return {
            name: value
            for name, value in vars(self).items()
            if name in self.writable and read.get(name, _MISSING) != value
        }

    def saved(self) -> None:
        self._read = {name: value for name, value in vars(self).items() if name in self.writable}


@dataclass(eq=False, repr=False, kw_only=True)
class StoredEntry(Stored):
    """A caller's place in the live queue (a row of queue_entries, every column)."""

    table = QUEUE
    writable = frozenset(QUEUE.columns.keys()) - {"id"}

    call_id: int | None
    queue_name: str
    language: str | None
    needs_interpreter: str | None
    subject: str | None
    caller_type: str | None
    priority: int
    enqueued_at: datetime
    id: int | None = None
    queue_sid: str | None = None
    last_position: int | None = None
    last_announced_at: datetime | None = None
    left_at: datetime | None = None
    result: str | None = None
    wait_seconds: int | None = None
    seen_at: datetime | None = None


ENTRY_FIELDS = tuple(column.key for column in QUEUE.columns)


@dataclass(frozen=True)
class Arrival:
    """What a new call's insert records once and no webhook reads back: which call, when, from whom."""

    call_sid: str
    started_at: datetime
    caller_number: str | None = None
    caller_fingerprint: str | None = None
    line_number: str | None = None

    def columns(self) -> dict[str, Any]:
        return {
            "call_sid": self.call_sid,
            "started_at": self.started_at,
            "caller_number": self.caller_number,
            "caller_fingerprint": self.caller_fingerprint,
            "line_number": self.line_number,
        }


@dataclass(eq=False, repr=False, kw_only=True)
class StoredCall(Stored):
    """A call as the flow sees it (`ivr.journey.machine.CallRecord`), with its id, step and how it ended.

    Its columns are what a webhook reads of a call (CALL_FIELDS). Not the phone number, nor the
    answer last given: decrypting those costs more than the rest of the row, and only a repeated
    request needs the answer (`ivr.calls.store.last_response`).
    """

    table = CALLS
    writable = frozenset(CALLS.columns.keys()) - {"id"}

    id: int | None = None
    step: int = 0
    state: str
    attempts: int = 0
    language: str | None = None
    needs_interpreter: str | None = None
    caller_type: str | None = None
    subject: str | None = None
    subject_source: str | None = None
    subject_confidence: float | None = None
    subject_transcript: str | None = None
    pending_subject: str | None = None
    a_number: str | None = None
    pending_a_number: str | None = None
    a_number_skipped: bool = False
    third_party: bool = False
    state_choices: str | None = None
    field_office: str | None = None
    priority: int | None = None
    outcome: str | None = None
    final_status: str | None = None
    duration_seconds: int | None = None
    ended_at: datetime | None = None
    used_fallback: bool = False
    # Not columns: the call's queue entry (read with it), and for a call not yet saved, its arrival.
    queue_entry: StoredEntry | None = None
    arrival: Arrival | None = None

    @classmethod
    def new(
        cls,
        call_sid: str,
        started_at: datetime,
        state: str,
        *,
        caller_number: str | None = None,
        caller_fingerprint: str | None = None,
        line_number: str | None = None,
    ) -> StoredCall:
        """A call not yet saved, its counters at zero; saving it inserts it."""
        arrival = Arrival(call_sid, started_at, caller_number, caller_fingerprint, line_number)
        return cls(state=state, arrival=arrival)

    def changes(self) -> dict[str, Any]:
        values = super().changes()
        if self.id is None and self.arrival is not None:
            values |= self.arrival.columns()  # written by the insert alone
        return values

    @property
    def read_step(self) -> int:
        """The step the call was at when read: a new step is claimed only from it."""
        return int(self._read.get("step", 0))


CALL_FIELDS = tuple(f.name for f in fields(StoredCall) if f.name in CALLS.c)

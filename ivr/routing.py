"""Who an operator takes next: a caller's priority, how waiting raises it, and the order of the line.

Pure: no Flask, no database, no clock (`now` is an argument). The flow gives a caller their
priority, the queue counts positions by it, voicemail files messages by it, and the operators'
routing (ivr.desk) chooses by it: one rule, here (call-flow.md step 7). Which operators may take
a caller is here too: the caller's pool, and the pools an operator serves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from ivr.journey.languages import OPERATOR_LANGUAGES
from ivr.journey.subjects import URGENT_SUBJECTS, CallerType

PRIORITIES = (1, 2, 3)  # what priority_of gives: the queue counts positions over these (ivr.calls.queue)

# Every five minutes of waiting raises a caller one priority level, so nobody waits forever
# behind a stream of more urgent calls.
AGING_SECONDS = 300


def priority_of(subject: str | None, caller_type: str | None) -> int:
    """Urgent subjects first, then people in detention, then everyone else."""
    if subject in URGENT_SUBJECTS:
        return 1
    if caller_type == CallerType.DETAINED:
        return 2
    return 3


def aware(moment: datetime, like: datetime) -> datetime:
    """`moment` with `like`'s zone if it has none: SQLite hands back naive datetimes stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)


def level(priority: int, enqueued_at: datetime, now: datetime) -> int:
    """A waiting caller's priority, raised one level for each AGING_SECONDS waited (1 at best)."""
    waited = max((now - aware(enqueued_at, now)).total_seconds(), 0)
    return max(1, priority - int(waited // AGING_SECONDS))


def order_key(
    priority: int, enqueued_at: datetime, entry_id: int, now: datetime
) -> tuple[int, datetime, int]:
    """Where a caller stands: aged priority level first, then who came first."""
    return level(priority, enqueued_at, now), aware(enqueued_at, now), entry_id


class Pool(StrEnum):
    """The callers the same operators take: by language, or needing an interpreter."""

    ENGLISH = "en"
    SPANISH = "es"
    INTERPRETER = "interpreter"  # any language but the operators' own: a telephone interpreter joins
    UNCHOSEN = "unchosen"  # no language chosen (silence, or a person asked for at once)


def pool_of(language: str | None, needs_interpreter: str | None) -> Pool:
    """English callers to English-speaking operators, Spanish to Spanish, the rest to interpreter calls.

    A caller who chose no language heard the line in English and Spanish: either kind of operator.
    """
    if needs_interpreter:
        return Pool.INTERPRETER
    if language in OPERATOR_LANGUAGES:
        return Pool(language)
    return Pool.UNCHOSEN


def pools_served(languages: Iterable[str], takes_interpreter_calls: bool) -> frozenset[Pool]:
    """The pools an operator takes callers from: their languages, and interpreter calls if flagged."""
    spoken = {Pool(language) for language in languages if language in OPERATOR_LANGUAGES}
    return frozenset(
        spoken
        | ({Pool.UNCHOSEN} if spoken else set())
        | ({Pool.INTERPRETER} if takes_interpreter_calls else set())
    )


def spoken_languages(languages: str) -> list[str]:
    """An operator's languages as stored ("en,es"), as a list of codes."""
    return [code.strip() for code in languages.split(",") if code.strip()]

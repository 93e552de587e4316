"""The keys a caller presses to reach a person (the queue when open, voicemail when closed).

The one place the outage tests (tests/voice/test_outage.py, tests/faults/) know the menus: when the
menus change their keys, change them here.
"""

from __future__ import annotations

from typing import Protocol


class Pressing(Protocol):
    def call(self) -> object: ...
    def press(self, digits: str) -> object: ...


def keys_to_a_person() -> tuple[str, ...]:
    """English, then the first urgent reason (abuse or an assault), which goes straight to a person."""
    return ("1", "1")


def reach_a_person(caller: Pressing) -> None:
    caller.call()
    for key in keys_to_a_person():
        caller.press(key)

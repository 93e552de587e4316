"""The simulated caller: the steps a caller takes, played from a script or typed at the keyboard."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ivr.devtools import twiml_rules

STEP_KINDS = ("press", "say", "silence", "wait", "answer", "record", "hangup")
DEFAULT_CONFIDENCE = 0.9

GATHER_PROMPT = "Press keys, or type words to say (blank = silence, 'hangup' to hang up): "
RECORD_PROMPT = "Type what you say into the recording (blank = silence, 'hangup' to hang up): "
QUEUE_PROMPT = "Enter = keep waiting, 'answer' = an operator picks up, 1 = press 1, 'hangup': "


class SimulatorError(Exception):
    """The script does not fit the call, e.g. an operator answering while a menu is waiting."""


@dataclass(frozen=True)
class Step:
    """One thing the caller does: press keys, say words, stay silent, wait, record, hang up.

    `answer` is not the caller's doing but an operator's: they pick up the call waiting in the queue.
    """

    kind: str
    value: str = ""
    confidence: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise ValueError(f"unknown step {self.kind!r}: use one of {', '.join(STEP_KINDS)}")
        if self.kind == "press" and not (self.value and set(self.value) <= twiml_rules.KEYS):
            raise ValueError(f"press takes keys 0-9, # and *, not {self.value!r}")
        if self.kind in ("say", "record") and not self.value.strip():
            raise ValueError(f"{self.kind} needs words")

    def __str__(self) -> str:
        return f"{self.kind} {self.value!r}" if self.value else self.kind


def press(keys: str) -> Step:
    return Step("press", keys)


def say(words: str, confidence: float | None = None) -> Step:
    return Step("say", words, confidence)


def silence() -> Step:
    return Step("silence")


def wait() -> Step:
    return Step("wait")


def answer() -> Step:
    return Step("answer")


def record(words: str) -> Step:
    return Step("record", words)


def hangup() -> Step:
    return Step("hangup")


class Caller(Protocol):
    def next(self, place: str, prompt: str) -> Step | None: ...

    def unused(self) -> list[Step]: ...


class Script:
    """The caller's steps, taken in order; running out at a menu means the caller hangs up."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = deque(steps)
        self.taken = 0

    def next(self, place: str, prompt: str) -> Step | None:
        if not self.steps:
            return None
        self.taken += 1
        step = self.steps.popleft()
        allowed = {
            "gather": ("press", "say", "silence", "wait", "hangup"),
            "record": ("record", "say", "press", "silence", "wait", "hangup"),
            "queue": ("press", "say", "silence", "wait", "answer", "hangup"),
            "room": ("say", "silence", "wait", "hangup"),
        }[place]
        if step.kind not in allowed:
            where = {
                "gather": "a menu",
                "record": "a recording",
                "queue": "waiting in the queue",
                "room": "talking with an operator",
            }[place]
            raise SimulatorError(
                f"script step {self.taken} ({step}) does not fit: the caller is at {where}, "
                f"where the script may {', '.join(allowed)}"
            )
        return step

    def unused(self) -> list[Step]:
        return list(self.steps)


class Keyboard:
    """A person typing what the caller does, asked at each menu, recording and round on hold."""

    def __init__(self, ask: Callable[[str], str]) -> None:
        self.ask = ask

    def next(self, place: str, prompt: str) -> Step | None:
        try:
            typed = self.ask(prompt).strip()
        except EOFError:
            return hangup()
        if typed.lower() == "hangup":
            return hangup()
        if place == "queue":
            if typed.lower() in ("", "wait"):
                return wait()
            if typed.lower() == "answer":
                return answer()
        if place == "room":
            return say(typed) if typed else wait()
        if not typed:
            return silence()
        if place == "record":
            return record(typed)
        if set(typed) <= twiml_rules.KEYS:
            return press(typed)
        return say(typed)

    def unused(self) -> list[Step]:
        return []


def collected_digits(keys: str, finish_on_key: str, num_digits: int | None) -> tuple[str, bool]:
    """The Digits Twilio posts for these key presses, and whether the Gather ended without waiting."""
    if finish_on_key and finish_on_key in keys:
        return keys[: keys.index(finish_on_key)][:num_digits], True
    if num_digits is not None and len(keys) >= num_digits:
        return keys[:num_digits], True
    return keys, False


def shown_keys(keys: str) -> str:
    """Keys as the transcript shows them: menu choices as pressed, longer entries (A-numbers, ZIP
    codes) only counted."""
    if len(keys.strip("#*")) > 2:
        return f"{len(keys.strip('#*'))} digits{' then #' if keys.endswith('#') else ''}"
    return keys

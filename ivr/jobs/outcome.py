"""What a job's run came to: a result and a line of counts or warnings (never personal data)."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.models import RunResult


@dataclass(frozen=True)
class Done:
    result: RunResult
    summary: str

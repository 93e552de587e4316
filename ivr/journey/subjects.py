"""Who calls and why: the caller types and subjects of the line, in the public page's order."""

from __future__ import annotations

from enum import StrEnum


class CallerType(StrEnum):
    DETAINED = "detained"
    ABOUT_DETAINED = "about_detained"
    ATTORNEY = "attorney"
    OTHER = "other"


class Subject(StrEnum):
    ASSAULT = "assault"
    TRAFFICKING_OR_CRIME = "trafficking_or_crime"
    MENTAL_HEALTH = "mental_health"
    FAMILY_SEPARATION = "family_separation"
    DETENTION_CONDITIONS = "detention_conditions"
    LEGAL_ACCESS = "legal_access"
    CASE_INFORMATION = "case_information"
    CASE_REVIEW = "case_review"
    OTHER = "other"


# Keypad order of the subject menu: urgent subjects first (call-flow.md step 4).
SUBJECT_BY_DIGIT: dict[str, Subject] = {str(i): s for i, s in enumerate(Subject, start=1)}
CALLER_TYPE_BY_DIGIT: dict[str, CallerType] = {str(i): c for i, c in enumerate(CallerType, start=1)}

URGENT_SUBJECTS = frozenset({Subject.ASSAULT, Subject.TRAFFICKING_OR_CRIME, Subject.MENTAL_HEALTH})

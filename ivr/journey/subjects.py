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


URGENT_SUBJECTS = frozenset({Subject.ASSAULT, Subject.TRAFFICKING_OR_CRIME, Subject.MENTAL_HEALTH})

# The keypad's order: the first menu offers the urgent subjects (call-flow.md step 4, urgent first),
# then "anything else" leads to the others, in the public page's order.
URGENT_FIRST = tuple(subject for subject in Subject if subject in URGENT_SUBJECTS)
OTHER_SUBJECTS = tuple(subject for subject in Subject if subject not in URGENT_SUBJECTS)

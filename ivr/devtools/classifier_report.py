"""Measure the subject classifier on labelled utterances, per language (`flask ivr classifier`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click

# The command and its defaults are declared with the CLI, which imports this module only when the
# command runs: every web worker builds the CLI and must not import developer tools. The command is
# named here too, for `python -m` below and for code that looks for it beside its report.
from ivr.cli.devtools import DEFAULT_THRESHOLD
from ivr.journey.classifier import PhraseBook, default_phrase_book
from ivr.journey.resemblance import Example, read_examples
from ivr.journey.subjects import Subject

# A labelled row is the model's example (one reader, one format): the report and the model share it.
LabelledUtterance = Example


@dataclass(frozen=True)
class LanguageAccuracy:
    language: str
    threshold: float
    utterances: int
    confident: int  # at or above the threshold: routed without asking
    confident_correct: int
    asked_to_confirm: int  # a subject, but below the threshold: the caller confirms by keypad
    no_subject: int  # nothing recognised: the caller gets the keypad menu
    top1_correct: int  # best guess right, whatever its confidence

    @property
    def confident_correct_rate(self) -> float:
        return self.confident_correct / self.confident if self.confident else 0.0

    @property
    def confident_share(self) -> float:
        return self.confident / self.utterances if self.utterances else 0.0

    @property
    def confirm_share(self) -> float:
        return self.asked_to_confirm / self.utterances if self.utterances else 0.0

    @property
    def top1_accuracy(self) -> float:
        return self.top1_correct / self.utterances if self.utterances else 0.0


def read_utterances(path: Path) -> Iterator[LabelledUtterance]:
    """Yield the rows of a `language<TAB>subject<TAB>utterance` file, after its header."""
    return read_examples(path)


def evaluate(
    path: Path, threshold: float = DEFAULT_THRESHOLD, phrases: PhraseBook | None = None
) -> list[tuple[LabelledUtterance, Subject | None, float]]:
    """Classify every labelled utterance: (row, subject found, confidence)."""
    book = phrases or default_phrase_book()
    results = []
    for row in read_utterances(path):
        found = book.classify(row.utterance, row.language)
        results.append((row, found.subject, found.confidence))
    return results


def accuracy_report(
    path: Path, threshold: float = DEFAULT_THRESHOLD, phrases: PhraseBook | None = None
) -> list[LanguageAccuracy]:
    """Return, per language, how often the classifier is confident and how often it is right."""
    counts: dict[str, list[int]] = {}
    for row, subject, confidence in evaluate(path, threshold, phrases):
        c = counts.setdefault(row.language, [0] * 6)
        c[0] += 1
        if subject is None:
            c[4] += 1
        elif confidence >= threshold:
            c[1] += 1
            c[2] += subject == row.subject
        else:
            c[3] += 1
        c[5] += subject == row.subject
    return [LanguageAccuracy(language, threshold, *c) for language, c in sorted(counts.items())]


def overall(reports: list[LanguageAccuracy]) -> LanguageAccuracy:
    """Every language's callers together, as one row named "all"."""
    threshold = reports[0].threshold if reports else DEFAULT_THRESHOLD
    totals = [
        sum(getattr(r, name) for r in reports)
        for name in (
            "utterances",
            "confident",
            "confident_correct",
            "asked_to_confirm",
            "no_subject",
            "top1_correct",
        )
    ]
    return LanguageAccuracy("all", threshold, *totals)


def print_report(threshold: float, data: Path, phrases: Path, misses: bool) -> None:
    """Print, per language and for all, how well callers' words are classified: the share answered
    confidently (no keypad confirmation) and the share of those answers that are right (precision);
    with `misses`, each wrong or unconfident one."""
    book = PhraseBook.load(phrases)
    header = (
        f"{'language':<9}{'utterances':>11}{'confident':>11}{'conf. correct':>15}"
        f"{'confirm':>9}{'no subject':>12}{'top-1':>8}"
    )
    click.echo(f"threshold {threshold:.2f}")
    click.echo(header)
    reports = accuracy_report(data, threshold, book)
    for row in [*reports, overall(reports)]:
        click.echo(
            f"{row.language:<9}{row.utterances:>11}"
            f"{row.confident:>5} ({row.confident_share:>4.0%})"
            f"{row.confident_correct_rate:>15.1%}{row.confirm_share:>9.0%}"
            f"{row.no_subject:>12}{row.top1_accuracy:>8.1%}"
        )
    if misses:
        for utterance, subject, confidence in evaluate(data, threshold, book):
            if subject != utterance.subject or confidence < threshold:
                found = subject.value if subject else "-"
                click.echo(
                    f"{utterance.language}  expected {utterance.subject.value:<22} "
                    f"got {found:<22} {confidence:.2f}  {utterance.utterance}"
                )


if __name__ == "__main__":  # `python -m ivr.devtools.classifier_report`: the same table without the app
    from ivr.cli.devtools import classifier_command

    classifier_command()

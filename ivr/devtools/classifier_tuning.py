"""Tune the learned second opinion by cross-validation on the example files (never the unseen set).

`python -m ivr.devtools.classifier_tuning`: each example file's rows are split in five; each fifth is
classified by a model trained on the other four (and the cues), so every row is measured as speech
the model has not seen. The cues themselves were written from the older files, so the figures that
say most are those of files the cues were not tuned on (subject_utterances_callers.tsv): they are
printed per language for one file, for a grid of [learned] settings shared by every language (to
choose a language's own in [learned.xx]), then as shipped, marked "*".

Rows of one writer's file resemble each other (the same hand, the same situations), so five random
folds flatter the model. `--by-file` is the stricter measure: each file's rows are classified by a
model trained on the other files only, as speech from a writer it never read.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable

import click

from ivr.cli.devtools import DEFAULT_THRESHOLD
from ivr.journey.classifier import PHRASES_FILE, PhraseBook, learn_models
from ivr.journey.resemblance import Example, read_examples

FOLDS = 5
_SEED = 12  # the same folds every run, so two settings are compared on the same split


@dataclasses.dataclass(frozen=True)
class Outcome:
    example: Example
    file: str
    subject: str | None
    confidence: float


# agree, alone, veto for every language alike; SHIPPED: the book's own, each language's included.
Setting = tuple[float, float, float] | None
SHIPPED: Setting = None


def cross_validate(
    book: PhraseBook, temperature: float, settings: Iterable[Setting], by_file: bool = False
) -> dict[Setting, list[Outcome]]:
    """Classify every example of the book's files with models that never saw it, per setting.

    The folds are five random ones, or with `by_file` one per example file.
    """
    assert book.learned is not None  # noqa: S101 - a developer tool on the shipped book
    rows = [(file.name, example) for file in book.learned.examples for example in read_examples(file)]
    if by_file:
        names = [file.name for file in book.learned.examples]
        fold = {i: names.index(name) for i, (name, _) in enumerate(rows)}
    else:
        order = list(range(len(rows)))
        random.Random(_SEED).shuffle(order)  # noqa: S311 - folds, not secrets
        fold = {row: position % FOLDS for position, row in enumerate(order)}
    settings = list(settings)
    outcomes: dict[Setting, list[Outcome]] = {s: [] for s in settings}
    for k in sorted(set(fold.values())):
        trained = [example for i, (_, example) in enumerate(rows) if fold[i] != k]
        models = learn_models(book.languages, trained, temperature)
        for setting in settings:
            learned = dataclasses.replace(book.learned, temperature=temperature)
            if setting is not None:  # SHIPPED
                agree, alone, veto = setting
                learned = dataclasses.replace(learned, agree=agree, alone=alone, veto=veto, languages={})
            judge = dataclasses.replace(book, models=models, learned=learned)
            for i, (name, example) in enumerate(rows):
                if fold[i] == k:
                    found = judge.classify(example.utterance, example.language)
                    subject = found.subject.value if found.subject else None
                    outcomes[setting].append(Outcome(example, name, subject, found.confidence))
    return outcomes


def _figures(outcomes: list[Outcome], threshold: float) -> tuple[int, float, float]:
    confident = [o for o in outcomes if o.subject is not None and o.confidence >= threshold]
    right = sum(o.subject == o.example.subject.value for o in confident)
    return len(outcomes), len(confident) / max(len(outcomes), 1), right / max(len(confident), 1)


@click.command()
@click.option(
    "--file",
    "only",
    multiple=True,
    default=["subject_utterances_callers.tsv"],
    help="The example file(s) to report on.",
)
@click.option("--temperature", type=float, multiple=True, help="Temperatures to try (default: the book's).")
@click.option("--by-file", is_flag=True, help="Leave each example file out in turn, not a random fifth.")
def tune(only: tuple[str, ...], temperature: tuple[float, ...], by_file: bool) -> None:
    """Print confident share and precision per language for a grid of [learned] settings."""
    book = PhraseBook.load(PHRASES_FILE)
    assert book.learned is not None  # noqa: S101
    learned = book.learned
    grid: list[Setting] = [
        (agree, alone, veto)
        for agree in sorted({0.2, 0.3, 0.4, learned.agree})
        for alone in sorted({0.5, 0.6, 0.7, 0.8, learned.alone})
        for veto in sorted({0.5, 0.7, 1.0, learned.veto})
    ]
    for t in temperature or (learned.temperature,):
        for setting, outcomes in cross_validate(book, t, [*grid, SHIPPED], by_file).items():
            mine = [o for o in outcomes if o.file in only]
            languages = sorted({o.example.language for o in mine})
            cells = []
            for language in [*languages, None]:
                chosen = [o for o in mine if language is None or o.example.language == language]
                _, share, precision = _figures(chosen, DEFAULT_THRESHOLD)
                cells.append(f"{language or 'all'} {share:4.0%} {precision:6.1%}")
            if setting is None:  # SHIPPED
                own = " ".join(f"{code}:{v}" for code, v in sorted(learned.languages.items()))
                label = f"* T={t:<4} as shipped ({own or 'no language of its own'})"
            else:
                agree, alone, veto = setting
                label = f"  T={t:<4} agree={agree:<4} alone={alone:<4} veto={veto:<4}"
            click.echo(f"{label} | " + " | ".join(cells))


if __name__ == "__main__":
    tune()

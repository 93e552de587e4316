"""The classifier's learned second opinion: callers' unwritten phrasings are understood, in every language."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

from ivr.devtools.classifier_report import accuracy_report, overall, read_utterances
from ivr.journey.classifier import (
    PHRASES_FILE,
    PhraseBook,
    PhraseBookError,
    classify,
    default_phrase_book,
    learn_models,
)
from ivr.journey.resemblance import Example
from ivr.journey.subjects import Subject

THRESHOLD = 0.6
DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "prompts" / "examples"
CALLERS = EXAMPLES / "subject_utterances_callers.tsv"
# A second writer's callers (issue 12, third pass), in the languages furthest from the target.
SECOND = EXAMPLES / "subject_utterances_second.tsv"
SECOND_LANGUAGES = ("ar", "es", "hi", "ru")
# Issue 12's fourth pass: 40 writers' callers, each from the labelling guide (prompts/examples/README.md)
# and nothing else of the line; the last round's eight (r6*) are held out below as writers never read.
WRITERS = sorted(EXAMPLES.glob("subject_utterances_writer_*.tsv"))
LAST_ROUND = [path for path in WRITERS if path.name.startswith("subject_utterances_writer_r6")]
# Written blind by a helper who never saw the cue lists or the examples; never tuned on.
UNSEEN = DATA / "subject_utterances_unseen.tsv"
# A second blind set, written at the end of issue 12's work by a writer who read no file of the line:
# never learned from, tuned on, or read line by line (README, "the classifier").
FRESH = DATA / "subject_utterances_fresh.tsv"
# The third blind set (issue 12's fourth pass): written from the labelling guide alone by a writer who
# read no other file, before any of the 40 writers' examples were learned from; measured once.
THIRD = DATA / "subject_utterances_third.tsv"
BLIND = (UNSEEN, FRESH, THIRD)
SPOKEN_LANGUAGES = ("en", "es", "pt", "ru", "fr", "hi", "vi", "zh", "ar")


def without_model() -> PhraseBook:
    return dataclasses.replace(default_phrase_book(), models={}, learned=None)


# --- what callers say that no cue names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "subject"),
    [
        ("he says he does not want to wake up anymore", "en", Subject.MENTAL_HEALTH),
        ("my son has not eaten in days and he stays in bed staring at nothing", "en", Subject.MENTAL_HEALTH),
    ],
)
def test_words_no_cue_names_are_understood_from_the_examples(
    text: str, language: str, subject: Subject
) -> None:
    assert without_model().classify(text, language).subject is None
    found = classify(text, language)
    assert found.subject == subject
    assert found.confidence >= THRESHOLD
    assert found.cues == ("(resembles the examples)",), "a supervisor sees why"


def test_a_thin_cue_backed_by_the_examples_is_answered_without_asking() -> None:
    text = "mi hijo ya no quiere comer y se la pasa llorando"
    alone = without_model().classify(text, "es")
    assert alone.subject == Subject.MENTAL_HEALTH and alone.confidence < THRESHOLD
    found = classify(text, "es")
    assert found.subject == Subject.MENTAL_HEALTH
    assert found.confidence >= THRESHOLD
    assert found.cues == alone.cues


@pytest.mark.parametrize(
    ("text", "language"),
    [("hello good morning", "en"), ("hola buenas tardes", "es"), ("адрес", "ru"), ("custodios", "es")],
)
def test_one_or_two_words_and_greetings_are_never_answered_by_the_model(text: str, language: str) -> None:
    found = classify(text, language)
    assert found.subject is None or found.confidence < THRESHOLD, found


def test_a_misheard_word_stays_a_guess_even_when_the_examples_agree() -> None:
    found = classify("i need to talk to a lawer about it", "en")
    assert found.subject == Subject.LEGAL_ACCESS
    assert found.confidence < THRESHOLD


def test_a_book_without_examples_classifies_by_its_cues_alone(tmp_path: Path) -> None:
    path = tmp_path / "phrases.toml"
    text = PHRASES_FILE.read_text(encoding="utf-8")
    start = text.index("\n[learned]\n")
    end = text.index("\n[options.", start)  # [learned] and each language's [learned.xx]
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    book = PhraseBook.load(path)
    assert book.learned is None and not book.models
    assert book.classify("he says he does not want to wake up anymore", "en").subject is None


def test_a_missing_examples_file_names_the_phrase_file_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "phrases.toml"
    text = PHRASES_FILE.read_text(encoding="utf-8")
    path.write_text(text.replace('"examples/subject_utterances.tsv"', '"nowhere.tsv"'), encoding="utf-8")
    with pytest.raises(PhraseBookError, match=r"phrases\.toml.*nowhere\.tsv.*Fix"):
        PhraseBook.load(path)


def test_a_learned_table_without_its_numbers_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "phrases.toml"
    text = PHRASES_FILE.read_text(encoding="utf-8")
    path.write_text(text.replace("veto = 0.35\n", ""), encoding="utf-8")
    with pytest.raises(PhraseBookError, match=r"\[learned\].*veto.*Fix"):
        PhraseBook.load(path)


def test_a_language_may_trust_its_model_at_its_own_threshold(tmp_path: Path) -> None:
    # A brother "not well at all for weeks" resembles the French examples of mental health: the shared
    # threshold answers without asking; a stricter French [learned.fr] asks the caller to confirm.
    text = PHRASES_FILE.read_text(encoding="utf-8")
    shared = PhraseBook.load(PHRASES_FILE)
    found = shared.classify("mon frere ne va pas bien du tout depuis des semaines", "fr")
    assert found.subject == Subject.MENTAL_HEALTH and found.confidence >= THRESHOLD, found
    (tmp_path / "examples").symlink_to(EXAMPLES)
    path = tmp_path / "phrases.toml"
    path.write_text(
        text.replace("\nfewest_words = 4\n", "\nfewest_words = 4\n[learned.fr]\nalone = 0.99\n"), "utf-8"
    )
    own = PhraseBook.load(path).classify("mon frere ne va pas bien du tout depuis des semaines", "fr")
    assert own.confidence < THRESHOLD, own
    assert PhraseBook.load(path).classify("he says he does not want to wake up anymore", "en") == classify(
        "he says he does not want to wake up anymore", "en"
    ), "other languages keep the shared settings"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[learned.xx]\nalone = 0.5\n", r"\[learned\.xx\].*language without cues.*Fix"),
        ("[learned.fr]\ntemperature = 2.0\n", r"\[learned\.fr\] temperature.*only agree, alone, veto.*Fix"),
        ("[learned.fr]\nalone = 1.5\n", r"\[learned\.fr\] alone = 1\.5.*Fix"),
    ],
)
def test_a_languages_own_settings_are_checked_and_name_the_fix(
    tmp_path: Path, table: str, message: str
) -> None:
    (tmp_path / "examples").symlink_to(EXAMPLES)
    path = tmp_path / "phrases.toml"
    text = PHRASES_FILE.read_text(encoding="utf-8")
    path.write_text(text.replace("\nfewest_words = 4\n", f"\nfewest_words = 4\n{table}"), encoding="utf-8")
    with pytest.raises(PhraseBookError, match=message):
        PhraseBook.load(path)


def test_the_model_stays_small_in_a_worker() -> None:
    # Every web worker holds it: a byte per subject and feature, a 4-byte hash per feature.
    book = default_phrase_book()
    assert set(book.models) == set(SPOKEN_LANGUAGES)
    held = sum(model.size_in_bytes() for model in book.models.values())
    assert held < 8_000_000, held


# --- how often, in every language ---------------------------------------------------------------


@cache
def held_out(*files: Path) -> tuple[tuple[Example, Subject | None, float], ...]:
    """The files' rows, each classified by a model learned from every other example file."""
    book = default_phrase_book()
    assert book.learned is not None
    kept = {path.resolve() for path in files}
    rest = [
        row for path in book.learned.examples if path.resolve() not in kept for row in read_utterances(path)
    ]
    judge = dataclasses.replace(book, models=learn_models(book.languages, rest, book.learned.temperature))
    outcomes = []
    for path in files:
        for row in read_utterances(path):
            found = judge.classify(row.utterance, row.language)
            outcomes.append((row, found.subject, found.confidence))
    return tuple(outcomes)


def figures(outcomes: Iterable[tuple[Example, Subject | None, float]]) -> tuple[int, float, float]:
    """How many callers, the share answered without asking, and the share of those answered right."""
    rows = list(outcomes)
    confident = [(row, subject) for row, subject, confidence in rows if subject and confidence >= THRESHOLD]
    right = sum(subject == row.subject for row, subject in confident)
    return len(rows), len(confident) / max(len(rows), 1), right / max(len(confident), 1)


def in_language(
    outcomes: Iterable[tuple[Example, Subject | None, float]], language: str
) -> list[tuple[Example, Subject | None, float]]:
    return [outcome for outcome in outcomes if outcome[0].language == language]


# Floors a little under the figures reached (README, "the classifier"): a change that lowers them fails.
LAST_ROUND_FLOOR = {"confident": 0.85, "right": 0.96}
LAST_ROUND_LANGUAGE_FLOOR = {"confident": 0.8, "right": 0.94}


def test_the_last_writers_callers_are_answered_and_right_by_a_model_that_never_read_them() -> None:
    # The honest measure while the line is built: a model learned without the last round's eight
    # writers, and cues never edited from them, classifying their callers.
    outcomes = held_out(*LAST_ROUND)
    count, confident, right = figures(outcomes)
    assert len(LAST_ROUND) == 8 and count >= 5000
    assert confident >= LAST_ROUND_FLOOR["confident"], (confident, right)
    assert right >= LAST_ROUND_FLOOR["right"], (confident, right)
    for language in SPOKEN_LANGUAGES:
        count, confident, right = figures(in_language(outcomes, language))
        assert count >= 350, language
        assert confident >= LAST_ROUND_LANGUAGE_FLOOR["confident"], (language, confident, right)
        assert right >= LAST_ROUND_LANGUAGE_FLOOR["right"], (language, confident, right)


CALLERS_FLOOR = {"confident": 0.92, "right": 0.985}


def test_callers_examples_are_answered_and_right_when_held_out_of_the_model() -> None:
    outcomes = held_out(CALLERS, SECOND)
    count, confident, right = figures(outcomes)
    assert count >= 3000
    assert confident >= CALLERS_FLOOR["confident"], (confident, right)
    assert right >= CALLERS_FLOOR["right"], (confident, right)


@pytest.mark.parametrize("language", SPOKEN_LANGUAGES)
def test_callers_examples_cover_every_subject(language: str) -> None:
    mine = [row for row in read_utterances(CALLERS) if row.language == language]
    for subject in Subject:
        assert sum(row.subject == subject for row in mine) >= 16, subject


def test_every_writers_examples_are_learned_from_and_cover_every_subject_of_their_languages() -> None:
    book = default_phrase_book()
    assert book.learned is not None
    learned = {path.resolve() for path in book.learned.examples}
    assert len(WRITERS) >= 40
    per_language: dict[str, int] = {}
    for path in WRITERS:
        assert path.resolve() in learned, path.name
        rows = list(read_utterances(path))
        for language in {row.language for row in rows}:
            mine = [row for row in rows if row.language == language]
            per_language[language] = per_language.get(language, 0) + len(mine)
            for subject in Subject:
                assert sum(row.subject == subject for row in mine) >= 20, (path.name, language, subject)
    assert set(per_language) == set(SPOKEN_LANGUAGES)
    assert min(per_language.values()) >= 2000, per_language


@pytest.mark.parametrize("examples", [CALLERS, SECOND, *WRITERS], ids=lambda path: path.stem)
def test_no_example_is_an_utterance_of_a_blind_set(examples: Path) -> None:
    kept_apart = {row.utterance for blind in BLIND for row in read_utterances(blind)}
    assert not [row.utterance for row in read_utterances(examples) if row.utterance in kept_apart]


@pytest.mark.parametrize("language", SECOND_LANGUAGES)
def test_the_second_writers_examples_cover_every_subject(language: str) -> None:
    mine = [row for row in read_utterances(SECOND) if row.language == language]
    assert len(mine) >= 120
    for subject in Subject:
        assert sum(row.subject == subject for row in mine) >= 12, subject


# The blind sets' figures (README): a change that lowers them fails here. Measured, never tuned on.
# Reached on the third: 96 % answered, 99.6 % right; in every language at least 93 % and 98.0 %.
THIRD_FLOOR = {"confident": 0.95, "right": 0.985}
THIRD_LANGUAGE_FLOOR = {"confident": 0.9, "right": 0.97}
# The unseen set: 94 % / 99.0 % (every language at least 92 % / 98.1 %). The fresh set, labelled from a
# shorter brief than the guide: 90 % / 94.4 % (hi 87.2 %, pt 90.9 %, en 92.9 %, zh 93.2 % right).
UNSEEN_FLOOR = {"confident": 0.93, "right": 0.985}
FRESH_FLOOR = {"confident": 0.89, "right": 0.94}


def test_the_third_blind_set_is_answered_and_right_in_every_language() -> None:
    reports = accuracy_report(THIRD, THRESHOLD)
    assert {r.language for r in reports} == set(SPOKEN_LANGUAGES)
    everyone = overall(reports)
    assert everyone.utterances >= 450, everyone
    assert everyone.confident_share >= THIRD_FLOOR["confident"], everyone
    assert everyone.confident_correct_rate >= THIRD_FLOOR["right"], everyone
    for report in reports:
        assert report.utterances >= 50, report
        assert report.confident_share >= THIRD_LANGUAGE_FLOOR["confident"], report
        assert report.confident_correct_rate >= THIRD_LANGUAGE_FLOOR["right"], report


@pytest.mark.parametrize(
    ("blind", "floor"), [(UNSEEN, UNSEEN_FLOOR), (FRESH, FRESH_FLOOR)], ids=["unseen", "fresh"]
)
def test_the_earlier_blind_sets_are_answered_and_right_no_worse_than_now(
    blind: Path, floor: dict[str, float]
) -> None:
    everyone = overall(accuracy_report(blind, THRESHOLD))
    assert everyone.utterances >= 400, everyone
    assert everyone.confident_share >= floor["confident"], everyone
    assert everyone.confident_correct_rate >= floor["right"], everyone

"""The classifier's learned second opinion: callers' unwritten phrasings are understood, in every language."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import pytest

from ivr.devtools.classifier_report import accuracy_report, overall, read_utterances
from ivr.devtools.classifier_tuning import SHIPPED, Outcome, cross_validate
from ivr.journey.classifier import PHRASES_FILE, PhraseBook, PhraseBookError, classify, default_phrase_book
from ivr.journey.subjects import Subject

THRESHOLD = 0.6
DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "prompts" / "examples"
CALLERS = EXAMPLES / "subject_utterances_callers.tsv"
# A second writer's callers (issue 12, third pass), in the languages furthest from the target.
SECOND = EXAMPLES / "subject_utterances_second.tsv"
SECOND_LANGUAGES = ("ar", "es", "hi", "ru")
# Written blind by a helper who never saw the cue lists or the examples; never tuned on.
UNSEEN = DATA / "subject_utterances_unseen.tsv"
# A second blind set, written at the end of issue 12's work by a writer who read no file of the line:
# never learned from, tuned on, or read line by line (README, "the classifier").
FRESH = DATA / "subject_utterances_fresh.tsv"
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
    path.write_text(text.replace("veto = 0.5\n", ""), encoding="utf-8")
    with pytest.raises(PhraseBookError, match=r"\[learned\].*veto.*Fix"):
        PhraseBook.load(path)


def test_a_language_may_trust_its_model_at_its_own_threshold(tmp_path: Path) -> None:
    # A brother "not well at all for weeks" resembles the French examples of mental health: the shared
    # threshold gives no subject; a French [learned.fr] alone low enough answers without asking.
    text = PHRASES_FILE.read_text(encoding="utf-8")
    shared = PhraseBook.load(PHRASES_FILE)
    found = shared.classify("mon frere ne va pas bien du tout depuis des semaines", "fr")
    assert found.confidence < THRESHOLD
    (tmp_path / "examples").symlink_to(EXAMPLES)
    path = tmp_path / "phrases.toml"
    path.write_text(text.replace("\n[learned.ar]\n", "\n[learned.fr]\nalone = 0.1\n[learned.ar]\n"), "utf-8")
    own = PhraseBook.load(path).classify("mon frere ne va pas bien du tout depuis des semaines", "fr")
    assert found.subject is None and own.subject == Subject.MENTAL_HEALTH, own
    assert own.confidence >= THRESHOLD, own
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
    path.write_text(text.replace("\n[learned.ar]\n", f"\n{table}[learned.ar]\n"), encoding="utf-8")
    with pytest.raises(PhraseBookError, match=message):
        PhraseBook.load(path)


def test_the_model_stays_small_in_a_worker() -> None:
    # Every web worker holds it: a byte per subject and feature, a 4-byte hash per feature.
    book = default_phrase_book()
    assert set(book.models) == set(SPOKEN_LANGUAGES)
    held = sum(model.size_in_bytes() for model in book.models.values())
    assert held < 3_000_000, held


# --- how often, in every language ---------------------------------------------------------------


@cache
def held_out() -> tuple[Outcome, ...]:
    """Every example, each classified by a model trained without it (5-fold)."""
    book = default_phrase_book()
    assert book.learned is not None
    return tuple(cross_validate(book, book.learned.temperature, [SHIPPED])[SHIPPED])


def callers_as_unseen() -> tuple[Outcome, ...]:
    """The callers' examples, each classified by a model trained without it."""
    return tuple(o for o in held_out() if o.file == CALLERS.name)


def second_as_unseen() -> tuple[Outcome, ...]:
    """The second writer's examples, each classified by a model trained without it."""
    return tuple(o for o in held_out() if o.file == SECOND.name)


SECOND_FLOOR = {"confident": 0.82, "right": 0.96}


@pytest.mark.parametrize("language", SPOKEN_LANGUAGES)
def test_callers_examples_are_answered_and_right_when_held_out_of_the_model(language: str) -> None:
    # The callers' file was never used to write cues; cross-validated, it measures what the model
    # adds on speech it has not seen. Floors a little under the figures reached (README).
    mine = [o for o in callers_as_unseen() if o.example.language == language]
    confident = [o for o in mine if o.subject is not None and o.confidence >= THRESHOLD]
    right = sum(o.subject == o.example.subject.value for o in confident)
    assert len(mine) >= 150
    assert len(confident) / len(mine) >= 0.74, language
    assert right / len(confident) >= 0.97, language


def test_callers_examples_overall_when_held_out_of_the_model() -> None:
    mine = callers_as_unseen()
    confident = [o for o in mine if o.subject is not None and o.confidence >= THRESHOLD]
    right = sum(o.subject == o.example.subject.value for o in confident)
    assert len(confident) / len(mine) >= 0.82
    assert right / len(confident) >= 0.985


@pytest.mark.parametrize("language", SPOKEN_LANGUAGES)
def test_callers_examples_cover_every_subject(language: str) -> None:
    mine = [row for row in read_utterances(CALLERS) if row.language == language]
    for subject in Subject:
        assert sum(row.subject == subject for row in mine) >= 16, subject


@pytest.mark.parametrize("examples", [CALLERS, SECOND], ids=["callers", "second"])
@pytest.mark.parametrize("blind", [UNSEEN, FRESH], ids=["unseen", "fresh"])
def test_callers_examples_share_no_utterance_with_the_blind_sets(examples: Path, blind: Path) -> None:
    kept_apart = {row.utterance for row in read_utterances(blind)}
    assert not [row.utterance for row in read_utterances(examples) if row.utterance in kept_apart]


def test_the_second_writers_examples_are_learned_from() -> None:
    book = default_phrase_book()
    assert book.learned is not None
    assert SECOND.resolve() in [path.resolve() for path in book.learned.examples]


@pytest.mark.parametrize("language", SECOND_LANGUAGES)
def test_the_second_writers_examples_cover_every_subject(language: str) -> None:
    mine = [row for row in read_utterances(SECOND) if row.language == language]
    assert len(mine) >= 120
    for subject in Subject:
        assert sum(row.subject == subject for row in mine) >= 12, subject


@pytest.mark.parametrize("language", SECOND_LANGUAGES)
def test_the_second_writers_examples_are_answered_and_right_when_held_out_of_the_model(
    language: str,
) -> None:
    # Another hand than the callers' file: cross-validated, how well one writer's examples and the
    # cues carry to another's. Floors a little under the figures reached (README).
    mine = [o for o in second_as_unseen() if o.example.language == language]
    confident = [o for o in mine if o.subject is not None and o.confidence >= THRESHOLD]
    right = sum(o.subject == o.example.subject.value for o in confident)
    assert len(confident) / len(mine) >= SECOND_FLOOR["confident"], language
    assert right / len(confident) >= SECOND_FLOOR["right"], language


# The unseen set's figures (README): a change that lowers them fails here. Measured, never tuned on.
# Reached: 90 % and 96.9 % overall; per language at least 86 % (hi) and 96.1 % (hi).
UNSEEN_FLOOR = {"confident": 0.89, "right": 0.965}
UNSEEN_LANGUAGE_FLOOR = {"confident": 0.85, "right": 0.955}


def test_unseen_phrasings_are_answered_and_right_overall() -> None:
    everyone = overall(accuracy_report(UNSEEN, THRESHOLD))
    assert everyone.confident_share >= UNSEEN_FLOOR["confident"], everyone
    assert everyone.confident_correct_rate >= UNSEEN_FLOOR["right"], everyone


def test_unseen_phrasings_are_answered_and_right_in_every_language() -> None:
    reports = accuracy_report(UNSEEN, THRESHOLD)
    assert {r.language for r in reports} == set(SPOKEN_LANGUAGES)
    for report in reports:
        assert report.utterances >= 40, report
        assert report.confident_share >= UNSEEN_LANGUAGE_FLOOR["confident"], report
        assert report.confident_correct_rate >= UNSEEN_LANGUAGE_FLOOR["right"], report


# Its figures when it was written (86 % / 93.9 % overall): below issue 12's target, so a floor that
# guards against losing ground, not a claim that the target is met on it.
FRESH_FLOOR = {"confident": 0.85, "right": 0.93}


def test_a_second_blind_set_is_answered_and_right_no_worse_than_when_it_was_written() -> None:
    everyone = overall(accuracy_report(FRESH, THRESHOLD))
    assert everyone.utterances >= 400, everyone
    assert everyone.confident_share >= FRESH_FLOOR["confident"], everyone
    assert everyone.confident_correct_rate >= FRESH_FLOOR["right"], everyone

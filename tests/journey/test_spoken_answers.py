"""Short spoken answers: a key said aloud is a key only when it is all the caller said."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.journey.speech import MenuWords, WordsError

WORDS = MenuWords.load(Path(__file__).resolve().parents[2] / "prompts" / "menu_words.toml")
CALLER_TYPES = ["caller_types.detained", "caller_types.about_detained", "caller_types.attorney"]


@pytest.mark.parametrize(
    ("said", "language", "key"),
    [
        ("two", "en", "2"),
        ("Option two.", "en", "2"),
        ("2", "en", "2"),
        ("el dos", "es", "2"),
        ("dois", "pt", "2"),
        ("deux", "fr", "2"),
        ("два", "ru", "2"),
    ],
)
def test_an_answer_that_is_only_a_key_is_that_key(said: str, language: str, key: str) -> None:
    assert WORDS.spoken_key(said, language) == key


@pytest.mark.parametrize(
    ("said", "language"),
    [
        ("a guard hit me two times", "en"),
        ("tengo una pregunta sobre mi caso", "es"),
        ("tenho uma pergunta", "pt"),
        ("j'ai une question", "fr"),
        ("12", "en"),
        ("one two", "en"),
    ],
)
def test_a_sentence_with_a_number_in_it_is_not_a_key(said: str, language: str) -> None:
    assert WORDS.spoken_key(said, language) is None


@pytest.mark.parametrize(
    ("said", "language", "answer"),
    [
        ("yes", "en", "answers.yes"),
        ("sí, correcto", "es", "answers.yes"),
        ("sim", "pt", "answers.yes"),
        ("oui", "fr", "answers.yes"),
        ("да", "ru", "answers.yes"),
        ("是", "zh", "answers.yes"),
        ("不是", "zh", "answers.no"),
        ("नहीं", "hi", "answers.no"),
        ("لا", "ar", "answers.no"),
        ("không phải", "vi", "answers.no"),
    ],
)
def test_yes_and_no_in_every_language_the_line_hears(said: str, language: str, answer: str) -> None:
    assert WORDS.said(said, language, ["answers.yes", "answers.no"]) == {answer}


def test_who_is_calling_is_heard_from_the_words_they_use() -> None:
    assert WORDS.said("soy abogada", "es", CALLER_TYPES) == {"caller_types.attorney"}
    assert WORDS.said("mon mari est détenu", "fr", CALLER_TYPES) == {
        "caller_types.about_detained",
        "caller_types.detained",
    }
    # "army" holds "my", but is not the word "my".
    assert WORDS.said("I was in the army", "en", CALLER_TYPES) == set()


def test_digits_said_as_words_or_numerals() -> None:
    assert WORDS.spoken_digits("cero uno dos tres cuatro cinco seis siete ocho", "es") == "012345678"
    assert WORDS.spoken_digits("zero 1 two 3", "en") == "0123"


def test_a_language_is_recognised_by_its_name_in_any_language() -> None:
    assert WORDS.language_named("Kreyòl") == "ht"
    assert WORDS.language_named("quiero hablar en español") == "es"
    assert WORDS.language_named("english or spanish") is None


def test_a_broken_words_file_names_the_file_the_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "menu_words.toml"
    path.write_text('[numbers.en]\n0 = ["zero"]\n\n[answers.yes]\nen = "yes"\n', encoding="utf-8")
    with pytest.raises(WordsError) as raised:
        MenuWords.load(path)
    assert f"{path}:" in str(raised.value) and "lacks digits" in str(raised.value)
    path.write_text('[answers.yes]\nen = "yes"\n', encoding="utf-8")
    with pytest.raises(WordsError) as raised:
        MenuWords.load(path)
    assert f"{path}:2" in str(raised.value) and "list of words" in str(raised.value)

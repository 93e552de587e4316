"""A counted prompt is declared once in the catalog; each language's catalog carries its CLDR plural rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel import Locale

from ivr.prompts.catalog import PromptError, load_catalog
from ivr.prompts.plurals import SAMPLE, PluralRule, plural_rule
from ivr.prompts.translations import read_source
from ivr.prompts.voices import load_voices

ROOT = Path(__file__).resolve().parents[2]
VOICES = load_voices(ROOT / "prompts" / "voices.toml")
# CLDR has no plural rule for Haitian Creole (Babel lends it French's through fr_HT): its catalog keeps
# Babel's default, which lets 1 be said "yon" ("yon minit") and every other count with its number.
CLDR_LANGUAGES = sorted(language for language in VOICES if language not in ("en", "ht"))


def cldr_categories(rule: PluralRule, locale: str) -> dict[int, set[str]]:
    """For each gettext form, the CLDR categories of the whole numbers the rule says with it."""
    categories: dict[int, set[str]] = {}
    for n in SAMPLE:
        categories.setdefault(rule.choose(n), set()).add(Locale.parse(locale).plural_form(n))
    return categories


@pytest.mark.parametrize("language", CLDR_LANGUAGES)
def test_each_languages_catalog_sorts_whole_numbers_as_cldr_does(language: str) -> None:
    translations = read_source(ROOT / "locales", language)
    assert translations is not None
    rule, locale = translations.rule, VOICES[language].locale
    categories = cldr_categories(rule, locale)
    assert sorted(categories) == list(range(rule.forms)), "every form is said for some number"
    assert all(len(names) == 1 for names in categories.values()), categories
    assert len({next(iter(names)) for names in categories.values()}) == rule.forms, categories
    assert translations.rule == plural_rule(locale)  # what `flask ivr translate update` writes


def test_the_forms_each_language_has() -> None:
    forms = {language: plural_rule(voice.locale).forms for language, voice in VOICES.items()}
    assert forms == {
        **{language: 2 for language in ("en", "es", "pt", "ht", "pa", "hi", "fr")},
        **{"zh": 1, "vi": 1, "ru": 3, "ar": 6},
    }


def test_brazilian_portuguese_hindi_and_punjabi_say_zero_as_they_say_one() -> None:
    # Babel's gettext table says 0 like 2 for "pt" (Portugal's rule), "hi" and "pa"; CLDR does not.
    for locale in ("pt_BR", "hi_IN", "pa_IN"):
        rule = plural_rule(locale)
        assert rule.choose(0) == rule.choose(1) != rule.choose(2), locale


def test_a_form_names_the_numbers_a_translator_writes_it_for() -> None:
    russian = plural_rule("ru_RU")
    assert [russian.said_for(form) for form in range(3)] == [
        "1, 21, 31, 41, 51, 61, …",
        "2, 3, 4, 22, 23, 24, …",
        "0, 5, 6, 7, 8, 9, …",
    ]
    assert PluralRule.parse(2, "(n > 5 ? 1 : 0)").problems() == []
    assert PluralRule.parse(3, "(n != 1)").problems() == [
        "Plural-Forms 'nplurals=3; plural=(n != 1);': no number takes msgstr[2]"
    ]


def write(tmp_path: Path, entry: str) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(f'[greeting]\ntext = "Hello."\n\n[queue_estimated_wait]\n{entry}\n')
    return path


def test_a_counted_prompt_has_a_text_for_one_a_plural_and_the_placeholder_that_counts(tmp_path: Path) -> None:
    prompts = load_catalog(
        write(
            tmp_path,
            'text = "About {minutes} minute."\nplural = "About {minutes} minutes."\ncount = "minutes"',
        )
    )
    assert prompts["queue_estimated_wait"].forms == ("About {minutes} minute.", "About {minutes} minutes.")
    assert prompts["queue_estimated_wait"].count == "minutes"
    assert prompts["greeting"].forms == ("Hello.",) and prompts["greeting"].count is None


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ('text = "About {minutes} minute."\nplural = "About {minutes} minutes."', "it needs plural"),
        ('text = "About {minutes} minutes."\ncount = "minutes"', "it needs plural"),
        (
            'text = "About {minutes} minute."\nplural = "About {minutes} minutes."\ncount = "wait"',
            "say {wait}",
        ),
        (
            'text = "About {minutes} minute."\nplural = "About {wait} minutes."\ncount = "minutes"',
            "plural has",
        ),
    ],
)
def test_a_counted_prompt_missing_a_part_is_refused_naming_its_line(
    tmp_path: Path, entry: str, says: str
) -> None:
    path = write(tmp_path, entry)
    with pytest.raises(PromptError, match=rf"{path}:4: prompt \[queue_estimated_wait\].*{says}"):
        load_catalog(path)

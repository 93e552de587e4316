"""Rewording an English prompt keeps its translations, marked fuzzy for review, and callers still hear one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import write_po

from ivr.prompts.catalog import Prompt, load_catalog
from ivr.prompts.phrasebook import Phrasebook
from ivr.prompts.translations import (
    compile_translations,
    po_path,
    read_po_file,
    read_source,
    stale_compilations,
    translations_to_review,
    update_translations,
)
from ivr.prompts.voices import load_voices

ROOT = Path(__file__).resolve().parents[2]
VOICES = load_voices(ROOT / "prompts" / "voices.toml")
LANGUAGES = sorted(language for language in VOICES if language != "en")
GREETING = "Thank you for calling the ICE Detention Reporting and Information Line."


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A copy of the shipped prompt catalog and translations, to reword and update."""
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("audio"))
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    return tmp_path


def reword(files: Path, key: str, english: str) -> dict[str, Prompt]:
    """Change one prompt's English in catalog.toml, as an editor would, and read the catalog again."""
    path = files / "prompts" / "catalog.toml"
    line = f'text = "{load_catalog(path)[key].text}"'
    source = path.read_text()
    assert source.count(line) == 1
    path.write_text(source.replace(line, f'text = "{english}"'))
    return load_catalog(path)


def update(files: Path, prompts: dict[str, Prompt], languages: list[str] = LANGUAGES) -> None:
    """`flask ivr translate update` then `compile`, for these languages."""
    for language in languages:
        update_translations(prompts, files / "locales", language, VOICES[language].locale)
        compile_translations(files / "locales", language)


def po_message(files: Path, language: str, key: str) -> Message:
    catalog = read_po_file(po_path(files / "locales", language), language)
    return next(message for message in catalog if message.context == key)


def po_lines(root: Path, language: str) -> list[str]:
    """A .po's lines but the date of the last update, which every update changes."""
    lines = po_path(root / "locales", language).read_text().splitlines()
    return [line for line in lines if not line.startswith('"POT-Creation-Date:')]


def phrasebook(files: Path) -> Phrasebook:
    prompts = files / "prompts"
    return Phrasebook.load(prompts / "catalog.toml", prompts / "voices.toml", files / "locales")


def review(files: Path, language: str, key: str, translation: str) -> None:
    """A translator writes the new translation and clears the fuzzy flag, as a .po editor does."""
    path = po_path(files / "locales", language)
    catalog = read_po_file(path, language)
    message = next(message for message in catalog if message.context == key)
    message.string = translation
    message.flags.discard("fuzzy")
    message.previous_id = []
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def test_rewording_an_english_prompt_keeps_each_translation_marked_fuzzy(files: Path) -> None:
    before = {language: read_source(files / "locales", language).texts["greeting"] for language in LANGUAGES}
    reworded = "Thank you for calling the Detention Reporting and Information Line of ICE."
    update(files, reword(files, "greeting", reworded))
    for language in LANGUAGES:
        message = po_message(files, language, "greeting")
        assert message.id == reworded
        assert message.string == before[language], language
        assert message.fuzzy and message.previous_id == [GREETING], language
    po = po_path(files / "locales", "es").read_text()
    assert f'#, fuzzy\n#| msgid "{GREETING}"\nmsgctxt "greeting"\nmsgid "{reworded}"' in po


def test_a_translation_stays_fuzzy_against_the_english_it_was_made_for(files: Path) -> None:
    update(files, reword(files, "greeting", "Thank you for calling the ICE Detention Line."), ["es"])
    update(files, reword(files, "greeting", "Thank you for calling ICE's Detention Line."), ["es"])
    update(files, load_catalog(files / "prompts" / "catalog.toml"), ["es"])  # nothing changed this time
    message = po_message(files, "es", "greeting")
    assert message.fuzzy and message.previous_id == [GREETING] and message.user_comments == []
    assert (
        message.string == "Gracias por llamar a la Línea de Denuncias e Información sobre Detención de ICE."
    )


@pytest.mark.parametrize("key", ["other_language_any", "caller_type_menu"])
def test_a_long_prompt_keeps_its_whole_previous_english_across_updates(files: Path, key: str) -> None:
    # Over 100 characters: the previous msgid is wrapped over several `#|` lines, as gettext wraps it.
    english = load_catalog(files / "prompts" / "catalog.toml")[key].text
    update(files, reword(files, key, english.replace(" press", " please press", 1)), ["es"])
    update(files, load_catalog(files / "prompts" / "catalog.toml"), ["es"])
    message = po_message(files, "es", key)
    assert message.fuzzy and message.previous_id == [english] and message.user_comments == []
    po = po_path(files / "locales", "es").read_text()
    assert all(len(line) <= 100 for line in po.splitlines() if line.startswith("#|"))


def test_rewording_a_prompt_back_before_review_makes_its_translations_current_again(files: Path) -> None:
    update(files, reword(files, "greeting", "Thank you for calling the ICE Detention Line."))
    update(files, reword(files, "greeting", GREETING))
    message = po_message(files, "es", "greeting")
    assert not message.fuzzy and message.previous_id == [] and message.id == GREETING
    assert translations_to_review(files / "locales", LANGUAGES) == []
    assert po_lines(files, "fr") == po_lines(ROOT, "fr")


def test_a_reworded_prompt_keeps_its_own_translation_not_a_similar_prompts(files: Path) -> None:
    # Babel's own fuzzy matching compares English texts across every prompt: this rewording is closer
    # to not_understood's English than to its own old text. The key (msgctxt) is what stays the same.
    before = read_source(files / "locales", "es").texts
    update(files, reword(files, "not_an_option", "Sorry, I did not understand that."), ["es"])
    assert po_message(files, "es", "not_an_option").string == before["not_an_option"]
    assert po_message(files, "es", "not_understood").string == before["not_understood"]
    assert not po_message(files, "es", "not_understood").fuzzy


def test_updating_unchanged_prompts_changes_no_translation(files: Path) -> None:
    update(files, load_catalog(files / "prompts" / "catalog.toml"))
    for language in LANGUAGES:
        assert po_lines(files, language) == po_lines(ROOT, language), language
    assert translations_to_review(files / "locales", LANGUAGES) == []
    assert stale_compilations(files / "locales", LANGUAGES) == []


def test_until_reviewed_callers_hear_the_old_translation_whose_placeholders_still_fit(files: Path) -> None:
    spanish = read_source(files / "locales", "es").texts
    update(files, reword(files, "queue_position", "Your place in line is number {position}."))
    line = phrasebook(files)
    assert line.text("queue_position", "es", position=3) == spanish["queue_position"].format(position="3")
    assert line.gaps() == []
    assert stale_compilations(files / "locales", LANGUAGES) == []


def test_until_reviewed_callers_hear_english_where_the_placeholders_changed(files: Path) -> None:
    reworded = "You are number {position} of {waiting} callers in line."
    update(files, reword(files, "queue_position", reworded))
    line = phrasebook(files)
    for language in LANGUAGES:
        assert line.template("queue_position", language) == reworded, language
    assert stale_compilations(files / "locales", LANGUAGES) == []


def test_until_reviewed_callers_hear_english_where_a_key_to_press_changed(files: Path) -> None:
    # An old translation saying "press 3" would send a caller to the wrong menu.
    update(files, reword(files, "language_menu_other", "For other languages, press 4."))
    assert phrasebook(files).template("language_menu_other", "fr") == "For other languages, press 4."


def test_prompt_check_names_each_translation_awaiting_review_until_it_is_reviewed(files: Path) -> None:
    update(files, reword(files, "queue_position", "Your place in line is number {position}."), ["es"])
    update(files, reword(files, "language_menu_other", "For other languages, press 4."), ["es"])
    assert translations_to_review(files / "locales", LANGUAGES) == [
        "es: prompt 'language_menu_other' was reworded in English: review its translation in "
        f"{po_path(files / 'locales', 'es')} (fuzzy); until then callers hear the English",
        "es: prompt 'queue_position' was reworded in English: review its translation in "
        f"{po_path(files / 'locales', 'es')} (fuzzy); until then callers hear the old translation",
    ]
    review(files, "es", "queue_position", "Su lugar en la fila es el número {position}.")
    review(files, "es", "language_menu_other", "Para otros idiomas, oprima 4.")
    compile_translations(files / "locales", "es")
    assert translations_to_review(files / "locales", LANGUAGES) == []
    line = phrasebook(files)
    assert line.text("queue_position", "es", position=3) == "Su lugar en la fila es el número 3."
    assert line.template("language_menu_other", "es") == "Para otros idiomas, oprima 4."


WAIT = ("The wait is about {minutes} minute.", "The wait is about {minutes} minutes.")


def reword_counted(files: Path, key: str, text: str, plural: str) -> dict[str, Prompt]:
    """Change a counted prompt's English for one and for several in catalog.toml."""
    path = files / "prompts" / "catalog.toml"
    prompt = load_catalog(path)[key]
    source = path.read_text()
    for old, new in (
        (f'plural = "{prompt.plural}"', f'plural = "{plural}"'),
        (f'text = "{prompt.text}"', f'text = "{text}"'),
    ):
        assert source.count(old) == 1
        source = source.replace(old, new)
    path.write_text(source)
    return load_catalog(path)


def test_rewording_a_counted_prompt_keeps_every_forms_translation_marked_fuzzy(files: Path) -> None:
    before = {
        language: read_source(files / "locales", language).texts["queue_estimated_wait"]
        for language in LANGUAGES
    }
    reworded = ("Your wait will be about {minutes} minute.", "Your wait will be about {minutes} minutes.")
    update(files, reword_counted(files, "queue_estimated_wait", *reworded))
    update(files, load_catalog(files / "prompts" / "catalog.toml"))  # and again: the `#|` lines are read back
    for language in LANGUAGES:
        message = po_message(files, language, "queue_estimated_wait")
        assert message.id == reworded and message.string == before[language], language
        assert message.fuzzy and message.previous_id == list(WAIT), language
    po = po_path(files / "locales", "ru").read_text()
    assert f'#| msgid "{WAIT[0]}"\n#| msgid_plural "{WAIT[1]}"\nmsgctxt "queue_estimated_wait"\n' in po
    # Until a translator reviews them, callers hear the old forms, each for its own counts.
    line = phrasebook(files)
    assert line.text("queue_estimated_wait", "ru", minutes=21) == "Ожидание займёт примерно 21 минуту."
    assert line.text("queue_estimated_wait", "ar", minutes=2) == "مدة الانتظار حوالي دقيقتين."
    assert line.text("queue_estimated_wait", "en", minutes=1) == "Your wait will be about 1 minute."
    assert (
        "ru: prompt 'queue_estimated_wait' was reworded in English: review its translation in "
        f"{po_path(files / 'locales', 'ru')} (fuzzy); until then callers hear the old translation"
    ) in translations_to_review(files / "locales", LANGUAGES)
    assert stale_compilations(files / "locales", LANGUAGES) == []


def test_rewording_only_the_plural_english_marks_the_translation_fuzzy(files: Path) -> None:
    # Babel's update keeps a message whose singular stayed, unmarked, whatever its plural now says.
    update(
        files,
        reword_counted(files, "queue_estimated_wait", WAIT[0], "The wait is about {minutes} minutes now."),
    )
    message = po_message(files, "es", "queue_estimated_wait")
    assert message.fuzzy and message.previous_id == list(WAIT)
    assert (
        phrasebook(files).text("queue_estimated_wait", "es", minutes=5) == "La espera es de unos 5 minutos."
    )


def test_rewording_a_counted_prompt_back_makes_its_translations_current_again(files: Path) -> None:
    update(
        files,
        reword_counted(
            files, "queue_estimated_wait", "Wait about {minutes} minute.", "Wait about {minutes} minutes."
        ),
    )
    update(files, reword_counted(files, "queue_estimated_wait", *WAIT))
    assert translations_to_review(files / "locales", LANGUAGES) == []
    for language in LANGUAGES:
        assert po_lines(files, language) == po_lines(ROOT, language), language


def test_until_reviewed_callers_hear_english_where_a_counted_prompts_count_changed(files: Path) -> None:
    path = files / "prompts" / "catalog.toml"
    source = path.read_text()
    for old, new in (
        (f'text = "{WAIT[0]}"', 'text = "Expect to wait {wait} minute."'),
        (f'plural = "{WAIT[1]}"', 'plural = "Expect to wait {wait} minutes."'),
        ('count = "minutes"\nnote = "Said after', 'count = "wait"\nnote = "Said after'),
    ):
        assert source.count(old) == 1
        source = source.replace(old, new)
    path.write_text(source)
    update(files, load_catalog(path))
    line = phrasebook(files)
    for language in LANGUAGES:
        assert line.text("queue_estimated_wait", language, wait=2) == "Expect to wait 2 minutes.", language
        assert line.text("queue_estimated_wait", language, wait=1) == "Expect to wait 1 minute.", language

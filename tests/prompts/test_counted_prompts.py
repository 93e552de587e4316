"""A caller hears a count in the form their language gives it: "1 minute", "5 minutes", "21 минуту"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import write_po

from ivr.prompts.audio import AudioBook
from ivr.prompts.catalog import Said, load_catalog
from ivr.prompts.phrasebook import Phrasebook
from ivr.prompts.translations import compile_translations, missing_forms, po_path, read_po_file

ROOT = Path(__file__).resolve().parents[2]
COUNTED = ("queue_estimated_wait", "voicemail_instructions", "a_number_wrong_length")


@pytest.fixture(scope="module")
def line() -> Phrasebook:
    prompts = ROOT / "prompts"
    return Phrasebook.load(prompts / "catalog.toml", prompts / "voices.toml", ROOT / "locales")


def wait(line: Phrasebook, language: str, minutes: int) -> str:
    return line.speak(Said("queue_estimated_wait", {"minutes": minutes}), language)


def test_every_prompt_that_says_a_count_is_declared_counted() -> None:
    prompts = load_catalog(ROOT / "prompts" / "catalog.toml")
    assert {key for key, prompt in prompts.items() if prompt.count} == set(COUNTED)
    # "number {position}" names a place in line, the same word whatever the number.
    assert prompts["queue_position"].count is None


def test_an_english_caller_hears_one_minute_and_five_minutes(line: Phrasebook) -> None:
    assert wait(line, "en", 1) == "The wait is about 1 minute."
    assert wait(line, "en", 5) == "The wait is about 5 minutes."
    assert line.speak(Said("voicemail_instructions", {"minutes": 1}), "en").count("You have 1 minute.") == 1
    digits = line.speak(Said("a_number_wrong_length", {"count": 1}), "en")
    assert digits.startswith("That number had 1 digit. An A-number has 9 digits.")
    assert line.speak(Said("a_number_wrong_length", {"count": 0}), "en").startswith(
        "That number had 0 digits."
    )


def test_a_spanish_caller_hears_un_minuto_and_cinco_minutos(line: Phrasebook) -> None:
    assert wait(line, "es", 1) == "La espera es de aproximadamente 1 minuto."
    assert wait(line, "es", 5) == "La espera es de unos 5 minutos."
    assert "Tiene 1 minuto." in line.speak(Said("voicemail_instructions", {"minutes": 1}), "es")
    assert "Tiene 3 minutos." in line.speak(Said("voicemail_instructions", {"minutes": 3}), "es")
    assert line.speak(Said("a_number_wrong_length", {"count": 1}), "es").startswith(
        "Ese número tenía 1 dígito."
    )


@pytest.mark.parametrize(
    ("minutes", "form"),
    [(1, "1 минуту"), (2, "2 минуты"), (5, "5 минут"), (11, "11 минут"), (21, "21 минуту")],
)
def test_a_russian_caller_hears_one_few_and_many(line: Phrasebook, minutes: int, form: str) -> None:
    assert wait(line, "ru", minutes) == f"Ожидание займёт примерно {form}."


def test_a_russian_caller_hears_digits_and_minutes_in_their_three_forms(line: Phrasebook) -> None:
    digits = [line.speak(Said("a_number_wrong_length", {"count": n}), "ru").split(".")[0] for n in (1, 3, 7)]
    assert digits == ["Вы ввели 1 цифру", "Вы ввели 3 цифры", "Вы ввели 7 цифр"]
    spoken = [line.speak(Said("voicemail_instructions", {"minutes": n}), "ru") for n in (1, 2, 5)]
    assert [s.split("У вас есть ")[1].split(".")[0] for s in spoken] == ["1 минута", "2 минуты", "5 минут"]


@pytest.mark.parametrize(
    ("minutes", "heard"),
    [
        (1, "مدة الانتظار حوالي دقيقة واحدة."),  # one: the word for "one minute", no numeral
        (2, "مدة الانتظار حوالي دقيقتين."),  # two: the dual
        (3, "مدة الانتظار حوالي 3 دقائق."),  # few (3-10): the plural
        (10, "مدة الانتظار حوالي 10 دقائق."),
        (11, "مدة الانتظار حوالي 11 دقيقة."),  # many (11-99): the singular
        (100, "مدة الانتظار حوالي 100 دقيقة."),  # other (100-102): the singular
        (103, "مدة الانتظار حوالي 103 دقائق."),  # few again: 103 ends in 3
    ],
)
def test_an_arabic_caller_hears_each_of_six_forms(line: Phrasebook, minutes: int, heard: str) -> None:
    assert wait(line, "ar", minutes) == heard


def test_an_arabic_caller_who_entered_no_digits_hears_so(line: Phrasebook) -> None:
    spoken = [line.speak(Said("a_number_wrong_length", {"count": n}), "ar").split(".")[0] for n in (0, 2, 12)]
    assert spoken == [
        "لم تُدخل أي رقم",
        "الرقم الذي أدخلته يتكون من رقمين",
        "الرقم الذي أدخلته يتكون من 12 رقمًا",
    ]


def test_chinese_and_vietnamese_say_every_count_one_way(line: Phrasebook) -> None:
    assert [wait(line, "zh", n) for n in (1, 5)] == ["预计等待时间约为1分钟。", "预计等待时间约为5分钟。"]
    assert [wait(line, "vi", n) for n in (1, 5)] == [
        "Thời gian chờ khoảng 1 phút.",
        "Thời gian chờ khoảng 5 phút.",
    ]


def test_hindi_and_punjabi_agree_the_verb_with_the_count(line: Phrasebook) -> None:
    def heard(language: str, minutes: int) -> str:
        return line.speak(Said("voicemail_instructions", {"minutes": minutes}), language)

    assert "आपके पास 1 मिनट है।" in heard("hi", 1) and "आपके पास 3 मिनट हैं।" in heard("hi", 3)
    assert "ਤੁਹਾਡੇ ਕੋਲ 1 ਮਿੰਟ ਹੈ।" in heard("pa", 1) and "ਤੁਹਾਡੇ ਕੋਲ 3 ਮਿੰਟ ਹਨ।" in heard("pa", 3)


def test_every_language_says_every_count_in_its_own_words(line: Phrasebook) -> None:
    assert line.gaps() == []
    for language in line.voices:
        for key in COUNTED:
            texts, rule = line.forms(key, language)
            assert len(texts) == rule.forms, (language, key)
            if language != "en":
                assert all(text not in line.prompts[key].forms for text in texts), (language, key)


def test_a_haitian_creole_caller_hears_the_pieces_of_the_form_their_count_takes(line: Phrasebook) -> None:
    audio = AudioBook(line, ROOT / "prompts" / "audio")
    one = audio.pieces(Said("queue_estimated_wait", {"minutes": 1}), "ht")
    five = audio.pieces(Said("queue_estimated_wait", {"minutes": 5}), "ht")
    assert one == ["ht/queue_estimated_wait.form0.wav"]  # "... anviwon yon minit."
    assert five == [
        "ht/queue_estimated_wait.form1.0.wav",
        audio.word_file("ht", "5"),
        "ht/queue_estimated_wait.form1.1.wav",
    ]
    assert all((audio.root / piece).exists() for piece in one + five)
    assert audio.wanted("ht")["ht/queue_estimated_wait.form0.wav"] == "Tan pou tann lan se anviwon yon minit."


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    return tmp_path / "locales"


def drop_form(locales: Path, language: str, key: str, form: int) -> None:
    """A translator leaves one plural form empty."""
    path = po_path(locales, language)
    catalog = read_po_file(path, language)
    message = next(message for message in catalog if message.context == key)
    message.string = tuple("" if index == form else text for index, text in enumerate(message.string))
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    compile_translations(locales, language)


def test_prompt_check_names_a_plural_form_a_translation_lacks(locales: Path) -> None:
    drop_form(locales, "ru", "queue_estimated_wait", 1)
    assert missing_forms(locales, ["ru", "ar"]) == [
        "ru: prompt 'queue_estimated_wait' lacks msgstr[1], its form for 2, 3, 4, 22, 23, 24, …: write it "
        f"in {po_path(locales, 'ru')}; until then callers hear the English"
    ]


def test_a_translation_lacking_a_form_is_said_whole_in_english_never_with_a_gap(locales: Path) -> None:
    drop_form(locales, "ru", "queue_estimated_wait", 1)
    line = Phrasebook.load(ROOT / "prompts" / "catalog.toml", ROOT / "prompts" / "voices.toml", locales)
    assert [wait(line, "ru", n) for n in (1, 2)] == [
        "The wait is about 1 minute.",
        "The wait is about 2 minutes.",
    ]
    assert line.gaps() == ["ru: prompt 'queue_estimated_wait' has no translation"]


def test_prompt_check_refuses_a_form_said_for_several_numbers_without_the_count(locales: Path) -> None:
    # "одну минуту" is right for 1 but the same form is said for 21, 31, ...: the number must be said.
    path = po_path(locales, "ru")
    catalog = read_po_file(path, "ru")
    message = next(message for message in catalog if message.context == "queue_estimated_wait")
    message.string = ("Ожидание займёт примерно одну минуту.", *message.string[1:])
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    compile_translations(locales, "ru")
    line = Phrasebook.load(ROOT / "prompts" / "catalog.toml", ROOT / "prompts" / "voices.toml", locales)
    assert line.gaps() == [
        "ru: prompt 'queue_estimated_wait' (msgstr[0], said for 1, 21, 31, 41, 51, 61, …) must use the "
        "placeholders ['minutes'], not []"
    ]

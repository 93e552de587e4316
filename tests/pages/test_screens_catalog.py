"""The screens' text is translated in Spanish, in its own gettext domain, compiled and committed."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from flask import Flask

from ivr.pages import catalog

LOCALES = Path(__file__).resolve().parents[2] / "locales"


def test_the_committed_screens_catalogs_are_complete_and_current() -> None:
    # Fails after a screen's text changes until `make translations` is run and Spanish filled in.
    assert catalog.problems(LOCALES) == []


def test_the_screens_and_the_prompts_keep_separate_domains() -> None:
    with catalog.po_path(LOCALES, "es").open("rb") as handle:
        screens = {message.id for message in read_po(handle) if message.id}
    with (LOCALES / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        prompts = read_po(handle)
    assert "Password" in screens
    assert all(message.context for message in prompts if message.id)  # every prompt is keyed; no screen text


def test_a_gap_is_named_with_its_fix(tmp_path: Path) -> None:
    # A copy of the catalogs where Spanish lost a translation and its compiled file.
    for path in (catalog.template_path(LOCALES), catalog.po_path(LOCALES, "es")):
        target = tmp_path / path.relative_to(LOCALES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    po = catalog.po_path(tmp_path, "es")
    po.write_text(po.read_text().replace('msgstr "Contraseña"', 'msgstr ""'))
    problems = catalog.problems(tmp_path)
    assert any("'Password' is not translated" in problem for problem in problems)
    assert any("screens.mo is missing: run `make translations`" in problem for problem in problems)


def test_the_translate_check_command_passes_on_the_committed_catalogs(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["ivr", "translate", "check"])
    assert result.exit_code == 0, result.output
    assert "translated in es" in result.output


def test_a_plural_is_checked_form_by_form_and_its_compiled_forms_compare_equal(tmp_path: Path) -> None:
    for path in (catalog.template_path(LOCALES), catalog.po_path(LOCALES, "es")):
        target = tmp_path / path.relative_to(LOCALES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    catalog.compile_catalog(tmp_path, "es")
    assert catalog.problems(tmp_path) == []  # the .mo's plurals (lists) equal the .po's (tuples)
    po = catalog.po_path(tmp_path, "es")
    po.write_text(po.read_text().replace('msgstr[1] "%(num)d personas en espera"', 'msgstr[1] ""'))
    catalog.compile_catalog(tmp_path, "es")
    assert any(
        "'%(num)d caller waiting'" in problem and "not translated" in problem
        for problem in catalog.problems(tmp_path)
    )

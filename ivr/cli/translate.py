"""`flask ivr translate`: keep the prompt catalog's gettext translations up to date."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from ivr.line import current_line
from ivr.prompts.translations import compile_translations, update_translations, write_template


@click.group("translate", cls=AppGroup)
def translate_group() -> None:
    """Keep the translations of the prompt catalog up to date (Babel gettext catalogs)."""


@translate_group.command("extract")
@with_appcontext
def translate_extract() -> None:
    """Write locales/messages.pot from prompts/catalog.toml."""
    line = current_line()
    path = write_template(line.phrasebook.prompts, line.settings.locales_path)
    click.echo(f"Wrote {path}")


@translate_group.command("update")
@with_appcontext
def translate_update() -> None:
    """Merge new and changed prompts into every language's messages.po."""
    line = current_line()
    for language in line.phrasebook.voices:
        if language != "en":
            path = update_translations(line.phrasebook.prompts, line.settings.locales_path, language)
            click.echo(f"Updated {path}")


@translate_group.command("compile")
@with_appcontext
def translate_compile() -> None:
    """Compile every language's messages.po into the messages.mo the line speaks from."""
    line = current_line()
    for language in line.phrasebook.voices:
        if language != "en":
            click.echo(f"Compiled {compile_translations(line.settings.locales_path, language)}")

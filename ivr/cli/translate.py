"""`flask ivr translate`: keep the gettext translations up to date: the prompts' and the screens'."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from ivr.line import current_line
from ivr.prompts.translations import compile_translations, update_translations, write_template


@click.group("translate", cls=AppGroup)
def translate_group() -> None:
    """Keep the translations of the prompt catalog and of the screens up to date (gettext catalogs)."""


# The screens' catalog code (ivr.pages.catalog) loads Babel's extractors: only when a command runs,
# never in a web worker, which builds this group too.


@translate_group.command("extract")
@with_appcontext
def translate_extract() -> None:
    """Write locales/messages.pot from prompts/catalog.toml, and locales/screens.pot from the pages."""
    from ivr.pages import catalog as screens

    line = current_line()
    path = write_template(line.phrasebook.prompts, line.settings.locales_path)
    click.echo(f"Wrote {path}")
    click.echo(f"Wrote {screens.write_template(line.settings.locales_path)}")


@translate_group.command("update")
@with_appcontext
def translate_update() -> None:
    """Merge new and changed prompts into every language's messages.po, and the screens' screens.po."""
    from ivr.pages import catalog as screens

    line = current_line()
    for language, voice in line.phrasebook.voices.items():
        if language != "en":
            locales = line.settings.locales_path
            path = update_translations(line.phrasebook.prompts, locales, language, voice.locale)
            click.echo(f"Updated {path}")
    for language in screens.TRANSLATED:
        click.echo(f"Updated {screens.update(line.settings.locales_path, language)}")


@translate_group.command("compile")
@with_appcontext
def translate_compile() -> None:
    """Compile every language's messages.po into the messages.mo the line speaks from, and screens.po."""
    from ivr.pages import catalog as screens

    line = current_line()
    for language in line.phrasebook.voices:
        if language != "en":
            click.echo(f"Compiled {compile_translations(line.settings.locales_path, language)}")
    for language in screens.TRANSLATED:
        click.echo(f"Compiled {screens.compile_catalog(line.settings.locales_path, language)}")


@translate_group.command("check")
@with_appcontext
def translate_check() -> None:
    """Fail, naming each gap in the screens' translations (the prompts': `flask ivr prompts check`)."""
    from ivr.pages import catalog as screens

    locales = current_line().settings.locales_path
    gaps = screens.problems(locales)
    for gap in gaps:
        click.echo(gap, err=True)
    if gaps:
        raise click.ClickException(f"{len(gaps)} gap(s) in the screens' translations.")
    languages = ", ".join(screens.TRANSLATED)
    click.echo(f"The screens are translated in {languages}; the compiled catalogs are current.")

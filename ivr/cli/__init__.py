"""The `flask ivr` commands: database, hours, the flow's table, translations, the call simulator."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from ivr import db
from ivr.cli.hours import hours_check_command, hours_command
from ivr.devtools.classifier_report import classifier_command
from ivr.devtools.simulator import call_command
from ivr.journey import flow
from ivr.line import current_line
from ivr.prompts.catalog import (
    compile_translations,
    stale_compilations,
    update_translations,
    voice_problems,
    write_template,
)

ivr_group = AppGroup("ivr", help="Run and look after the Detention Reporting and Information Line.")


@ivr_group.group("db")
def db_group() -> None:
    """The line's database."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest revision."""
    db.upgrade(current_app)
    click.echo("Database is up to date.")


@ivr_group.command("flow")
def flow_command() -> None:
    """Print the caller's journey as a table: each menu, what it takes, its safe default."""
    rows = [("menu", "keys", "safe default"), *flow.describe()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


@ivr_group.group("translate")
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


@ivr_group.group("prompts")
def prompts_group() -> None:
    """The prompts the caller hears."""


@prompts_group.command("check")
@with_appcontext
def prompts_check() -> None:
    """Fail, naming each gap: a missing translation, a missing audio file, or an untested voice."""
    line = current_line()
    gaps = line.phrasebook.gaps() + voice_problems(line.phrasebook.voices)
    gaps += stale_compilations(line.settings.locales_path, line.phrasebook.voices)
    for language, voice in line.phrasebook.voices.items():
        if voice.plays_audio:
            names = line.names_spoken(language)
            missing = line.audio.missing(language, names)
            gaps += [f"{language}: audio file {path} is missing" for path in missing]
            gaps += [
                f"{language}: audio file {path} says an older text: run `flask --app app ivr prompts build`"
                for path in line.audio.stale(language, names)
            ]
    for gap in gaps:
        click.echo(gap, err=True)
    if gaps:
        raise click.ClickException(f"{len(gaps)} gap(s) in the prompts.")
    click.echo(
        f"Every prompt is translated in {len(line.phrasebook.voices)} languages; every voice is in "
        "Twilio's table; every audio file is in place."
    )


@prompts_group.command("build")
@click.option(
    "--language", "languages", multiple=True, help="Only these languages (default: all played ones)."
)
@with_appcontext
def prompts_build(languages: tuple[str, ...]) -> None:
    """Make the audio files of languages Twilio cannot speak with espeak-ng; keep human recordings."""
    line = current_line()
    for language, voice in line.phrasebook.voices.items():
        if voice.plays_audio and (not languages or language in languages):
            made, kept, removed = line.audio.build(language, line.names_spoken(language))
            click.echo(
                f"{language}: {made} made, {kept} kept (current, or recorded by a person), {removed} removed"
            )


ivr_group.add_command(hours_command)
ivr_group.add_command(call_command)
ivr_group.add_command(classifier_command)
ivr_group.add_command(hours_check_command)


def init_app(app: Flask) -> None:
    app.cli.add_command(ivr_group)

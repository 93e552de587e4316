"""`flask ivr prompts`: check the prompts the caller hears, and build the audio of played languages."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from ivr.line import current_line
from ivr.prompts.translations import stale_compilations, translations_to_review
from ivr.prompts.voices import voice_problems


@click.group("prompts", cls=AppGroup)
def prompts_group() -> None:
    """The prompts the caller hears."""


@prompts_group.command("check")
@with_appcontext
def prompts_check() -> None:
    """Fail, naming each gap: a missing or unreviewed translation, a missing audio file, an untested
    voice, or a menu whose prompt, words or hints disagree with its declaration."""
    line = current_line()
    gaps = line.phrasebook.gaps() + voice_problems(line.phrasebook.voices)
    gaps += stale_compilations(line.settings.locales_path, line.phrasebook.voices)
    gaps += translations_to_review(line.settings.locales_path, line.phrasebook.voices)
    gaps += line.menu_problems()
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

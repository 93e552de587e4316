"""`flask ivr prompts`: check the prompts the caller hears, and build the audio of played languages."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from ivr.journey.classifier import learned_counts_stale
from ivr.line import current_line
from ivr.prompts.hold_music import hold_music_path, make_hold_music
from ivr.prompts.translations import missing_forms, stale_compilations, translations_to_review
from ivr.prompts.voices import voice_problems


@click.group("prompts", cls=AppGroup)
def prompts_group() -> None:
    """The prompts the caller hears."""


@prompts_group.command("check")
@with_appcontext
def prompts_check() -> None:
    """Fail, naming each gap: a missing or unreviewed translation, a plural form a translation lacks,
    a missing audio file, an untested voice, a menu whose prompt, words or hints disagree with its
    declaration, or the classifier's learned counts older than its examples."""
    line = current_line()
    gaps = line.phrasebook.gaps() + voice_problems(line.phrasebook.voices)
    gaps += stale_compilations(line.settings.locales_path, line.phrasebook.voices)
    gaps += translations_to_review(line.settings.locales_path, line.phrasebook.voices)
    gaps += missing_forms(line.settings.locales_path, line.phrasebook.voices)
    gaps += line.menu_problems() + line.hours_problems()
    if stale := learned_counts_stale():
        gaps.append(stale)
    if not hold_music_path(line.settings.audio_path).exists():
        gaps.append(
            f"{hold_music_path(line.settings.audio_path)} is missing: `flask --app app ivr prompts build`"
        )
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
    if not hold_music_path(line.settings.audio_path).exists():
        click.echo(f"hold music: made {make_hold_music(line.settings.audio_path)}")
    for language, voice in line.phrasebook.voices.items():
        if voice.plays_audio and (not languages or language in languages):
            made, kept, removed = line.audio.build(language, line.names_spoken(language))
            click.echo(
                f"{language}: {made} made, {kept} kept (current, or recorded by a person), {removed} removed"
            )


@prompts_group.command("seconds")
@click.option("--path", "path_name", default="urgent", show_default=True, help="urgent or question.")
@click.option("--language", "languages", multiple=True, help="Only these languages (default: all).")
@click.option("--show", is_flag=True, help="Also print what is heard, sentence by sentence.")
@with_appcontext
def prompts_seconds(path_name: str, languages: tuple[str, ...], show: bool) -> None:
    """Seconds of prompts heard on a path before a person answers, per language (espeak-ng's estimate).

    The calls are simulated on a throwaway database, the line open (a Monday morning).
    """
    import tempfile

    from flask import current_app

    from ivr import create_app, db
    from ivr.devtools.prompt_seconds import PATHS, seconds, walk

    if path_name not in PATHS:
        raise click.BadParameter(f"one of {', '.join(PATHS)}", param_hint="--path")
    path = PATHS[path_name]
    with tempfile.TemporaryDirectory() as scratch:
        settings = current_app.config["IVR"]
        # This app's own settings, on a throwaway database: nothing generated, nothing printed.
        app = create_app(
            {
                "IVR_ENV": settings.env,
                "DATABASE_URL": f"sqlite:///{scratch}/seconds.sqlite3",
                "SECRET_KEY": settings.secret_key,
                "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
                "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
                "IVR_DATA_KEY": ",".join(settings.data_keys),
                "IVR_PUBLIC_URL": settings.public_url,
            }
        )
        db.upgrade(app)
        click.echo(f"Path {path.name}: {path.description}")
        for language in app.extensions["ivr.line"].languages:
            if languages and language not in languages:
                continue
            heard = walk(app, language, path)
            click.echo(f"{language:<3} {seconds(app, heard):6.1f} s   ({len(heard)} prompts)")
            if show:
                for item in heard:
                    click.echo(f"      {seconds(app, [item]):5.1f} s  {item.text[:100]}")
        db.dispose(app)

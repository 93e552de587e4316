"""`flask ivr twilio configure`: point the line's Twilio number at IVR_PUBLIC_URL (dry run unless --apply)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ivr.config import Settings


@click.group("twilio", cls=AppGroup)
def twilio_group() -> None:
    """The line's Twilio account and number."""


@twilio_group.command("configure")
@click.option("--number", help="The number callers dial, as +1XXXXXXXXXX (default: IVR_CALLER_ID).")
@click.option("--apply", "apply_changes", is_flag=True, help="Make the changes (without it: show them only).")
@with_appcontext
def configure_command(number: str | None, apply_changes: bool) -> None:
    """Check the account; set the number's Voice URL, Fallback URL and status callback."""
    # The library (~10 MB) and the desk's REST client load when the command runs, not in web workers.
    from twilio.base.exceptions import TwilioException

    from ivr.desk import current_desk
    from ivr.twilio_number import NumberError, apply, plan, reachable_public_url

    settings: Settings = current_app.config["IVR"]
    phone_number = number or settings.caller_id
    client = current_desk().rest.client  # the app's client: Twilio, or in development its stand-in
    try:
        found = plan(client, settings, phone_number)
    except NumberError as error:
        raise click.ClickException(str(error)) from None
    except (TwilioException, OSError) as error:  # OSError: the network's errors, through requests
        where = "Twilio"
        if settings.twilio_api_url:
            where = f"The stand-in for Twilio's API at {settings.twilio_api_url} (`flask ivr call` serves it)"
        raise click.ClickException(f"{where} could not be reached ({type(error).__name__}).") from None
    click.echo(f"Account {found.account}: can take calls")
    click.echo(f"Number {found.number} ({found.number_sid}):")
    width = max(len(change.label) for change in found.changes)
    for change in found.changes:
        now = change.current or "(none)"
        line = f"  {change.label:<{width}}  {now}"
        if change.differs:
            line += f"  ->  {change.wanted or '(none)'}"
        click.echo(line)
    unreachable = reachable_public_url(settings.public_url)
    for warning in [*found.warnings, *([unreachable] if unreachable else [])]:
        click.echo(f"Warning: {warning}", err=True)
    if not found.to_change:
        click.echo("Nothing to change: the number already calls the line at IVR_PUBLIC_URL.")
        return
    if not apply_changes:
        click.echo(
            f"Dry run: nothing changed. Run again with --apply to make these {len(found.to_change)} changes."
        )
        return
    if unreachable is not None:
        raise click.ClickException(unreachable + ". Nothing changed.")
    try:
        apply(client, found)
    except (TwilioException, OSError) as error:
        raise click.ClickException(
            f"Twilio did not take the change ({type(error).__name__}): nothing changed."
        ) from None
    click.echo(f"Changed {len(found.to_change)} settings of {found.number}. Call it to hear the line.")

"""`flask ivr call` and `flask ivr classifier`: commands whose developer tools load only when they run.

Every web worker builds the `flask ivr` group (create_app calls `cli.init_app`), so the commands and
their options are declared here and `ivr.devtools` is imported inside each command's body only.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext
from flask.globals import app_ctx

from ivr.config import DEVELOPMENT_TWILIO_API_URL, PROJECT_ROOT
from ivr.db import upgrade
from ivr.journey.classifier import PHRASES_FILE

if TYPE_CHECKING:
    from ivr.devtools.caller import Step

# The simulator's own default caller (ivr.devtools.twilio_call.DEFAULT_FROM), written out so that
# `--help` shows it without importing the simulator; tests/devtools check that the two agree.
DEFAULT_FROM = "+15555550123"
# The classifier report's defaults, kept here for the same reason; the report takes them from here.
UTTERANCES_FILE = PROJECT_ROOT / "prompts" / "examples" / "subject_utterances.tsv"
DEFAULT_THRESHOLD = 0.6

_ORDER = "ivr.cli.devtools.order"
# What the simulated operator may do when rung (ivr.devtools.switchboard.OPERATOR_CHOICES, checked
# equal by tests/devtools), written out here so that a web worker building the CLI imports no tool.
OPERATOR_CHOICES = ("answer", "no-answer", "decline")


# --- `flask ivr call` --------------------------------------------------------------------------


class ScriptedCommand(click.Command):
    """A command that remembers the order its options came in: click keeps only each one's values."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        _, _, order = self.make_parser(ctx).parse_args(args=list(args))
        ctx.meta[_ORDER] = [param.name for param in order]
        return super().parse_args(ctx, args)


def script_from_options(ctx: click.Context, values: dict[str, tuple[str, ...]]) -> list[Step]:
    """Rebuild `--press 2 --say "..." --silence ...` as steps in the order they were typed."""
    from ivr.devtools.caller import STEP_KINDS, Step

    step_options = {*STEP_KINDS, "confidence"}
    remaining = {name: deque(value) for name, value in values.items()}
    steps: list[Step] = []
    for name in ctx.meta.get(_ORDER, []):
        if name not in step_options:
            continue
        if name == "confidence":
            confidence = float(remaining["confidence"].popleft())
            if not steps or steps[-1].kind != "say":
                raise click.UsageError("--confidence goes right after the --say it is for.")
            steps[-1] = dataclasses.replace(steps[-1], confidence=confidence)
            continue
        value = remaining[name].popleft() if name in ("press", "say", "record") else ""
        try:
            steps.append(Step(name, value))
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint=f"--{name}") from None
    return steps


def _parse_at(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(
            f"{raw!r} is not an ISO 8601 time, e.g. 2026-11-26T10:00:00-05:00", param_hint="--at"
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(
            f"{raw!r} has no UTC offset: add one, e.g. 2026-11-26T10:00:00-05:00", param_hint="--at"
        )
    return moment


@click.command("call", cls=ScriptedCommand)
@click.option(
    "--url",
    help="Call a running server at this address (e.g. http://127.0.0.1:5000) "
    "instead of the app in this process.",
)
@click.option(
    "--public-url",
    help="With --url: the public address the server signs requests for, "
    "when it is not --url (its IVR_PUBLIC_URL).",
)
@click.option(
    "--auth-token",
    envvar="TWILIO_AUTH_TOKEN",
    show_envvar=True,
    help="With --url: the server's Twilio auth token, to sign requests with.",
)
@click.option(
    "--from", "from_number", default=DEFAULT_FROM, show_default=True, help="The caller's phone number."
)
@click.option(
    "--at",
    help="Pin the line's clock at this time for the call, e.g. 2026-11-26T10:00:00-05:00 (not with --url).",
)
@click.option(
    "--max-wait-loops",
    type=click.IntRange(min=1),
    help="Rounds on hold before the caller gives up [default: 20 with a script].",
)
@click.option(
    "--repeat-callbacks", is_flag=True, help="Send the recording and status callbacks twice, as Twilio may."
)
@click.option("--press", multiple=True, help="Press these keys at the next menu: --press 2.")
@click.option("--say", multiple=True, help="Say these words at the next menu.")
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1),
    multiple=True,
    help="The speech confidence of the --say just before it [default: 0.9].",
)
@click.option("--silence", count=True, help="Say and press nothing at the next menu or recording.")
@click.option("--wait", count=True, help="Stay on hold, silent, for one more round.")
@click.option("--answer", count=True, help="An operator picks up the waiting call.")
@click.option("--record", multiple=True, help="Say these words into the recording, then press #.")
@click.option("--hangup", count=True, help="Hang up.")
@click.option(
    "--operator",
    "operator_picks_up",
    type=click.Choice(OPERATOR_CHOICES),
    default="answer",
    show_default=True,
    help="What the operator the line rings does: answer and take the call, let it ring out, or "
    "pick up and press nothing after the whisper.",
)
@click.option(
    "--operator-says", multiple=True, help="What the operator says in the room, one line per caller --say."
)
@click.option(
    "--twilio-api",
    help="With --url: serve Twilio's REST API stand-in here for the server's requests "
    "[default: the server's IVR_TWILIO_API_URL in development, http://127.0.0.1:5099].",
)
@with_appcontext
def call_command(
    url: str | None,
    public_url: str | None,
    auth_token: str | None,
    from_number: str,
    at: str | None,
    max_wait_loops: int | None,
    repeat_callbacks: bool,
    press: tuple[str, ...],
    say: tuple[str, ...],
    confidence: tuple[float, ...],
    record: tuple[str, ...],
    operator_picks_up: str,
    operator_says: tuple[str, ...],
    twilio_api: str | None,
    **_counted_flags: int,
) -> None:
    """Call the line as Twilio would, scripted (--press 2 --say "..." ...) or typing at each turn.

    Options for the caller's steps are taken in the order given. With none, you are the caller.
    """
    from ivr.devtools.caller import SimulatorError
    from ivr.devtools.simulator import simulate, simulate_remote
    from ivr.devtools.switchboard import OperatorPlan

    operator = OperatorPlan(operator_picks_up, list(operator_says))

    ctx = click.get_current_context()
    steps = (
        script_from_options(
            ctx,
            {
                "press": press,
                "say": say,
                "record": record,
                "confidence": tuple(str(value) for value in confidence),
            },
        )
        or None
    )
    loops = max_wait_loops or (20 if steps is not None else None)
    try:
        if url:
            if at:
                raise click.UsageError(
                    "--at pins the clock of the line in this process; a server at --url keeps its "
                    "own clock. Start that server with IVR_FIXED_TIME=" + at + " instead."
                )
            # The same project's development server shares this app's generated auth token.
            auth_token = auth_token or current_app.config["IVR"].twilio_auth_token
            if not auth_token:
                raise click.UsageError(
                    "--url needs the server's auth token: --auth-token or TWILIO_AUTH_TOKEN."
                )
            simulate_remote(
                url,
                steps,
                auth_token=auth_token,
                public_url=public_url,
                from_number=from_number,
                max_wait_loops=loops,
                repeat_callbacks=repeat_callbacks,
                operator=operator,
                twilio_api=twilio_api
                or current_app.config["IVR"].twilio_api_url
                or DEVELOPMENT_TWILIO_API_URL,
                # A voicemail's words as a file the development console can play (ivr/devtools/recordings.py).
                recordings=Path(current_app.instance_path) / "recordings",
                out=sys.stdout,
            )
            return
        # The app itself, not the current_app proxy: each simulated request runs in a context of its own.
        app = app_ctx.app
        if app.config["IVR"].env == "production":
            raise click.UsageError(
                "This is the production line: a simulated call would go into its records. "
                "Call a staging server with --url instead."
            )
        upgrade(app)  # a new checkout's database needs its tables before the first call
        simulate(
            app,
            steps,
            from_number=from_number,
            at=_parse_at(at) if at else None,
            max_wait_loops=loops,
            repeat_callbacks=repeat_callbacks,
            operator=operator,
            recordings=Path(current_app.instance_path) / "recordings",
            out=sys.stdout,
        )
    except SimulatorError as error:
        raise click.ClickException(str(error)) from None


# --- `flask ivr classifier` --------------------------------------------------------------------


@click.command("classifier")
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Confidence at or above which a subject is taken without asking the caller.",
)
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=UTTERANCES_FILE,
    show_default=True,
    help="Labelled utterances (TSV).",
)
@click.option(
    "--phrases",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=PHRASES_FILE,
    show_default=True,
    help="Phrase file to check, e.g. an edited copy.",
)
@click.option("--misses", is_flag=True, help="Also list the utterances classified wrongly.")
def classifier_command(threshold: float, data: Path, phrases: Path, misses: bool) -> None:
    """Show how well callers' words are classified into subjects, per language."""
    from ivr.devtools.classifier_report import print_report

    print_report(threshold, data, phrases, misses)

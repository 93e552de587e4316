"""Play Twilio's part in a call to the app in this process (`simulate`) or to a server (`simulate_remote`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

from ivr.db import session_scope
from ivr.devtools.caller import Caller, Keyboard, Script, Step
from ivr.devtools.simulation import Simulation
from ivr.devtools.switchboard import OperatorPlan, Switchboard
from ivr.devtools.transport import InProcess, OverHttp
from ivr.devtools.twilio_api import FakeTwilioApi, InProcessApiClient, serve
from ivr.devtools.twilio_call import DEFAULT_FROM, LINE_NUMBER, TEST_ACCOUNT_SID, CallResult
from ivr.line import Line
from ivr.models import Call

# A server's REST requests come just after its answers, over HTTP: each round on hold gives them
# this long to arrive, as the real hold loop's 15 s pause would.
REMOTE_SETTLE_SECONDS = 1.0


def _caller(steps: Sequence[Step] | None, ask: Callable[[str], str]) -> Caller:
    return Keyboard(ask) if steps is None else Script(steps)


@contextmanager
def pinned_clock(app: Flask, at: datetime) -> Iterator[Callable[[float], None]]:
    """Pin the line's clock at `at` for one call, moving with the call; restore the settings after.

    Settings are frozen: the app's are replaced (and the line's copy of them) and put back after.
    """
    settings = app.config["IVR"]
    line = app.extensions.get("ivr.line")

    def set_elapsed(seconds: float) -> None:
        pinned = dataclasses.replace(settings, fixed_time=at + timedelta(seconds=int(seconds)))
        app.config["IVR"] = pinned
        if isinstance(line, Line):
            app.extensions["ivr.line"] = dataclasses.replace(line, settings=pinned)

    set_elapsed(0)
    try:
        yield set_elapsed
    finally:
        app.config["IVR"] = settings
        if line is not None:
            app.extensions["ivr.line"] = line


def call_summary(app: Flask, call_sid: str) -> tuple[str | None, str]:
    """The call's outcome as the line recorded it, and a line about it without personal data."""
    if "ivr.db" not in app.extensions:
        return None, "unknown (this app keeps no call records)"
    with session_scope(app) as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        if call is None:
            return None, "unknown (no record of this call)"
        details = ", ".join(
            f"{name}: {value if value is not None else '-'}"
            for name, value in (
                ("language", call.language),
                ("caller type", call.caller_type),
                ("subject", call.subject),
                ("priority", call.priority),
                ("voicemails", len(call.voicemails)),
            )
        )
        return call.outcome, f"{call.outcome or 'none'} ({details})"


@contextmanager
def twilio_api_in_process(app: Flask, api: FakeTwilioApi) -> Iterator[None]:
    """The app's REST requests to Twilio answered by `api` in this process, for the call's length."""
    desk = app.extensions.get("ivr.desk")
    if desk is None:  # an app without operators (a test's small line)
        yield
        return
    desk.use_http_client(InProcessApiClient(api))
    try:
        yield
    finally:
        desk.use_http_client(None)


def simulate(
    app: Flask,
    steps: Sequence[Step] | None,
    *,
    from_number: str = DEFAULT_FROM,
    to_number: str = LINE_NUMBER,
    at: datetime | None = None,
    max_wait_loops: int | None = 20,
    repeat_callbacks: bool = False,
    operator: OperatorPlan | None = None,
    recordings: Path | None = None,
    out: TextIO | None = None,
    ask: Callable[[str], str] = input,
) -> CallResult:
    """Call the app in this process as Twilio would; `steps=None` asks `ask` at each turn instead.

    `at` pins the line's clock at that moment when the call starts; it moves with the call. The
    operators the line rings are played as `operator` says (by default they answer and take it).
    """
    settings = app.config["IVR"]
    transport = InProcess(app)
    account_sid = settings.twilio_account_sid or TEST_ACCOUNT_SID
    api = FakeTwilioApi(account_sid)
    simulation = Simulation(
        transport,
        _caller(steps, ask),
        public_url=settings.public_url,
        auth_token=settings.twilio_auth_token,
        account_sid=settings.twilio_account_sid or TEST_ACCOUNT_SID,
        from_number=from_number,
        to_number=to_number,
        max_wait_loops=max_wait_loops,
        repeat_callbacks=repeat_callbacks,
        out=out,
    )
    simulation.switchboard = Switchboard(
        api, transport, settings.twilio_auth_token, account_sid, operator or OperatorPlan(), simulation.echo
    )
    simulation.recordings = recordings
    with twilio_api_in_process(app, api):
        if at is None:
            result = simulation.run()
        else:
            with pinned_clock(app, at) as set_elapsed:
                simulation.on_request = set_elapsed
                result = simulation.run()
    result.outcome, summary = call_summary(app, result.call_sid)
    simulation.echo(f"Call outcome: {summary}")
    return result


def simulate_remote(
    url: str,
    steps: Sequence[Step] | None,
    *,
    auth_token: str,
    public_url: str | None = None,
    account_sid: str = TEST_ACCOUNT_SID,
    from_number: str = DEFAULT_FROM,
    to_number: str = LINE_NUMBER,
    max_wait_loops: int | None = 20,
    repeat_callbacks: bool = False,
    operator: OperatorPlan | None = None,
    twilio_api: str | None = None,
    recordings: Path | None = None,
    out: TextIO | None = None,
    ask: Callable[[str], str] = input,
) -> CallResult:
    """Call a running server at `url`, signing for `public_url` (the address it knows itself by).

    With `twilio_api` (an http://host:port address), Twilio's REST API is served there for the
    server's requests (its IVR_TWILIO_API_URL), and the operators it rings are played as `operator` says.
    """
    transport = OverHttp(url)
    simulation = Simulation(
        transport,
        _caller(steps, ask),
        public_url=public_url or url,
        auth_token=auth_token,
        account_sid=account_sid,
        from_number=from_number,
        to_number=to_number,
        max_wait_loops=max_wait_loops,
        repeat_callbacks=repeat_callbacks,
        out=out,
    )
    simulation.recordings = recordings
    server = None
    if twilio_api:
        api = FakeTwilioApi(account_sid)
        address = urlsplit(twilio_api)
        try:
            server = serve(api, address.hostname or "127.0.0.1", address.port or 80)
        except OSError as error:
            simulation.echo(
                f"!! Twilio's API stand-in could not listen on {twilio_api} ({error}): no operator side"
            )
        else:
            simulation.echo(
                f"Twilio's REST API stand-in listens on {twilio_api} (the server's IVR_TWILIO_API_URL)"
            )
            simulation.switchboard = Switchboard(
                api, transport, auth_token, account_sid, operator or OperatorPlan(), simulation.echo
            )
            simulation.switchboard.settle_seconds = REMOTE_SETTLE_SECONDS
    try:
        result = simulation.run()
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    simulation.echo("Call ended (status sent)")
    return result

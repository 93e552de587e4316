"""The simulator plays the operator's phone too: rung by the line through Twilio's API stand-in, it
hears the whisper, meets the caller in the room, and prints both sides."""

from __future__ import annotations

import io
import threading
from datetime import datetime

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from ivr.cli import devtools as cli_devtools
from ivr.desk.http_clients import StandInHttpClient
from ivr.devtools import switchboard
from ivr.devtools.caller import hangup, press, say
from ivr.devtools.simulator import simulate, simulate_remote
from ivr.devtools.switchboard import OperatorPlan
from ivr.models import Connection, Operator, OperatorState
from tests.conftest import AUTH_TOKEN, PUBLIC_URL
from tests.desk.conftest import add_operator

OPEN = datetime.fromisoformat("2026-11-30T10:00:00-05:00")
REPORT = [press("2"), press("1")]  # Spanish, abuse or an assault: straight to the queue


def state_of(app: Flask, operator_id: int) -> tuple[str, str | None]:
    with app.extensions["ivr.db"]() as session:
        operator = session.get(Operator, operator_id)
        connection = session.scalar(select(Connection).where(Connection.operator_id == operator_id))
        assert operator is not None
        return operator.state, connection.result if connection else None


def test_an_available_operator_hears_the_whisper_and_talks_with_the_caller(app: Flask) -> None:
    ana = add_operator(app, "ana", languages="es,en", state=OperatorState.AVAILABLE)
    out = io.StringIO()
    result = simulate(
        app,
        [*REPORT, say("Me golpearon ayer"), hangup()],
        at=OPEN,
        operator=OperatorPlan(lines=["Lo siento mucho. Cuénteme qué pasó."]),
        out=out,
    )
    transcript = out.getvalue()
    assert result.problems == []
    assert result.outcome == "answered"
    assert f"[Twilio rings the operator at client:operator-{ana}]" in transcript
    assert "   (operator hears) The caller speaks Spanish.\n" in transcript
    assert transcript.index("(operator hears) Urgent call.") < transcript.index("[The caller joins the room]")
    assert (
        '>> caller says "Me golpearon ayer"\n<< operator says "Lo siento mucho. Cuénteme qué pasó."'
        in transcript
    )
    assert state_of(app, ana) == (OperatorState.WRAPPING_UP, "answered")


def test_an_operator_who_lets_it_ring_is_marked_away_and_the_caller_keeps_waiting(app: Flask) -> None:
    ana = add_operator(app, "ana", languages="es", state=OperatorState.AVAILABLE)
    out = io.StringIO()
    result = simulate(app, REPORT, at=OPEN, max_wait_loops=3, operator=OperatorPlan("no-answer"), out=out)
    assert "(nobody answers for 20 s)" in out.getvalue()
    assert "[Left the queue: hangup" in out.getvalue()  # nobody else came: the caller gave up
    assert result.outcome == "abandoned_in_queue"
    assert state_of(app, ana) == (OperatorState.AWAY, "no_answer")


def test_the_development_server_reaches_the_simulator_through_the_librarys_http_client(app: Flask) -> None:
    # As `make run` and `flask ivr call --url` do: the server's REST requests go over HTTP to the
    # stand-in the simulator serves (IVR_TWILIO_API_URL), and the simulator plays the operator.
    ana = add_operator(app, "ana", languages="es,en", state=OperatorState.AVAILABLE)
    line = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=line.serve_forever, daemon=True).start()
    with make_server("127.0.0.1", 0, app) as probe:  # a free port for the stand-in
        api_port = probe.server_port
    api_url = f"http://127.0.0.1:{api_port}"
    app.extensions["ivr.desk"].use_http_client(StandInHttpClient(api_url, timeout=5))
    out = io.StringIO()
    try:
        result = simulate_remote(
            f"http://127.0.0.1:{line.server_port}",
            [*REPORT, say("Me golpearon"), hangup()],
            auth_token=AUTH_TOKEN,
            public_url=PUBLIC_URL,
            twilio_api=api_url,
            out=out,
        )
    finally:
        line.shutdown()
        line.server_close()
    transcript = out.getvalue()
    assert result.problems == [], transcript
    assert "(operator hears) Calling about sexual or physical assault or abuse." in transcript
    assert '>> caller says "Me golpearon"' in transcript
    assert state_of(app, ana) == (OperatorState.WRAPPING_UP, "answered")


def test_the_command_offers_what_the_simulated_operator_can_do() -> None:
    assert cli_devtools.OPERATOR_CHOICES == switchboard.OPERATOR_CHOICES

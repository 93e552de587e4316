"""Voicemails: their queue in order, one claim at a time, listened to through the app (audited), closed."""

from __future__ import annotations

import base64
import dataclasses
import io
import threading
import wave
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from ivr.console.recordings import Recordings, RecordingUnavailable
from ivr.console.voicemails import claim
from ivr.models import AuditEntry, Call, Role, Voicemail
from tests.console.conftest import post, signed_in
from tests.desk.conftest import NOW
from tests.signing_in import Person, add_person

ACCOUNT = "AC" + "0" * 32
TOKEN = "0123456789abcdef0123456789abcdef"  # tests.conftest's auth token
RECORDING = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE" + "4" * 32


def add_voicemail(
    app: Flask,
    minutes_ago: int = 60,
    priority: int = 3,
    urgent: bool = False,
    after_hours: bool = False,
    recording_url: str | None = RECORDING,
    caller_type: str = "about_detained",
    number: str = "+15555550123",
) -> int:
    """A voicemail as the webhooks leave one; returns its id."""
    at = NOW - timedelta(minutes=minutes_ago)
    with app.extensions["ivr.db"]() as session:
        call = Call(
            call_sid="CA" + f"{minutes_ago:032d}",
            caller_number=number,
            caller_fingerprint="f" * 64,
            started_at=at,
            state="voicemail",
            language="es",
            caller_type=caller_type,
            subject="assault" if urgent else "other",
            a_number="012345678",
        )
        session.add(call)
        session.flush()
        voicemail = Voicemail(
            call_id=call.id,
            recording_sid="RE" + f"{minutes_ago:032d}",
            recording_url=recording_url,
            duration_seconds=42,
            language="es",
            caller_type=caller_type,
            subject=call.subject,
            priority=priority,
            urgent=urgent,
            left_after_hours=after_hours,
            created_at=at,
            work_on=date(2026, 11, 30),
        )
        session.add(voicemail)
        session.commit()
        return voicemail.id


def held_by(app: Flask, voicemail_id: int) -> Voicemail:
    with app.extensions["ivr.db"]() as session:
        found = session.get(Voicemail, voicemail_id)
        assert found is not None
        session.expunge_all()
        return found


def listens(app: Flask) -> list[AuditEntry]:
    with app.extensions["ivr.db"]() as session:
        found = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "listen_voicemail")))
        session.expunge_all()
        return found


class TwilioMedia(requests.adapters.BaseAdapter):
    """Twilio's media server as requests meets it: each request kept, an MP3 (or a redirect) answered."""

    def __init__(self, redirect_to: str | None = None) -> None:
        super().__init__()
        self.seen: list[requests.PreparedRequest] = []
        self.redirect_to = redirect_to

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.seen.append(request)
        response = requests.Response()
        response.request, response.url = request, request.url or ""
        if self.redirect_to and len(self.seen) == 1:
            response.status_code, response.raw = 302, io.BytesIO(b"")
            response.headers["Location"] = self.redirect_to
            return response
        response.status_code, response.raw = 200, io.BytesIO(b"ID3 an mp3 of the message")
        response.headers.update({"Content-Type": "audio/mpeg", "Content-Length": "25"})
        return response

    def close(self) -> None:
        pass


def twilio_media(app: Flask, redirect_to: str | None = None) -> TwilioMedia:
    media = TwilioMedia(redirect_to)
    http = requests.Session()
    http.mount("https://", media)
    app.extensions["ivr.recordings"] = Recordings(app.config["IVR"], http)
    return media


@pytest.fixture
def ben(app: Flask) -> Person:
    return add_person(app, "ben.operator@example.gov", Role.OPERATOR, languages="en")


def test_the_queue_puts_urgent_after_hours_messages_first_then_priority_then_the_oldest(
    app: Flask, console: FlaskClient
) -> None:
    routine_old = add_voicemail(app, minutes_ago=600, priority=3)
    urgent_in_hours = add_voicemail(app, minutes_ago=30, priority=1, urgent=True)
    urgent_after_hours = add_voicemail(app, minutes_ago=20, priority=1, urgent=True, after_hours=True)
    detained = add_voicemail(app, minutes_ago=40, priority=2, caller_type="detained")
    routine_new = add_voicemail(app, minutes_ago=10, priority=3)
    page = console.get("/console/voicemails").get_data(as_text=True)
    order = [f"/console/voicemails/{n}/claim" for n in (urgent_after_hours, urgent_in_hours, detained)]
    order += [f"/console/voicemails/{n}/claim" for n in (routine_old, routine_new)]
    assert sorted(order, key=page.index) == order
    assert "Urgent, left after hours" in page
    assert "5555550123" not in page and "012345678" not in page and "api.twilio.com" not in page


def test_the_line_now_counts_waiting_voicemails_urgent_after_hours_ones_apart(
    app: Flask, console: FlaskClient
) -> None:
    add_voicemail(app, minutes_ago=20, priority=1, urgent=True, after_hours=True)
    add_voicemail(app, minutes_ago=30, priority=1, urgent=True)
    add_voicemail(app, minutes_ago=40)
    page = console.get("/console/").get_data(as_text=True)
    assert "3 voicemails waiting</a>: 2 urgent, 1 of them left after hours." in page


def test_two_operators_claiming_at_once_one_holds_it_the_other_is_told(
    app: Flask, console: FlaskClient, ben: Person
) -> None:
    voicemail_id = add_voicemail(app)
    clients = [console, signed_in(app, ben)]
    tokens = [post_token(client) for client in clients]
    start = threading.Barrier(2)
    answers: list[TestResponse] = []

    def claim_it(client: FlaskClient, token: str) -> None:
        start.wait()
        answers.append(client.post(f"/console/voicemails/{voicemail_id}/claim", data={"csrf_token": token}))

    threads = [threading.Thread(target=claim_it, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    places = sorted(answer.location for answer in answers)
    assert places == ["/console/voicemails", f"/console/voicemails/{voicemail_id}"]
    assert held_by(app, voicemail_id).claimed_by is not None


def post_token(client: FlaskClient) -> str:
    from tests.signing_in import csrf_token

    return csrf_token(client.get("/console/"))


def test_the_conditional_update_lets_one_of_many_simultaneous_claims_through(app: Flask, ben: Person) -> None:
    people = [add_person(app, f"op{n}@example.gov", languages="en") for n in range(6)]
    voicemail_id = add_voicemail(app)
    start = threading.Barrier(len(people))
    won: list[int] = []

    def claim_it(person: Person) -> None:
        with app.extensions["ivr.db"]() as session:
            start.wait()
            if claim(session, voicemail_id, person.id, NOW):
                won.append(person.id)

    threads = [threading.Thread(target=claim_it, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and held_by(app, voicemail_id).claimed_by == won[0]


def test_the_holder_listens_through_the_app_which_fetches_the_mp3_from_twilio_with_its_credentials(
    app: Flask, console: FlaskClient, operator: Person
) -> None:
    media = twilio_media(app)
    voicemail_id = add_voicemail(app)
    post(console, f"/console/voicemails/{voicemail_id}/claim")
    page = console.get(f"/console/voicemails/{voicemail_id}").get_data(as_text=True)
    assert f'src="/console/voicemails/{voicemail_id}/recording"' in page
    assert "api.twilio.com" not in page and "RE0000" not in page and TOKEN not in page
    heard = console.get(f"/console/voicemails/{voicemail_id}/recording")
    assert heard.status_code == 200 and heard.mimetype == "audio/mpeg"
    assert heard.get_data() == b"ID3 an mp3 of the message"
    [asked] = media.seen
    assert asked.url == RECORDING + ".mp3"
    assert (
        asked.headers["Authorization"] == "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    )
    [entry] = listens(app)
    assert (entry.user_id, entry.subject) == (operator.id, f"voicemail {voicemail_id}")
    # A player fetching a later part while seeking is the same listen.
    console.get(f"/console/voicemails/{voicemail_id}/recording", headers={"Range": "bytes=1000-"})
    assert len(listens(app)) == 1
    console.get(f"/console/voicemails/{voicemail_id}/recording")
    assert len(listens(app)) == 2


def test_the_credentials_never_follow_a_redirect_away_from_twilio(app: Flask, console: FlaskClient) -> None:
    media = twilio_media(app, redirect_to="https://media.example.net/signed/message.mp3")
    voicemail_id = add_voicemail(app)
    post(console, f"/console/voicemails/{voicemail_id}/claim")
    assert console.get(f"/console/voicemails/{voicemail_id}/recording").status_code == 200
    first, redirected = media.seen
    assert "Authorization" in first.headers and "Authorization" not in redirected.headers


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.net/2010-04-01/Accounts/AC" + "0" * 32 + "/Recordings/RE1",
        "http://api.twilio.com/2010-04-01/Accounts/AC" + "0" * 32 + "/Recordings/RE1",
        "https://api.twilio.com/2010-04-01/Accounts/AC" + "9" * 32 + "/Recordings/RE1",
    ],
)
def test_credentials_go_only_to_the_accounts_recordings_at_twilio(
    app: Flask, console: FlaskClient, url: str
) -> None:
    media = twilio_media(app)
    voicemail_id = add_voicemail(app, recording_url=url)
    post(console, f"/console/voicemails/{voicemail_id}/claim")
    answered = console.get(f"/console/voicemails/{voicemail_id}/recording")
    assert answered.status_code == 503 and media.seen == [] and listens(app) == []


def a_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * 8000)
    return path


def test_the_simulators_recording_is_a_local_file_served_outside_production_only(
    app: Flask, console: FlaskClient, tmp_path: Path
) -> None:
    recorded = a_wav(tmp_path / "RE1.wav")
    voicemail_id = add_voicemail(app, recording_url=recorded.as_uri())
    post(console, f"/console/voicemails/{voicemail_id}/claim")
    with console.get(f"/console/voicemails/{voicemail_id}/recording") as heard:
        assert heard.status_code == 200 and heard.mimetype == "audio/wav"
        assert heard.get_data() == recorded.read_bytes()
    assert len(listens(app)) == 1
    production = Recordings(dataclasses.replace(app.config["IVR"], env="production"))
    assert production.local_file(recorded.as_uri()) is None
    with pytest.raises(RecordingUnavailable):
        production.twilio_media_url(recorded.as_uri())
    with pytest.raises(RecordingUnavailable):
        Recordings(app.config["IVR"]).local_file((tmp_path / "secrets.env").as_uri())


def test_only_the_operator_holding_a_voicemail_opens_hears_or_closes_it(
    app: Flask, console: FlaskClient, ben: Person
) -> None:
    twilio_media(app)
    voicemail_id = add_voicemail(app)
    other = signed_in(app, ben)
    assert other.get(f"/console/voicemails/{voicemail_id}").status_code == 403  # nobody holds it yet
    post(console, f"/console/voicemails/{voicemail_id}/claim")
    assert other.get(f"/console/voicemails/{voicemail_id}").status_code == 403
    assert other.get(f"/console/voicemails/{voicemail_id}/recording").status_code == 403
    assert post(other, f"/console/voicemails/{voicemail_id}/close", follow_up="other").status_code == 403
    claimed = post(other, f"/console/voicemails/{voicemail_id}/claim")
    assert claimed.location == "/console/voicemails"
    assert "Another operator has this voicemail" in other.get("/console/voicemails").get_data(as_text=True)
    assert listens(app) == []


def test_closing_records_the_follow_up_with_its_notes_encrypted(
    app: Flask, console: FlaskClient, operator: Person
) -> None:
    voicemail_id = add_voicemail(app, caller_type="detained")
    post(console, f"/console/voicemails/{voicemail_id}/claim")
    page = console.get(f"/console/voicemails/{voicemail_id}").get_data(as_text=True)
    assert "a facility phone cannot be called back" in page
    assert '<option value="no_callback_possible" selected>' in page
    refused = post(console, f"/console/voicemails/{voicemail_id}/close", follow_up="")
    assert refused.location == f"/console/voicemails/{voicemail_id}"
    closed = post(
        console, f"/console/voicemails/{voicemail_id}/close", follow_up="referred", notes="Sent to OIG"
    )
    assert closed.location == "/console/voicemails"
    done = held_by(app, voicemail_id)
    assert (done.follow_up, done.follow_up_notes, done.status) == ("referred", "Sent to OIG", "closed")
    assert done.closed_at is not None
    with app.extensions["ivr.engine"].connect() as connection:
        stored = connection.exec_driver_sql("SELECT follow_up_notes FROM voicemails").scalar_one()
    assert "OIG" not in stored
    assert f"/console/voicemails/{voicemail_id}/claim" not in console.get("/console/voicemails").get_data(
        as_text=True
    )


def test_a_held_voicemail_can_be_put_back_for_someone_else(
    app: Flask, console: FlaskClient, ben: Person
) -> None:
    voicemail_id = add_voicemail(app)
    post(console, f"/console/voicemails/{voicemail_id}/claim")
    post(console, f"/console/voicemails/{voicemail_id}/release")
    assert held_by(app, voicemail_id).claimed_by is None
    other = signed_in(app, ben)
    assert (
        post(other, f"/console/voicemails/{voicemail_id}/claim").location
        == f"/console/voicemails/{voicemail_id}"
    )


def test_the_voicemail_caller_number_is_revealed_for_a_callback_and_audited(
    app: Flask, console: FlaskClient, operator: Person
) -> None:
    voicemail_id = add_voicemail(app)
    call_id = held_by(app, voicemail_id).call_id
    assert (
        post(
            console, f"/console/calls/{call_id}/reveal", what="caller_number", reason="call back"
        ).status_code
        == 403
    )
    post(console, f"/console/voicemails/{voicemail_id}/claim")
    page = console.get(f"/console/voicemails/{voicemail_id}").get_data(as_text=True)
    assert "5555550123" not in page and "012345678" not in page
    shown = post(
        console, f"/console/calls/{call_id}/reveal", htmx=True, what="caller_number", reason="call back"
    )
    assert "+15555550123" in shown.get_data(as_text=True)
    with app.extensions["ivr.db"]() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.user_id == operator.id)))
    assert "reveal_caller_number" in actions


def test_the_list_is_polled_and_answered_204_until_a_voicemail_comes_or_changes_hands(
    app: Flask, console: FlaskClient
) -> None:
    page = console.get("/console/voicemails").get_data(as_text=True)
    key = page.split('"shown": "')[1].split('"')[0]
    headers = {"HX-Request": "true"}
    assert console.get(f"/console/voicemails/list?shown={key}", headers=headers).status_code == 204
    add_voicemail(app)
    changed = console.get(f"/console/voicemails/list?shown={key}", headers=headers)
    assert changed.status_code == 200 and changed.get_data(as_text=True).startswith("<section")


def test_received_times_are_shown_in_the_lines_zone(app: Flask, console: FlaskClient) -> None:
    add_voicemail(app, minutes_ago=90)
    assert "11/30/26, 8:30\u202fAM" in console.get("/console/voicemails").get_data(as_text=True)
    assert NOW.utcoffset() == timedelta(hours=-5) and isinstance(NOW, datetime)


def test_in_development_the_media_is_asked_of_twilios_api_stand_in_as_the_desks_requests_are(
    app: Flask,
) -> None:
    development = dataclasses.replace(app.config["IVR"], twilio_api_url="http://127.0.0.1:5099")
    assert Recordings(development).twilio_media_url(RECORDING) == (
        f"http://127.0.0.1:5099/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'4' * 32}.mp3"
    )
    assert Recordings(app.config["IVR"]).twilio_media_url(RECORDING + ".json") == RECORDING + ".mp3"

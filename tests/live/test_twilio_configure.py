"""`flask ivr twilio configure`: the number's three webhooks follow IVR_PUBLIC_URL, changed with --apply."""

from __future__ import annotations

from typing import Any

from click.testing import Result
from flask import Flask

from ivr.devtools.twilio_api import FakeTwilioApi, InProcessApiClient

NUMBER = "+18883514024"  # the line's number (IVR_CALLER_ID's default)
OLD = {"voice_url": "https://old.example.org/answer", "voice_fallback_url": None, "status_callback": None}

# The testing line's pinned clock (tests.conftest); app_at empties and closes each app it made.
MONDAY_MORNING = "2026-11-30T10:00:00-05:00"


def twilio_for(app: Flask) -> FakeTwilioApi:
    fake = FakeTwilioApi()
    app.extensions["ivr.desk"].use_http_client(InProcessApiClient(fake))
    return fake


def configure(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["ivr", "twilio", "configure", *args])


def test_dry_run_shows_the_three_urls_for_the_public_url_and_changes_nothing(app_at: Any) -> None:
    app = app_at(MONDAY_MORNING, IVR_PUBLIC_URL="https://ivr.dril.example.gov")
    fake = twilio_for(app)
    number = fake.add_number(NUMBER, **OLD)

    result = configure(app)

    assert result.exit_code == 0, result.output
    assert "https://old.example.org/answer  ->  https://ivr.dril.example.gov/voice/incoming" in result.output
    assert "(none)  ->  https://ivr.dril.example.gov/voice/fallback" in result.output
    assert "(none)  ->  https://ivr.dril.example.gov/voice/status" in result.output
    assert "Dry run: nothing changed" in result.output
    assert [request.method for request in fake.requests] == ["GET", "GET"]  # the account, the number
    assert number["voice_url"] == "https://old.example.org/answer"


def test_apply_sends_the_three_urls_with_post(app: Flask) -> None:
    fake = twilio_for(app)
    number = fake.add_number(NUMBER, **OLD)

    result = configure(app, "--apply")

    assert result.exit_code == 0, result.output
    (update,) = [request for request in fake.requests if request.method == "POST"]
    assert update.resource == f"IncomingPhoneNumbers/{number['sid']}.json"
    assert update.data == {
        "VoiceUrl": "https://line.example.org/voice/incoming",
        "VoiceFallbackUrl": "https://line.example.org/voice/fallback",
        "StatusCallback": "https://line.example.org/voice/status",
        "StatusCallbackMethod": "POST",
        "VoiceFallbackMethod": "POST",
    }  # the voice method was POST already: left alone
    assert "Changed 5 settings" in result.output
    again = configure(app)
    assert "Nothing to change" in again.output


def test_a_twiml_app_on_the_number_is_removed_since_it_would_take_the_calls(app: Flask) -> None:
    fake = twilio_for(app)
    number = fake.add_number(NUMBER, voice_application_sid="AP" + "5" * 32)

    result = configure(app, "--apply")

    assert result.exit_code == 0, result.output
    assert number["voice_application_sid"] is None
    assert number["voice_url"] == "https://line.example.org/voice/incoming"


def test_wrong_credentials_a_missing_number_and_a_trial_account_are_said_plainly(app: Flask) -> None:
    fake = twilio_for(app)
    result = configure(app, "--number", "+15555550100")
    assert result.exit_code == 1
    assert "The account has no number +15555550100" in result.output

    fake.add_number(NUMBER)
    fake.account["type"] = "Trial"
    assert "the account is a trial" in configure(app).output

    fake.account_sid = "AC" + "9" * 32  # the account the token belongs to is another one
    refused = configure(app)
    assert refused.exit_code == 1
    assert "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in refused.output
    assert "Traceback" not in refused.output


def test_apply_refuses_a_public_url_twilio_cannot_reach(app_at: Any) -> None:
    app = app_at(MONDAY_MORNING, IVR_PUBLIC_URL="http://localhost:5000")
    fake = twilio_for(app)
    number = fake.add_number(NUMBER, **OLD)

    result = configure(app, "--apply")

    assert result.exit_code == 1
    assert "IVR_PUBLIC_URL=http://localhost:5000 is not https" in result.output
    assert number["voice_url"] == OLD["voice_url"]


def test_twilio_out_of_reach_is_said_without_a_traceback(app: Flask) -> None:
    result = configure(app)  # a testing line's HTTP client refuses every request, as a network down would
    assert result.exit_code == 1
    assert "Twilio could not be reached (TwilioException)." in result.output

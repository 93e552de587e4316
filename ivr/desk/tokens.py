"""The browser phone's access token: the Voice JavaScript SDK registers as `client:operator-<id>`."""

from __future__ import annotations

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from ivr.config import Settings
from ivr.desk.desk import DeskError
from ivr.desk.twilio_rest import identity

TOKEN_SECONDS = 3600  # the SDK asks for a new one before this runs out (its tokenWillExpire event)


def access_token(settings: Settings, operator_id: int, ttl: int = TOKEN_SECONDS) -> str:
    """A signed token letting this operator's browser receive the line's calls (and place none else).

    Needs an API key and secret (TWILIO_API_KEY, TWILIO_API_SECRET) and the TwiML app the SDK's
    own calls would use (TWILIO_TWIML_APP_SID); the console says so when they are missing.
    """
    missing = [
        name
        for name, value in (
            ("TWILIO_API_KEY", settings.twilio_api_key),
            ("TWILIO_API_SECRET", settings.twilio_api_secret),
            ("TWILIO_TWIML_APP_SID", settings.twilio_twiml_app_sid),
        )
        if not value
    ]
    if missing:
        raise DeskError(f"The browser phone needs {', '.join(missing)}: take an operator's calls by phone.")
    token = AccessToken(
        settings.twilio_account_sid,
        settings.twilio_api_key,
        settings.twilio_api_secret,
        identity=identity(operator_id),
        ttl=ttl,
    )
    token.add_grant(VoiceGrant(incoming_allow=True, outgoing_application_sid=settings.twilio_twiml_app_sid))
    return str(token.to_jwt())

"""The line's Twilio number as Twilio holds it: which webhooks it calls, and what to change.

`flask ivr twilio configure` reads the account and the number through the `twilio` library, shows
what differs from what IVR_PUBLIC_URL calls for, and changes it only when asked (`--apply`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ivr.config import Settings

if TYPE_CHECKING:
    from twilio.rest import Client

# The line's three webhooks for a number (ivr/voice): a call arrives, the answer failed, the call ended.
VOICE_URL = "/voice/incoming"
FALLBACK_URL = "/voice/fallback"
STATUS_CALLBACK = "/voice/status"


class NumberError(RuntimeError):
    """The account or the number cannot take the line's settings; the message says what to do."""


@dataclass(frozen=True)
class Change:
    """One of the number's settings: as Twilio has it, and as the line needs it."""

    label: str
    parameter: str  # the update's keyword argument in the `twilio` library
    current: str | None
    wanted: str | None

    @property
    def differs(self) -> bool:
        return (self.current or None) != (self.wanted or None)


@dataclass
class Plan:
    """What configure found and would do: the account, the number, each setting, and warnings."""

    account: str
    number: str
    number_sid: str
    changes: list[Change]
    warnings: list[str] = field(default_factory=list)

    @property
    def to_change(self) -> list[Change]:
        return [change for change in self.changes if change.differs]


def reachable_public_url(public_url: str) -> str | None:
    """Why Twilio could not call IVR_PUBLIC_URL, or None if it can."""
    parts = urlsplit(public_url)
    if parts.scheme != "https":
        return (
            f"IVR_PUBLIC_URL={public_url} is not https: Twilio must reach the line over TLS (docs/deploy.md)"
        )
    host = parts.hostname or ""
    if host in ("localhost", "") or host.startswith("127.") or host == "::1":
        return f"IVR_PUBLIC_URL={public_url} is this machine: Twilio needs the line's public address"
    return None


def _check_account(client: Client, settings: Settings) -> tuple[str, list[str]]:
    from twilio.base.exceptions import TwilioRestException

    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise NumberError("Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Twilio console, Account Info).")
    try:
        account = client.api.v2010.accounts(settings.twilio_account_sid).fetch()
    except TwilioRestException as error:
        if error.status in (401, 403, 404):
            raise NumberError(
                f"Twilio refused the account {settings.twilio_account_sid} with this auth token "
                f"(HTTP {error.status}): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."
            ) from None
        raise NumberError(f"Twilio answered HTTP {error.status} (error {error.code}): try again.") from None
    if account.status != "active":
        raise NumberError(
            f"The Twilio account {account.sid} is {account.status}: callers cannot reach the line. "
            "Reactivate it in the Twilio console."
        )
    warnings = []
    if account.type == "Trial":
        warnings.append(
            "the account is a trial: callers hear Twilio's trial message and only verified numbers may "
            "call. Upgrade it in the Twilio console before going live."
        )
    return f"{account.sid} ({account.type}, {account.status})", warnings


def plan(client: Client, settings: Settings, phone_number: str) -> Plan:
    """Read the account and the number; compare its webhooks with what IVR_PUBLIC_URL calls for."""
    account, warnings = _check_account(client, settings)
    found = client.incoming_phone_numbers.list(phone_number=phone_number, limit=2)
    if not found:
        raise NumberError(
            f"The account has no number {phone_number}: pass --number with one of its numbers "
            "(Twilio console, Phone Numbers), or set IVR_CALLER_ID."
        )
    number: Any = found[0]
    base = settings.public_url
    changes = [
        Change("Voice URL", "voice_url", number.voice_url, base + VOICE_URL),
        Change("Voice method", "voice_method", number.voice_method, "POST"),
        Change("Fallback URL", "voice_fallback_url", number.voice_fallback_url, base + FALLBACK_URL),
        Change("Fallback method", "voice_fallback_method", number.voice_fallback_method, "POST"),
        Change("Status callback", "status_callback", number.status_callback, base + STATUS_CALLBACK),
        Change("Status callback method", "status_callback_method", number.status_callback_method, "POST"),
    ]
    if number.voice_application_sid:
        # A TwiML app on the number takes its calls instead of these URLs: it has to go.
        changes.append(Change("TwiML app", "voice_application_sid", number.voice_application_sid, ""))
    if getattr(number, "trunk_sid", None):
        warnings.append(
            f"the number is on the SIP trunk {number.trunk_sid}: its calls go to the trunk, not to these "
            "URLs. Remove it from the trunk in the Twilio console."
        )
    return Plan(account, str(number.phone_number), str(number.sid), changes, warnings)


def apply(client: Client, found: Plan) -> None:
    """Make the changes the plan found; the rest of the number's settings are left as they are."""
    if found.to_change:
        client.incoming_phone_numbers(found.number_sid).update(
            **{change.parameter: change.wanted or "" for change in found.to_change}
        )

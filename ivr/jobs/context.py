"""What a job's run is given: the app, the line's clock, Twilio's REST client, the mail server."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING

from flask import Flask

from ivr.clock import line_now
from ivr.config import Settings
from ivr.desk.twilio_rest import make_client
from ivr.line import Line

if TYPE_CHECKING:
    from twilio.http import HttpClient
    from twilio.rest import Client


class NotConfigured(RuntimeError):
    """A message cannot be sent: a setting is missing; the text names it (no personal data)."""


@dataclass
class Context:
    """One run of one job. Tests hand it the `twilio` library's HTTP client of a stand-in (the seam)."""

    app: Flask
    now: datetime
    twilio_http: HttpClient | None = None
    _twilio: Client | None = field(default=None, repr=False)

    @classmethod
    def of(cls, app: Flask, twilio_http: HttpClient | None = None) -> Context:
        return cls(app, line_now(app.config["IVR"]), twilio_http)

    @property
    def settings(self) -> Settings:
        settings: Settings = self.app.config["IVR"]
        return settings

    @property
    def line(self) -> Line:
        line: Line = self.app.extensions["ivr.line"]
        return line

    @property
    def has_twilio_account(self) -> bool:
        return bool(self.settings.twilio_account_sid and self.settings.twilio_auth_token)

    def twilio(self) -> Client:
        if self._twilio is None:
            self._twilio = make_client(self.settings, self.twilio_http)
        return self._twilio

    def send_sms(self, to: str, body: str) -> None:
        if not self.has_twilio_account:
            raise NotConfigured("no Twilio account (TWILIO_ACCOUNT_SID)")
        sender = self.settings.jobs.sms_from or self.settings.caller_id
        self.twilio().messages.create(to=to, from_=sender, body=body)

    def send_email(self, to: list[str], subject: str, body: str) -> None:
        jobs = self.settings.jobs
        if not jobs.smtp_host:
            raise NotConfigured("no mail server (IVR_SMTP_HOST)")
        message = EmailMessage()
        message["From"] = jobs.mail_from
        message["To"] = ", ".join(to)
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(jobs.smtp_host, jobs.smtp_port, timeout=15) as smtp:
            if jobs.smtp_starttls:
                smtp.starttls()
            if jobs.smtp_user:
                smtp.login(jobs.smtp_user, jobs.smtp_password)
            smtp.send_message(message)

    def console_url(self, path: str) -> str:
        """A page of the console on the line's public address (IVR_PUBLIC_URL)."""
        return f"{self.settings.public_url}{path}"

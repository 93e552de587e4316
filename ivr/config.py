"""Build the line's configuration from the environment (and `.env`), refusing unsafe settings."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from cryptography.fernet import Fernet

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "testing", "production")
# Where `flask ivr call` serves its stand-in for Twilio's REST API (ivr/devtools/twilio_api.py).
DEVELOPMENT_TWILIO_API_URL = "http://127.0.0.1:5099"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names the setting and the fix."""


# --- The background jobs (ivr/jobs): alerts, service levels, stale calls, retention, summary ---------


@dataclass(frozen=True)
class JobSettings:
    """What the scheduler's jobs need: where to send mail and SMS from, and each job's limits."""

    on_call_path: Path = PROJECT_ROOT / "schedules" / "on_call.toml"  # IVR_ON_CALL: who is alerted
    smtp_host: str = ""  # IVR_SMTP_HOST; empty: no email can be sent (alerts wait, and the board says so)
    smtp_port: int = 25  # IVR_SMTP_PORT
    smtp_user: str = ""  # IVR_SMTP_USER, IVR_SMTP_PASSWORD: sign in to the mail server if set
    smtp_password: str = ""
    smtp_starttls: bool = False  # IVR_SMTP_STARTTLS=1: upgrade the connection before signing in
    mail_from: str = "dril-ivr@localhost"  # IVR_MAIL_FROM
    sms_from: str = ""  # IVR_SMS_FROM: the number alerts are texted from (default: IVR_CALLER_ID)
    alert_poll_seconds: int = 30  # IVR_ALERT_POLL_SECONDS: how soon an urgent voicemail is noticed
    alert_failing_after: int = 3  # IVR_ALERT_FAILING_AFTER: failed sends before the board shows it
    stale_call_minutes: int = 120  # IVR_STALE_CALL_MINUTES: a call with no reported end is closed
    retention_days: int = 365  # IVR_RETENTION_DAYS: personal data and recordings older are deleted
    # IVR_VOICEMAIL_TARGET_HOURS, e.g. "1=2,2=8,3=16": business hours to handle a voicemail, by priority.
    voicemail_target_hours: tuple[tuple[int, float], ...] = ((1, 2.0), (2, 8.0), (3, 16.0))
    daily_summary_at: time = time(7, 0)  # IVR_DAILY_SUMMARY_AT, in the line's time zone


def _job_settings(environ: dict[str, str]) -> JobSettings:
    """Read the jobs' settings, each error naming the variable and the fix."""
    targets: list[tuple[int, float]] = []
    raw_targets = environ.get("IVR_VOICEMAIL_TARGET_HOURS", "1=2,2=8,3=16")
    for part in raw_targets.split(","):
        priority, _, hours = part.partition("=")
        try:
            targets.append((int(priority), float(hours)))
        except ValueError:
            raise ConfigError(
                f"IVR_VOICEMAIL_TARGET_HOURS={raw_targets!r}: {part.strip()!r} is not priority=hours. "
                "Write e.g. IVR_VOICEMAIL_TARGET_HOURS=1=2,2=8,3=16 (business hours per priority)."
            ) from None
    raw_at = environ.get("IVR_DAILY_SUMMARY_AT", "07:00")
    try:
        summary_at = time.fromisoformat(raw_at)
    except ValueError:
        raise ConfigError(f"IVR_DAILY_SUMMARY_AT={raw_at!r} must be a time such as 07:00.") from None
    numbers = {
        name: _int(environ, name, default)
        for name, default in (
            ("IVR_SMTP_PORT", 25),
            ("IVR_ALERT_POLL_SECONDS", 30),
            ("IVR_ALERT_FAILING_AFTER", 3),
            ("IVR_STALE_CALL_MINUTES", 120),
            ("IVR_RETENTION_DAYS", 365),
        )
    }
    for name, value in numbers.items():
        if value < 1:
            raise ConfigError(f"{name}={value} must be 1 or more.")
    return JobSettings(
        on_call_path=Path(environ.get("IVR_ON_CALL", PROJECT_ROOT / "schedules" / "on_call.toml")),
        smtp_host=environ.get("IVR_SMTP_HOST", ""),
        smtp_port=numbers["IVR_SMTP_PORT"],
        smtp_user=environ.get("IVR_SMTP_USER", ""),
        smtp_password=environ.get("IVR_SMTP_PASSWORD", ""),
        smtp_starttls=environ.get("IVR_SMTP_STARTTLS", "") in ("1", "true", "yes"),
        mail_from=environ.get("IVR_MAIL_FROM", "dril-ivr@localhost"),
        sms_from=environ.get("IVR_SMS_FROM", ""),
        alert_poll_seconds=numbers["IVR_ALERT_POLL_SECONDS"],
        alert_failing_after=numbers["IVR_ALERT_FAILING_AFTER"],
        stale_call_minutes=numbers["IVR_STALE_CALL_MINUTES"],
        retention_days=numbers["IVR_RETENTION_DAYS"],
        voicemail_target_hours=tuple(sorted(targets)),
        daily_summary_at=summary_at,
    )


# --- The line's settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    twilio_account_sid: str
    twilio_auth_token: str
    database_url: str
    public_url: str
    data_keys: tuple[str, ...]
    fixed_time: datetime | None
    schedule_path: Path
    field_offices_path: Path
    outside_routes_path: Path
    voices_path: Path
    prompt_catalog_path: Path
    audio_path: Path
    locales_path: Path
    queue_name: str
    queue_max_size: int
    max_queue_wait_seconds: int
    queue_announce_seconds: int
    voicemail_max_seconds: int
    speech_confidence_threshold: float
    proxy_hops: int  # reverse proxies before the line whose X-Forwarded-For/-Proto/-Host are trusted
    # The operators' side (ivr/desk): how long an operator's phone rings before they are marked away,
    # the longest wrap-up after a call, the number the line calls from (IVR_CALLER_ID) and the
    # interpreter service's, the browser phone's API key and TwiML app, Twilio's REST timeout, and in
    # development the address of a stand-in for Twilio's API (the simulator's, `flask ivr call`).
    ring_seconds: int
    wrap_up_seconds: int
    caller_id: str
    interpreter_number: str
    twilio_api_key: str
    twilio_api_secret: str
    twilio_twiml_app_sid: str
    twilio_timeout_seconds: int
    twilio_api_url: str
    # Where callbacks the database could not take are kept until it can (ivr/journal.py).
    journal_path: Path
    # Going live (docs/deploy.md): who may read /metrics (the monitoring network, by address after
    # IVR_PROXY_HOPS), and the log lines' form: one JSON object per line, or text for a terminal.
    metrics_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    log_format: str
    # The scheduler's jobs (ivr/jobs): one block, read by `_job_settings`.
    jobs: JobSettings = field(default_factory=lambda: JobSettings())

    def as_flask_config(self) -> dict[str, object]:
        return {"SECRET_KEY": self.secret_key, "TESTING": self.env == "testing", "IVR": self}


def _parse_fixed_time(raw: str, env: str) -> datetime | None:
    if not raw:
        return None
    if env == "production":
        raise ConfigError(
            "IVR_FIXED_TIME is set but IVR_ENV=production: a live line must follow the real clock. "
            "Unset IVR_FIXED_TIME."
        )
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as error:
        raise ConfigError(
            f"IVR_FIXED_TIME={raw!r} is not an ISO 8601 time ({error}). "
            "Use e.g. IVR_FIXED_TIME=2026-11-30T08:00:00-05:00"
        ) from None
    if moment.tzinfo is None:
        raise ConfigError(
            f"IVR_FIXED_TIME={raw!r} has no UTC offset. Add one, e.g. 2026-11-30T08:00:00-05:00"
        )
    return moment


def _int(environ: dict[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} must be a whole number.") from None


def _database_url(environ: dict[str, str], instance_path: Path) -> str:
    """DATABASE_URL, or the development SQLite file; refused here if it cannot work, with the fix."""
    raw = environ.get("DATABASE_URL", "")
    if not raw:
        return f"sqlite:///{instance_path / 'ivr.sqlite3'}"
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "DATABASE_URL=postgresql+psycopg://USER:PASSWORD@HOST:5432/NAME"
    if raw.startswith("postgres://"):
        # Heroku's and libpq's spelling, which SQLAlchemy does not take.
        raise ConfigError(
            "DATABASE_URL starts with postgres://: write postgresql+psycopg:// instead, e.g. " + example
        )
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL. Use e.g. {example}") from None
    # The line is written and tested for these two: a MySQL driver would connect and then misbehave.
    if url.drivername not in ("postgresql", "postgresql+psycopg", "sqlite", "sqlite+pysqlite"):
        raise ConfigError(
            f"DATABASE_URL uses the driver {url.drivername!r}: the line runs on PostgreSQL "
            f"through psycopg ({example}) or on SQLite (DATABASE_URL=sqlite:////var/lib/dril-ivr/ivr.sqlite3)."
        )
    if url.drivername.startswith("sqlite") and url.database and url.database != ":memory:":
        folder = Path(url.database).absolute().parent
        if not folder.is_dir():
            # Not made here: a mistyped path would otherwise become an empty new database.
            raise ConfigError(
                f"DATABASE_URL names a SQLite file in {folder}, which does not exist. Create the folder "
                "(owned by the line's user) or correct the path; sqlite:////absolute/path has four slashes."
            )
    return raw


def _networks(
    environ: dict[str, str], name: str, default: str
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    raw = environ.get(name, "") or default
    try:
        return tuple(ipaddress.ip_network(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise ConfigError(
            f"{name}={raw!r}: {error}. Give networks separated by commas, "
            f"e.g. {name}=127.0.0.0/8,10.20.0.0/24"
        ) from None


def _development_secrets(instance_path: Path) -> dict[str, str]:
    """Make (once) and reuse the secrets a developer's line needs, so encrypted data stays readable."""
    path = instance_path / "development-secrets.env"
    if path.exists():
        pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        return {name.strip(): value.strip() for name, value in pairs}
    made = {
        "SECRET_KEY": secrets.token_hex(32),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
        "IVR_DATA_KEY": Fernet.generate_key().decode(),
    }
    instance_path.mkdir(parents=True, exist_ok=True)
    # Made 0600 as it is created: never readable by others, not even between a write and a chmod.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as secrets_file:
        secrets_file.write("".join(f"{name}={value}\n" for name, value in made.items()))
    print(
        f" * Development secrets generated in {path} (auth token for signed test calls: "
        f"TWILIO_AUTH_TOKEN={made['TWILIO_AUTH_TOKEN']})"
    )
    return made


def load_settings(environ: dict[str, str] | None = None, instance_path: Path | None = None) -> Settings:
    """Read the settings; development fills in generated secrets, production refuses without them."""
    environ = dict(os.environ if environ is None else environ)
    instance_path = instance_path or PROJECT_ROOT / "instance"
    env = environ.get("IVR_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"IVR_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}.")

    # A developer without a Twilio account of their own gets the simulator's stand-in for its API.
    own_twilio_account = bool(environ.get("TWILIO_ACCOUNT_SID"))
    if env == "development":
        for name, value in _development_secrets(instance_path).items():
            environ.setdefault(name, value)

    secret_key = environ.get("SECRET_KEY", "")
    auth_token = environ.get("TWILIO_AUTH_TOKEN", "")
    data_keys = tuple(k for k in environ.get("IVR_DATA_KEY", "").split(",") if k.strip())
    if env == "production":
        missing = [
            name
            for name, value in (
                ("SECRET_KEY", secret_key),
                ("TWILIO_AUTH_TOKEN", auth_token),
                # Every voice request must name it (ivr/voice/sids.py), and recordings are its.
                ("TWILIO_ACCOUNT_SID", environ.get("TWILIO_ACCOUNT_SID", "")),
                ("IVR_DATA_KEY", data_keys),
                ("IVR_PUBLIC_URL", environ.get("IVR_PUBLIC_URL", "")),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                "Production needs " + ", ".join(missing) + " in the environment or .env. "
                "SECRET_KEY: `python -c 'import secrets; print(secrets.token_hex(32))'`; "
                "TWILIO_AUTH_TOKEN and TWILIO_ACCOUNT_SID: the Twilio console; IVR_DATA_KEY: "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`; "
                "IVR_PUBLIC_URL: the https address Twilio calls."
            )
        if environ.get("FLASK_DEBUG", "").lower() not in ("", "0", "false", "no"):
            # The debugger runs any Python a browser sends it: never on a live line.
            raise ConfigError("FLASK_DEBUG is set but IVR_ENV=production: unset FLASK_DEBUG.")
        if len(secret_key) < 32:
            raise ConfigError("SECRET_KEY is too short for production: use at least 32 characters.")
        if len(auth_token) < 32:
            raise ConfigError(
                "TWILIO_AUTH_TOKEN does not look like a real Twilio auth token (32 characters)."
            )
    elif not (secret_key and auth_token and data_keys):
        raise ConfigError("SECRET_KEY, TWILIO_AUTH_TOKEN and IVR_DATA_KEY must be set outside development.")
    for key in data_keys:
        try:
            Fernet(key.strip())
        except ValueError:
            raise ConfigError(
                "IVR_DATA_KEY holds a key that is not a Fernet key (32 url-safe base64 bytes). "
                "Generate one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`."
            ) from None

    # What the line says and hears: the catalog, voices, menu words and hints, audio (README).
    prompts = Path(environ.get("IVR_PROMPTS", PROJECT_ROOT / "prompts"))
    database_url = _database_url(environ, instance_path)
    # Production is served behind nginx on the same host (README); elsewhere nothing stands before
    # the line, and a forwarded header would come from the client itself.
    proxy_hops = _int(environ, "IVR_PROXY_HOPS", 1 if env == "production" else 0)
    if proxy_hops < 0:
        raise ConfigError(f"IVR_PROXY_HOPS={proxy_hops} must be 0 or more: the proxies before the line.")
    threshold_raw = environ.get("IVR_SPEECH_CONFIDENCE", "0.6")
    try:
        threshold = float(threshold_raw)
    except ValueError:
        raise ConfigError(f"IVR_SPEECH_CONFIDENCE={threshold_raw!r} must be a number 0-1.") from None

    twilio_api_url = environ.get("IVR_TWILIO_API_URL", "").rstrip("/")
    if env == "development" and not twilio_api_url and not own_twilio_account:
        twilio_api_url = DEVELOPMENT_TWILIO_API_URL
    if twilio_api_url and env == "production":
        raise ConfigError(
            f"IVR_TWILIO_API_URL={twilio_api_url!r} sends Twilio's REST requests to a stand-in: "
            "production talks to Twilio itself. Unset IVR_TWILIO_API_URL."
        )
    return Settings(
        env=env,
        secret_key=secret_key,
        twilio_account_sid=environ.get("TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=auth_token,
        database_url=database_url,
        public_url=environ.get("IVR_PUBLIC_URL", "http://localhost:5000").rstrip("/"),
        data_keys=tuple(k.strip() for k in data_keys),
        fixed_time=_parse_fixed_time(environ.get("IVR_FIXED_TIME", ""), env),
        schedule_path=Path(environ.get("IVR_SCHEDULE", PROJECT_ROOT / "schedules" / "hours.toml")),
        outside_routes_path=Path(
            environ.get("IVR_OUTSIDE_ROUTES", PROJECT_ROOT / "schedules" / "outside_routes.toml")
        ),
        field_offices_path=Path(
            environ.get("IVR_FIELD_OFFICES", PROJECT_ROOT / "schedules" / "field_offices.toml")
        ),
        voices_path=Path(environ.get("IVR_VOICES", prompts / "voices.toml")),
        prompt_catalog_path=prompts / "catalog.toml",
        audio_path=prompts / "audio",
        locales_path=Path(environ.get("IVR_LOCALES", PROJECT_ROOT / "locales")),
        queue_name=environ.get("IVR_QUEUE_NAME", "operators"),
        queue_max_size=_int(environ, "IVR_QUEUE_MAX_SIZE", 200),
        max_queue_wait_seconds=_int(environ, "IVR_MAX_QUEUE_WAIT", 900),
        queue_announce_seconds=_int(environ, "IVR_QUEUE_ANNOUNCE", 45),
        voicemail_max_seconds=_int(environ, "IVR_VOICEMAIL_MAX_SECONDS", 300),
        speech_confidence_threshold=threshold,
        proxy_hops=proxy_hops,
        ring_seconds=_int(environ, "IVR_RING_SECONDS", 20),
        wrap_up_seconds=_int(environ, "IVR_WRAP_UP_SECONDS", 120),
        caller_id=environ.get("IVR_CALLER_ID", "+18883514024"),
        interpreter_number=environ.get("IVR_INTERPRETER_NUMBER", ""),
        twilio_api_key=environ.get("TWILIO_API_KEY", ""),
        twilio_api_secret=environ.get("TWILIO_API_SECRET", ""),
        twilio_twiml_app_sid=environ.get("TWILIO_TWIML_APP_SID", ""),
        twilio_timeout_seconds=_int(environ, "IVR_TWILIO_TIMEOUT", 5),
        twilio_api_url=twilio_api_url,
        jobs=_job_settings(environ),
        journal_path=Path(environ.get("IVR_JOURNAL", instance_path / "journal" / "callbacks.jsonl")),
        metrics_networks=_networks(environ, "IVR_METRICS_NETWORKS", "127.0.0.0/8,::1/128"),
        log_format=_log_format(environ, env),
    )


def _log_format(environ: dict[str, str], env: str) -> str:
    log_format = environ.get("IVR_LOG_FORMAT", "") or ("json" if env == "production" else "text")
    if log_format not in ("json", "text"):
        raise ConfigError(f"IVR_LOG_FORMAT={log_format!r} must be json or text.")
    return log_format

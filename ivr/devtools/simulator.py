"""Play Twilio's part in a call: post signed webhooks to the line and act out the TwiML it answers."""

from __future__ import annotations

import contextvars
import dataclasses
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol, TextIO
from urllib.parse import urlencode, urljoin, urlsplit
from xml.etree import ElementTree

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from ivr.config import PROJECT_ROOT
from ivr.db import session_scope, upgrade
from ivr.devtools import twiml_rules
from ivr.models import Call
from ivr.prompts.audio import words_of

DEFAULT_FROM = "+15555550123"
LINE_NUMBER = "+18883514024"
TEST_ACCOUNT_SID = "AC" + "0" * 32
STEP_KINDS = ("press", "say", "silence", "wait", "answer", "record", "hangup")
DEFAULT_CONFIDENCE = 0.9
WORDS_PER_SECOND = 2.5  # how fast Polly reads, near enough to estimate a call's length
RECORDED_SECONDS_PER_WORD = 0.5
TWILIO_TIMEOUT_SECONDS = 15  # Twilio gives up on a webhook after this long
# A line that redirects to itself forever would never end a scripted call.
MAX_REQUESTS = 500

GATHER_PROMPT = "Press keys, or type words to say (blank = silence, 'hangup' to hang up): "
RECORD_PROMPT = "Type what you say into the recording (blank = silence, 'hangup' to hang up): "
QUEUE_PROMPT = "Enter = keep waiting, 'answer' = an operator picks up, 1 = press 1, 'hangup': "


class SimulatorError(Exception):
    """The script does not fit the call, e.g. an operator answering while a menu is waiting."""


@dataclass(frozen=True)
class Step:
    """One thing the caller does: press keys, say words, stay silent, wait, record, hang up.

    `answer` is not the caller's doing but an operator's: they pick up the call waiting in the queue.
    """

    kind: str
    value: str = ""
    confidence: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise ValueError(f"unknown step {self.kind!r}: use one of {', '.join(STEP_KINDS)}")
        if self.kind == "press" and not (self.value and set(self.value) <= twiml_rules.KEYS):
            raise ValueError(f"press takes keys 0-9, # and *, not {self.value!r}")
        if self.kind in ("say", "record") and not self.value.strip():
            raise ValueError(f"{self.kind} needs words")

    def __str__(self) -> str:
        return f"{self.kind} {self.value!r}" if self.value else self.kind


def press(keys: str) -> Step:
    return Step("press", keys)


def say(words: str, confidence: float | None = None) -> Step:
    return Step("say", words, confidence)


def silence() -> Step:
    return Step("silence")


def wait() -> Step:
    return Step("wait")


def answer() -> Step:
    return Step("answer")


def record(words: str) -> Step:
    return Step("record", words)


def hangup() -> Step:
    return Step("hangup")


@dataclass
class Heard:
    """One verb the caller met, in order: what was said, played, or done to the call."""

    verb: str
    text: str
    language: str | None = None
    voice: str | None = None
    url: str | None = None


@dataclass
class CallResult:
    call_sid: str
    heard: list[Heard] = field(default_factory=list)
    outcome: str | None = None
    twiml: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def said(self) -> list[str]:
        """The text of every <Say>, in the order the caller heard them."""
        return [heard.text for heard in self.heard if heard.verb == "Say"]

    def said_text(self) -> str:
        return " ".join(self.said())

    def requests_to(self, path: str) -> list[dict[str, str]]:
        """The parameters of every request whose URL path is `path`, e.g. "/voice/queue/wait"."""
        return [params for url, params in self.requests if urlsplit(url).path == path]


# --- How requests reach the line --------------------------------------------------------------


class Reply(NamedTuple):
    status: int
    body: str
    content_type: str
    seconds: float


class Transport(Protocol):
    def send(self, method: str, url: str, params: dict[str, str], signature: str) -> Reply: ...


class InProcess:
    """Requests go to the app's test client; the URL's path and query are what the line sees."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def send(self, method: str, url: str, params: dict[str, str], signature: str) -> Reply:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        base = f"{parts.scheme}://{parts.netloc}"
        headers = {"X-Twilio-Signature": signature}

        def request() -> Reply:
            started = time.monotonic()
            if method == "GET":
                response = self.client.get(path, base_url=base, headers=headers)
            else:
                response = self.client.post(path, base_url=base, data=params, headers=headers)
            return Reply(
                response.status_code,
                response.get_data(as_text=True),
                response.mimetype,
                time.monotonic() - started,
            )

        # An empty context: each request pushes its own app context and tears it down, as under a
        # server, even when the caller (a CLI command, a test) already has one pushed.
        return contextvars.Context().run(request)


class OverHttp:
    """Requests go over HTTP to a running server; the URL's path and query go to `base_url`."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SimulatorError(f"--url {base_url!r} must be an http(s) address, e.g. http://127.0.0.1:5000")
        self.base = f"{parts.scheme}://{parts.netloc}"

    def send(self, method: str, url: str, params: dict[str, str], signature: str) -> Reply:
        parts = urlsplit(url)
        target = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        data = urlencode(params).encode() if method == "POST" else None
        request = urllib.request.Request(  # noqa: S310 - the scheme was checked to be http(s)
            target, data=data, method=method, headers={"X-Twilio-Signature": signature}
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=TWILIO_TIMEOUT_SECONDS) as response:  # noqa: S310
                body = response.read().decode("utf-8", errors="replace")
                return Reply(
                    response.status,
                    body,
                    response.headers.get_content_type(),
                    time.monotonic() - started,
                )
        except urllib.error.HTTPError as error:
            with error:
                body = error.read().decode("utf-8", errors="replace")
                return Reply(error.code, body, error.headers.get_content_type(), time.monotonic() - started)
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            return Reply(0, f"no answer: {reason}", "", time.monotonic() - started)


# --- The caller: a script or a person at the keyboard ------------------------------------------


class Script:
    """The caller's steps, taken in order; running out at a menu means the caller hangs up."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = deque(steps)
        self.taken = 0

    def next(self, place: str, prompt: str) -> Step | None:
        if not self.steps:
            return None
        self.taken += 1
        step = self.steps.popleft()
        allowed = {
            "gather": ("press", "say", "silence", "wait", "hangup"),
            "record": ("record", "say", "press", "silence", "wait", "hangup"),
            "queue": ("press", "say", "silence", "wait", "answer", "hangup"),
        }[place]
        if step.kind not in allowed:
            where = {"gather": "a menu", "record": "a recording", "queue": "waiting in the queue"}[place]
            raise SimulatorError(
                f"script step {self.taken} ({step}) does not fit: the caller is at {where}, "
                f"where the script may {', '.join(allowed)}"
            )
        return step

    def unused(self) -> list[Step]:
        return list(self.steps)


class Keyboard:
    """A person typing what the caller does, asked at each menu, recording and round on hold."""

    def __init__(self, ask: Callable[[str], str]) -> None:
        self.ask = ask

    def next(self, place: str, prompt: str) -> Step | None:
        try:
            typed = self.ask(prompt).strip()
        except EOFError:
            return hangup()
        if typed.lower() == "hangup":
            return hangup()
        if place == "queue":
            if typed.lower() in ("", "wait"):
                return wait()
            if typed.lower() == "answer":
                return answer()
        if not typed:
            return silence()
        if place == "record":
            return record(typed)
        if set(typed) <= twiml_rules.KEYS:
            return press(typed)
        return say(typed)

    def unused(self) -> list[Step]:
        return []


class Caller(Protocol):
    def next(self, place: str, prompt: str) -> Step | None: ...

    def unused(self) -> list[Step]: ...


# --- Acting out the TwiML ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Next:
    """Go on with another document: a Redirect's or an action's answer (None when it failed)."""

    url: str
    document: ElementTree.Element | None


@dataclass(frozen=True)
class _Ended:
    """The call is over."""

    by: str


_Flow = _Next | _Ended | None  # None: go on with the next verb


@dataclass
class _Queue:
    sid: str
    max_size: str
    entered: float
    rounds: int = 0
    out_of_script: bool = False


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _collected(keys: str, finish_on_key: str, num_digits: int | None) -> tuple[str, bool]:
    """The Digits Twilio posts for these key presses, and whether the Gather ended without waiting."""
    if finish_on_key and finish_on_key in keys:
        return keys[: keys.index(finish_on_key)][:num_digits], True
    if num_digits is not None and len(keys) >= num_digits:
        return keys[:num_digits], True
    return keys, False


def _shown_keys(keys: str) -> str:
    # Menu choices are worth seeing; longer entries are A-numbers and ZIP codes: count them only.
    if len(keys.strip("#*")) > 2:
        return f"{len(keys.strip('#*'))} digits{' then #' if keys.endswith('#') else ''}"
    return keys


class Simulation:
    """One call, from the first webhook to the status callback, acted out as Twilio would."""

    def __init__(
        self,
        transport: Transport,
        caller: Caller,
        *,
        public_url: str,
        auth_token: str,
        account_sid: str = TEST_ACCOUNT_SID,
        from_number: str = DEFAULT_FROM,
        to_number: str = LINE_NUMBER,
        max_wait_loops: int | None = 20,
        repeat_callbacks: bool = False,
        out: TextIO | None = None,
        on_request: Callable[[float], None] | None = None,
    ) -> None:
        self.transport = transport
        self.caller = caller
        self.public_url = public_url.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.account_sid = account_sid
        self.from_number = from_number
        self.to_number = to_number
        self.max_wait_loops = max_wait_loops
        self.repeat_callbacks = repeat_callbacks
        self.out = out
        self.on_request = on_request
        self.result = CallResult(call_sid="CA" + uuid.uuid4().hex)
        self.clock = 0.0  # simulated seconds since the line answered
        self.final_status = "completed"

    # - talking to the line -

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.result.call_sid,
            "AccountSid": self.account_sid,
            "From": self.from_number,
            "To": self.to_number,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        } | extra

    def fetch(
        self,
        url: str,
        method: str = "POST",
        context: str = "call",
        extra: dict[str, str] | None = None,
        *,
        counted: bool = True,
    ) -> ElementTree.Element | None:
        """Request a URL as Twilio does, signed; return the TwiML answered, or None when it failed."""
        if counted and len(self.result.requests) >= MAX_REQUESTS:
            self.problem(f"more than {MAX_REQUESTS} requests in one call: is the line in a loop?")
            return None
        method = method.upper() if method.upper() in ("GET", "POST") else "POST"
        params = self.params(**(extra or {}))
        if method == "GET":
            # Twilio puts GET parameters in the query string and signs the whole URL.
            url = url + ("&" if "?" in url else "?") + urlencode(params)
            signature = self.validator.compute_signature(url, {})
        else:
            signature = self.validator.compute_signature(url, params)
        self.result.requests.append((url, params))
        parts = urlsplit(url)
        shown = parts.path + (f"?{parts.query}" if parts.query and method == "POST" else "")
        self.echo(f"   -> {method} {shown}")
        if self.on_request is not None:
            self.on_request(self.clock)
        reply = self.transport.send(method, url, params, signature)
        where = f"{method} {shown}"
        if reply.seconds > TWILIO_TIMEOUT_SECONDS:
            self.problem(f"{where} took {reply.seconds:.0f} s: Twilio gives up after 15 s")
        if not 200 <= reply.status < 300:
            detail = f": {reply.body[:200]}" if reply.status == 0 else ""
            self.problem(f"HTTP {reply.status or 'error'} from {where}{detail}")
            return None
        self.result.twiml.append(reply.body)
        if reply.content_type not in ("text/xml", "application/xml"):
            self.problem(f"{where} answered {reply.content_type or 'no content type'}, not text/xml")
        for found in twiml_rules.problems(reply.body, context):
            self.problem(f"{where}: {found}", twiml=True)
        try:
            # The TwiML comes from the line under test.
            return ElementTree.fromstring(reply.body)  # noqa: S314
        except ElementTree.ParseError:
            return None

    def problem(self, text: str, *, twiml: bool = False) -> None:
        self.result.problems.append(text)
        self.echo(f"!! TwiML problem: {text}" if twiml else f"!! {text}")

    def echo(self, line: str) -> None:
        if self.out is not None:
            print(line, file=self.out)

    def hear(self, verb: str, text: str, **details: str | None) -> None:
        self.result.heard.append(Heard(verb, text, **details))

    # - the call -

    def run(self) -> CallResult:
        self.echo(f"Calling the line at {self.public_url} (CallSid {self.result.call_sid})")
        incoming = self.public_url + "/voice/incoming"
        current: _Next | None = _Next(incoming, self.fetch(incoming))
        while current is not None:
            if current.document is None:
                self.echo('[Twilio] "We are sorry, an application error has occurred. Goodbye."')
                break
            current = self.run_document(current.url, current.document)
        self.send_status()
        unused = self.caller.unused()
        if unused:
            # Steps left over mean the call went another way than the script expected.
            self.problem(f"the call ended before the script did: {', '.join(map(str, unused))} not used")
        return self.result

    def run_document(self, url: str, document: ElementTree.Element) -> _Next | None:
        for verb in document:
            flow = self.verb(verb, url)
            if isinstance(flow, _Ended):
                self.echo(f"[Call ended: {flow.by}]")
                return None
            if isinstance(flow, _Next):
                return flow
        self.echo("[End of the TwiML: Twilio hangs up]")
        return None

    def verb(self, verb: ElementTree.Element, url: str) -> _Flow:
        if verb.tag in ("Say", "Play", "Pause"):
            self.listen_to(verb)
            return None
        if verb.tag == "Gather":
            return self.gather(verb, url)
        if verb.tag == "Redirect":
            target = urljoin(url, (verb.text or "").strip())
            self.echo(f"[Redirect] {target}")
            return _Next(target, self.fetch(target, verb.get("method", "POST")))
        if verb.tag == "Hangup":
            self.hear("Hangup", "")
            self.echo("[Hangup]")
            return _Ended("the line hung up")
        if verb.tag == "Enqueue":
            return self.enqueue(verb, url)
        if verb.tag == "Record":
            return self.record(verb, url)
        if verb.tag == "Reject":
            reason = verb.get("reason", "rejected")
            self.hear("Reject", reason)
            self.echo(f"[Reject {reason}]")
            self.final_status = "busy" if reason == "busy" else "no-answer"
            return _Ended("the line rejected the call")
        if verb.tag == "Leave":
            self.echo("[Leave] (not in a queue: nothing happens)")
            return None
        self.hear(verb.tag, (verb.text or "").strip())
        self.echo(f"[{verb.tag}] (not acted out by the simulator)")
        return None

    def listen_to(self, verb: ElementTree.Element) -> None:
        """The caller hears a Say, Play or Pause; the call's clock moves on by about its length."""
        if verb.tag == "Say":
            text = " ".join("".join(verb.itertext()).split())
            language, voice = verb.get("language"), verb.get("voice")
            self.hear("Say", text, language=language, voice=voice)
            label = " ".join(part for part in ("Say", language, voice) if part)
            self.echo(f"[{label}] {text}")
            self.clock += len(text.split()) / WORDS_PER_SECOND * max(_int(verb.get("loop"), 1), 1)
        elif verb.tag == "Play":
            target = (verb.text or "").strip() or f"digits {verb.get('digits', '')}"
            self.hear("Play", target, url=(verb.text or "").strip() or None)
            words = words_of(target, PROJECT_ROOT / "prompts" / "audio")
            self.echo(f"[Play] {target}" + (f"  «{words}»" if words else ""))
        elif verb.tag == "Pause":
            length = _int(verb.get("length"), 1)
            self.hear("Pause", str(length))
            self.echo(f"[Pause {length}s]")
            self.clock += length
        else:
            self.echo(f"[{verb.tag}] (not allowed here)")

    # - menus -

    def gather(self, verb: ElementTree.Element, url: str) -> _Flow:
        self.open_gather(verb)
        step = self.caller.next("gather", GATHER_PROMPT)
        if step is None:
            self.echo(">> caller hangs up (end of the script)")
            return _Ended("the caller hung up")
        if step.kind == "hangup":
            self.echo(">> caller hangs up")
            return _Ended("the caller hung up")
        return self.answer_gather(verb, url, step, "call")

    def open_gather(self, verb: ElementTree.Element) -> None:
        for noun in verb:
            self.listen_to(noun)
        listens = verb.get("input", "dtmf").split()
        details = [" ".join(listens)]
        if verb.get("numDigits"):
            details.append(f"{verb.get('numDigits')} key(s)")
        elif verb.get("finishOnKey", "#"):
            details.append(f"ends with {verb.get('finishOnKey', '#')}")
        details.append(f"timeout {_int(verb.get('timeout'), 5)}s")
        self.echo(f"[Gather {', '.join(details)}]")

    def answer_gather(self, verb: ElementTree.Element, url: str, step: Step, context: str) -> _Next | None:
        """Post what the caller did to the Gather's action; None when Twilio falls through instead."""
        listens = verb.get("input", "dtmf").split()
        timeout = _int(verb.get("timeout"), 5)
        params: dict[str, str] = {}
        if step.kind == "press" and "dtmf" in listens:
            num_digits = _int(verb.get("numDigits"), 0) or None
            digits, ended = _collected(step.value, verb.get("finishOnKey", "#"), num_digits)
            self.echo(f">> caller presses {_shown_keys(step.value)}")
            self.clock += len(step.value) * 0.5 + (0 if ended else timeout)
            if digits:
                params["Digits"] = digits
        elif step.kind == "say" and "speech" in listens:
            confidence = DEFAULT_CONFIDENCE if step.confidence is None else step.confidence
            self.echo(f'>> caller says "{step.value}" (confidence {confidence:.2f})')
            self.clock += len(step.value.split()) / WORDS_PER_SECOND + 1
            params = {"SpeechResult": step.value, "Confidence": f"{confidence:g}"}
        else:
            if step.kind in ("press", "say"):
                what = "keys" if step.kind == "press" else "words"
                self.echo(f">> caller {step.kind}s {step.value!r}, but this Gather takes no {what}")
            else:
                self.echo(">> caller stays silent")
            self.clock += timeout
        if not params and verb.get("actionOnEmptyResult") != "true":
            self.echo("   (no input: Twilio goes on to the next verb)")
            return None
        action = urljoin(url, verb.get("action") or url)
        return _Next(action, self.fetch(action, verb.get("method", "POST"), context, params))

    # - the queue -

    def enqueue(self, verb: ElementTree.Element, url: str) -> _Flow:
        name = (verb.text or "").strip() or "(TaskRouter task)"
        wait_url = verb.get("waitUrl")
        self.hear("Enqueue", name, url=urljoin(url, wait_url) if wait_url else None)
        self.echo(f"[Enqueue {name}]")
        queue = _Queue("QU" + uuid.uuid4().hex, verb.get("maxQueueSize", "1000"), self.clock)
        result = self.wait_in_queue(verb, url, queue)
        queue_time = int(self.clock - queue.entered)
        self.echo(f"[Left the queue: {result}, after {queue_time} s]")
        action = verb.get("action")
        if action is None:
            return _Ended("the caller hung up") if result == "hangup" else None
        action = urljoin(url, action)
        params = {"QueueResult": result, "QueueSid": queue.sid, "QueueTime": str(queue_time)}
        if result == "hangup":
            # Twilio reports the hang-up to the action; nobody is left to hear its answer.
            self.fetch(action, verb.get("method", "POST"), "callback", params)
            return _Ended("the call ended in the queue")
        return _Next(action, self.fetch(action, verb.get("method", "POST"), "call", params))

    def queue_params(self, queue: _Queue) -> dict[str, str]:
        waited = str(int(self.clock - queue.entered))
        return {
            "QueueSid": queue.sid,
            "QueuePosition": "1",
            "QueueTime": waited,
            "AvgQueueTime": waited,
            "CurrentQueueSize": "1",
            "MaxQueueSize": queue.max_size,
        }

    def wait_in_queue(self, verb: ElementTree.Element, url: str, queue: _Queue) -> str:
        """Loop the wait URL, round after round, until the call leaves the queue: its QueueResult."""
        wait_url = verb.get("waitUrl")
        method = verb.get("waitUrlMethod", "POST")
        pending: _Next | None = None
        while True:
            queue.rounds += 1
            if self.max_wait_loops is not None and queue.rounds > self.max_wait_loops:
                self.echo(f">> caller gives up after {self.max_wait_loops} rounds on hold and hangs up")
                return "hangup"
            if wait_url is None:
                # Twilio's own hold music: nothing to fetch, the caller just listens.
                self.echo("[Hold music]")
                self.clock += 30
                result = self.queue_input(None, url, queue)
                if isinstance(result, str):
                    return result
                continue
            if pending is None:
                target = urljoin(url, wait_url)
                pending = _Next(target, self.fetch(target, method, "queue_wait", self.queue_params(queue)))
            if pending.document is None:
                return "error"
            outcome = self.hold_round(pending.url, pending.document, queue)
            if isinstance(outcome, str):
                return outcome
            pending = outcome

    def hold_round(self, url: str, document: ElementTree.Element, queue: _Queue) -> str | _Next | None:
        """Act out one wait document: a QueueResult, the next document to act out, or None to loop."""
        asked = False
        for verb in document:
            if verb.tag in ("Say", "Play", "Pause"):
                self.listen_to(verb)
            elif verb.tag == "Gather":
                asked = True
                result = self.queue_input(verb, url, queue)
                if result is not None:
                    return result
            elif verb.tag == "Redirect":
                target = urljoin(url, (verb.text or "").strip())
                self.echo(f"[Redirect] {target}")
                return _Next(
                    target,
                    self.fetch(target, verb.get("method", "POST"), "queue_wait", self.queue_params(queue)),
                )
            elif verb.tag == "Leave":
                self.hear("Leave", "")
                self.echo("[Leave]")
                return "leave"
            elif verb.tag == "Hangup":
                self.hear("Hangup", "")
                self.echo("[Hangup]")
                return "hangup"
            else:
                self.echo(f"[{verb.tag}] (not allowed while waiting: Twilio would fail here)")
        if not asked:
            result = self.queue_input(None, url, queue)
            if result is not None:
                return result
        return None

    def queue_input(self, verb: ElementTree.Element | None, url: str, queue: _Queue) -> str | _Next | None:
        """What the caller (or an operator) does during one round on hold."""
        if verb is not None:
            self.open_gather(verb)
        step = self.caller.next("queue", QUEUE_PROMPT)
        if step is None:
            if not queue.out_of_script:
                self.echo(">> (end of the script: the caller stays on hold)")
                queue.out_of_script = True
            step = wait()
        if step.kind == "answer":
            self.hear("Bridged", "operator")
            self.echo("[Bridged to an operator]")
            return "bridged"
        if step.kind == "hangup":
            self.echo(">> caller hangs up")
            return "hangup"
        if verb is None:
            if step.kind in ("press", "say"):
                self.echo(f">> caller {step.kind}s {step.value!r}, but nothing is listening now")
            else:
                self.echo(">> caller keeps waiting")
            return None
        return self.answer_gather(verb, url, step, "queue_wait")

    # - voicemail -

    def record(self, verb: ElementTree.Element, url: str) -> _Flow:
        max_length = _int(verb.get("maxLength"), 3600)
        finish = verb.get("finishOnKey", "1234567890*#")
        self.hear("Record", str(max_length))
        self.echo(f"[Record up to {max_length}s, ends with {finish or 'silence'}]")
        step = self.caller.next("record", RECORD_PROMPT)
        if step is None or step.kind == "hangup":
            self.echo(">> caller hangs up" + (" (end of the script)" if step is None else ""))
            return _Ended("the caller hung up")
        if step.kind not in ("record", "say"):
            # Twilio keeps no empty recording: it skips the action and goes on with the next verb.
            self.echo(">> caller says nothing")
            self.clock += _int(verb.get("timeout"), 5)
            self.echo("   (nothing recorded: Twilio goes on to the next verb)")
            return None
        words = len(step.value.split())
        duration = min(max(1, round(words * RECORDED_SECONDS_PER_WORD)), max_length)
        self.clock += duration
        recording_sid = "RE" + uuid.uuid4().hex
        recording_url = (
            f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}/Recordings/{recording_sid}"
        )
        key = "#" if "#" in finish else finish[:1]
        then = f", then presses {key}" if key else ""
        self.echo(f'>> caller records "{step.value}" ({duration} s){then}')
        action = urljoin(url, verb.get("action") or url)
        details = {
            "RecordingUrl": recording_url,
            "RecordingDuration": str(duration),
            "RecordingSid": recording_sid,
        } | ({"Digits": key} if key else {})
        # Twilio asks for the action as soon as the caller stops; the recording is ready a moment later.
        document = self.fetch(action, verb.get("method", "POST"), "call", details)
        callback = verb.get("recordingStatusCallback")
        if callback:
            status = {
                "RecordingSid": recording_sid,
                "RecordingUrl": recording_url,
                "RecordingStatus": "completed",
                "RecordingDuration": str(duration),
                "RecordingChannels": "1",
                "RecordingSource": "RecordVerb",
            }
            for _ in range(2 if self.repeat_callbacks else 1):
                self.fetch(
                    urljoin(url, callback),
                    verb.get("recordingStatusCallbackMethod", "POST"),
                    "callback",
                    status,
                )
        return _Next(action, document)

    def send_status(self) -> None:
        duration = max(1, round(self.clock)) if self.final_status == "completed" else 0
        status_url = self.public_url + "/voice/status"
        for _ in range(2 if self.repeat_callbacks else 1):
            self.fetch(
                status_url,
                "POST",
                "callback",
                {"CallStatus": self.final_status, "CallDuration": str(duration)},
                counted=False,
            )


# --- Entry points -----------------------------------------------------------------------------


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
        if line is not None and dataclasses.is_dataclass(line) and hasattr(line, "settings"):
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


def simulate(
    app: Flask,
    steps: Sequence[Step] | None,
    *,
    from_number: str = DEFAULT_FROM,
    to_number: str = LINE_NUMBER,
    at: datetime | None = None,
    max_wait_loops: int | None = 20,
    repeat_callbacks: bool = False,
    out: TextIO | None = None,
    ask: Callable[[str], str] = input,
) -> CallResult:
    """Call the app in this process as Twilio would; `steps=None` asks `ask` at each turn instead.

    `at` pins the line's clock at that moment when the call starts; it moves with the call.
    """
    settings = app.config["IVR"]
    simulation = Simulation(
        InProcess(app),
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
    out: TextIO | None = None,
    ask: Callable[[str], str] = input,
) -> CallResult:
    """Call a running server at `url`, signing for `public_url` (the address it knows itself by)."""
    simulation = Simulation(
        OverHttp(url),
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
    result = simulation.run()
    simulation.echo("Call ended (status sent)")
    return result


# --- `flask ivr call` --------------------------------------------------------------------------

STEP_OPTIONS = frozenset({*STEP_KINDS, "confidence"})
_ORDER = "ivr.devtools.simulator.order"


class ScriptedCommand(click.Command):
    """A command that remembers the order its options came in: click keeps only each one's values."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        _, _, order = self.make_parser(ctx).parse_args(args=list(args))
        ctx.meta[_ORDER] = [param.name for param in order]
        return super().parse_args(ctx, args)


def script_from_options(ctx: click.Context, values: dict[str, tuple[str, ...]]) -> list[Step]:
    """Rebuild `--press 2 --say "..." --silence ...` as steps in the order they were typed."""
    remaining = {name: deque(value) for name, value in values.items()}
    steps: list[Step] = []
    for name in ctx.meta.get(_ORDER, []):
        if name not in STEP_OPTIONS:
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
    **_counted_flags: int,
) -> None:
    """Call the line as Twilio would, scripted (--press 2 --say "..." ...) or typing at each turn.

    Options for the caller's steps are taken in the order given. With none, you are the caller.
    """
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
                out=sys.stdout,
            )
            return
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
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
            out=sys.stdout,
        )
    except SimulatorError as error:
        raise click.ClickException(str(error)) from None

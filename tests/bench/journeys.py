"""The calls the benchmark places: scripted journeys that follow the line's TwiML as Twilio would.

A journey is a generator: it yields the next webhook to post (URL and form) and is sent back the
answer. Against the line it follows the answer (the Gather's action, the Enqueue's waitUrl, the
Record's callbacks); against the bare endpoint, which answers every request with the same Gather, it
posts the same sequence to the paths the line would have used, so both servers see the same requests.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from xml.etree import ElementTree

ACCOUNT_SID = "AC" + "0" * 32
LINE_NUMBER = "+18883514024"
APOLOGY = "We are sorry, something went wrong on our side."  # prompts/catalog.toml [apology]


@dataclass(frozen=True)
class Request:
    url: str
    form: dict[str, str]
    kind: str  # what the request is, for the per-kind latency table: "gather", "queue_wait", ...


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


class UnexpectedAnswer(Exception):
    """The line answered something the journey did not expect (counted, and the caller hangs up)."""


@dataclass
class QueueSeats:
    """Twilio's side of the queue: at most maxQueueSize callers wait; more get QueueResult=queue-full."""

    waiting: int = 0
    full_results: int = 0


@dataclass
class Script:
    """What one caller does, key by key; the queue and voicemail parts follow what the line says."""

    name: str
    language_key: str
    caller_type_key: str  # "" where the line does not ask (an urgent subject goes straight to the queue)
    subject: tuple[str, ...]  # ("press", "1"), ("press", "4", "2") (anything else, then 2), ("say", "...")
    a_number: str | None = None
    zip_code: str | None = None
    waits: int = 3
    queue_result: str = "bridged"  # bridged, hangup, or leave (the caller presses 1 while waiting)
    voicemail_seconds: int = 25
    weight: int = 1
    requests: int = field(default=0, init=False)


# Open hours: most callers reach the queue; some leave it for voicemail; case review gets an office.
OPEN_SCRIPTS = (
    Script("detained_assault_keypad", "1", "", ("press", "1"), waits=3, weight=30),
    Script("family_assault_speech_es", "2", "", ("say", "me golpearon los guardias"), waits=3, weight=25),
    Script(
        "attorney_case_a_number",
        "1",
        "3",
        ("press", "4", "4"),
        a_number="012345678",
        waits=2,
        queue_result="hangup",
        weight=20,
    ),
    Script(
        "medicine_speech_to_voicemail",
        "2",
        "4",
        ("say", "no le dan su medicina y esta enfermo"),
        waits=2,
        queue_result="leave",
        weight=15,
    ),
    Script("case_review_zip", "1", "2", ("press", "4", "5"), zip_code="78701", weight=10),
)
# Closed hours (a Saturday): every caller is told when the line opens and leaves a message.
CLOSED_SCRIPTS = (
    Script("closed_detained_conditions", "1", "1", ("press", "4", "2"), weight=40),
    Script("closed_family_speech_es", "2", "2", ("say", "mi esposo no recibe su medicina"), weight=35),
    Script("closed_attorney_a_number", "1", "3", ("press", "4", "4"), a_number="012345678", weight=25),
)


def pick(scripts: tuple[Script, ...], rng: random.Random) -> Script:
    return rng.choices(scripts, weights=[s.weight for s in scripts])[0]


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


def base_form(call_sid: str, caller: str) -> dict[str, str]:
    return {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": caller,
        "To": LINE_NUMBER,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


class Journey:
    """One caller walking a script. `follow=False` drives the bare endpoint along the same path."""

    def __init__(
        self,
        script: Script,
        base_url: str,
        seats: QueueSeats,
        rng: random.Random,
        follow: bool = True,
        line_open: bool = True,
    ) -> None:
        self.script = script
        self.line_open = line_open
        self.queue_full = False
        self.base_url = base_url
        self.seats = seats
        self.follow = follow
        self.call_sid = new_call_sid()
        self.caller = f"+1555{rng.randrange(10**7):07d}"
        self.in_queue = False
        self.hung_up = False
        self.twiml: ElementTree.Element | None = None
        self.step = 0  # the step a bare walk pretends the line is at
        self.steps = self._walk()

    # -- what Twilio posts -------------------------------------------------------------------

    def _request(self, url: str, kind: str, **extra: str) -> Request:
        return Request(url, base_form(self.call_sid, self.caller) | extra, kind)

    def _url(self, element: str, attribute: str, path: str, **query: object) -> str:
        """The URL the TwiML names (following the line), or the one the line would name (bare)."""
        if self.follow:
            found = self.twiml.find(f".//{element}") if self.twiml is not None else None
            if found is None or attribute not in found.attrib:
                raise UnexpectedAnswer(f"expected <{element} {attribute}> after {self.script.name}")
            return found.attrib[attribute]
        self.step += 1 if path == "/voice/gather" else 0
        suffix = "&".join(f"{k}={v}" for k, v in {"step": self.step, **query}.items())
        return f"{self.base_url}{path}?{suffix}"

    def _expect(self, element: str) -> bool:
        """Whether the last answer holds the element (or, walking bare, whether the line's would)."""
        if self.follow:
            return self.twiml is not None and self.twiml.find(f".//{element}") is not None
        if self.script.zip_code:
            return False
        if element == "Enqueue":
            return self.line_open
        return not self.line_open or self.queue_full or self.script.queue_result == "leave"

    # -- the walk ------------------------------------------------------------------------------

    def _walk(self) -> Generator[Request, Answer, None]:
        script = self.script
        yield self._request(self.base_url + "/voice/incoming", "incoming")
        yield self._press(script.language_key)
        how, *what = script.subject
        if how == "press":
            for key in what:
                yield self._press(key)
        else:
            yield self._request(
                self._url("Gather", "action", "/voice/gather"),
                "gather_speech",
                SpeechResult=what[0],
                Confidence="0.91",
            )
        if script.caller_type_key:  # asked after a subject that is not urgent
            yield self._press(script.caller_type_key)
        if script.a_number:
            yield self._press(script.a_number, "#")
            yield self._press("1")
        if script.zip_code:
            yield self._press(script.zip_code, "#")
            yield self._press("2")  # no operator, thanks: the office's number was enough
        if self._expect("Enqueue"):
            yield from self._queue()
        if self._expect("Record"):
            yield from self._voicemail()
        yield self._request(
            self.base_url + "/voice/status", "status", CallStatus="completed", CallDuration="180"
        )

    def _press(self, digits: str, finish: str = "") -> Request:
        return self._request(self._url("Gather", "action", "/voice/gather"), "gather", Digits=digits + finish)

    def _queue(self) -> Generator[Request, Answer, None]:
        script = self.script
        enqueue_action = self._url("Enqueue", "action", "/voice/queue/result")
        wait_url = self._url("Enqueue", "waitUrl", "/voice/queue/wait")
        enqueue = self.twiml.find(".//Enqueue") if self.twiml is not None else None
        max_size = (
            int(enqueue.attrib.get("maxQueueSize", 200)) if self.follow and enqueue is not None else 200
        )
        queue = {"QueueSid": "QU" + "3" * 32}
        if self.seats.waiting >= max_size:
            # Twilio does not enqueue past maxQueueSize: it posts the action straight away.
            self.seats.full_results += 1
            self.queue_full = True
            yield self._request(
                enqueue_action, "queue_result", QueueResult="queue-full", QueueTime="0", **queue
            )
            return
        self.in_queue = True
        self.seats.waiting += 1
        try:
            for turn in range(script.waits):
                yield self._request(
                    wait_url,
                    "queue_wait",
                    QueuePosition=str(min(self.seats.waiting, max_size)),
                    QueueTime=str(20 * (turn + 1)),
                    AvgQueueTime="120",
                    CurrentQueueSize=str(self.seats.waiting),
                    MaxQueueSize=str(max_size),
                    **queue,
                )
            if script.queue_result == "leave":
                choice = self._url("Gather", "action", "/voice/queue/choice")
                yield self._request(choice, "queue_choice", Digits="1", **queue)
        finally:
            self.in_queue = False
            self.seats.waiting -= 1
        waited = str(20 * script.waits + 5)
        yield self._request(
            enqueue_action, "queue_result", QueueResult=script.queue_result, QueueTime=waited, **queue
        )

    def _voicemail(self) -> Generator[Request, Answer, None]:
        recording_sid = "RE" + uuid.uuid4().hex
        recording_url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}"
        seconds = str(self.script.voicemail_seconds)
        callback = self._url("Record", "recordingStatusCallback", "/voice/voicemail/recording")
        action = self._url("Record", "action", "/voice/voicemail/done")
        # Twilio posts the Record action when the caller presses #; the recording callback follows
        # once the file is ready. Both are part of the call's load on the line.
        yield self._request(
            action,
            "voicemail_done",
            RecordingUrl=recording_url,
            RecordingDuration=seconds,
            Digits="#",
            RecordingSid=recording_sid,
        )
        yield self._request(
            callback,
            "voicemail_recording",
            RecordingSid=recording_sid,
            RecordingUrl=recording_url,
            RecordingStatus="completed",
            RecordingDuration=seconds,
            RecordingChannels="1",
            RecordingSource="RecordVerb",
        )

    # -- driving -------------------------------------------------------------------------------

    def first(self) -> Request:
        return next(self.steps)

    def answer(self, answer: Answer) -> Request | None:
        """Take the line's answer to the last request; return the next request, or None at the end."""
        if answer.status != 200:
            raise UnexpectedAnswer(f"HTTP {answer.status}")
        if answer.body:
            try:
                self.twiml = ElementTree.fromstring(answer.body)  # noqa: S314 - our own server's answer
            except ElementTree.ParseError as error:
                raise UnexpectedAnswer(f"not XML: {error}") from None
        try:
            return self.steps.send(answer)
        except StopIteration:
            return None

    def hang_up(self) -> Request:
        """The caller hangs up early (the run is over, or the line said something unexpected)."""
        self.steps.close()
        self.hung_up = True
        return self._request(
            self.base_url + "/voice/status", "status", CallStatus="completed", CallDuration="60"
        )

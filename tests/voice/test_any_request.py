"""Property: whatever a signed request to a /voice/ webhook holds, the line answers as Twilio needs.

Hypothesis draws calls made of moves: a caller answering what the line last asked (keys, words,
silence, a recording, the queue's results, hanging up) and hostile requests to any voice webhook
(arbitrary, missing, huge, non-UTF-8 and hostile parameters; unknown, reused and malformed ids;
steps out of order; requests replayed). Every request is signed as Twilio signs it. After each:

- never a 500;
- a TwiML answer is one Twilio accepts where it is read (ivr.devtools.twiml_rules);
- a caller-facing webhook answers with TwiML, and never with an empty document while the caller is
  still on the line (an empty answer is silence and a dropped call).

The calls share the line's database across examples, on purpose: ids are reused between them. Set
HYPOTHESIS_PROFILE=thorough for a long run; CI (CI=true) runs the derandomized profile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ivr.devtools import twiml_rules
from ivr.models import Call
from ivr.voice.recovery import AUDIENCES, CALLBACK
from tests.conftest import ACCOUNT_SID, PUBLIC_URL, sign

common = {
    # The line's database lives across examples on purpose (ids reused between calls).
    "suppress_health_check": [HealthCheck.function_scoped_fixture],
    "database": None,  # nothing written into the work tree
    "deadline": 3000,  # ms for one example (a call of up to 12 requests) on a busy machine
}
settings.register_profile("default", max_examples=60, **common)
settings.register_profile("ci", max_examples=60, derandomize=True, **common)
settings.register_profile("thorough", max_examples=2000, **common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default"))

CALL_SIDS = ["CA" + c * 32 for c in "abc"]
HOSTILE = [
    "",
    " ",
    "<Say>hello</Say>",
    "]]><Hangup/>",
    "&amp;&lt;",
    "\x00\x01\x1b[2J",
    "' OR 1=1 --",
    "{{7*7}}",
    "%s%n%x",
    "../../../etc/passwd",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "\u202egnp.exe",
    "\ufdfa" * 40,
    "-1",
    "99999999999999999999999999",
    "NaN",
    "1e309",
    "0x1F",
    "\r\nX-Injected: 1",
    "x" * 20_000,
]
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
number = st.integers(-(10**20), 10**20).map(str)
anything = st.one_of(text, st.sampled_from(HOSTILE), number, st.text("0123456789*#", max_size=12))


def new_sid(prefix: str) -> st.SearchStrategy[str]:
    return st.text("0123456789abcdef", min_size=32, max_size=32).map(lambda digits: prefix + digits)


NEW_CALL_SID = new_sid("CA")


def sid_of(prefix: str, pool: list[str]) -> st.SearchStrategy[str]:
    """A Twilio id: mostly one met before, else a new one, else anything at all."""
    return st.one_of(st.sampled_from(pool), new_sid(prefix), anything)


FIELDS: dict[str, st.SearchStrategy[str]] = {
    "Digits": st.one_of(st.text("0123456789*#", max_size=12), anything),
    "SpeechResult": anything,
    "Confidence": st.one_of(st.floats(allow_nan=True).map(str), anything),
    "RecordingUrl": st.one_of(
        st.just(f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE" + "4" * 32),
        anything,
    ),
    "RecordingSid": sid_of("RE", ["RE" + "4" * 32]),
    "RecordingDuration": st.one_of(st.integers(-5, 4000).map(str), anything),
    "RecordingStatus": st.one_of(st.sampled_from(["completed", "absent", "failed"]), anything),
    "QueueResult": st.one_of(
        st.sampled_from(["bridged", "hangup", "leave", "redirected", "error", "system-error", "queue-full"]),
        anything,
    ),
    "QueueTime": st.one_of(st.integers(-5, 100_000).map(str), anything),
    "QueuePosition": st.one_of(st.integers(-5, 500).map(str), anything),
    "QueueSid": sid_of("QU", ["QU" + "3" * 32]),
    "CallStatus": st.one_of(
        st.sampled_from(["completed", "busy", "no-answer", "failed", "canceled"]), anything
    ),
    "CallDuration": st.one_of(st.integers(-5, 100_000).map(str), anything),
    "From": st.one_of(st.just("+15555550123"), st.just("sip:" + "a" * 300 + "@example.org"), anything),
    "To": anything,
    "ErrorCode": anything,
    "ErrorUrl": anything,
    "StatusCallbackEvent": st.one_of(st.sampled_from(["conference-start", "conference-end"]), anything),
    "ConferenceSid": sid_of("CF", ["CF" + "c" * 32]),
    "AccountSid": st.one_of(st.just(ACCOUNT_SID), anything),
    "ParentCallSid": sid_of("CA", CALL_SIDS),
}
STEP_PATHS = ["/voice/gather", "/voice/voicemail/done", "/voice/queue/result", "/voice/incoming"]
QUERIES = st.fixed_dictionaries(
    {},
    optional={
        "step": st.one_of(st.integers(-2, 12).map(str), anything),
        "connection": st.one_of(st.integers(-1, 5).map(str), anything),
        "empty": st.just("1"),
    },
)


@dataclass
class Posted:
    path: str
    query: dict[str, str]
    params: dict[str, str]
    raw: dict[str, bytes] = field(default_factory=dict)  # values sent as bytes, perhaps not UTF-8


@dataclass
class Heard:
    """What the line answered, and what the property checks need to know of the request."""

    status: int
    body: str
    mimetype: str


@st.composite
def hostile_request(draw: st.DrawFn, paths: list[str], call_sid: str) -> Posted:
    path = draw(st.sampled_from(paths))
    chosen = draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=6, unique=True))
    params = {"CallSid": call_sid, "AccountSid": ACCOUNT_SID} | {name: draw(FIELDS[name]) for name in chosen}
    for name in draw(st.lists(st.sampled_from(["CallSid", "AccountSid"]), max_size=1)):
        del params[name]  # now and then Twilio's ever-present ids are missing
    if draw(st.booleans()):
        params[draw(st.text("abcdefXYZ_", min_size=1, max_size=12))] = draw(anything)  # a field nobody reads
    raw = {}
    if draw(st.integers(0, 5)) == 0:
        raw[draw(st.sampled_from(["Digits", "SpeechResult", "From"]))] = draw(
            st.binary(min_size=1, max_size=40)
        )
    return Posted(path, draw(QUERIES), params, raw)


def send(app: Flask, request: Posted) -> Heard:
    """Post as Twilio does: the body parsed as the line will parse it, and signed over that."""
    pairs: list[tuple[str, str | bytes]] = [*request.params.items(), *request.raw.items()]
    body = urlencode(pairs).encode()
    query = urlencode(request.query)
    url = PUBLIC_URL + request.path + (f"?{query}" if query else "")
    parsed = Request(
        EnvironBuilder(
            method="POST", data=body, content_type="application/x-www-form-urlencoded"
        ).get_environ()
    ).form
    signature = sign(url, parsed)  # every value of a repeated field, as the validator reads them
    response = app.test_client().post(
        request.path,
        query_string=query,
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    heard = Heard(response.status_code, response.get_data(as_text=True), response.mimetype)
    response.close()
    return heard


def audience(app: Flask, path: str) -> str:
    adapter = app.url_map.bind("line.example.org")
    endpoint, _ = adapter.match(path, method="POST")
    return AUDIENCES.get(app.view_functions[endpoint], "caller")


def caller_hung_up(app: Flask, call_sid: str) -> bool:
    """Twilio said the call is over: its status callback, or the queue's result `hangup`."""
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        if call is None:
            return False
        return call.ended_at is not None or (
            call.queue_entry is not None and call.queue_entry.result == "hangup"
        )


def check(app: Flask, request: Posted, heard: Heard) -> None:
    """The properties every answer holds."""
    sent = f"{request.path}?{urlencode(request.query)} {sorted(request.params)} {sorted(request.raw)}"
    what = f"{sent} -> {heard.status}: {heard.body[:300]}"
    assert heard.status < 500, what
    who = audience(app, request.path)
    if who == CALLBACK:
        assert heard.status in (200, 400), what
        if heard.status == 200:
            assert twiml_rules.problems(heard.body, "callback") == [], what
        return
    # A caller or an operator is on the line: TwiML, and something to hear or do.
    assert heard.status == 200 and heard.mimetype == "text/xml", what
    context = "queue_wait" if request.path == "/voice/queue/wait" else "call"
    assert twiml_rules.problems(heard.body, context) == [], what
    if len(ElementTree.fromstring(heard.body)) == 0:
        hung_up = request.params.get("QueueResult") == "hangup"
        assert hung_up or caller_hung_up(app, request.params.get("CallSid", "")), "silence: " + what


@dataclass
class Line:
    """One caller's side of the conversation: the line's last answer, whose actions a move follows."""

    app: Flask
    call_sid: str
    twiml: ElementTree.Element | None = None
    sent: list[Posted] = field(default_factory=list)

    def post(self, path_and_query: str, params: dict[str, str]) -> None:
        parts = urlsplit(path_and_query)
        query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
        request = Posted(parts.path, query, {"CallSid": self.call_sid, "AccountSid": ACCOUNT_SID} | params)
        self.send(request)

    def send(self, request: Posted) -> None:
        heard = send(self.app, request)
        check(self.app, request, heard)
        self.sent.append(request)
        if heard.status == 200 and request.path != "/voice/status" and heard.body.startswith("<?xml"):
            self.twiml = ElementTree.fromstring(heard.body)
            for verb in ("Enqueue", "Record", "Dial"):
                if self.twiml.find(verb) is not None and currently_in_test_context():
                    event(f"the caller reached {verb}")  # how deep the calls go: --hypothesis-show-statistics

    def recording(self, seconds: int) -> dict[str, str]:
        """The call's recording as Twilio reports it: one per call, so a second report is a repeat."""
        sid = "RE" + self.call_sid[2:]
        url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"
        return {"RecordingSid": sid, "RecordingUrl": url, "RecordingDuration": str(seconds)}

    def verb(self, name: str) -> ElementTree.Element | None:
        return None if self.twiml is None else self.twiml.find(name)


@st.composite
def moves(draw: st.DrawFn, paths: list[str]) -> tuple[str, list[tuple[str, object]]]:
    """A call: up to 12 moves, each answering the line or attacking it."""
    answer = st.one_of(
        st.tuples(st.just("press"), st.text("0123456789*#", min_size=1, max_size=10)),
        st.tuples(st.just("say"), anything),
        st.tuples(st.just("silence"), st.none()),
        st.tuples(st.just("record"), st.integers(0, 400)),
        st.tuples(st.just("queue"), FIELDS["QueueResult"]),
        st.tuples(st.just("hang up"), st.none()),
        st.tuples(st.just("replay"), st.integers(0, 20)),
        # Out of order: a step's request whatever the line last asked, or a recording's report.
        st.tuples(st.just("out of order"), st.tuples(st.sampled_from(STEP_PATHS), st.integers(-1, 8))),
        st.tuples(st.just("recording report"), st.integers(0, 400)),
    )
    call_sid = draw(st.one_of(st.sampled_from(CALL_SIDS), NEW_CALL_SID))
    attack = st.tuples(st.just("attack"), hostile_request(paths, call_sid))
    # Most calls begin at /incoming; some the line never heard begin (their record was lost).
    start = [("incoming", call_sid)] if draw(st.integers(0, 4)) else []
    return call_sid, [*start, *draw(st.lists(st.one_of(answer, answer, attack), max_size=12))]


def play(line: Line, move: str, value: object) -> None:
    gather, record, enqueue = line.verb("Gather"), line.verb("Record"), line.verb("Enqueue")
    if move == "incoming":
        line.post("/voice/incoming", {"From": "+15555550123", "To": "+18883514024"})
    elif move == "press" and gather is not None:
        line.post(gather.attrib["action"].removeprefix(PUBLIC_URL), {"Digits": str(value)})
    elif move == "say" and gather is not None:
        line.post(
            gather.attrib["action"].removeprefix(PUBLIC_URL),
            {"SpeechResult": str(value), "Confidence": "0.9"},
        )
    elif move == "silence" and gather is not None:
        line.post(gather.attrib["action"].removeprefix(PUBLIC_URL), {})
    elif move == "record" and record is not None:
        recording = line.recording(int(str(value)))
        line.post(
            record.attrib["recordingStatusCallback"].removeprefix(PUBLIC_URL),
            recording | {"RecordingStatus": "completed"},
        )
        line.post(record.attrib["action"].removeprefix(PUBLIC_URL), recording)
    elif move == "recording report":
        line.post(
            "/voice/voicemail/recording", line.recording(int(str(value))) | {"RecordingStatus": "completed"}
        )
    elif move == "out of order" and isinstance(value, tuple):
        path, step = value
        fields = {"Digits": "1", "QueueResult": "leave"} | line.recording(20)
        line.post(f"{path}?step={step}", fields)
    elif move == "queue" and enqueue is not None:
        queue = {"QueueSid": "QU" + "3" * 32, "QueueTime": "30"}
        line.post(enqueue.attrib["waitUrl"].removeprefix(PUBLIC_URL), queue | {"QueuePosition": "1"})
        line.post(enqueue.attrib["action"].removeprefix(PUBLIC_URL), queue | {"QueueResult": str(value)})
    elif move == "hang up":
        line.post("/voice/status", {"CallStatus": "completed", "CallDuration": "60"})
    elif move == "replay" and line.sent:
        line.send(line.sent[int(str(value)) % len(line.sent)])
    elif move == "attack" and isinstance(value, Posted):
        line.send(value)


def voice_paths(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/voice/") and "POST" in (rule.methods or ()) and "<" not in rule.rule
    )


@given(data=st.data())
def test_any_call_of_answers_and_attacks_gets_answers_twilio_takes_and_never_silence(
    app: Flask, data: st.DataObject
) -> None:
    paths = voice_paths(app)
    call_sid, played = data.draw(moves(paths))
    line = Line(app, call_sid)
    for move, value in played:
        play(line, move, value)


@given(data=st.data())
def test_any_single_request_to_any_voice_webhook_is_answered_without_a_500(
    app: Flask, data: st.DataObject
) -> None:
    paths = voice_paths(app)
    call_sid = data.draw(sid_of("CA", CALL_SIDS))
    request = data.draw(hostile_request(paths, call_sid))
    check(app, request, send(app, request))


def test_every_voice_webhook_is_in_the_properties(app: Flask) -> None:
    # A new webhook is fuzzed as soon as it is routed: the properties take the routes from the app.
    assert {"/voice/incoming", "/voice/gather", "/voice/status", "/voice/voicemail/recording"} <= set(
        voice_paths(app)
    )
    assert len(voice_paths(app)) >= 15


def test_a_non_utf8_body_is_signed_and_read_not_refused(app: Flask) -> None:
    # The properties' non-UTF-8 requests are signed over what the line parses: they reach the webhook.
    request = Posted(
        "/voice/incoming", {}, {"CallSid": CALL_SIDS[0], "AccountSid": ACCOUNT_SID}, {"From": b"\xff\xfe+1"}
    )
    heard = send(app, request)
    assert heard.status == 200 and "<Gather" in heard.body


def test_a_call_first_known_by_its_recording_report_is_never_answered_with_silence(app: Flask) -> None:
    # The case: the recording's report made the call's record (its /incoming was lost), so
    # the call has no answer to repeat; a step's request then got an empty document.
    line = Line(app, "CA" + "e" * 32)
    line.post("/voice/voicemail/recording", line.recording(20) | {"RecordingStatus": "completed"})
    for path in ("/voice/gather?step=3", "/voice/voicemail/done?step=2", "/voice/queue/result?step=4"):
        line.post(path, {"Digits": "1", "QueueResult": "leave"} | line.recording(20))
        assert line.twiml is not None and len(line.twiml) > 0

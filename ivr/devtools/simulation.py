"""Act out the TwiML the line answers, verb by verb, as Twilio would: menus, the queue, voicemail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin
from xml.etree import ElementTree

from ivr.config import PROJECT_ROOT
from ivr.devtools.caller import (
    DEFAULT_CONFIDENCE,
    GATHER_PROMPT,
    QUEUE_PROMPT,
    RECORD_PROMPT,
    Step,
    collected_digits,
    shown_keys,
    wait,
)
from ivr.devtools.recordings import write_recording
from ivr.devtools.switchboard import Switchboard
from ivr.devtools.twilio_call import CallResult, TwilioCall
from ivr.prompts.audio import words_of

WORDS_PER_SECOND = 2.5  # how fast Polly reads, near enough to estimate a call's length
RECORDED_SECONDS_PER_WORD = 0.5


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


class Simulation(TwilioCall):
    """One call, from the first webhook to the status callback, acted out as Twilio would.

    With a switchboard, Twilio's other legs are played too: the operators the line rings, the room.
    """

    switchboard: Switchboard | None = None
    moved_to: str | None = None
    recordings: Path | None = None  # where a recording is written for a console to play (development)

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
        if self.switchboard is not None:
            self.switchboard.pump()
        self.send_status()
        if self.switchboard is not None:
            self.switchboard.pump()
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
        if verb.tag == "Dial" and (conference := verb.find("Conference")) is not None and self.switchboard:
            room = self.switchboard.enter_room(conference, self.result.call_sid, "caller")
            self.hear("Conference", room.name)
            if self.switchboard.talk(self.caller, room):
                return _Ended("the caller hung up")
            self.echo("[The room has ended: the caller's call goes on]")
            return None
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
            digits, ended = collected_digits(step.value, verb.get("finishOnKey", "#"), num_digits)
            self.echo(f">> caller presses {shown_keys(step.value)}")
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
        if result == "moved" and self.moved_to is not None:
            # Twilio runs the TwiML the line moved the call to; the Enqueue is over.
            target, self.moved_to = self.moved_to, None
            return _Next(target, self.fetch(target))
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
            if self.switchboard is not None:
                # What the line asked of Twilio meanwhile: an operator rung, the caller moved.
                self.switchboard.pump()
                self.moved_to = self.switchboard.moves.pop(self.result.call_sid, None)
                if self.moved_to is not None:
                    return "moved"
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
        written = write_recording(self.recordings, recording_sid, step.value) if self.recordings else None
        if written is not None:
            recording_url = written.as_uri()
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

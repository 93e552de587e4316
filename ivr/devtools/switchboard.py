"""Twilio's part in a simulated call's other legs: the operator's phone, and the room they talk in.

The line asks Twilio's REST API (the stand-in, ivr/devtools/twilio_api.py) to ring an operator, to
move the caller, to end the room; the switchboard acts on each request as Twilio would, signing the
operator leg's webhooks and the conference's callbacks, and prints both sides of the conversation.
"""

from __future__ import annotations

import queue
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

from ivr.devtools import twiml_rules
from ivr.devtools.caller import Caller
from ivr.devtools.transport import Transport, signed
from ivr.devtools.twilio_api import Event, FakeTwilioApi

OPERATOR_CHOICES = ("answer", "no-answer", "decline")
ROOM_PROMPT = "In the room: type what the caller says (Enter = listen, 'hangup' = the caller hangs up): "
OPERATOR_GOODBYE = "Thank you for calling. We will follow up on your report. Goodbye."


@dataclass
class OperatorPlan:
    """What the simulated operator does when their phone rings, and says in the room, in turn."""

    picks_up: str = "answer"  # answer (and take the call), no-answer, decline (pick up, press nothing)
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.picks_up not in OPERATOR_CHOICES:
            raise ValueError(f"the operator may {', '.join(OPERATOR_CHOICES)}, not {self.picks_up!r}")


@dataclass
class Leg:
    """A call Twilio made for the line: the operator's, or one dialed into the room."""

    call_sid: str
    to: str
    from_: str
    status_callback: str | None
    rest: list[ElementTree.Element] = field(default_factory=list)  # verbs after the Dial, for later
    url: str = ""


@dataclass
class Room:
    name: str
    sid: str
    status_callback: str | None
    members: set[str] = field(default_factory=set)


class Switchboard:
    """Acts on the line's REST requests as Twilio would, between the caller's steps."""

    def __init__(
        self,
        api: FakeTwilioApi,
        transport: Transport,
        auth_token: str,
        account_sid: str,
        plan: OperatorPlan,
        echo: Callable[[str], None],
    ) -> None:
        self.api = api
        self.transport = transport
        self.validator = RequestValidator(auth_token)
        self.account_sid = account_sid
        self.plan = plan
        self.echo = echo
        self.lines = list(plan.lines)
        self.legs: dict[str, Leg] = {}
        self.rooms: dict[str, Room] = {}
        self.moves: dict[str, str] = {}  # a call the line moved, to the URL it now runs
        self.settle_seconds = 0.0
        # An operator took the call: the line's request moving the caller to them is still to come.
        self.awaiting_move = False

    # - what the line asked of Twilio -

    def pump(self) -> None:
        """Act on every request the line has made of Twilio's API so far.

        A server makes them just after answering (ivr.desk.after_response), over HTTP: the first
        is given up to `settle_seconds` to arrive (a worker's first REST request imports the library).
        """
        wait = self.settle_seconds
        while True:
            try:
                event = self.api.events.get(timeout=wait) if wait else self.api.events.get_nowait()
            except queue.Empty:
                return
            self.act(event)
            # Once an operator has taken the call, the caller's move follows the operator's webhooks,
            # after the server's answers: wait for it as for the first request, or the caller's next
            # words would be spoken on hold instead of to the operator.
            wait = self.settle_seconds if self.awaiting_move else 0

    def act(self, event: Event) -> None:
        if event.kind == "ring":
            self.ring(event)
        elif event.kind == "redirect":
            if event.call_sid in self.legs:
                self.run_leg(self.legs[event.call_sid], event.url)
            else:
                self.echo("[Twilio takes the caller out of the queue, to the operator]")
                self.moves[event.call_sid] = event.url
                self.awaiting_move = False
        elif event.kind in ("cancel", "complete") and event.call_sid in self.legs:
            self.echo("[The operator's phone stops ringing]")
            self.leg_over(self.legs.pop(event.call_sid), event.kind.replace("cancel", "canceled"))
        elif event.kind == "dial_in":
            label = str(event.details.get("Label", "someone"))
            self.echo(f"[Twilio dials the {label} into the room: they join]")
        elif event.kind == "end_conference":
            room = next((r for r in self.rooms.values() if r.sid == event.details.get("ConferenceSid")), None)
            if room is not None:
                self.echo("[The operator ends the call for everyone in the room]")
                self.close_room(room)

    def ring(self, event: Event) -> None:
        data = event.details
        leg = Leg(
            event.call_sid, str(data.get("To", "")), str(data.get("From", "")), _one(data, "StatusCallback")
        )
        self.echo(f"[Twilio rings the operator at {leg.to}]")
        if self.plan.picks_up == "no-answer":
            self.echo(f"   (nobody answers for {data.get('Timeout', '60')} s)")
            self.leg_over(leg, "no-answer")
            return
        self.legs[leg.call_sid] = leg
        self.echo("[The operator answers]")
        self.run_leg(leg, event.url)

    # - the operator's leg -

    def run_leg(self, leg: Leg, url: str) -> None:
        document: ElementTree.Element | None = self.fetch(url, self.leg_params(leg))
        while document is not None:
            next_url, document = self.leg_document(leg, url, document)
            if next_url is None:
                return
            url = next_url
        self.legs.pop(leg.call_sid, None)
        self.leg_over(leg, "completed")

    def leg_document(
        self, leg: Leg, url: str, document: ElementTree.Element
    ) -> tuple[str | None, ElementTree.Element | None]:
        """Act out one of the operator leg's documents: the next URL and its answer, or (None, None)
        when the leg waits in a room (or has ended)."""
        verbs = list(document)
        for index, verb in enumerate(verbs):
            if verb.tag == "Say":
                self.echo(f"   (operator hears) {' '.join(''.join(verb.itertext()).split())}")
            elif verb.tag == "Gather":
                for noun in verb:
                    self.echo(f"   (operator hears) {' '.join(''.join(noun.itertext()).split())}")
                if self.plan.picks_up == "answer":
                    self.echo(">> operator presses 1")
                    action = urljoin(url, verb.get("action") or url)
                    return action, self.fetch(action, self.leg_params(leg, Digits="1"))
                self.echo("   (the operator presses nothing)")
            elif verb.tag == "Redirect":
                target = urljoin(url, (verb.text or "").strip())
                return target, self.fetch(target, self.leg_params(leg))
            elif verb.tag == "Dial" and (conference := verb.find("Conference")) is not None:
                leg.rest = verbs[index + 1 :]
                self.awaiting_move = True
                self.enter_room(conference, leg.call_sid, "operator")
                return None, None
            elif verb.tag == "Hangup":
                break
        self.legs.pop(leg.call_sid, None)
        self.leg_over(leg, "completed")
        return None, None

    def leg_params(self, leg: Leg, **extra: str) -> dict[str, str]:
        return {
            "CallSid": leg.call_sid,
            "AccountSid": self.account_sid,
            "From": leg.from_,
            "To": leg.to,
            "CallStatus": "in-progress",
            "Direction": "outbound-api",
            "ApiVersion": "2010-04-01",
        } | extra

    def leg_over(self, leg: Leg, status: str) -> None:
        self.awaiting_move = False  # no operator, no move to wait for
        self.echo(f"[The operator's leg ends: {status}]")
        if leg.status_callback:
            self.fetch(leg.status_callback, self.leg_params(leg, CallStatus=status), "callback")

    # - the room -

    def enter_room(self, conference: ElementTree.Element, call_sid: str, who: str) -> Room:
        """A leg's <Dial><Conference>: into the room (Twilio starts it with its first member)."""
        name = (conference.text or "").strip()
        room = self.rooms.get(name)
        if room is None:
            room = self.rooms[name] = Room(name, "CF" + uuid.uuid4().hex, conference.get("statusCallback"))
            self.echo(f"[Conference {name} starts]")
            self.room_event(room, "conference-start")
        room.members.add(call_sid)
        self.echo(f"[The {who} joins the room]")
        self.room_event(room, "participant-join", CallSid=call_sid)
        return room

    def room_event(self, room: Room, event: str, **extra: str) -> None:
        if room.status_callback:
            params = {
                "AccountSid": self.account_sid,
                "ConferenceSid": room.sid,
                "FriendlyName": room.name,
                "StatusCallbackEvent": event,
                "Timestamp": "Mon, 30 Nov 2026 15:00:00 +0000",
            } | extra
            self.fetch(room.status_callback, params, "callback")

    def close_room(self, room: Room) -> None:
        """The room ends: everyone's Dial is over; each operator leg goes on with its TwiML, and ends."""
        if self.rooms.pop(room.name, None) is None:
            return
        self.echo(f"[Conference {room.name} ends]")
        self.room_event(room, "conference-end")
        for call_sid in list(room.members):
            leg = self.legs.pop(call_sid, None)
            if leg is not None:
                self.leg_over(leg, "completed")

    def talk(self, caller: Caller, room: Room) -> bool:
        """The caller and the operator talk, turn by turn; True if the caller hung up, False if the
        room was ended for them (they go on with their TwiML)."""
        while room.name in self.rooms:
            step = caller.next("room", ROOM_PROMPT)
            if step is None or step.kind == "hangup":
                if step is None:
                    self.echo(f'<< operator says "{OPERATOR_GOODBYE}" (end of the script)')
                    self.echo("[The operator hangs up]")
                    self.close_room(room)
                    return False
                self.echo(">> caller hangs up")
                self.close_room(room)
                return True
            if step.kind == "say":
                self.echo(f'>> caller says "{step.value}"')
                if self.lines:
                    self.echo(f'<< operator says "{self.lines.pop(0)}"')
            self.pump()
        return False

    # - requests to the line -

    def fetch(self, url: str, params: dict[str, str], context: str = "call") -> ElementTree.Element | None:
        url, signature = signed(self.validator, "POST", url, params)
        parts = urlsplit(url)
        self.echo(f"   -> POST {parts.path}?{parts.query}" + (" (callback)" if context == "callback" else ""))
        reply = self.transport.send("POST", url, params, signature)
        if not 200 <= reply.status < 300:
            self.echo(f"!! HTTP {reply.status or 'error'} from POST {url}")
            return None
        for problem in twiml_rules.problems(reply.body, context):
            self.echo(f"!! TwiML problem: {problem}")
        try:
            # The TwiML comes from the line under test.
            return ElementTree.fromstring(reply.body)  # noqa: S314 - the line's own TwiML, in development
        except ElementTree.ParseError:
            return None


def _one(data: dict[str, str | list[str]], name: str) -> str | None:
    value = data.get(name)
    return value[0] if isinstance(value, list) else value

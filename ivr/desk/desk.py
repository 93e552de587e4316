"""The desk: decisions in the database, then Twilio told what to do, for each event of a connection.

Webhooks call these after their answer is sent (`ivr.desk.after_response`), the console when an
operator acts. Each method takes `now`; each REST request is made outside any transaction, so no
row stays locked while Twilio answers. A REST failure is logged and turned into the safe state:
the caller keeps their place in line, and an operator Twilio cannot reach is marked away.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from ivr.config import Settings
from ivr.desk import assign, connections
from ivr.desk.assign import Offer
from ivr.desk.connections import ANSWERED, CALLER_LEFT, FAILED, NO_ANSWER, Live
from ivr.desk.twilio_rest import Rest, address, call_is_over, describe, make_client
from ivr.models import OperatorState

if TYPE_CHECKING:
    from twilio.http import HttpClient

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15  # lost callbacks are looked for at most this often per process


class DeskError(RuntimeError):
    """An operator's action that cannot be done now; the message says why, for the console."""


class Desk:
    """Connects waiting callers to operators through Twilio, as events come in."""

    def __init__(self, settings: Settings, engine: Engine, reads: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine
        # Reads of one statement go through `reads` (the webhooks' engine, in autocommit on
        # PostgreSQL): one round trip instead of three (BEGIN, the read, ROLLBACK). Changes always
        # take `engine`, in transactions.
        self.reads = reads or engine
        self._rest: Rest | None = None
        self._swept: datetime | None = None

    @property
    def rest(self) -> Rest:
        if self._rest is None:
            self._rest = Rest(make_client(self.settings), self.settings)
        return self._rest

    def use_http_client(self, http_client: HttpClient | None) -> None:
        """Send the REST requests through this client of the `twilio` library (tests, the simulator);
        None goes back to the settings' own (ivr.desk.twilio_rest.make_http_client)."""
        self._rest = None
        if http_client is not None:
            self._rest = Rest(make_client(self.settings, http_client), self.settings)

    # --- The decision's three moments ----------------------------------------------------------

    def caller_joined(self, now: datetime) -> list[Offer]:
        """A caller joined the queue: a free operator who can take them is rung."""
        self.sweep(now)
        return self.offer(assign.decide(self.engine, self.settings.queue_name, now, self.reads), now)

    def operator_available(self, operator_id: int, now: datetime) -> bool:
        """The operator is ready (or finished wrapping up): they are offered the next caller they can take.

        False while they still hold a caller: they stay as they are.
        """
        ready, offer = assign.go_available(self.engine, self.settings.queue_name, operator_id, now)
        if offer is not None:
            self.offer([offer], now)
        self.sweep(now)
        return ready

    def conversation_ended(self, connection_id: int, now: datetime) -> None:
        """The room closed: the operator wraps up (at most IVR_WRAP_UP_SECONDS), the next caller is chosen.

        A room the caller never reached (the operator left first) is an offer not taken.
        """
        live = connections.load(self.reads, connection_id)
        if live is None or not live.open:
            return
        if not live.in_room:
            self.operator_leg_ended(connection_id, "completed", now)
            return
        until = assign.wrap_up_deadline(now, self.settings.wrap_up_seconds)
        ended = connections.end(
            self.engine, connection_id, ANSWERED, now, OperatorState.WRAPPING_UP, wrap_up_until=until
        )
        if ended is not None:
            self.decide(now)

    def decide(self, now: datetime) -> list[Offer]:
        return self.offer(assign.decide(self.engine, self.settings.queue_name, now, self.reads), now)

    def review(self, now: datetime) -> list[Offer]:
        """What no event announces: wrap-ups that ran out (IVR_WRAP_UP_SECONDS) make their operators
        free for the waiting callers, and offers whose callbacks were lost are given up. For the
        console's polling or a scheduler's job, every few seconds; cheap when nothing is due."""
        self.sweep(now)
        return self.decide(now)

    def offer(self, offers: list[Offer], now: datetime) -> list[Offer]:
        """Ring each offered operator; one Twilio cannot reach is marked away and the caller offered again."""
        rung, failed = [], False
        for offer in offers:
            if self.ring(offer, now):
                rung.append(offer)
            else:
                failed = True
        if failed:
            # The callers of the operators who could not be rung are still first in line.
            rung += self.offer(assign.decide(self.engine, self.settings.queue_name, now, self.reads), now)
        return rung

    def ring(self, offer: Offer, now: datetime) -> bool:
        to = address(offer.reach_by, offer.reach_address, offer.operator_id)
        try:
            call_sid = self.rest.ring_operator(offer.connection_id, to)
        except Exception as error:  # noqa: BLE001 - any failure leaves the caller waiting, in place
            log.error(
                "could not ring operator %s for connection %s: %s; operator marked away",
                offer.operator_id,
                offer.connection_id,
                describe(error),
            )
            connections.end(self.engine, offer.connection_id, FAILED, now, OperatorState.AWAY)
            return False
        connections.note(self.engine, offer.connection_id, operator_call_sid=call_sid)
        return True

    # --- The operator's leg ------------------------------------------------------------------

    def operator_answered(self, connection_id: int, now: datetime) -> Live | None:
        """The operator picked up: the connection as it stands, for the whisper (None if unknown)."""
        connections.note(self.engine, connection_id, answered_at=now)
        return connections.load(self.reads, connection_id)

    def operator_declined(self, connection_id: int, now: datetime) -> None:
        """Picked up but did not take the call (no key after the whisper): away; the caller stays in place."""
        if connections.end(self.engine, connection_id, NO_ANSWER, now, OperatorState.AWAY) is not None:
            self.decide(now)

    def operator_leg_ended(self, connection_id: int, call_status: str, now: datetime) -> None:
        """Twilio's last word on the operator's leg: rung out, busy, failed, or hung up."""
        live = connections.load(self.reads, connection_id)
        if live is None or not live.open:
            return
        if live.in_room:
            self.conversation_ended(connection_id, now)
            return
        # Never reached the caller: no answer (or hung up during the whisper). The caller was never
        # moved and keeps their place; the operator is away until they say otherwise.
        result = FAILED if call_status == "failed" else NO_ANSWER
        if connections.end(self.engine, connection_id, result, now, OperatorState.AWAY) is not None:
            log.info("operator %s did not take connection %s (%s)", live.operator_id, live.id, call_status)
            self.decide(now)

    def move_caller(self, connection_id: int, now: datetime) -> None:
        """The operator is in the room: take the caller out of the queue into it."""
        live = connections.load(self.reads, connection_id)
        if live is None or not live.open:
            return
        try:
            self.rest.move_caller(connection_id, live.call_sid)
        except Exception as error:  # noqa: BLE001 - the caller stays in the queue, in place
            log.warning("could not move the caller of connection %s: %s", connection_id, describe(error))
            if call_is_over(error):
                # Twilio says the call has ended (its status callback is on its way): out of line,
                # or the next operator would be rung for them too.
                connections.left_line(self.engine, live.call_id, "hangup", now)
                self.caller_not_reached(live, CALLER_LEFT, now)
            else:
                self.caller_not_reached(live, FAILED, now)

    def caller_gone(self, call_id: int, now: datetime) -> None:
        """The caller hung up: a connection being offered ends (the operator is free again)."""
        live = connections.open_for_call(self.reads, call_id)
        if live is None:
            return
        if live.in_room:
            self.conversation_ended(live.id, now)
        else:
            self.caller_not_reached(live, CALLER_LEFT, now)

    def caller_not_reached(self, live: Live, result: str, now: datetime) -> None:
        """End an offer that never reached the caller; the operator, who did nothing wrong, is free."""
        if connections.end(self.engine, live.id, result, now, OperatorState.AVAILABLE) is None:
            return
        if live.operator_call_sid:
            try:
                if live.answered_at is None:
                    self.rest.stop_ringing(live.operator_call_sid)
                else:
                    self.rest.tell_operator_caller_left(live.id, live.operator_call_sid)
            except Exception as error:  # noqa: BLE001 - their leg ends by itself, rung out or hung up
                log.warning(
                    "could not stop the operator's leg of connection %s: %s", live.id, describe(error)
                )
        self.decide(now)

    def conference_event(self, connection_id: int, event: str, conference_sid: str, now: datetime) -> None:
        """Twilio's conference callback: the room's SID as it starts, the conversation's end as it ends."""
        if conference_sid and event in ("conference-start", "participant-join"):
            connections.note(self.engine, connection_id, conference_sid=conference_sid)
        if event == "conference-end":
            self.conversation_ended(connection_id, now)

    def sweep(self, now: datetime) -> None:
        """End offers whose operator's status callback never came: the operator is away."""
        if self._swept is not None and timedelta(0) <= now - self._swept < timedelta(seconds=SWEEP_SECONDS):
            return
        self._swept = now
        for connection_id in connections.unanswered_since(
            self.reads, connections.ring_deadline(now, self.settings.ring_seconds)
        ):
            ended = connections.end(self.engine, connection_id, NO_ANSWER, now, OperatorState.AWAY)
            if ended is not None and ended.operator_call_sid:
                try:
                    self.rest.stop_ringing(ended.operator_call_sid)
                except Exception as error:  # noqa: BLE001 - most likely it ended long ago
                    log.info("stale connection %s: %s", connection_id, describe(error))

    # --- What an operator does during a call (the console) -------------------------------------

    def in_room(self, connection_id: int) -> tuple[Live, str]:
        """The connection and its room's SID, if the caller is in the room now."""
        live = connections.load(self.reads, connection_id)
        if live is None or not live.in_room:
            raise DeskError("The caller is not connected to you now.")
        if not live.conference_sid:
            raise DeskError("The call is still being connected: try again in a moment.")
        return live, live.conference_sid

    def add_interpreter(self, connection_id: int) -> str:
        """Dial the interpreter service (IVR_INTERPRETER_NUMBER) into the call; returns its CallSid."""
        if not self.settings.interpreter_number:
            raise DeskError("No interpreter service is configured (IVR_INTERPRETER_NUMBER).")
        _, room = self.in_room(connection_id)
        return self.rest.add_participant(connection_id, room, self.settings.interpreter_number, "interpreter")

    def transfer_to_field_office(self, connection_id: int, phone: str) -> str:
        """Dial a field office into the call; the operator may then hang up and the caller stays."""
        live, room = self.in_room(connection_id)
        call_sid = self.rest.add_participant(connection_id, room, phone, "field office")
        if live.operator_call_sid:
            self.rest.let_operator_leave(room, live.operator_call_sid)
        return call_sid

    def hold(self, connection_id: int, on: bool) -> None:
        """Put the caller on hold (they hear music) or back."""
        live, room = self.in_room(connection_id)
        self.rest.hold(room, live.call_sid, on)

    def end_conversation(self, connection_id: int) -> None:
        """End the call for everyone in the room; the conference's end event does the rest."""
        _, room = self.in_room(connection_id)
        self.rest.end_conference(room)

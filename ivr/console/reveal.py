"""Reveal: a caller's A-number (or, for a voicemail's callback, their number), asked why and audited.

Each reveal writes an audit entry (who, when, why) before the number is shown, and the number is
in that one answer only: never in a URL, a log line, or a page the console polls.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from ivr.auth import role_required, signed_in_user
from ivr.clock import line_now
from ivr.console import bp
from ivr.console.audit import audit
from ivr.console.context import operator_may_see
from ivr.console.polling import from_htmx
from ivr.db import get_session
from ivr.models import AuditAction, Call, Role, Voicemail

MIN_REASON, MAX_REASON = 3, 500  # a reason says something; a page of it is not a reason
WHAT = {"a_number": AuditAction.REVEAL_A_NUMBER, "caller_number": AuditAction.REVEAL_CALLER_NUMBER}


@bp.post("/calls/<int:call_id>/reveal")
@role_required(Role.OPERATOR)
def reveal(call_id: int) -> ResponseReturnValue:
    """Show the A-number or the caller's number of a call this operator may see, once, audited."""
    db, user = get_session(), signed_in_user()
    what = request.form.get("what", "a_number")
    if what not in WHAT or not operator_may_see(db, user.id, call_id):
        abort(403)
    call = db.get(Call, call_id)
    if call is None:
        abort(404)
    if what == "caller_number" and not _holds_voicemail_of(user.id, call_id):
        abort(403)  # the number is for calling back a voicemail, not for every call
    reason = " ".join(request.form.get("reason", "").split())
    value = call.a_number if what == "a_number" else call.caller_number
    error = None
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        error = _(
            "Say why you need it (%(least)d to %(most)d characters).", least=MIN_REASON, most=MAX_REASON
        )
    elif value:
        now = line_now(current_app.config["IVR"])
        audit(db, user.id, WHAT[what], f"call {call_id}", now, reason)
        db.commit()
    page = "console/_reveal.html" if from_htmx() else "console/revealed.html"
    return render_template(
        page,
        call_id=call_id,
        what=what,
        value=None if error else value,
        error=error,
        reason=reason,
    )


def _holds_voicemail_of(operator_id: int, call_id: int) -> bool:
    held = select(Voicemail.id).where(Voicemail.call_id == call_id, Voicemail.claimed_by == operator_id)
    return get_session().scalar(held.limit(1)) is not None

"""The console's one screen: me, the call, after the call, the line now; each part updates by itself."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from ivr.auth import role_required, signed_in_user
from ivr.clock import line_now
from ivr.console import bp
from ivr.console.call import call_card, offices_to_transfer_to, settle_wrap_up
from ivr.console.disposition import after_call_part
from ivr.console.me import me_part
from ivr.console.waiting import the_line_now
from ivr.db import get_session
from ivr.models import Role


@bp.get("/")
@role_required(Role.OPERATOR)
def home() -> ResponseReturnValue:
    db, user = get_session(), signed_in_user()
    now = line_now(current_app.config["IVR"])
    settle_wrap_up(db, user, now)
    card = call_card(db, user, now)
    return render_template(
        "console/home.html",
        card=card,
        offices=offices_to_transfer_to(),
        looked_up=card.looked_up,
        line=the_line_now(db, now),
        **me_part(card.me, user),
        **after_call_part(db, user, card.form_call_id),
    )

"""The browser phone: the token with which Twilio's Voice JavaScript SDK rings this operator's browser."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from ivr.auth import role_required, signed_in_user
from ivr.console import bp
from ivr.desk.desk import DeskError
from ivr.desk.tokens import TOKEN_SECONDS, access_token
from ivr.desk.twilio_rest import identity
from ivr.models import Reach, Role


@bp.get("/phone/token")
@role_required(Role.OPERATOR)
def phone_token() -> ResponseReturnValue:
    """A fresh token for this operator's browser, or why there is none (answered 200 either way:
    the page shows the reason and the operator takes calls by phone; a refused fetch would only
    leave an error in the browser's console)."""
    user = signed_in_user()
    if user.reach_by != Reach.BROWSER:
        return _no_store({"available": False, "reason": "This account is rung on a phone, not here."})
    try:
        token = access_token(current_app.config["IVR"], user.id)
    except DeskError as error:
        return _no_store({"available": False, "reason": str(error)})
    return _no_store(
        {"available": True, "token": token, "identity": identity(user.id), "seconds": TOKEN_SECONDS}
    )


def _no_store(body: dict[str, object]) -> ResponseReturnValue:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"  # a token is a credential
    return response

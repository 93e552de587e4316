"""The bare minimum to compare the line with: Twilio's own IVR sample, a fixed <Gather>, nothing else.

No database, no signature check, no state: what any Flask app answering Twilio costs at the least.
Served under the same gunicorn settings as the line: `gunicorn tests.bench.bare:app`.
"""

from __future__ import annotations

from flask import Flask, Response
from twilio.twiml.voice_response import Gather, VoiceResponse

app = Flask(__name__)


@app.post("/", defaults={"path": ""})
@app.post("/<path:path>")
def menu(path: str) -> Response:
    """Answer every webhook with the sample's menu, built with VoiceResponse as the sample does."""
    response = VoiceResponse()
    gather = Gather(num_digits=1, action="/gather", method="POST")
    gather.say("For sales, press 1. For support, press 2.")
    response.append(gather)
    response.redirect("/voice")
    return Response(str(response), mimetype="text/xml")


@app.get("/health")
def health() -> Response:
    return Response("ok\n", mimetype="text/plain")

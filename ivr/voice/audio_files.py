"""Serve the audio prompts that Twilio's <Play> fetches for languages it cannot speak."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("audio", __name__, url_prefix="/audio")


@bp.get("/<path:name>")
def audio_file(name: str) -> Response:
    # Twilio caches what it plays; prompts change only with a release, so a day's cache is safe.
    return send_from_directory(
        current_app.config["IVR"].audio_path, name, mimetype="audio/wav", max_age=86400
    )

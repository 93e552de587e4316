"""The security headers of every page: a content security policy without inline script, no framing."""

from __future__ import annotations

from flask import Response, current_app

# Scripts and styles come only from the app's own files (/static): an injected <script> or
# style="" never runs, whatever a caller's words or a bug put into a page. `form-action 'self'`
# keeps a tampered form from posting a password elsewhere. A screen that needs more (the Twilio
# Voice SDK's websocket, say) widens one directive here, for every page at once.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        # The browser phone (Twilio's Voice JavaScript SDK) signals over Twilio's websockets and
        # reports to its event gateway; its voice itself is WebRTC, which no directive governs.
        "connect-src 'self' wss://*.twilio.com https://*.twilio.com",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
    # Same-origin requests keep their Referer: Flask-WTF checks it on every form posted over HTTPS.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Pages show callers' personal data: no copy in a shared computer's cache or the back button.
    "Cache-Control": "no-store",
}

# A year, as browsers' preload lists expect; production is served over HTTPS only (README).
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def add_page_headers(response: Response) -> Response:
    """Set the headers on a page's answer (an after_request of each page blueprint, never /voice's)."""
    response.headers.update(PAGE_HEADERS)
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return response


def add_file_headers(response: Response) -> Response:
    """The headers that matter for the app's own scripts and styles: served as typed, never framed."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response

"""Real-browser fixtures: the app served on a loopback port, driven by Debian's chromium via Playwright.

Playwright's own browser builds are never downloaded: Debian's package (`apt-get install chromium`,
done by `make system-packages` as root) is launched by path. Without it the browser tests are
skipped with a message saying so, except in CI, where they must run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wsgi import FileWrapper

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # root in CI's container: chromium's sandbox needs a user namespace it lacks
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = (
            f"browser tests need Debian's chromium at {CHROMIUM}: `apt-get install chromium` "
            "(`make system-packages` does it when run as root)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def files_read_at_once(app: WSGIApplication) -> WSGIApplication:
    """Serve static files from memory: werkzeug's server leaves a file open when the browser drops the
    connection (a favicon fetched as the test closes its page), and the suite fails on ResourceWarning."""

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        answer = app(environ, start_response)
        if not isinstance(answer, FileWrapper):
            return answer
        try:
            return [b"".join(answer)]
        finally:
            answer.close()

    return serve


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by a real HTTP server on a free loopback port, in a thread; its base URL."""
    server = make_server("127.0.0.1", 0, files_read_at_once(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the live server; fails the test on any console error,
    so a script or style the content security policy refused is caught."""
    context = browser.new_context(base_url=live_server, locale="en-US")
    opened = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "status of 403" not in message.text:
            errors.append(message.text)

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], "the browser reported errors (a CSP refusal, a script error)"


@pytest.fixture
def audit_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page whose context lets axe-core be injected: the CSP refuses any script not from the app."""
    context = browser.new_context(base_url=live_server, locale="en-US", bypass_csp=True)
    yield context.new_page()
    context.close()

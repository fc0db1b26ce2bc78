"""Give kiosk tests and the kiosk bench an exported audio folder and a live loopback server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from skill.audio.export import export_audio as run_export
from skill.catalogue import Catalogue

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> Path:
    """Return Debian's Chromium, or explain how to install it."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"Chromium is not installed at {CHROMIUM}; the kiosk is tested in a real browser. "
            "Install it with `sudo apt-get install -y chromium` and run the tests again.")
    return CHROMIUM


def export_audio(catalogue: Catalogue, out: Path) -> Path:
    """Export every clip with espeak into out, as `python -m skill export-audio` does."""
    result = run_export(catalogue, out, engine="espeak")
    if result.failed:
        raise RuntimeError(result.failure_report())
    return out


def closing_bodies(app):
    """Wrap a WSGI app so every response body is closed even when the client hangs up.

    Werkzeug's development server reads the socket once more before it closes the body, so
    a browser dropping a clip mid-transfer (a closed page, another clip chosen) leaves the
    MP3 file open and a ResourceWarning for whichever test runs next. A generator's finally
    runs when the body is used up, and when the server drops it.
    """
    def wrapped(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
    return wrapped


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve app on an ephemeral loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, closing_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kiosk-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

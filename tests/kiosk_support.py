"""Give kiosk tests and the kiosk bench an exported audio folder and a live loopback server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from skill.audio import EspeakEngine, describe, render_clip
from skill.catalogue import PROJECT_ROOT, Catalogue
from skill.clips import MANIFEST

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


def _exporter_available() -> bool:
    probe = subprocess.run([sys.executable, "-m", "skill", "export-audio", "--help"],
                           cwd=PROJECT_ROOT, capture_output=True, timeout=60)
    return probe.returncode == 0


def export_audio(catalogue: Catalogue, out: Path) -> Path:
    """Export every clip with espeak into out and return the folder holding manifest.json.

    Uses `python -m skill export-audio` when the project has it, so the kiosk is tested on
    what the exporter really writes; until then renders the same shape with skill.audio.
    """
    out.mkdir(parents=True, exist_ok=True)
    if _exporter_available():
        subprocess.run([sys.executable, "-m", "skill", "export-audio", "--engine", "espeak",
                        "--locale", catalogue.locale, "--out", str(out)],
                       cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=600)
        manifests = sorted(out.rglob(MANIFEST))
        if not manifests:
            raise RuntimeError(f"export-audio wrote no {MANIFEST} under {out}")
        return manifests[0].parent
    engine = EspeakEngine()
    entries = []
    for clip in catalogue.clips():
        audio, engine_name = render_clip(clip.text, engine, catalogue.respell)
        name = f"{clip.id}.mp3"
        (out / name).write_bytes(audio)
        entries.append({"id": clip.id, "file": name, "text": clip.text, "title": clip.title,
                        "duration_s": round(describe(audio).duration, 2),
                        "engine": engine_name, "source": clip.source})
    (out / MANIFEST).write_text(json.dumps({"locale": catalogue.locale, "clips": entries},
                                           indent=2), encoding="utf-8")
    return out


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve app on an ephemeral loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kiosk-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

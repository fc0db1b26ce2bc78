"""Kiosk test pieces: an export, a live loopback server, Chromium, checks, a stub matcher.

Every browser test fails (it never skips) when Chromium is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import sync_playwright

from skill.catalogue import FALLBACK_INTENT, PROJECT_ROOT
from skill.kiosk import AUDIO_DIR_SETTING, kiosk_blueprint
from skill.understanding.matcher import Match
from tests.kiosk_support import CHROMIUM_ARGS, chromium_path, export_audio, serve

DOCS = PROJECT_ROOT / "docs"
README_SCREENSHOTS = {"kiosk-start", "kiosk-answer"}
PLAYING = """() => {
    const a = document.getElementById('player');
    return !a.paused && a.readyState >= 2 && a.currentTime > 0;
}"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory, catalogue) -> Path:
    """An espeak export of every clip in the shipped catalogue."""
    return export_audio(catalogue, tmp_path_factory.mktemp("audio"))


@pytest.fixture(scope="module")
def manifest(exported) -> dict[str, dict]:
    return {e["id"]: e for e in json.loads((exported / "manifest.json").read_text())["clips"]}


def kiosk_app(catalogue, skill, folder: Path) -> Flask:
    """The app the clinic runs when it serves the kiosk, else a bare app with the blueprint."""
    from skill.alexa.web import create_app

    app = create_app({"INSECURE_DEV": True, "SKILL": skill, AUDIO_DIR_SETTING: str(folder)})
    if "kiosk" in app.blueprints:
        return app
    app = Flask("kiosk_test")
    app.register_blueprint(kiosk_blueprint(catalogue, folder, skill=skill))
    return app


@pytest.fixture(scope="module")
def kiosk_url(catalogue, skill, exported):
    with serve(kiosk_app(catalogue, skill, exported)) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    try:
        executable = chromium_path()
    except FileNotFoundError as missing:
        pytest.fail(str(missing), pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def open_page(browser, base: str, **context_options):
    """Open a page that may reach only base; return it with the lists checked at the end."""
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  service_workers="block", **context_options)
    allowed = urlsplit(base).netloc
    foreign: list[str] = []
    problems: list[str] = []

    def only_loopback(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https") and url.netloc == allowed:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.on("request", lambda r: None if urlsplit(r.url).netloc == allowed
            or r.url.startswith("data:") else foreign.append(r.url))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    return context, page, foreign, problems


@pytest.fixture
def kiosk(browser, kiosk_url):
    """A fresh page on the kiosk; fails the test if it reached any other host or broke."""
    context, page, foreign, problems = open_page(browser, kiosk_url)
    page.base = kiosk_url
    yield page
    context.close()
    assert foreign == [], f"the kiosk sent requests off this machine: {foreign}"
    assert problems == []


def audio_file(page) -> str:
    """Return the file name the audio element is playing, without its cache-busting query."""
    src = page.evaluate("() => document.getElementById('player').currentSrc")
    return urlsplit(src).path


def wait_playing(page, expected_file: str) -> None:
    page.wait_for_function(PLAYING, timeout=10_000)
    assert audio_file(page) == f"/audio/{expected_file}"


def caption(page) -> str:
    return page.locator("#caption").text_content()


def save_screenshot(page, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("KIOSK_UPDATE_DOCS") and name in README_SCREENSHOTS:
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")


def luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(page, selector: str) -> float:
    """Return the WCAG contrast ratio of an element's text on its own background."""
    colors = page.locator(selector).first.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    fg, bg = (tuple(float(x) for x in re.findall(r"[\d.]+", c)) for c in colors)
    if len(bg) == 4 and bg[3] == 0:
        bg = (255.0, 255.0, 255.0)
    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def in_view(page, selector: str) -> bool:
    """Tell whether an element is wholly inside the viewport."""
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }")


CHOICES = ("DurationIntent", "ArrivalIntent", "AnesthesiaIntent")


@dataclass(frozen=True)
class UnsureMatch(Match):
    """A verdict that carries likely topics, as the coming matcher's will."""

    choices: tuple[str, ...] = ()


class UnsureMatcher:
    """Stand in for a matcher that is unsure of every question."""

    def __init__(self, choices=CHOICES):
        self.choices = tuple(choices)

    def match(self, question: str) -> Match:
        """Decline, offering the likely topics."""
        return UnsureMatch(intent=FALLBACK_INTENT, confidence=0.3, runner_up=self.choices[0],
                           choices=self.choices)


def unsure_app(catalogue, skill, folder, choices=CHOICES) -> Flask:
    """A kiosk whose matcher offers choices for every question."""
    app = Flask("kiosk_unsure")
    app.register_blueprint(kiosk_blueprint(catalogue, folder, skill=skill,
                                           matcher=UnsureMatcher(choices)))
    return app

"""Make the take-home handout: every question and answer, the steps and the safety lines.

The kiosk serves it at ``/handout`` to print from the browser; ``write_handout_pdf`` prints
the same page to a PDF through headless Chromium (``python -m skill handout``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from skill.catalogue import Catalogue

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
PAPER_SIZES = ("A4", "Letter")
STATIC = Path(__file__).parent / "static"
# Groups in the order the kiosk shows them; the emergency topic is the handout's safety line.
HANDOUT_GROUPS = ("about", "day", "after", "contact")
EMERGENCY_INTENT = "EmergencyIntent"
# The PDF is printed from a page Chromium never fetches: these requests are answered here.
PRINT_ORIGIN = "http://handout.invalid"

_templates = Environment(loader=PackageLoader("skill.kiosk", "templates"),
                         autoescape=select_autoescape(default=True, default_for_string=True))


class HandoutError(Exception):
    """The handout PDF cannot be written; the message says what to do."""


@dataclass(frozen=True)
class HandoutLinks:
    """Where the handout page finds its stylesheet and script, and the way back."""

    stylesheet: str
    script: str | None = None
    back: str | None = None


def handout_data(catalogue: Catalogue) -> dict[str, Any]:
    """Collect what the handout says, in the kiosk's order."""
    clinic = catalogue.clinic
    groups = []
    for group in HANDOUT_GROUPS:
        topics = [{"question": t.question, "answer": t.answer, "steps": list(t.steps)}
                  for t in catalogue.topics.values()
                  if t.group == group and t.intent != EMERGENCY_INTENT]
        if topics:
            groups.append({"label": catalogue.groups.get(group, group), "topics": topics})
    return {
        "clinic": {"name": clinic.name, "phone": clinic.phone,
                   "phone_hours": clinic.get("phone_hours"),
                   "contact": clinic.contact_sentence(),
                   "emergency_number": clinic.get("emergency_number")},
        "groups": groups,
    }


def render_handout(catalogue: Catalogue, links: HandoutLinks,
                   idle_seconds: int | None = None) -> str:
    """Return the handout page's HTML."""
    return _templates.get_template("kiosk/handout.html").render(
        data=handout_data(catalogue), links=links, lang=catalogue.locale,
        idle_seconds=idle_seconds)


def write_handout_pdf(catalogue: Catalogue, out: str | os.PathLike, paper: str = "A4") -> Path:
    """Print the handout to a PDF at out through headless Chromium; replace out only whole."""
    if paper not in PAPER_SIZES:
        raise HandoutError(f"paper {paper!r} is not one of {', '.join(PAPER_SIZES)}")
    out = Path(out)
    if not CHROMIUM.exists():
        raise HandoutError(f"Chromium is not installed at {CHROMIUM}; the handout PDF is printed "
                           "with it. Install it with `sudo apt-get install -y chromium`.")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as missing:
        raise HandoutError("the handout PDF needs Playwright: "
                           "`.venv/bin/pip install -r requirements-dev.txt`") from missing
    page_url = f"{PRINT_ORIGIN}/handout"
    files = {f"{PRINT_ORIGIN}/handout.css": ("text/css", (STATIC / "handout.css").read_bytes()),
             page_url: ("text/html; charset=utf-8",
                        render_handout(catalogue, HandoutLinks("handout.css")).encode("utf-8"))}

    def answer(route) -> None:
        found = files.get(route.request.url)
        if found is None:
            route.abort()  # nothing on the handout comes from anywhere else
        else:
            route.fulfill(status=200, content_type=found[0], body=found[1])

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", answer)
                page.goto(page_url, wait_until="load")
                # The page's own @page rule sets the margins, as when printed from the kiosk.
                pdf = page.pdf(format=paper, prefer_css_page_size=False)
            finally:
                browser.close()
    except PlaywrightError as error:
        # Playwright's messages carry a call log after their first line.
        first_line = (error.message or str(error)).strip().splitlines()[0]
        raise HandoutError(f"Chromium could not print the handout: {first_line}") from error
    _replace_whole(out, pdf)
    return out


def _replace_whole(out: Path, content: bytes) -> None:
    """Write content to out so a crash or a full disk leaves the old file or the new one."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HandoutError(f"cannot create the folder for {out}: {error.strerror}") from error
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise HandoutError(f"cannot write {out}: {error.strerror}") from error

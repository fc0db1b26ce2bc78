"""The take-home handout: the kiosk's /handout page, its print styles, and the PDF command.

The PDF is read back with Debian's poppler-utils (pdftotext, pdfinfo), which .ci/run
installs; the tests fail, never skip, when they are missing.
"""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from skill.catalogue import PROJECT_ROOT, Clinic
from skill.kiosk import CONTENT_SECURITY_POLICY, kiosk_blueprint
from skill.kiosk.handout import write_handout_pdf
from tests import kiosk_browser
from tests.kiosk_browser import open_page

browser = kiosk_browser.browser
exported = kiosk_browser.exported
kiosk_url = kiosk_browser.kiosk_url

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
MAX_PAGES = 3
# 14 pt in CSS pixels (96 per inch, 72 points per inch).
MIN_PRINT_PX = 14 * 96 / 72
# pdftotext's word box is the font's ascent plus descent: 1.117 em for Liberation Sans
# (Arial's metrics), so 14 pt type gives 15.6 pt boxes and 13 pt type 14.5 pt.
MIN_WORD_BOX_PT = 14 * 1.1


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; the handout PDF is read back with Debian's "
                    "poppler-utils: `sudo apt-get install -y poppler-utils`.", pytrace=False)
    return path


def squeeze(text: str) -> str:
    """Drop all white space, so line breaks in the PDF do not matter."""
    return "".join(text.split())


def spoken_items(catalogue) -> list[str]:
    """Every question, answer and step the handout must carry."""
    items = []
    for topic in catalogue.topics.values():
        if topic.intent == "EmergencyIntent":
            continue
        items += [topic.question, topic.answer, *topic.steps]
    return items


def pdf_pages(path) -> int:
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_text(path) -> str:
    return subprocess.run([tool("pdftotext"), "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def print_pdf(*args):
    """Run write_handout_pdf in its own thread: the browser fixture holds this one's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(write_handout_pdf, *args).result(timeout=120)


@pytest.fixture(scope="module")
def client(catalogue, skill, exported):
    app = Flask("handout_test")
    app.register_blueprint(kiosk_blueprint(catalogue, exported, skill=skill))
    return app.test_client()


def test_handout_page_carries_every_answer_and_the_safety_lines(client, catalogue):
    reply = client.get("/handout")
    assert reply.status_code == 200
    assert reply.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    text = squeeze(html.unescape(re.sub(r"<[^>]+>", " ", reply.get_data(as_text=True))))
    for item in spoken_items(catalogue):
        assert squeeze(item) in text, item
    for line in ("Generalinformationonly,notmedicaladvice.",
                 "Inanemergency,callyourlocalemergencynumber.",
                 squeeze(catalogue.clinic.name), squeeze(catalogue.clinic.phone)):
        assert line in text


def test_handout_names_the_emergency_number_when_set(catalogue, skill, exported):
    clinic = Clinic({**catalogue.clinic.values, "emergency_number": "911"})
    app = Flask("handout_911")
    app.register_blueprint(kiosk_blueprint(dataclasses.replace(catalogue, clinic=clinic),
                                           exported, skill=skill))
    page = app.test_client().get("/handout").get_data(as_text=True)
    assert "call 911 now" in " ".join(page.split())
    assert "local emergency number" not in page


def test_kiosk_print_button_opens_the_handout_in_print_sized_type(browser, kiosk_url, catalogue):
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.goto(kiosk_url + "/")
        page.get_by_role("link", name="Print the answers").click()
        page.wait_for_url(kiosk_url + "/handout")
        assert page.get_by_role("button", name="Print this page").is_visible()
        page.evaluate(AXE.read_text(encoding="utf-8"))
        violations = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})"
                                   ".then(r => r.violations.map(v => v.id))")
        assert violations == []
        page.emulate_media(media="print")
        assert page.get_by_role("button", name="Print this page").is_hidden()
        sizes = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.checkVisibility() && [...e.childNodes].some(
                n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
            .map(e => [e.tagName, parseFloat(getComputedStyle(e).fontSize)])""")
        assert len(sizes) > len(spoken_items(catalogue))
        assert [s for s in sizes if s[1] < MIN_PRINT_PX - 0.01] == []
        page.emulate_media(media="screen")
        page.get_by_role("link", name="Back to the questions").click()
        page.wait_for_url(re.compile(re.escape(kiosk_url) + r"/(kiosk)?$"))
        assert page.get_by_role("link", name="Print the answers").is_visible()
    finally:
        context.close()
    assert foreign == [] and problems == []


def test_handout_page_goes_back_to_the_kiosk_when_left_alone(browser, kiosk_url):
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.goto(kiosk_url + "/handout?idle=1")
        page.wait_for_url(re.compile(re.escape(kiosk_url) + r"/(kiosk)?$"), timeout=5000)
    finally:
        context.close()
    assert foreign == [] and problems == []


@pytest.mark.parametrize(("paper", "size_pt"), [("A4", (595.9, 842.9)), ("Letter", (612, 792))])
def test_handout_command_writes_the_whole_catalogue_to_a_short_pdf(tmp_path, catalogue, paper,
                                                                   size_pt):
    out = tmp_path / "handout.pdf"
    done = subprocess.run([sys.executable, "-m", "skill", "handout", "--out", str(out),
                           "--paper", paper], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert pdf_pages(out) <= MAX_PAGES
    info = subprocess.run([tool("pdfinfo"), str(out)], capture_output=True, text=True).stdout
    width, height = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
                     .groups())
    assert abs(width - size_pt[0]) < 1 and abs(height - size_pt[1]) < 1
    text = squeeze(pdf_text(out))
    for item in spoken_items(catalogue):
        assert squeeze(item) in text, item
    assert squeeze("In an emergency, call your local emergency number.") in text
    assert squeeze("General information only, not medical advice.") in text
    assert squeeze(catalogue.clinic.phone) in text
    # Large type: the smallest word on paper is 14 pt type.
    boxes = subprocess.run([tool("pdftotext"), "-bbox", str(out), "-"], capture_output=True,
                           text=True, check=True).stdout
    heights = [float(y2) - float(y1) for y1, y2 in
               re.findall(r'<word [^>]*yMin="([\d.]+)"[^>]*yMax="([\d.]+)"', boxes)]
    assert len(heights) > 500
    assert min(heights) >= MIN_WORD_BOX_PT
    fonts = subprocess.run([tool("pdffonts"), str(out)], capture_output=True, text=True).stdout
    assert all(" yes " in line for line in fonts.splitlines()[2:]), fonts  # all embedded


def test_handout_command_reports_an_unwritable_place_in_one_line(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    done = subprocess.run([sys.executable, "-m", "skill", "handout", "--out",
                           str(blocker / "handout.pdf")], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("Cannot write the handout:")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_handout_replaces_an_old_pdf_whole(tmp_path, catalogue):
    out = tmp_path / "handout.pdf"
    out.write_bytes(b"an older handout")
    print_pdf(catalogue, out)
    assert out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["handout.pdf"]  # no partial file left

"""The kiosk's accessibility in Chromium: axe-core on every view and size, focus, width, themes.

axe-core comes from node_modules (pinned in package.json) and is injected with
page.evaluate: the page's Content-Security-Policy blocks script tags from the test.
"""

from __future__ import annotations

import pytest

from skill.catalogue import PROJECT_ROOT
from skill.kiosk import DID_YOU_MEAN
from tests import kiosk_browser
from tests.kiosk_browser import contrast, open_page, unsure_app
from tests.kiosk_support import serve

pytestmark = pytest.mark.browser

browser = kiosk_browser.browser
exported = kiosk_browser.exported
kiosk_url = kiosk_browser.kiosk_url

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone 390": (390, 844), "portrait 800": (800, 1280), "landscape 1280": (1280, 800)}
RED_FLAG = "I have chest pain and can't breathe"
# The focused element, or its top edge when it is taller than the screen, is on screen.
FOCUS_ON_SCREEN = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return false;
    const r = e.getBoundingClientRect();
    return r.top >= -1 && r.top <= innerHeight - 24 && r.bottom > 0
        && r.left >= -1 && r.right <= innerWidth + 1;
}"""


def axe_violations(page) -> list[str]:
    """Run axe-core on the page as it is; return one line per violation and element."""
    try:
        source = AXE.read_text(encoding="utf-8")
    except FileNotFoundError:
        pytest.fail(f"axe-core is not installed at {AXE}; run `make install-dev`.", pytrace=False)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {node['target']} {node['failureSummary']}"
            for v in result["violations"] for node in v["nodes"]]


@pytest.fixture(scope="module")
def unsure_url(catalogue, skill, exported):
    with serve(unsure_app(catalogue, skill, exported)) as base:
        yield base


def ask(page, question: str) -> None:
    box = page.get_by_label("Type your question")
    box.fill(question)
    box.press("Enter")


def settle(page) -> None:
    """Wait for smooth scrolling to end, so axe sees what a person would."""
    page.wait_for_timeout(150)
    page.wait_for_function("() => new Promise(done => requestAnimationFrame(() =>"
                           " requestAnimationFrame(() => done(true))))")


@pytest.mark.parametrize("size", SIZES)
def test_axe_finds_nothing_on_any_view(browser, kiosk_url, unsure_url, size):
    width, height = SIZES[size]
    found: dict[str, list[str]] = {}
    for base in (kiosk_url, unsure_url):
        context, page, foreign, problems = open_page(browser, base)
        try:
            page.set_viewport_size({"width": width, "height": height})
            page.goto(base + "/")
            if base == unsure_url:
                ask(page, "how long before")
                page.get_by_role("heading", name=DID_YOU_MEAN).wait_for()
                settle(page)
                found["did you mean"] = axe_violations(page)
            else:
                visit_every_view(page, found)
        finally:
            context.close()
        assert foreign == [] and problems == []
    assert len(found) == 6
    assert {view: lines for view, lines in found.items() if lines} == {}


def visit_every_view(page, found: dict[str, list[str]]) -> None:
    """Run axe on the start screen, an answer, the steps, a typed question, an emergency."""
    settle(page)
    found["start"] = axe_violations(page)
    page.get_by_role("button", name="Can I drive afterwards?").click()
    page.locator("#caption").filter(has_text="drive").wait_for()
    settle(page)
    found["an answer"] = axe_violations(page)
    page.get_by_role("button", name="Start the steps").click()
    page.locator("#next-step").click()
    page.locator("#answer-title").filter(has_text="Step 1 of").wait_for()
    settle(page)
    found["the steps"] = axe_violations(page)
    ask(page, "Will I be put to sleep for it")
    page.locator("#answer-title").filter(has_text="Will I be asleep?").wait_for()
    settle(page)
    found["a typed question"] = axe_violations(page)
    ask(page, RED_FLAG)
    page.get_by_role("alert").filter(has_text="emergency").wait_for()
    settle(page)
    found["an emergency"] = axe_violations(page)


def test_axe_does_report_a_planted_fault(browser, kiosk_url):
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.goto(kiosk_url + "/")
        page.evaluate("() => { const b = document.createElement('button');"
                      " document.querySelector('main').appendChild(b); }")
        assert any(line.startswith("button-name:") for line in axe_violations(page))
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_page_fits_the_screen_width(browser, kiosk_url, size):
    width, height = SIZES[size]
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(kiosk_url + "/")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        ask(page, RED_FLAG)
        page.get_by_role("alert").filter(has_text="emergency").wait_for()
        for selector in ("#ask-button", "#question", "#emergency", "#disclaimer"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, selector
        # Nothing cut off inside the emergency box.
        assert page.evaluate("() => { const e = document.getElementById('emergency');"
                             " return e.scrollWidth <= e.clientWidth; }")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finally:
        context.close()


def test_no_heading_is_empty_on_the_start_screen(browser, kiosk_url):
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.goto(kiosk_url + "/")
        headings = page.get_by_role("heading")
        assert headings.count() >= 5
        assert all(text.strip() for text in headings.all_text_contents())
    finally:
        context.close()


def test_focus_stays_on_the_answer_after_the_last_step(browser, kiosk_url, catalogue):
    total = len(catalogue.topics["ProcedureStepsIntent"].steps)
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.goto(kiosk_url + "/")
        page.get_by_role("button", name="Start the steps").focus()
        page.keyboard.press("Enter")
        page.locator("#next-step").focus()
        for _ in range(total):
            page.keyboard.press("Enter")
        assert page.locator("#answer-title").text_content() == f"Step {total} of {total}"
        assert page.locator("#next-step").is_hidden()
        assert page.evaluate("() => document.activeElement.id") == "answer-title"
        page.wait_for_function(FOCUS_ON_SCREEN, timeout=3000)
        # And the keyboard goes on from there, to the controls under the answer.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "stop"
    finally:
        context.close()


@pytest.mark.parametrize("size", ["phone 390", "portrait 800"])
def test_focus_never_lands_off_screen(browser, kiosk_url, size):
    width, height = SIZES[size]
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(kiosk_url + "/")
        # The skip link, then every control in turn, by keyboard.
        controls = page.evaluate("() => [...document.querySelectorAll('a[href], input, button')]"
                                 ".filter(e => e.checkVisibility()).length")
        for _ in range(controls):
            page.keyboard.press("Tab")
            page.wait_for_function(FOCUS_ON_SCREEN, timeout=3000)
        assert page.evaluate("() => document.activeElement.dataset.clip") == "ContactIntent"
        # Where the skip link leads.
        page.goto(kiosk_url + "/")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "questions"
        page.wait_for_function(FOCUS_ON_SCREEN, timeout=3000)
        # Back to the questions, from a tapped question and from a typed one.
        page.locator('#questions button.question[data-clip="ContactIntent"]').click()
        page.get_by_role("button", name="Back to the questions").click()
        page.wait_for_function("() => document.activeElement.dataset.clip === 'ContactIntent'",
                               timeout=3000)
        page.wait_for_function(FOCUS_ON_SCREEN, timeout=3000)
        ask(page, "can I drive home afterwards?")
        page.locator("#answer-title").filter(has_text="drive").wait_for()
        page.get_by_role("button", name="Back to the questions").click()
        page.wait_for_function("() => document.activeElement.id === 'questions'", timeout=3000)
        page.wait_for_function(FOCUS_ON_SCREEN, timeout=3000)
    finally:
        context.close()
    assert foreign == [] and problems == []


def test_forced_colors_keep_the_emergency_unlike_the_answer(browser, kiosk_url):
    context, page, foreign, problems = open_page(browser, kiosk_url, forced_colors="active")
    style = ("e => { const s = getComputedStyle(e); return {background: s.backgroundColor,"
             " color: s.color, border: s.borderTopStyle + ' ' + s.borderTopWidth}; }")
    try:
        page.goto(kiosk_url + "/")
        assert page.evaluate("() => matchMedia('(forced-colors: active)').matches")
        canvas = page.locator("body").evaluate(style)["background"]
        page.get_by_role("button", name="Can I drive afterwards?").click()
        answer = page.locator("#answer").evaluate(style)
        ask(page, RED_FLAG)
        page.get_by_role("alert").filter(has_text="emergency").wait_for()
        emergency = page.locator("#emergency").evaluate(style)
        # The text keeps the theme's colours with no Canvas backplate painted behind it
        # (HighlightText on the white backplate was invisible).
        assert page.locator("#emergency").evaluate(
            "e => getComputedStyle(e).forcedColorAdjust") == "none"
        readable = contrast(page, "#emergency")
    finally:
        context.close()
    assert emergency["background"] != answer["background"]
    assert emergency["background"] != canvas
    assert emergency["color"] != answer["color"]
    assert emergency["border"] != answer["border"]
    assert readable >= 7

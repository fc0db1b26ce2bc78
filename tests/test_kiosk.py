"""The clinic kiosk in a real browser: headless Chromium against a live loopback server.

Every test fails (it never skips) when Chromium is missing. Screenshots go to a pytest
temporary folder; run with KIOSK_UPDATE_DOCS=1 to also refresh docs/kiosk-start.png and
docs/kiosk-answer.png for the README.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from flask import Flask

from skill.catalogue import intro_clip_id, step_clip_id
from skill.kiosk import kiosk_blueprint
from tests import kiosk_browser
from tests.kiosk_browser import caption, contrast, in_view, open_page, save_screenshot, wait_playing
from tests.kiosk_support import serve

pytestmark = pytest.mark.browser

# The browser, the exported audio and a live server, shared by the kiosk's browser tests.
browser = kiosk_browser.browser
exported = kiosk_browser.exported
manifest = kiosk_browser.manifest
kiosk_url = kiosk_browser.kiosk_url
kiosk = kiosk_browser.kiosk
screenshots = kiosk_browser.screenshots


def test_start_screen_shows_every_question_under_its_heading(kiosk, catalogue, screenshots):
    kiosk.goto(kiosk.base + "/")
    headings = kiosk.locator(".group h2").all_text_contents()
    assert headings == ["About the procedure", "The day of the procedure",
                        "After the procedure", "Contact"]
    expected = {t.question for t in catalogue.topics.values() if t.intent != "EmergencyIntent"}
    buttons = kiosk.locator("button.question")
    assert buttons.count() == len(catalogue.topics) - 1
    assert set(buttons.all_text_contents()) == expected
    for question in expected:
        assert kiosk.get_by_role("button", name=question, exact=True).is_visible()
    assert kiosk.get_by_label("Type your question").is_visible()
    assert kiosk.get_by_role("button", name="Stop").is_visible()
    assert kiosk.locator("audio").count() == 1

    disclaimer = kiosk.locator("#disclaimer")
    assert disclaimer.is_visible()
    text = disclaimer.text_content()
    assert "not medical advice" in text and "local emergency number" in text
    assert catalogue.clinic.name in text and catalogue.clinic.phone in text

    font_px = kiosk.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= 20
    for selector in ("body", "button.question", "#disclaimer", "#ask-hint", "button.stop"):
        assert contrast(kiosk, selector) >= 4.5, selector
    assert kiosk.evaluate("() => document.body.dataset.idleSeconds") == "120"
    save_screenshot(kiosk, screenshots, "kiosk-start")


def test_every_question_button_plays_its_clip_with_its_caption(kiosk, catalogue, manifest):
    kiosk.goto(kiosk.base + "/")
    for topic in catalogue.topics.values():
        if topic.intent == "EmergencyIntent":
            continue
        kiosk.get_by_role("button", name=topic.question, exact=True).click()
        wait_playing(kiosk, manifest[topic.intent]["file"])
        assert caption(kiosk) == (topic.card_text if topic.steps else topic.answer)
        assert kiosk.locator("#answer-title").text_content() == topic.question
        assert kiosk.locator("#caption-note").text_content() == ""
        # One clip at a time: the single player, and only the tapped button marked.
        assert kiosk.locator("audio").count() == 1
        assert kiosk.locator("button.playing").all_text_contents() == [topic.question]
    kiosk.get_by_role("button", name="Stop").click()
    assert kiosk.evaluate("() => document.getElementById('player').paused")
    assert kiosk.locator("button.playing").count() == 0
    assert caption(kiosk)  # stopping keeps the words on screen


def test_steps_play_one_by_one(kiosk, catalogue, manifest):
    topic = catalogue.topics["ProcedureStepsIntent"]
    total = len(topic.steps)
    kiosk.goto(kiosk.base + "/")
    kiosk.get_by_role("button", name="Start the steps").click()
    wait_playing(kiosk, manifest[intro_clip_id(topic.intent)]["file"])
    assert caption(kiosk) == topic.answer
    next_step = kiosk.locator("#next-step")
    for number, text in enumerate(topic.steps, 1):
        assert next_step.text_content() == f"Next: step {number} of {total}"
        next_step.click()
        wait_playing(kiosk, manifest[step_clip_id(topic.intent, number)]["file"])
        assert caption(kiosk) == text
        assert kiosk.locator("#answer-title").text_content() == f"Step {number} of {total}"
    assert next_step.is_hidden()
    kiosk.get_by_role("button", name="Step 3", exact=True).click()
    wait_playing(kiosk, manifest[step_clip_id(topic.intent, 3)]["file"])
    assert caption(kiosk) == topic.steps[2]
    assert next_step.text_content() == f"Next: step 4 of {total}"


@pytest.mark.parametrize(("question", "expected"), [
    ("can I drive home afterwards?", "DrivingIntent"),
    ("Will I be put to sleep for it", "AnesthesiaIntent"),
])
def test_typed_question_shows_and_plays_the_answer(kiosk, catalogue, manifest, screenshots,
                                                   question, expected):
    kiosk.goto(kiosk.base + "/")
    kiosk.get_by_label("Type your question").fill(question)
    kiosk.get_by_role("button", name="Ask", exact=True).click()
    wait_playing(kiosk, manifest[expected]["file"])
    assert caption(kiosk) == catalogue.topics[expected].answer
    assert kiosk.locator("#emergency").is_hidden()
    if expected == "DrivingIntent":
        save_screenshot(kiosk, screenshots, "kiosk-answer")


def test_red_flag_question_shows_the_emergency_message(kiosk, catalogue, manifest, screenshots):
    kiosk.goto(kiosk.base + "/")
    box = kiosk.get_by_label("Type your question")
    box.fill("I have chest pain and can't breathe")
    box.press("Enter")
    alert = kiosk.get_by_role("alert")
    alert.wait_for()
    assert alert.text_content() == catalogue.topics["EmergencyIntent"].answer
    assert alert.is_visible()
    wait_playing(kiosk, manifest["EmergencyIntent"]["file"])
    assert contrast(kiosk, "#emergency") >= 7
    red = kiosk.evaluate("() => getComputedStyle(document.getElementById('emergency'))"
                         ".backgroundColor")
    r, g, b = (int(x) for x in re.findall(r"\d+", red)[:3])
    assert r > 120 and g < 40 and b < 40, red
    font_px = kiosk.evaluate(
        "() => parseFloat(getComputedStyle(document.getElementById('emergency')).fontSize)")
    assert font_px >= 28
    save_screenshot(kiosk, screenshots, "kiosk-emergency")


def test_out_of_scope_question_gets_the_recorded_fallback(kiosk, catalogue, manifest):
    kiosk.goto(kiosk.base + "/")
    box = kiosk.get_by_label("Type your question")
    box.fill("what's the weather in paris")
    box.press("Enter")
    wait_playing(kiosk, manifest["fallback"]["file"])
    assert caption(kiosk) == catalogue.prompts["fallback"]
    assert "no recording" not in kiosk.locator("#caption-note").text_content()
    assert kiosk.locator("#emergency").is_hidden()


def test_empty_question_asks_for_one_without_a_request(kiosk):
    kiosk.goto(kiosk.base + "/")
    asked = []
    kiosk.on("request", lambda r: asked.append(r.url) if "/kiosk/ask" in r.url else None)
    kiosk.get_by_role("button", name="Ask", exact=True).click()
    kiosk.wait_for_timeout(300)
    assert caption(kiosk) == "Please type a question first."
    assert asked == []
    assert kiosk.evaluate("() => document.activeElement.id") == "question"


def test_idle_reset_returns_to_the_start_screen(kiosk, manifest):
    kiosk.goto(kiosk.base + "/?idle=2")
    box = kiosk.get_by_label("Type your question")
    box.fill("can I drive home afterwards?")
    box.press("Enter")
    wait_playing(kiosk, manifest["DrivingIntent"]["file"])
    kiosk.mouse.wheel(0, 2000)
    kiosk.wait_for_function("() => window.scrollY > 0")
    # Listening is not idleness: nothing resets while the clip plays.
    kiosk.wait_for_timeout(2600)
    assert kiosk.evaluate("() => !document.getElementById('player').paused")
    assert kiosk.evaluate("() => document.body.dataset.resets") is None
    kiosk.evaluate("() => { const a = document.getElementById('player');"
                   " a.currentTime = Math.max(0, a.duration - 0.2); }")
    kiosk.wait_for_function("() => document.body.dataset.resets === '1'", timeout=8000)
    assert kiosk.evaluate("() => document.getElementById('player').paused")
    assert kiosk.evaluate("() => document.getElementById('player').getAttribute('src')") is None
    assert caption(kiosk) == ""
    assert box.input_value() == ""
    assert kiosk.evaluate("() => window.scrollY") == 0
    assert kiosk.locator("#answer").is_hidden()
    assert kiosk.evaluate("() => document.activeElement.id") == "start"


def test_idle_reset_stops_a_clip_after_the_quiet_spell_without_touching(kiosk, manifest):
    kiosk.goto(kiosk.base + "/?idle=1")
    kiosk.get_by_role("button", name="Step 1", exact=True).click()
    wait_playing(kiosk, manifest["ProcedureStepsIntent.step-1"]["file"])
    kiosk.get_by_role("button", name="Stop").click()
    kiosk.wait_for_function("() => document.body.dataset.resets === '1'", timeout=5000)
    assert caption(kiosk) == ""
    assert kiosk.locator("button.playing").count() == 0


def test_keyboard_alone_reaches_and_plays_every_button(kiosk, catalogue, manifest):
    kiosk.goto(kiosk.base + "/")
    expected = kiosk.evaluate(
        "() => [...document.querySelectorAll('input, button:not([hidden]), #print-answers')]"
        ".map(e => e.id || e.dataset.clip)")
    reached = []
    for _ in range(len(expected) + 5):
        kiosk.keyboard.press("Tab")
        focused = kiosk.evaluate(
            "() => { const e = document.activeElement;"
            " return e.id || (e.dataset && e.dataset.clip) || e.tagName; }")
        if focused in reached:
            break
        reached.append(focused)
    # A skip link first, then every control in reading order.
    assert reached[0] == "A"
    assert [r for r in reached if r != "A"][:len(expected)] == expected

    kiosk.get_by_role("button", name="Can I drive afterwards?").focus()
    outline = kiosk.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert outline[0] != "none" and outline[1] >= 3
    kiosk.keyboard.press("Enter")
    wait_playing(kiosk, manifest["DrivingIntent"]["file"])
    assert caption(kiosk) == catalogue.topics["DrivingIntent"].answer
    kiosk.keyboard.press("Shift+Tab")
    kiosk.keyboard.press("Space")
    wait_playing(kiosk, manifest["GoingHomeIntent"]["file"])


@pytest.fixture(scope="module")
def partial_export_url(tmp_path_factory, catalogue, skill, exported):
    """A server whose export lacks DrivingIntent and has stale words for AnesthesiaIntent."""
    folder = tmp_path_factory.mktemp("partial") / "audio"
    shutil.copytree(exported, folder)
    data = json.loads((folder / "manifest.json").read_text())
    clips = [e for e in data["clips"] if e["id"] != "DrivingIntent"]
    for entry in clips:
        if entry["id"] == "AnesthesiaIntent":
            entry["text"] = "An answer from an older catalogue."
    (folder / "manifest.json").write_text(json.dumps({**data, "clips": clips}))
    (folder / next(e["file"] for e in data["clips"] if e["id"] == "DrivingIntent")).unlink()
    app = Flask("kiosk_partial")
    app.register_blueprint(kiosk_blueprint(catalogue, folder, skill=skill))
    with serve(app) as base:
        yield base


@pytest.mark.parametrize("intent", ["DrivingIntent", "AnesthesiaIntent"])
def test_missing_or_stale_clip_shows_the_caption_instead(browser, partial_export_url, catalogue,
                                                         manifest, intent):
    context, page, foreign, problems = open_page(browser, partial_export_url)
    try:
        page.goto(partial_export_url + "/")
        topic = catalogue.topics[intent]
        page.get_by_role("button", name=topic.question, exact=True).click()
        assert caption(page) == topic.answer
        assert "no recording" in page.locator("#caption-note").text_content()
        assert page.evaluate("() => document.getElementById('player').getAttribute('src')") is None
        page.get_by_role("button", name="What is kyphoplasty?").click()
        wait_playing(page, manifest["WhatIsKyphoplastyIntent"]["file"])
        assert page.locator("#caption-note").text_content() == ""
    finally:
        context.close()
    assert foreign == [] and problems == []


def test_narrow_screen_brings_the_answer_into_view(browser, kiosk_url, catalogue):
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.set_viewport_size({"width": 600, "height": 900})
        page.goto(kiosk_url + "/")
        page.get_by_role("button", name="How do I contact the clinic?").click()
        page.locator("#caption").wait_for()
        page.wait_for_function("() => { const r = document.getElementById('answer')"
                               ".getBoundingClientRect(); return r.top >= 0 && r.top < 300; }")
        assert caption(page) == catalogue.topics["ContactIntent"].answer
    finally:
        context.close()
    assert foreign == [] and problems == []


def test_portrait_tablet_goes_back_to_the_tapped_question(browser, kiosk_url, catalogue):
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.set_viewport_size({"width": 768, "height": 1024})
        page.goto(kiosk_url + "/")
        tapped = '#questions button.question[data-clip="ContactIntent"]'
        page.locator(tapped).click()
        page.wait_for_function("() => { const r = document.getElementById('answer')"
                               ".getBoundingClientRect(); return r.top >= 0 && r.top < 300; }")
        assert caption(page) == catalogue.topics["ContactIntent"].answer
        assert not in_view(page, tapped)
        page.get_by_role("button", name="Back to the questions").click()
        page.wait_for_function(
            "s => { const r = document.querySelector(s).getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; }", arg=tapped)
        assert page.evaluate("() => document.activeElement.dataset.clip") == "ContactIntent"
    finally:
        context.close()
    assert foreign == [] and problems == []


def test_side_by_side_layout_has_no_back_button(kiosk, manifest):
    kiosk.goto(kiosk.base + "/")
    kiosk.get_by_role("button", name="How do I contact the clinic?").click()
    wait_playing(kiosk, manifest["ContactIntent"]["file"])
    assert kiosk.get_by_role("button", name="Back to the questions").is_hidden()

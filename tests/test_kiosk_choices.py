"""'Did you mean?' on the kiosk: the API's choices, and the buttons in Chromium."""

from __future__ import annotations

import pytest
from flask import Flask

from skill import kiosk as kiosk_module
from skill.catalogue import FALLBACK_INTENT
from skill.kiosk import DID_YOU_MEAN, kiosk_blueprint
from tests import kiosk_browser
from tests.kiosk_browser import CHOICES, caption, open_page, unsure_app, wait_playing
from tests.kiosk_support import serve

browser = kiosk_browser.browser
exported = kiosk_browser.exported
manifest = kiosk_browser.manifest


def audio_path(url: str) -> str:
    return url.split("?", 1)[0]


def test_ask_offers_each_choice_with_its_label_caption_and_clip(catalogue, skill, exported,
                                                                 manifest):
    client = unsure_app(catalogue, skill, exported).test_client()
    data = client.post("/kiosk/ask", json={"question": "how long before"}).get_json()
    assert data["intent"] == FALLBACK_INTENT
    assert data["emergency"] is False
    assert data["title"] == DID_YOU_MEAN
    assert data["audio"] is None
    assert [c["intent"] for c in data["choices"]] == list(CHOICES)
    for choice in data["choices"]:
        topic = catalogue.topics[choice["intent"]]
        assert set(choice) == {"intent", "label", "caption", "audio"}
        assert choice["label"] == topic.question
        assert choice["caption"] == topic.answer
        assert audio_path(choice["audio"]) == f"/audio/{manifest[topic.intent]['file']}"


def test_ask_keeps_at_most_three_known_topics(catalogue, skill, exported):
    choices = ("DrivingIntent", "RisksIntent", "FastingIntent", "ContactIntent")
    client = unsure_app(catalogue, skill, exported, choices).test_client()
    data = client.post("/kiosk/ask", json={"question": "after"}).get_json()
    assert [c["intent"] for c in data["choices"]] == ["DrivingIntent", "RisksIntent",
                                                      "FastingIntent"]


def test_ask_reads_choices_from_the_answer_too(catalogue, skill, exported, monkeypatch):
    real = kiosk_module.answer_question

    def answer_with_choices(conversation, matcher, question):
        return {**real(conversation, matcher, question), "choices": ["RisksIntent"]}

    monkeypatch.setattr(kiosk_module, "answer_question", answer_with_choices)
    app = Flask("kiosk_answer_choices")
    app.register_blueprint(kiosk_blueprint(catalogue, exported, skill=skill))
    data = app.test_client().post("/kiosk/ask", json={"question": "what's the weather in paris"})
    data = data.get_json()
    assert data["intent"] == FALLBACK_INTENT
    assert [c["intent"] for c in data["choices"]] == ["RisksIntent"]
    assert data["title"] == DID_YOU_MEAN


def test_a_sure_answer_has_no_choices(catalogue, skill, exported):
    app = Flask("kiosk_sure")
    app.register_blueprint(kiosk_blueprint(catalogue, exported, skill=skill))
    data = app.test_client().post("/kiosk/ask", json={"question": "will I be asleep"}).get_json()
    assert data["intent"] == "AnesthesiaIntent"
    assert data["choices"] == []


@pytest.fixture(scope="module")
def unsure_url(catalogue, skill, exported):
    with serve(unsure_app(catalogue, skill, exported)) as base:
        yield base


@pytest.mark.browser
def test_did_you_mean_buttons_play_the_chosen_answer(browser, unsure_url, catalogue, manifest):
    context, page, foreign, problems = open_page(browser, unsure_url)
    try:
        page.goto(unsure_url + "/")
        box = page.get_by_label("Type your question")
        box.fill("how long before")
        box.press("Enter")
        heading = page.get_by_role("heading", name=DID_YOU_MEAN)
        heading.wait_for()
        choices = page.get_by_role("list", name=DID_YOU_MEAN).get_by_role("button")
        assert choices.all_text_contents() == [catalogue.topics[i].question for i in CHOICES]
        for button in choices.all():
            box_px = button.bounding_box()
            assert box_px["height"] >= 60 and box_px["width"] >= 280
        assert page.evaluate("() => document.getElementById('player').getAttribute('src')") is None
        assert page.locator("#caption-note").text_content() == ""

        choices.nth(1).click()
        wait_playing(page, manifest["ArrivalIntent"]["file"])
        assert caption(page) == catalogue.topics["ArrivalIntent"].answer
        assert page.locator("#answer-title").text_content() == catalogue.topics[
            "ArrivalIntent"].question
        assert page.locator("#choices button").count() == 0
        # Focus stays on the answer, not dropped to the page.
        assert page.evaluate("() => document.activeElement.id") == "answer-title"
        # Marked as playing in the list, as if its own question button had been tapped.
        assert page.locator("#questions button.playing").all_text_contents() == [
            catalogue.topics["ArrivalIntent"].question]
    finally:
        context.close()
    assert foreign == [] and problems == []

"""The kiosk's own red-flag check (red-flags.js) in Chromium: Python's verdicts, no server."""

from __future__ import annotations

import csv
import dataclasses
import re

import pytest
from flask import Flask

from skill.catalogue import PROJECT_ROOT, red_flag_text
from skill.kiosk import kiosk_blueprint
from skill.understanding.matcher import red_flag_rules
from tests import kiosk_browser
from tests.kiosk_browser import kiosk_app, open_page
from tests.kiosk_support import serve

pytestmark = pytest.mark.browser

# The browser, the exported audio and a live server, shared by the kiosk's browser tests.
browser = kiosk_browser.browser
exported = kiosk_browser.exported
kiosk_url = kiosk_browser.kiosk_url
kiosk = kiosk_browser.kiosk


QUESTION_SETS = [PROJECT_ROOT / "bench" / "questions" / name
                 for name in ("en-US.tsv", "en-US.nearmiss.tsv", "en-US.redflags.tsv")]
# Typing a real patient might do, which the normalization must treat as Python does.
TYPED_EXTRAS = [
    "I CAN\u2019T BREATHE!!", "chest-pain since this morning \U0001f61f", "  my   chest\thurts  ",
    "I\u2019ve lost control of my bladder.", "Fever? After the procedure?", "\u212aidney pain",
    "caf\u00e9 chest pain", "my dog's got a fever", "what are the warning signs",
    "i cant breathe", "I had chest pain years ago and now I cant breathe",
    "I had a stroke in 2019, I'm having chest pain now", "used to faint, fainted again today",
]
RED_FLAG = "I have chest pain and can't breathe"
VERDICTS = """([rules, questions]) => {
    const flags = new RedFlags(rules);
    return questions.map(q => flags.find(q));
}"""


def table_questions() -> list[str]:
    questions = []
    for path in QUESTION_SETS:
        with path.open(encoding="utf-8", newline="") as rows:
            questions += [row["question"] for row in csv.DictReader(rows, delimiter="\t")]
    return questions + TYPED_EXTRAS


def page_rules(page) -> dict:
    """Return the rules as the page unpacks them from its own data."""
    return page.evaluate("() => RedFlags.unpack(JSON.parse(document.getElementById("
                         "'kiosk-data').textContent).red_flags_packed, '/nowhere')")


def every_source(rules: dict) -> list[str]:
    return rules["everywhere"] + rules["now"] + [source for category in rules["categories"]
                                  for key in ("signals", "not_when") for source in category[key]]


def python_verdict(catalogue, question: str) -> str | None:
    flag = catalogue.red_flag(question)
    return flag.id if flag else None


def see_the_emergency_when_typed(page, catalogue, question: str = RED_FLAG) -> None:
    """Type a red flag into the kiosk and check the emergency message comes up."""
    box = page.get_by_label("Type your question")
    box.fill(question)
    box.press("Enter")
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("alert").text_content() == catalogue.topics["EmergencyIntent"].answer


def test_page_carries_every_red_flag_rule(kiosk, catalogue):
    kiosk.goto(kiosk.base + "/")
    rules = page_rules(kiosk)
    assert rules == red_flag_rules(catalogue)
    assert [c["id"] for c in rules["categories"]] == [f.id for f in catalogue.red_flags]
    assert sorted(every_source(rules)) == sorted(
        [p.pattern for p in catalogue.red_flag_exceptions]
        + [p.pattern for p in catalogue.red_flag_now]
        + [p.pattern for f in catalogue.red_flags for p in (*f.signals, *f.not_when)])


def test_every_pattern_compiles_in_the_browser(kiosk):
    kiosk.goto(kiosk.base + "/")
    rules = page_rules(kiosk)
    # As the page compiles them ("g"), and with the "u" flag, which refuses the escapes
    # JavaScript would otherwise read as plain letters (Python's \A, \Z), so match otherwise.
    broken = kiosk.evaluate("""sources => {
        const out = [];
        for (const source of sources) {
            for (const flags of ["g", "gu"]) {
                try { new RegExp(source, flags); } catch (e) { out.push([source, flags, e.message]); }
            }
        }
        return out;
    }""", every_source(rules))
    assert broken == []
    assert len(every_source(rules)) >= 20


def test_python_only_patterns_are_caught(browser, kiosk_url):
    context, page, foreign, problems = open_page(browser, kiosk_url)
    try:
        page.goto(kiosk_url + "/")
        # Python's named group cannot compile in JavaScript; Python's \A compiles there but
        # means a letter A, which only the strict "u" reading refuses.
        verdicts = page.evaluate("""sources => sources.map(source => {
            try { new RegExp(source, "u"); return "ok"; } catch (e) { return "refused"; }
        })""", ["(?P<where>chest) pain", "\\Achest pain", "chest (pain|hurts)"])
        assert verdicts == ["refused", "refused", "ok"]
        refused = page.evaluate("""() => {
            try {
                new RedFlags({apostrophes: {}, everywhere: [], categories: [
                    {id: "chest", signals: ["(?P<where>chest) pain"], not_when: []}]});
                return false;
            } catch (e) { return true; }
        }""")
        assert refused
    finally:
        context.close()
    assert foreign == [] and problems == []


def test_browser_and_python_give_the_same_verdicts(kiosk, catalogue):
    kiosk.goto(kiosk.base + "/")
    # Every reviewed example too: they hold the "now" cases ("last Christmas, and now ...").
    questions = table_questions() + [example for flag in catalogue.red_flags
                                     for example in (*flag.must, *flag.must_not)]
    assert any(p.search(red_flag_text(q)) for p in catalogue.red_flag_now for q in questions)
    normalized = kiosk.evaluate("""([rules, qs]) => {
        const flags = new RedFlags(rules);
        return qs.map(q => flags.text(q));
    }""", [page_rules(kiosk), questions])
    assert normalized == [red_flag_text(q) for q in questions]
    verdicts = kiosk.evaluate(VERDICTS, [page_rules(kiosk), questions])
    expected = [python_verdict(catalogue, q) for q in questions]
    differ = [(q, js, py) for q, js, py in zip(questions, verdicts, expected, strict=True)
              if js != py]
    assert differ == []
    # The table holds both kinds, and every category, so agreeing means something.
    flagged = [v for v in expected if v]
    assert len(flagged) >= 150 and len(expected) - len(flagged) >= 300
    assert {f.id for f in catalogue.red_flags} <= set(flagged)


def test_a_rule_the_browser_cannot_read_is_reported_and_the_kiosk_still_answers(
        browser, catalogue, skill, exported):
    unreadable = dataclasses.replace(catalogue.red_flags[0],
                                     signals=(re.compile("(?P<where>chest) pain"),))
    broken = dataclasses.replace(catalogue, red_flags=(unreadable, *catalogue.red_flags[1:]))
    app = Flask("kiosk_unreadable_rule")
    app.register_blueprint(kiosk_blueprint(broken, exported, skill=skill))
    with serve(app) as base:
        context, page, foreign, problems = open_page(browser, base)
        try:
            page.goto(base + "/")
            ask = page.get_by_label("Type your question")
            ask.fill("can I drive home afterwards?")
            ask.press("Enter")
            page.locator("#answer-title").filter(has_text="drive").wait_for()
        finally:
            context.close()
    assert foreign == []
    assert len(problems) == 1 and "cannot read" in problems[0]


def test_red_flag_shows_the_emergency_with_the_server_stopped(browser, catalogue, skill,
                                                              exported):
    with serve(kiosk_app(catalogue, skill, exported)) as base:
        context, page, foreign, problems = open_page(browser, base)
        page.goto(base + "/")
        page.get_by_label("Type your question").wait_for()
    try:
        # The server is gone: prove it before trusting what follows.
        reached = page.evaluate("""() => fetch('/kiosk/questions.json', {cache: 'no-store'})
            .then(() => true, () => false)""")
        assert reached is False

        box = page.get_by_label("Type your question")
        box.fill("what's the weather in paris")
        box.press("Enter")
        page.wait_for_function("() => document.getElementById('caption').textContent"
                               ".includes('could not answer just now')", timeout=5000)
        assert page.locator("#emergency").text_content() == ""

        box.fill(RED_FLAG)
        box.press("Enter")
        alert = page.get_by_role("alert")
        # At once: no request is waited for.
        page.wait_for_function("() => document.getElementById('emergency').textContent !== ''",
                               timeout=1000)
        assert alert.text_content() == catalogue.topics["EmergencyIntent"].answer
        assert alert.is_visible()
        assert page.locator("#answer").is_hidden()
    finally:
        context.close()
    assert foreign == []
    # With no server, the only errors are the requests that could not reach it.
    assert [p for p in problems if "ERR_CONNECTION_REFUSED" not in p
            and "Failed to fetch" not in p] == []


def test_a_browser_that_cannot_unpack_asks_the_server_for_the_rules(browser, kiosk_url,
                                                                   catalogue):
    context, page, foreign, problems = open_page(browser, kiosk_url)
    # As in a browser older than DecompressionStream (Chrome 80, Firefox 113, Safari 16.4).
    context.add_init_script("delete window.DecompressionStream;")
    asked = []
    page.on("request", lambda r: asked.append(r.url.rsplit("/", 1)[-1]))
    try:
        page.goto(kiosk_url + "/")
        assert page.evaluate("() => typeof DecompressionStream") == "undefined"
        see_the_emergency_when_typed(page, catalogue)
    finally:
        context.close()
    assert "questions.json" in asked and "ask" not in asked
    assert foreign == [] and problems == []


def test_a_browser_that_cannot_unpack_asks_again_until_the_server_answers(browser, kiosk_url,
                                                                          catalogue):
    context, page, foreign, problems = open_page(browser, kiosk_url)
    context.add_init_script("delete window.DecompressionStream;")
    tries = []

    def down_at_first(route):
        # The server is gone just after serving the page, then comes back.
        tries.append(route.request.url)
        route.abort("connectionrefused") if len(tries) == 1 else route.continue_()

    page.route("**/questions.json", down_at_first)
    try:
        page.goto(kiosk_url + "/")
        page.wait_for_function("() => document.readyState === 'complete'")
        page.wait_for_timeout(500)
        assert len(tries) == 1
        with page.expect_response("**/questions.json", timeout=10_000) as answered:
            pass
        assert answered.value.ok and len(tries) == 2
        page.route("**/ask*", lambda route: route.abort("connectionrefused"))
        see_the_emergency_when_typed(page, catalogue)
    finally:
        context.close()
    assert foreign == []
    assert [p for p in problems if "ERR_CONNECTION_REFUSED" not in p] == [
        "console error: Red-flag rules this browser cannot read: Failed to fetch"]


def test_red_flag_needs_no_request_at_all(kiosk, catalogue):
    kiosk.goto(kiosk.base + "/")
    asked = []
    kiosk.on("request", lambda r: asked.append(r.url) if "/kiosk/ask" in r.url else None)
    see_the_emergency_when_typed(kiosk, catalogue, "My husband collapsed and can\u2019t breathe")
    kiosk.wait_for_timeout(300)
    assert asked == []


def test_emergency_survives_the_idle_reset_until_someone_touches(kiosk, catalogue):
    kiosk.goto(kiosk.base + "/?idle=1")
    box = kiosk.get_by_label("Type your question")
    box.fill(RED_FLAG)
    box.press("Enter")
    alert = kiosk.get_by_role("alert")
    alert.wait_for()
    # The clip ends on its own (not a touch); then several idle spells pass.
    kiosk.evaluate("() => { const a = document.getElementById('player'); a.pause();"
                   " a.dispatchEvent(new Event('ended')); }")
    kiosk.wait_for_timeout(3000)
    assert alert.text_content() == catalogue.topics["EmergencyIntent"].answer
    assert kiosk.evaluate("() => document.body.dataset.resets") is None
    # A touch ends the hold; the next idle spell then resets for the next patient.
    kiosk.locator(".lead").click()
    kiosk.wait_for_function("() => document.body.dataset.resets === '1'", timeout=5000)
    assert kiosk.locator("#emergency").text_content() == ""

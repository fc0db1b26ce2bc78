"""The catalogue loads, expands templates, and refuses bad content with errors naming file and key."""

from __future__ import annotations

import re

import pytest

from skill.catalogue import (
    MAX_SPOKEN_CHARS,
    CatalogueError,
    expand,
    load_catalogue,
    load_clinic,
)

REQUIRED_TOPICS = [
    "WhatIsKyphoplastyIntent", "WhyKyphoplastyIntent", "FractureCausesIntent",
    "CompareVertebroplastyIntent", "BalloonIntent", "ProcedureStepsIntent", "ImagingIntent",
    "AnesthesiaIntent", "LocationIntent", "BoneCementIntent", "GoingHomeIntent", "DrivingIntent",
    "BenefitsIntent", "RecoveryIntent", "ShoweringIntent", "WoundCareIntent", "ActivityIntent",
    "ReturnToWorkIntent", "PainReliefAfterIntent", "FollowUpIntent",
    "FastingIntent", "MedicationsIntent", "ArrivalIntent",
    "DurationIntent", "RisksIntent", "ContactIntent", "EmergencyIntent",
]


@pytest.mark.parametrize("template, expected", [
    ("what is kyphoplasty", ["what is kyphoplasty"]),
    ("{can|may} i drive", ["can i drive", "may i drive"]),
    ("can i drive {home|} now", ["can i drive home now", "can i drive now"]),
    ("{a|b} {c|d}", ["a c", "a d", "b c", "b d"]),
    ("{x|x} y", ["x y"]),
])
def test_expand_templates(template, expected):
    assert expand(template) == expected


@pytest.mark.parametrize("template, message", [
    ("{a|b", "unmatched"),
    ("a}", "unmatched"),
    ("{a|{b}}", "unmatched"),
    ("{a|b|c|d|e|f|g} " * 4, "expands to 2401 variants"),
])
def test_expand_refuses_bad_templates(template, message):
    with pytest.raises(ValueError, match=message):
        expand(template)


def test_every_required_topic_is_there(catalogue):
    assert list(catalogue.topics) == REQUIRED_TOPICS


def test_every_content_topic_has_twenty_phrasings(catalogue):
    for topic in catalogue.topics.values():
        assert len(topic.samples) >= 20, topic.intent


def test_every_answer_records_its_source(catalogue):
    for topic in catalogue.topics.values():
        assert re.match(r"(leaflet|clinic setting|safety rule): \S", topic.source), topic.intent
        if topic.source.startswith("leaflet"):
            assert topic.quotes, topic.intent


def test_unset_clinic_setting_gives_the_honest_default(catalogue):
    fasting = catalogue.topic("FastingIntent")
    assert catalogue.clinic.get("fasting") == ""
    assert fasting.answer.startswith("Your care team will tell you")
    assert "555-0142" in fasting.answer
    assert fasting.source == "clinic setting: fasting (not set: default answer)"


def test_filled_clinic_setting_is_said_as_written(responses_copy):
    clinic = responses_copy / "clinic.toml"
    clinic.write_text(clinic.read_text().replace(
        'duration = ""', 'duration = "It usually takes about an hour."'))
    duration = load_catalogue(responses_dir=responses_copy).topic("DurationIntent")
    assert duration.answer == "It usually takes about an hour."
    assert duration.source == "clinic setting: duration"


def test_no_phone_number_still_says_how_to_reach_the_team(responses_copy):
    clinic = responses_copy / "clinic.toml"
    clinic.write_text(clinic.read_text().replace('phone = "555-0142"', 'phone = ""'))
    catalogue = load_catalogue(responses_dir=responses_copy)
    assert "appointment letter" in catalogue.topic("ContactIntent").answer
    assert "appointment letter" in catalogue.topic("RisksIntent").answer


def test_example_clinic_is_obviously_fictional(catalogue):
    assert re.fullmatch(r"555-01\d\d", catalogue.clinic.phone)


def test_step_clips_have_stable_names(catalogue):
    ids = [clip.id for clip in catalogue.clips()]
    assert "ProcedureStepsIntent.step-1" in ids and "ProcedureStepsIntent.step-5" in ids
    assert len(ids) == len(set(ids))


def test_respelling_keeps_the_rest_of_the_sentence(catalogue):
    assert catalogue.respell("Is Kyphoplasty like vertebroplasty?") == (
        "Is kyfohplasty like vertebrohplasty?")


def break_catalogue(responses_copy, old: str, new: str):
    path = responses_copy / "en-US.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, "the test's anchor text is gone from the catalogue"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(responses_dir=responses_copy)
    return str(caught.value)


@pytest.mark.parametrize("old, new, expected", [
    ('intent = "DrivingIntent"\n', 'intent = "DrivingIntent"\ncolour = "blue"\n',
     r"en-US\.toml: topic\[\d+\] \(DrivingIntent\)\.colour: unknown key"),
    ('answer = "You should not drive', 'answr = "You should not drive',
     r"\(DrivingIntent\)\.answer: must be a non-empty string"),
    ('answer = "You should not drive', 'answer = "You & I should not drive',
     r"\(DrivingIntent\)\.answer: contains characters that break speech markup"),
    ('answer = "You should not drive', 'answer = "<b>You</b> should not drive',
     r"\(DrivingIntent\)\.answer: contains characters that break speech markup"),
    ('answer = "You should not drive', f'answer = "{"Very long. " * 40}You should not drive',
     rf"\(DrivingIntent\)\.answer: is \d+ characters; keep spoken text under {MAX_SPOKEN_CHARS}"),
    ('intent = "DrivingIntent"\n', 'intent = "DrivingIntent"\nsetting = "fasting"\n',
     r"\(DrivingIntent\): must name exactly one source"),
    ('"can i get behind the wheel {afterwards|after}",', '"can i drive {a|b|c|d|e|f} {a|b|c|d|e|f} {a|b|c|d|e|f} {a|b}",',
     r"\(DrivingIntent\)\.utterances\[\d+\]: .* expands to 432 variants"),
    ('"can i get behind the wheel {afterwards|after}",', '"can i drive 2 days after",',
     r"\(DrivingIntent\)\.utterances\[\d+\]: 'can i drive 2 days after' has characters Alexa refuses"),
    ('setting = "fasting"', 'setting = "breakfast"',
     r"\(FastingIntent\)\.setting: 'breakfast' is not a clinic setting"),
    ('unset_answer = "Your care team will tell you how long', 'unset_answer = "{weather} Your care team will tell you how long',
     r"\(DurationIntent\)\.answer: unknown placeholder \{weather\}"),
    ('intent = "ProcedureStepsIntent" }', 'intent = "NoSuchIntent" }',
     r"WhatIsKyphoplastyIntent\.follow_up\.intent: NoSuchIntent is not a topic"),
    ('[prompts]\n', '[prompts]\ngreeting = "hi"\n', r"prompts\.greeting: unknown key"),
    ('welcome_reprompt = ', 'welcome_repromptx = ', r"prompts\.welcome_reprompt: is missing"),
    ('[[lexicon]]\nword = "vertebra"', '[[lexicon]]\nword = "vertebra"\nstress = "first"',
     r"lexicon\[\d+\]\.stress: unknown key"),
])
def test_bad_catalogue_names_file_and_key(responses_copy, old, new, expected):
    message = break_catalogue(responses_copy, old, new)
    assert re.search(expected, message), message


def test_topic_without_utterances_is_refused(responses_copy):
    path = responses_copy / "en-US.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('intent = "DurationIntent"')
    block_start = text.index("utterances = [", start)
    block_end = text.index("]\n", block_start) + 2
    path.write_text(text[:block_start] + "utterances = []\n" + text[block_end:], encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"\(DurationIntent\)\.utterances: has no sample"):
        load_catalogue(responses_dir=responses_copy)


def test_every_problem_is_reported_at_once(responses_copy):
    message = break_catalogue(
        responses_copy, '[prompts]\n', '[prompts]\ngreeting = "hi"\nfarewell = "bye"\n')
    assert "2 problems" in message and "greeting" in message and "farewell" in message


def test_bad_toml_names_the_file(responses_copy):
    (responses_copy / "en-US.toml").write_text("topic = [", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"en-US\.toml: not valid TOML"):
        load_catalogue(responses_dir=responses_copy)


@pytest.mark.parametrize("line, expected", [
    ('fax = "555-0100"\n', r"clinic\.toml\.fax: unknown key"),
    ('fasting = 12\n', r"clinic\.toml: fasting: must be a string"),
])
def test_bad_clinic_settings_name_file_and_key(tmp_path, responses_copy, line, expected):
    path = responses_copy / "clinic.toml"
    text = path.read_text().replace('fasting = ""\n', "")
    path.write_text(text + line)
    with pytest.raises(CatalogueError, match=expected):
        load_clinic(path)


def test_missing_clinic_file_is_named(tmp_path):
    with pytest.raises(CatalogueError, match=r"nowhere\.toml: file not found"):
        load_clinic(tmp_path / "nowhere.toml")


def test_answer_only_load_skips_samples_and_keeps_every_answer(catalogue):
    light = load_catalogue(with_samples=False)
    assert all(topic.samples == () for topic in light.topics.values())
    assert light.out_of_scope == ()
    assert {i: t.answer for i, t in light.topics.items()} == {
        i: t.answer for i, t in catalogue.topics.items()}
    assert light.clips() == catalogue.clips()


RECOVERY_SETTINGS = {
    "ShoweringIntent": ("showering", "when you can shower or bathe"),
    "WoundCareIntent": ("wound_care", "how to look after the needle site"),
    "ActivityIntent": ("activity", "when you can lift, bend, exercise or travel"),
    "ReturnToWorkIntent": ("return_to_work", "when you can go back to work"),
    "PainReliefAfterIntent": ("pain_relief_after", "what you can take for soreness"),
    "FollowUpIntent": ("follow_up", "when your follow-up visit or call will be"),
}


@pytest.mark.parametrize("intent", RECOVERY_SETTINGS)
def test_recovery_topics_answer_honestly_while_the_clinic_is_silent(catalogue, intent):
    setting, promise = RECOVERY_SETTINGS[intent]
    topic = catalogue.topic(intent)
    assert topic.group == "after" and topic.setting == setting
    assert topic.answer.startswith(f"Your care team will tell you {promise}")
    assert "You can call Example Spine Clinic on 555-0142." in topic.answer
    assert topic.source == f"clinic setting: {setting} (not set: default answer)"


@pytest.mark.parametrize("intent", RECOVERY_SETTINGS)
def test_recovery_topics_read_the_clinics_own_words_when_set(responses_copy, intent):
    setting, _ = RECOVERY_SETTINGS[intent]
    clinic = responses_copy / "clinic.toml"
    words = "Follow the instructions on your discharge sheet."
    clinic.write_text(clinic.read_text().replace(f'{setting} = ""', f'{setting} = "{words}"'))
    topic = load_catalogue("en-US", responses_dir=responses_copy).topic(intent)
    assert topic.answer == words
    assert topic.source == f"clinic setting: {setting}"


def test_recovery_points_to_the_activity_topic(catalogue):
    assert catalogue.topic("RecoveryIntent").follow_up.intent == "ActivityIntent"


def test_the_emergency_number_is_said_when_the_clinic_sets_it(responses_copy):
    unset = load_catalogue("en-US", responses_dir=responses_copy)
    assert unset.topic("EmergencyIntent").answer == (
        "This could be an emergency. Please call your local emergency number now.")
    assert unset.prompts["fallback"].endswith(
        "If you feel unwell right now, call your local emergency number.")
    clinic = responses_copy / "clinic.toml"
    clinic.write_text(clinic.read_text().replace('emergency_number = ""',
                                                 'emergency_number = "911"'))
    named = load_catalogue("en-US", responses_dir=responses_copy)
    assert named.topic("EmergencyIntent").answer == (
        "This could be an emergency. Please call 911 now.")
    assert named.topic("EmergencyIntent").card_title == "Call 911 now"
    assert named.prompts["help"].count("If you feel unwell right now, call 911.") == 1
    assert named.prompts["fallback"].endswith("If you feel unwell right now, call 911.")


def test_an_emergency_number_that_cannot_be_dialled_is_refused(responses_copy):
    clinic = responses_copy / "clinic.toml"
    clinic.write_text(clinic.read_text().replace('emergency_number = ""',
                                                 'emergency_number = "call 911"'))
    with pytest.raises(CatalogueError, match=r"clinic.toml: emergency_number: 'call 911' must "
                                             r"be the number to dial"):
        load_catalogue("en-US", responses_dir=responses_copy)


@pytest.mark.parametrize("old, new, expected", [
    ('id = "fever"\nname = "Fever after the procedure"\nsignals = [\n',
     'id = "fever"\nname = "Fever after the procedure"\nsignals = [\n  "fever(",\n',
     r"red-flags/en-US\.toml: category fever\.signals\[0\]: is not a valid regular expression"),
    ('id = "fever"\n', 'id = "fever"\ncolour = "red"\n',
     r"category fever\.colour: unknown key"),
    ('id = "fever"\n', 'id = "Fever!"\n', r"category\[\d+\]\.id: must be a lower-case id"),
    ('id = "fall"\n', 'id = "fever"\n', r"category fever\.id: is used by two categories"),
    ('[everywhere]\nnot_when = [\n', '[everywhere]\nnot_when = [\n  5,\n',
     r"everywhere\.not_when\[0\]: must be a non-empty string"),
    ('must = [\n  "I have a fever since the procedure",', 'must = [\n  5,\n  "I have a fever since the procedure",',
     r"category fever\.must\[0\]: must be a non-empty string, not 5"),
])
def test_bad_red_flags_name_the_file_and_key(responses_copy, old, new, expected):
    path = responses_copy / "red-flags" / "en-US.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, "the test's anchor text is gone from the red-flag file"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(responses_dir=responses_copy)
    assert re.search(expected, str(caught.value)), str(caught.value)


def test_answering_needs_no_red_flag_file(responses_copy):
    # The Lambda package ships responses/*.toml only: answers must load without red flags.
    (responses_copy / "red-flags" / "en-US.toml").unlink()
    catalogue = load_catalogue(responses_dir=responses_copy, with_samples=False)
    assert catalogue.topic("EmergencyIntent").answer.startswith("This could be an emergency")
    with pytest.raises(CatalogueError, match=r"red-flags/en-US\.toml: file not found"):
        load_catalogue(responses_dir=responses_copy)


# Every mistake a clinic's editor can make in responses/ (issue 10, section 3): each must be
# one line naming the file and the key, never a traceback and never a silent misreading.

def sub(pattern: str, new: str):
    """Break a file by replacing the first line matching pattern."""
    def breaker(text: str) -> str:
        changed, count = re.subn(pattern, new, text, count=1, flags=re.M)
        assert count == 1, f"the test's anchor {pattern!r} is gone"
        return changed
    return breaker


def array(key: str, new: str):
    """Break a file by giving the first `key = [...]` array (one line or many) a new value."""
    return sub(rf"^{key} = \[(?:\n(?:.*\n)*?\]|.*\])$", f"{key} = {new}")


def first_in(key: str, entry: str):
    """Break a file by putting entry first in the first multi-line `key = [` array."""
    return sub(rf"^{key} = \[$", f"{key} = [\n  {entry},".replace("\\", "\\\\"))


def after_intent(intent: str, line: str):
    """Break a file by adding a line to one topic."""
    return sub(rf'^intent = "{intent}"$', f'intent = "{intent}"\n{line}')


def as_top_level_value(header: str, value: str):
    """Break a file by writing every [header] or [[header]] table as `name = value` instead."""
    name = header.strip("[]")

    def breaker(text: str) -> str:
        block = re.compile(rf"^{re.escape(header)}\n(?:[a-z_]+ = .*\n)+", re.M)
        assert block.search(text), f"the test's anchor {header} is gone"
        return sub(r"^locale = (.*)$", rf"locale = \1\n{name} = {value}")(block.sub("", text))
    return breaker


def bad_byte(pattern: str):
    """Break a file with a byte that is not UTF-8 (Latin-1's e-acute) in the line matching."""
    def breaker(text: str) -> bytes:
        line = re.search(pattern, text, flags=re.M)
        assert line, f"the test's anchor {pattern!r} is gone"
        return text[:line.end()].encode() + b"\xe9" + text[line.end():].encode()
    return breaker


def one_category_as_table(text: str) -> str:
    """Break the red-flag file by writing its only category as [category], not [[category]]."""
    first = text.index("[[category]]\n")
    second = text.index("[[category]]\n", first + 1)
    return text[:first] + "[category]\n" + text[first + len("[[category]]\n"):second]


SLOW = r"'\^\(a\+\)\+\$' backtracks catastrophically"
CATALOGUE, CLINIC, RED_FLAGS = "en-US.toml", "clinic.toml", "red-flags/en-US.toml"


@pytest.mark.parametrize("name, breaker, expected", [
    # Raw tracebacks before.
    (CATALOGUE, bad_byte(r'^welcome = "Hello'), r"line \d+ \(prompts\.welcome\): byte 0xe9 is not UTF-8"),
    (CLINIC, bad_byte(r'^name = "Example'), r"line \d+ \(name\): byte 0xe9 is not UTF-8"),
    (RED_FLAGS, bad_byte(r'^name = "Fever'), r"line \d+ \(category\.name\): byte 0xe9 is not"),
    (CATALOGUE, sub(r"^\[matcher\]$", '[[emergency]]\npatterns = ["chest pain"]\n\n[matcher]'),
     r"en-US\.toml\.emergency: unknown key \(expected one of: groups, invocation_name, lexicon"),
    (RED_FLAGS, sub(r"^\[everywhere\]$", "[[everywhere]]"),
     r"everywhere: must be one table: write \[everywhere\] once, not \[\[everywhere\]\]"),
    (RED_FLAGS, one_category_as_table,
     r"category: must be a list; write each entry as \[\[category\]\], not one \[category\]"),
    (CATALOGUE, sub(r"^follow_up = \{.*\}$", 'follow_up = "yes"'),
     r"topic\[\d+\] \(WhatIsKyphoplastyIntent\)\.follow_up: must be a table .*, not 'yes'"),
    (CATALOGUE, array("step_quotes", "5"),
     r"\(ProcedureStepsIntent\)\.step_quotes: must be a list in square brackets, not 5"),
    (RED_FLAGS, array("signals", "5"),
     r"category chest_pain\.signals: must be a list in square brackets, not 5"),
    (RED_FLAGS, array("not_when", "5"),
     r"everywhere\.not_when: must be a list in square brackets, not 5"),
    (CATALOGUE, array("out_of_scope_patterns", "5"),
     r"matcher\.out_of_scope_patterns: must be a list in square brackets, not 5"),
    (CATALOGUE, as_top_level_value("[groups]", '"x"'), r"groups: must be a table .*, not 'x'"),
    (CATALOGUE, as_top_level_value("[[lexicon]]", '"x"'),
     r"lexicon: must be a list in square brackets, not 'x'"),
    (CATALOGUE, sub(r"^invocation_name = .*$", "invocation_name = 5"),
     r"invocation_name: must be a non-empty string, not 5"),
    # Silently accepted before.
    (CATALOGUE, after_intent("DrivingIntent", 'end_session = "no"'),
     r"\(DrivingIntent\)\.end_session: must be true or false \(without quotes\), not 'no'"),
    (CATALOGUE, after_intent("DrivingIntent", "card_text = 5"),
     r"\(DrivingIntent\)\.card_text: must be a non-empty string, not 5"),
    (CATALOGUE, array("steps", '"abc"'),
     r"\(ProcedureStepsIntent\)\.steps: must be a list in square brackets, not 'abc'"),
    (CATALOGUE, sub(r"^quote = .*$", "quote = 5"),
     r"\(WhatIsKyphoplastyIntent\)\.quote: must be a non-empty string, not 5"),
    (CATALOGUE, sub(r"^locale = .*$", "locale = 5"), r"locale: must be a non-empty string, not 5"),
    (CATALOGUE, sub(r"^locale = .*$", 'locale = "en-GB"'),
     r"locale: 'en-GB' does not match the file name en-US\.toml"),
    (RED_FLAGS, first_in("signals", r'"^(a+)+$"'), rf"category chest_pain\.signals\[0\]: {SLOW}"),
    (RED_FLAGS, first_in("not_when", r'"^(a+)+$"'), rf"everywhere\.not_when\[0\]: {SLOW}"),
    (CATALOGUE, first_in("out_of_scope_patterns", r'"^(a+)+$"'),
     rf"matcher\.out_of_scope_patterns\[0\]: {SLOW}"),
    # Python reads these, the kiosk page's JavaScript would throw on them.
    (RED_FLAGS, first_in("signals", r'"(?P<where>chest) pain"'),
     r"category chest_pain\.signals\[0\]: uses a named group \(\?P\.\.\.\), which only Python"),
    (RED_FLAGS, first_in("not_when", r'"(?i)years ago"'),
     r"everywhere\.not_when\[0\]: uses an inline flag like \(\?i\)"),
    # And the clinic's own settings.
    (CLINIC, sub(r"^emergency_number = .*$", "emergency_number = 911"),
     r'emergency_number: must be a string \(use "" to leave it unset\), not 911'),
    (CLINIC, sub(r"^phone = .*$", "phone = 5550142"),
     r'phone: must be a string \(use "" to leave it unset\), not 5550142'),
    (CLINIC, sub(r"^\[?name = (.*)$", r"[clinic]\nname = \1"), r"clinic\.toml\.clinic: unknown key"),
])
def test_every_mistake_is_one_line_naming_file_and_key(responses_copy, name, breaker, expected):
    path = responses_copy / name
    broken = breaker(path.read_text(encoding="utf-8"))
    path.write_bytes(broken if isinstance(broken, bytes) else broken.encode())
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(responses_dir=responses_copy)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(str(path)), problems[0]
    assert re.search(expected, problems[0]), problems[0]


def test_answer_only_load_checks_the_shape_too(responses_copy):
    path = responses_copy / "en-US.toml"
    path.write_text(after_intent("DrivingIntent", 'end_session = "no"')(
        path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"\(DrivingIntent\)\.end_session: must be true"):
        load_catalogue(responses_dir=responses_copy, with_samples=False)


def test_a_byte_order_mark_is_not_a_mistake(responses_copy):
    path = responses_copy / "clinic.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_catalogue(responses_dir=responses_copy).clinic.name == "Example Spine Clinic"


def test_unknown_keys_and_wrong_types_are_all_reported_at_once(responses_copy):
    path = responses_copy / "en-US.toml"
    text = after_intent("DrivingIntent", 'end_session = "no"\ncolour = "blue"')(
        path.read_text(encoding="utf-8"))
    path.write_text(sub(r"^invocation_name = .*$", "invocation_name = 5")(text),
                    encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(responses_dir=responses_copy)
    assert len(caught.value.problems) == 3, caught.value.problems


def in_topic(intent: str, line: str):
    """Break one topic by setting a key to line, in place of the key's own value if it has one."""
    key = line.split(" = ")[0]

    def breaker(text: str) -> str:
        start = text.index(f'intent = "{intent}"\n')
        end = text.find("[[topic]]", start)
        end = len(text) if end < 0 else end
        block = re.sub(rf"^{key} = (?:\[\n(?:.*\n)*?\]|.*)\n", "", text[start:end], count=1,
                       flags=re.M)
        return f"{text[:start]}{block.rstrip()}\n{line}\n\n{text[end:]}"
    return breaker


@pytest.mark.parametrize("line, expected", [
    ("answer = 1987-06-05", r"\(DrivingIntent\)\.answer: must be a string, not datetime"),
    ('follow_up = { prompt = "More?" }', r"\(DrivingIntent\)\.follow_up\.intent: is missing"),
    ("utterances = 5", r"\(DrivingIntent\)\.utterances: must be a list in square brackets"),
    ("steps = [5]", r"\(DrivingIntent\)\.steps\[0\]: must be a non-empty string, not 5"),
    ('steps = [" "]', r"\(DrivingIntent\)\.steps\[0\]: must be a non-empty string$"),
])
def test_other_wrong_types_in_a_topic_name_the_key(responses_copy, line, expected):
    path = responses_copy / "en-US.toml"
    path.write_text(in_topic("DrivingIntent", line)(path.read_text(encoding="utf-8")),
                    encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(responses_dir=responses_copy)
    assert len(caught.value.problems) == 1, caught.value.problems
    assert re.search(expected, caught.value.problems[0]), caught.value.problems[0]


NODE_COMPILES = """
const sources = JSON.parse(require("fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(sources.map(function (source) {
  try { new RegExp(source, "g"); return true; } catch (error) { return false; }
})));
"""


@pytest.mark.node
def test_what_the_loader_calls_python_only_is_what_javascript_refuses(catalogue):
    import json
    import subprocess

    from skill.catalogue import _python_only
    from tests.js.node_tools import node

    shipped = [p.pattern for p in (*catalogue.red_flag_exceptions, *catalogue.emergency_patterns,
                                   *(p for f in catalogue.red_flags for p in f.not_when))]
    # Not (?i:...) or lookbehind: newer browsers read them, older tablets do not.
    refused = [r"(?P<x>a)", r"(?i)abc", r"(?>ab)", r"a++", r"a{2}+", r"(?#note)a"]
    result = subprocess.run([node(), "-e", NODE_COMPILES], input=json.dumps(shipped + refused),
                            capture_output=True, text=True, timeout=60, check=True)
    compiles = json.loads(result.stdout)
    assert compiles == [True] * len(shipped) + [False] * len(refused)
    assert [_python_only(p) for p in shipped] == [""] * len(shipped)
    assert all(_python_only(p) for p in refused)

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
    "BenefitsIntent", "RecoveryIntent", "FastingIntent", "MedicationsIntent", "ArrivalIntent",
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
    ('[emergency]\npatterns = [\n', '[emergency]\npatterns = [\n  "fever(",\n',
     r"emergency\.patterns\[0\]: is not a valid regular expression"),
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

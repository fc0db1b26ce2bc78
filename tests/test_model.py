"""The interaction model is generated from the catalogue, kept fresh, and checked as Alexa would."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from skill.alexa.model import (
    BUILT_IN_INTENTS,
    interaction_model,
    invocation_problems,
    model_path,
    model_problems,
    reading_grade,
    render_model,
    validate,
    write_atomically,
)
from skill.catalogue import PROJECT_ROOT, load_catalogue


def run_cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "skill", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120, **kwargs)


def test_committed_model_matches_the_catalogue(catalogue):
    assert model_path("en-US").read_text(encoding="utf-8") == render_model(catalogue), (
        "interaction_model/en-US.json is stale: run `python -m skill build-model`")


def test_model_is_in_ask_format_with_every_intent(catalogue):
    language = interaction_model(catalogue)["interactionModel"]["languageModel"]
    names = [intent["name"] for intent in language["intents"]]
    assert language["invocationName"] == catalogue.invocation_name
    assert names == [*catalogue.topics, *BUILT_IN_INTENTS]
    for intent in language["intents"][: len(catalogue.topics)]:
        assert intent["samples"] == list(catalogue.topic(intent["name"]).samples)


def test_shipped_skill_validates(catalogue):
    assert validate(catalogue) == []


def test_build_model_check_fails_when_stale_and_build_fixes_it(tmp_path, monkeypatch, capsys,
                                                                responses_copy):
    from skill.__main__ import main

    monkeypatch.setattr("skill.alexa.model.MODEL_DIR", tmp_path)
    monkeypatch.setattr("skill.catalogue.RESPONSES_DIR", responses_copy)
    assert main(["build-model", "--check"]) == 1  # no model yet
    assert main(["build-model"]) == 0
    assert main(["build-model", "--check"]) == 0
    # A new phrasing in the catalogue makes the built model stale.
    path = responses_copy / "en-US.toml"
    path.write_text(path.read_text().replace('"step by step",', '"step by step",\n  "what is the plan",'))
    assert main(["build-model", "--check"]) == 1
    assert "is stale" in capsys.readouterr().err
    assert main(["build-model"]) == 0
    assert "what is the plan" in (tmp_path / "en-US.json").read_text()


def test_build_model_check_passes_on_the_committed_model():
    result = run_cli("build-model", "--check")
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_write_atomically_leaves_no_partial_file(tmp_path):
    target = tmp_path / "model.json"
    target.write_text("old")

    with pytest.raises(TypeError):
        write_atomically(target, 12345)  # not text: fails mid-write
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


@pytest.mark.parametrize("name, expected", [
    ("spine procedure guide", []),
    ("kyphoplasty", ["two or more words"]),
    ("Spine Guide", ["lower-case"]),
    ("alexa spine guide", ["must not contain alexa"]),
    ("open spine guide", ["must not contain open"]),
    ("guide to spine", []),
    ("guide to", ["two-word name"]),
    ("the guide", ["two-word name"]),
    ("spine guide 2", ["lower-case"]),
    ("sam's spine guide", []),
])
def test_invocation_name_rules(name, expected):
    problems = invocation_problems(name)
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


def test_same_utterance_in_two_intents_is_reported(catalogue):
    model = interaction_model(catalogue)
    intents = model["interactionModel"]["languageModel"]["intents"]
    intents[1]["samples"].append(intents[0]["samples"][0])
    problems = model_problems(model, catalogue)
    assert any("is in more than one intent" in p for p in problems)


@pytest.mark.parametrize("mutate, fragment", [
    (lambda m: m["intents"].pop(), "AMAZON.NavigateHomeIntent is missing"),
    (lambda m: m["intents"][0]["samples"].append("what's 2 plus 2"), "Alexa refuses"),
    (lambda m: m["intents"][0]["samples"].append("a " * 120), "too long"),
    (lambda m: m["intents"].append({"name": "WeatherIntent", "samples": ["weather"]}),
     "WeatherIntent has no answer"),
    (lambda m: m["intents"].pop(0), "WhatIsKyphoplastyIntent has no intent in the model"),
    (lambda m: m["intents"].extend({"name": f"X{i}Intent", "samples": [f"x {i}"]}
                                   for i in range(250)), "Alexa's limit is 250"),
    (lambda m: m["intents"][0]["samples"].extend(f"question number {i}" for i in range(90000)),
     "Alexa's limit is 1500000"),
])
def test_model_problems_are_reported(catalogue, mutate, fragment):
    model = interaction_model(catalogue)
    mutate(model["interactionModel"]["languageModel"])
    assert any(fragment in p for p in model_problems(model, catalogue)), fragment


def test_reading_grade_tells_plain_from_dense_text():
    plain = "You should not drive. Ask your care team first."
    dense = ("Osteoporotic vertebral fractures have associations with increased morbidity, "
             "necessitating multidisciplinary consideration of augmentation methodologies.")
    assert reading_grade(plain) < 6 < 12 < reading_grade(dense)


def test_validate_reports_a_hard_answer_and_a_false_quote(responses_copy, monkeypatch):
    path = responses_copy / "en-US.toml"
    text = path.read_text()
    text = text.replace(
        'answer = "You should not drive unless a medical professional says it\'s okay. Please ask your care team before you drive."',
        'answer = "Postprocedural automobile operation necessitates authorization from qualified medical professionals."')
    text = text.replace('quote = "A person should not drive unless a medical professional approves it."',
                        'quote = "Patients may drive the next morning."')
    path.write_text(text)
    catalogue = load_catalogue(responses_dir=responses_copy)
    problems = validate(catalogue)
    assert any(p.startswith("DrivingIntent.answer: reads at grade") for p in problems)
    assert any(p.startswith("DrivingIntent: quote 'Patients may drive") for p in problems)


def test_validate_reports_a_missing_leaflet(catalogue, tmp_path):
    problems = validate(catalogue, leaflet=tmp_path / "missing.txt")
    assert any("leaflet not found" in p and "LEAFLET_PATH" in p for p in problems)


def test_validate_refuses_audio_over_plain_http(catalogue, monkeypatch):
    monkeypatch.setenv("AUDIO_BASE_URL", "http://clinic.example/audio")
    assert any("only plays audio over HTTPS" in p for p in validate(catalogue))


def test_validate_command_exit_codes(monkeypatch):
    ok = run_cli("validate")
    assert ok.returncode == 0 and "is valid" in ok.stdout
    bad = run_cli("validate", env={"PATH": "", "AUDIO_BASE_URL": "http://x.example/a"})
    assert bad.returncode == 1 and "HTTPS" in bad.stderr


def test_model_file_is_valid_json_under_the_size_limit():
    data = model_path("en-US").read_bytes()
    assert len(data) < 1_500_000
    json.loads(data)


@pytest.mark.parametrize("template, complaint", [
    ('"can i drive drive home after it"', "says the same word twice"),
    ('"what \'s the rule on driving"', "has an apostrophe cut off from its word"),
    ('"i a car to drive"', "has a pronoun with no verb"),
    ('"can i drive a automatic"', "says 'a' before a vowel sound"),
])
def test_validate_rejects_a_garbled_generated_sample(responses_copy, template, complaint):
    path = responses_copy / "en-US.toml"
    anchor = '"can i get behind the wheel {afterwards|after}",'
    text = path.read_text()
    assert anchor in text
    path.write_text(text.replace(anchor, f"{anchor}\n  {template},"))
    problems = validate(load_catalogue(responses_dir=responses_copy))
    assert any(p.startswith("DrivingIntent: sample") and complaint in p for p in problems), problems


def test_the_shipped_samples_are_grammatical(catalogue):
    from skill.alexa.model import garbled_samples

    assert garbled_samples(catalogue) == []


def test_the_model_carries_every_red_flag_category(catalogue):
    model = interaction_model(catalogue)
    [emergency] = [i for i in model["interactionModel"]["languageModel"]["intents"]
                   if i["name"] == "EmergencyIntent"]
    samples = set(emergency["samples"])
    assert len(samples) >= 300
    for flag in catalogue.red_flags:
        assert len(flag.samples) >= 15, flag.id
        assert set(flag.samples) <= samples, flag.id


def test_validate_reports_a_red_flag_example_the_rules_miss(responses_copy):
    path = responses_copy / "red-flags" / "en-US.toml"
    text = path.read_text()
    anchor = '  "my wife passed out in the kitchen",\n'
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + '  "my wife is humming a tune",\n'))
    problems = validate(load_catalogue(responses_dir=responses_copy))
    assert "red flag fainting: 'my wife is humming a tune' must trigger it but does not" in problems
